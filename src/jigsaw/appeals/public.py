"""The public Most Wanted pages: the list, each appeal, the anonymous sighting form and its
follow-up, and subscribing to alerts by email.

Every page is complete without JavaScript and sets no cookie. The list and appeal pages are
cacheable for a short while (``Cache-Control: public, max-age=60`` with an ETag), so a surge of
visitors after an alert is served from caches; a located appeal drops off within that minute.
The sighting and follow-up routes never read the client's address, not even for a rate limit
(their limit is one for everyone), and the access log drops it (:mod:`jigsaw.http.access_log`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from jigsaw.appeals import messages, service, subscriptions, tips
from jigsaw.appeals.lifecycle import REGIONS, AppealStatus
from jigsaw.appeals.tokens import TokenRefused
from jigsaw.http.deps import db_session, platform_of
from jigsaw.http.security import SlidingWindowLimiter, client_key, too_many_requests
from jigsaw.http.templating import render

router = APIRouter(prefix="/most-wanted", include_in_schema=False)

PUBLIC_CACHE = "public, max-age=60"
PHOTO_CACHE = "public, max-age=300"
MAX_FORM_BYTES = 32 * 1024
HOUR = 3600.0
SUBSCRIBE_PER_CLIENT_PER_HOUR = 10
TIPS_PER_HOUR = 600  # for everyone together: a tip's sender is never told apart from another


@dataclass(frozen=True)
class PublicForm:
    values: Mapping[str, str] = field(default_factory=dict)
    lists: Mapping[str, list[str]] = field(default_factory=dict)
    refused: int | None = None

    def get(self, name: str) -> str:
        return self.values.get(name, "")


async def read_form(request: Request) -> PublicForm:
    """A small URL-encoded form and nothing else: multipart (a file) is refused before it is parsed."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        return PublicForm(refused=status.HTTP_415_UNSUPPORTED_MEDIA_TYPE)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            return PublicForm(refused=status.HTTP_413_CONTENT_TOO_LARGE)
    try:
        pairs = parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True, max_num_fields=40)
    except ValueError:
        return PublicForm(refused=status.HTTP_413_CONTENT_TOO_LARGE)
    values: dict[str, str] = {}
    lists: dict[str, list[str]] = {}
    for name, value in pairs:
        values.setdefault(name, value)
        lists.setdefault(name, []).append(value)
    return PublicForm(values, lists)


def _limiter(request: Request, name: str, limit: int) -> SlidingWindowLimiter:
    state = request.app.state
    attr = f"most_wanted_{name}_limiter"
    if not hasattr(state, attr):
        setattr(state, attr, SlidingWindowLimiter(limit, HOUR))
    found: SlidingWindowLimiter = getattr(state, attr)
    return found


def _cached(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> Response:
    """Render, then answer 304 if the client already has this exact page (ETag)."""
    page = render(request, name, context, status_code=status_code)
    body = bytes(page.body)
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    if request.headers.get("if-none-match") == etag and status_code == 200:
        return Response(status_code=304, headers={"ETag": etag, "Cache-Control": PUBLIC_CACHE})
    page.headers["ETag"] = etag
    page.headers["Cache-Control"] = PUBLIC_CACHE
    return page


def _refused(request: Request, code: int) -> Response:
    return render(request, "appeals/public/message.html", {
        "title": "We could not read that form", "message": "Please go back and try again."}, status_code=code)


# --- the list and the appeals ----------------------------------------------------------------


@router.get("", response_class=HTMLResponse)
def most_wanted(request: Request, region: str = "", session: Session = Depends(db_session)) -> Response:
    chosen = region if region in REGIONS else ""
    return _cached(request, "appeals/public/index.html", {
        "appeals": service.published_appeals(session, chosen or None), "regions": REGIONS, "region": chosen})


@router.get("/subscribe", response_class=HTMLResponse)
def subscribe_page(request: Request) -> Response:
    return render(request, "appeals/public/subscribe.html", {
        "regions": REGIONS, "consent": messages.CONSENT_TEXT, "errors": {}, "v": {}})


@router.post("/subscribe", response_class=HTMLResponse)
async def subscribe(request: Request, session: Session = Depends(db_session)) -> Response:
    form = await read_form(request)
    if form.refused:
        return _refused(request, form.refused)
    email = form.get("email").strip()
    if subscriptions.canonical_email(email) is None or form.get("consent") != "yes":
        errors = {}
        if subscriptions.canonical_email(email) is None:
            errors["email"] = "Enter an email address, like name@example.com"
        if form.get("consent") != "yes":
            errors["consent"] = "Tick the box to say you want these emails"
        return render(request, "appeals/public/subscribe.html", {
            "regions": REGIONS, "consent": messages.CONSENT_TEXT, "errors": errors,
            "v": {"email": email, "regions": form.lists.get("regions", [])}}, status_code=422)
    limiter = _limiter(request, "subscribe", SUBSCRIBE_PER_CLIENT_PER_HOUR)
    key = client_key(request)
    if not limiter.allow(key):
        raise too_many_requests(limiter, key, "Too many requests from here: please try again later.")
    subscriptions.request_subscription(session, subscriptions.Links.of(platform_of(request)), email,
                                       form.lists.get("regions", []))
    # The same page whether the address is new, pending, confirmed or suppressed.
    return render(request, "appeals/public/message.html", {
        "title": "Check your email",
        "message": "If that address can receive alerts, we have sent it an email with a link to confirm. "
                   "Nothing will be sent unless the link is used."})


@router.get("/confirm/{token}", response_class=HTMLResponse)
def confirm_page(token: str, request: Request) -> Response:
    """Shows a button: a link scanner that opens the mail's link must not subscribe anyone."""
    return render(request, "appeals/public/confirm.html", {"token": token})


@router.post("/confirm/{token}", response_class=HTMLResponse)
def confirm(token: str, request: Request, session: Session = Depends(db_session)) -> Response:
    try:
        subscriptions.confirm(session, subscriptions.Links.of(platform_of(request)), token)
    except TokenRefused as exc:
        return render(request, "appeals/public/message.html", {
            "title": "This link has expired" if exc.expired else "This link does not work",
            "message": "Ask for alerts again and use the newest email."}, status_code=400)
    return render(request, "appeals/public/message.html", {
        "title": "You are subscribed", "message": "We will email you when an appeal is published or a person "
        "is found. Every email has a link to unsubscribe."})


@router.get("/unsubscribe/{token}", response_class=HTMLResponse)
def unsubscribe_page(token: str, request: Request) -> Response:
    """A GET never unsubscribes (mail scanners follow links): it shows the one-click button."""
    return render(request, "appeals/public/unsubscribe.html", {"token": token})


@router.post("/unsubscribe/{token}", response_class=HTMLResponse)
def unsubscribe(token: str, request: Request, session: Session = Depends(db_session)) -> Response:
    """RFC 8058 one-click: the mail client POSTs ``List-Unsubscribe=One-Click`` here, with no cookie
    or login; the button on the page posts the same. Either way the token alone decides."""
    try:
        subscriptions.unsubscribe(session, subscriptions.Links.of(platform_of(request)), token)
    except TokenRefused:
        return render(request, "appeals/public/message.html", {
            "title": "This link does not work", "message": "Use the unsubscribe link in the newest email."},
            status_code=400)
    return render(request, "appeals/public/message.html", {
        "title": "You have unsubscribed", "message": "We will not email you about Most Wanted appeals again."})


@router.get("/follow-up", response_class=HTMLResponse)
def follow_up_page(request: Request) -> Response:
    return render(request, "appeals/public/follow_up.html", {"errors": {}, "v": {}, "tip": None})


@router.post("/follow-up", response_class=HTMLResponse)
async def follow_up(request: Request, session: Session = Depends(db_session)) -> Response:
    form = await read_form(request)
    if form.refused:
        return _refused(request, form.refused)
    limiter = _limiter(request, "tips", TIPS_PER_HOUR)
    if not limiter.allow("everyone"):
        raise too_many_requests(limiter, "everyone", "We are receiving a lot of messages: please call 999 "
                                "or Crimestoppers on 0800 555 111, or try again later.")
    try:
        found = tips.follow_up(session, form.get("reference"), form.get("passphrase"), form.get("more"))
    except tips.SightingRefused as exc:
        return render(request, "appeals/public/follow_up.html", {"errors": exc.fields, "v": form.values,
                                                                 "tip": None}, status_code=422)
    if found is None:
        return render(request, "appeals/public/follow_up.html", {
            "errors": {"reference": "That reference and passphrase do not match a message we have"},
            "v": {"reference": form.get("reference")}, "tip": None}, status_code=422)
    return render(request, "appeals/public/follow_up.html", {
        "errors": {}, "v": {}, "tip": found, "labels": tips.TIP_STATUS_LABELS,
        "added": bool(form.get("more").strip())})


@router.get("/{slug}", response_class=HTMLResponse)
def appeal_page(slug: str, request: Request, session: Session = Depends(db_session)) -> Response:
    appeal = service.public_appeal(session, slug)
    if appeal is None:
        return _cached(request, "appeals/public/message.html", {
            "title": "Page not found", "message": "There is no Most Wanted appeal at this address."}, 404)
    if appeal.status != AppealStatus.PUBLISHED:
        return _cached(request, "appeals/public/ended.html", {"appeal": appeal}, 410)
    return _cached(request, "appeals/public/appeal.html", {"appeal": appeal, "f": appeal.fields, "errors": {},
                                                          "v": {}})


@router.get("/{slug}/photo.jpg")
def photo(slug: str, session: Session = Depends(db_session)) -> Response:
    found = service.public_photo(session, slug)
    if found is None:
        return Response(status_code=404, headers={"Cache-Control": "no-store"})
    return Response(found.data, media_type=found.media_type,
                    headers={"Cache-Control": PHOTO_CACHE, "ETag": f'"{found.sha256[:32]}"'})


@router.post("/{slug}/sighting", response_class=HTMLResponse)
async def sighting(slug: str, request: Request, session: Session = Depends(db_session)) -> Response:
    """An anonymous sighting: never reads the client's address, sets no cookie, stores no address."""
    form = await read_form(request)
    if form.refused:
        return _refused(request, form.refused)
    limiter = _limiter(request, "tips", TIPS_PER_HOUR)
    if not limiter.allow("everyone"):
        raise too_many_requests(limiter, "everyone", "We are receiving a lot of messages: please call 999 "
                                "or Crimestoppers on 0800 555 111, or try again later.")
    try:
        new = tips.submit_sighting(session, slug, form.get("seen"), form.get("where"), form.get("when"))
    except tips.SightingRefused as exc:
        appeal = service.public_appeal(session, slug)
        return render(request, "appeals/public/appeal.html", {
            "appeal": appeal, "f": appeal.fields if appeal else None, "errors": exc.fields, "v": form.values},
            status_code=422)
    if new is None:
        appeal = service.public_appeal(session, slug)
        if appeal is None:
            return render(request, "appeals/public/message.html", {
                "title": "Page not found", "message": "There is no Most Wanted appeal at this address."},
                status_code=404)
        return render(request, "appeals/public/ended.html", {"appeal": appeal}, status_code=410)
    return render(request, "appeals/public/sighting_done.html", {"tip": new})
