"""The public "Report Abuse" pages at ``/report``: one question per page, safe on a shared device.

Every POST saves the page's answers in a server-side draft (see :mod:`jigsaw.intake.drafts`)
and answers with a 303 to the next page, so the back button works and nothing is resubmitted.
The pages work without JavaScript; ``/static/intake/public.js`` only adds the quick exit by Shift (three presses),
a character count and small comforts. Nothing a reporter typed is put in a URL or a log.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from jigsaw.accounts.button_keys import keys_in_force
from jigsaw.accounts.button_link import check_link
from jigsaw.accounts.models import Organisation
from jigsaw.accounts.roles import OrgKind
from jigsaw.audit.service import Actor
from jigsaw.http.deps import db_session, platform_of
from jigsaw.http.security import (
    ANON_CSRF_COOKIE,
    SlidingWindowLimiter,
    anon_csrf_token,
    check_anon_csrf,
    client_tag,
    ensure_anon_csrf_cookie,
)
from jigsaw.http.templating import render as render_template
from jigsaw.intake import drafts
from jigsaw.intake.domain import InvalidReport
from jigsaw.intake.public_flow import (
    STEP_FIELDS,
    Audience,
    ButtonEntry,
    FlowState,
    Page,
    StepId,
    audience_of,
    build_report_draft,
    can_visit,
    clear_pending_errors,
    first_incomplete,
    first_problem_step,
    next_step,
    page_in_flow,
    previous_step,
    record_answers,
    summary_rows,
    validate_step,
    with_pending_errors,
)
from jigsaw.intake.service import submit_report

router = APIRouter(prefix="/report", include_in_schema=False)
log = logging.getLogger(__name__)

DRAFT_COOKIE = "jigsaw_report"
DONE_COOKIE = "jigsaw_report_done"
BUTTON_COOKIE = "jigsaw_report_button"
BUTTON_LIFETIME = timedelta(hours=2)
COOKIE_PATH = "/report"
# A neutral page to land on. The browser is sent there; the server never fetches it.
EXIT_URL = "https://www.bbc.co.uk/weather"
DONE_LIFETIME = timedelta(minutes=15)
MAX_FORM_BYTES = 64 * 1024
MAX_FORM_FIELDS = 40
HOUR = 3600.0

TIMED_OUT = "This page timed out. Please press the button again."

START_URL = "/report"
CHECK_URL = "/report/check"
DONE_URL = "/report/done"
ENDED_URL = "/report/session-ended"


# --- request plumbing --------------------------------------------------------------------

@dataclass(frozen=True)
class PublicForm:
    """A posted form as plain strings; ``refused`` holds an HTTP status when it was not read."""

    values: Mapping[str, str] = field(default_factory=dict)
    refused: int | None = None

    def get(self, name: str) -> str:
        return self.values.get(name, "")


async def read_public_form(request: Request) -> PublicForm:
    """Read a small URL-encoded form, and nothing else.

    Multipart bodies are refused outright: this form never accepts files, and refusing
    them means no upload is ever parsed or spooled to disk. The size is capped while
    reading, so a huge body costs us at most :data:`MAX_FORM_BYTES`.
    """
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in ("application/x-www-form-urlencoded", ""):
        return PublicForm(refused=status.HTTP_415_UNSUPPORTED_MEDIA_TYPE)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            return PublicForm(refused=status.HTTP_413_CONTENT_TOO_LARGE)
    if body and not content_type:
        return PublicForm(refused=status.HTTP_415_UNSUPPORTED_MEDIA_TYPE)
    try:
        pairs = parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True,
                          max_num_fields=MAX_FORM_FIELDS)
    except ValueError:
        return PublicForm(refused=status.HTTP_413_CONTENT_TOO_LARGE)
    values: dict[str, str] = {}
    for name, value in pairs:
        values.setdefault(name, value)
    return PublicForm(values)


def _now() -> datetime:
    return datetime.now(UTC)


def _limiter(request: Request) -> SlidingWindowLimiter:
    """The per-app limit on reports per client per hour, sized from the settings on first use.

    A report's place under the limit is taken when its form is started (the first answer
    saved), not when it is sent: a child is told at the first page if we cannot take a report
    from here now, and one who was allowed to start is never refused after answering everything.
    """
    state = request.app.state
    if not hasattr(state, "public_form_limiter"):
        state.public_form_limiter = SlidingWindowLimiter(platform_of(request).settings.public_form_rate_limit, HOUR)
    limiter: SlidingWindowLimiter = state.public_form_limiter
    return limiter


def _set_cookie(request: Request, response: Response, name: str, value: str, *, path: str = COOKIE_PATH,
                max_age: int | None = None) -> None:
    """HttpOnly, SameSite=Strict, and no max-age by default: gone when the browser closes."""
    response.set_cookie(name, value, httponly=True, samesite="strict", path=path, max_age=max_age,
                        secure=platform_of(request).settings.cookie_secure)


def _clear_cookie(request: Request, response: Response, name: str, *, path: str = COOKIE_PATH) -> None:
    response.delete_cookie(name, path=path, httponly=True, samesite="strict",
                           secure=platform_of(request).settings.cookie_secure)


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=status.HTTP_303_SEE_OTHER)


def step_url(step: StepId | None, *, changing: bool = False) -> str:
    if step is None:
        return CHECK_URL
    return f"/report/{step.value}" + ("?change=1" if changing else "")


# --- the "report sent" cookie: shows the reference after the draft is gone ---------------

def _signature(request: Request, purpose: str, payload: str) -> str:
    """An HMAC of ``payload`` under the session key, bound to what the value is for."""
    key = platform_of(request).session_key
    return hmac.new(key, f"{purpose}|{payload}".encode(), hashlib.sha256).hexdigest()


def _done_cookie_value(request: Request, reference: str, audience: Audience | None, now: datetime) -> str:
    """The reference and who reported it (so the page keeps their wording), signed and timed."""
    payload = f"{reference}|{audience.value if audience else ''}|{int((now + DONE_LIFETIME).timestamp())}"
    return f"{payload}|{_signature(request, 'report-done', payload)}"


def _done_from_cookie(request: Request, now: datetime) -> tuple[str, Audience | None] | None:
    parts = request.cookies.get(DONE_COOKIE, "").split("|")
    if len(parts) != 4:
        return None
    reference, audience, expires, signature = parts
    if not (reference and expires.isdigit() and signature):
        return None
    if not hmac.compare_digest(_signature(request, "report-done", "|".join(parts[:3])), signature):
        return None
    if int(expires) <= now.timestamp():
        return None
    return reference, audience_of({"audience": audience})


# --- the Report Abuse button: a platform's signed link, remembered until the form starts --

def _button_cookie_value(request: Request, entry: ButtonEntry, now: datetime) -> str:
    """The platform and account a trusted link gave, signed and timed; the cookie never holds a draft."""
    fields = [str(entry.org_id), entry.platform, entry.account or ""]
    encoded = ".".join(base64.urlsafe_b64encode(f.encode()).decode() for f in fields)
    payload = f"{encoded}|{int((now + BUTTON_LIFETIME).timestamp())}"
    return f"{payload}|{_signature(request, 'report-button', payload)}"


def button_from_cookie(request: Request, now: datetime) -> ButtonEntry | None:
    parts = request.cookies.get(BUTTON_COOKIE, "").split("|")
    if len(parts) != 3 or not parts[1].isdigit():
        return None
    payload = "|".join(parts[:2])
    if int(parts[1]) <= now.timestamp() or not hmac.compare_digest(
            _signature(request, "report-button", payload), parts[2]):
        return None
    try:
        org_id, platform, account = (base64.urlsafe_b64decode(f).decode() for f in parts[0].split("."))
    except (ValueError, UnicodeDecodeError):
        return None
    return ButtonEntry(int(org_id), platform, account or None)


def _platform_names(session: Session) -> list[str]:
    """Platform organisations are named platforms too (the typed name is kept in the clear)."""
    return list(session.scalars(select(Organisation.name).where(Organisation.kind == OrgKind.PLATFORM.value)))


def _platform_named(session: Session, org_id: int) -> Organisation | None:
    org = session.get(Organisation, org_id) if 0 < org_id < 2**31 else None
    return org if org is not None and org.kind == OrgKind.PLATFORM.value else None


# --- rendering ----------------------------------------------------------------------------

def render(request: Request, template: str, context: Mapping[str, Any], *,
           audience: Audience | None = None, status_code: int = 200) -> Response:
    """Render a public page with what every page needs: a CSRF token, the banner's wording."""
    cookie = ensure_anon_csrf_cookie(request)
    token = anon_csrf_token(platform_of(request).session_key, cookie)
    base: dict[str, Any] = {
        "csrf_token": token, "audience": audience,
        "is_adult": audience is not None and audience is not Audience.YOUNG_PERSON,
        "errors": [], "field_errors": {}, "back_url": None,
    }
    response = render_template(request, template, {**base, **context}, status_code=status_code)
    _set_cookie(request, response, ANON_CSRF_COOKIE, cookie, path="/")
    return response


def error_links(page: Page, field_errors: Mapping[str, str],
                form_error: str | None = None) -> list[tuple[str | None, str]]:
    """(anchor, message) pairs for the error summary, in the order the fields appear.

    A problem with the whole form (it timed out) comes first and links nowhere.
    """
    links: list[tuple[str | None, str]] = [(None, form_error)] if form_error else []
    for spec in page.fields:
        if spec.name in field_errors:
            anchor = f"{spec.name}_day" if spec.kind == "date" else spec.name
            links.append((anchor, field_errors[spec.name]))
    return links


def render_question(request: Request, step: StepId, state: FlowState, *,
                    values: Mapping[str, str] | None = None, field_errors: Mapping[str, str] | None = None,
                    changing: bool = False, form_error: str | None = None,
                    status_code: int = 200) -> Response:
    page = page_in_flow(step, state)
    field_errors = dict(field_errors or {})
    previous = previous_step(step, state)
    return render(request, "intake/public/question.html", {
        "page": page, "values": {**state.answers, **(values or {})}, "field_errors": field_errors,
        "errors": error_links(page, field_errors, form_error), "changing": changing,
        "action": step_url(step), "title": page.title,
        "back_url": CHECK_URL if changing else (step_url(previous) if previous else START_URL),
    }, audience=state.audience, status_code=status_code)


def render_refused(request: Request, code: int, audience: Audience | None = None) -> Response:
    """A calm page for a form we could not read (too big, or not a plain form)."""
    return render(request, "intake/public/problem.html", {
        "title": "Sorry, we could not read that",
        "message": "What you sent was too long or in a form we cannot accept. "
                   "Go back and try again, with less text if it was very long. We never accept pictures or files.",
    }, audience=audience, status_code=code)


def render_rate_limited(request: Request, audience: Audience | None) -> Response:
    response = render(request, "intake/public/rate_limited.html", {"title": "Please try again later"},
                      audience=audience, status_code=status.HTTP_429_TOO_MANY_REQUESTS)
    response.headers["Retry-After"] = str(max(1, _limiter(request).retry_after(client_tag(request))))
    return response


# --- state --------------------------------------------------------------------------------

def load_state(request: Request, session: Session, now: datetime) -> FlowState | None:
    data = drafts.load_draft(session, request.cookies.get(DRAFT_COOKIE), now)
    return FlowState.from_dict(data) if data is not None else None


def no_draft_redirect(request: Request) -> RedirectResponse:
    """Without a draft: back to the start, or, if one had been started, say it was deleted."""
    return _redirect(ENDED_URL if request.cookies.get(DRAFT_COOKIE) else START_URL)


def save_state(request: Request, session: Session, response: Response, state: FlowState, now: datetime) -> None:
    """Save the draft and commit before the response leaves, so the next page finds it."""
    secret = request.cookies.get(DRAFT_COOKIE)
    fresh = not secret or drafts.load_draft(session, secret, now) is None
    if fresh:
        secret = drafts.new_secret()
    assert secret is not None
    drafts.save_draft(session, secret, state.to_dict(), now)
    session.commit()
    if fresh:
        _set_cookie(request, response, DRAFT_COOKIE, secret)
        _clear_cookie(request, response, DONE_COOKIE)


# --- routes -------------------------------------------------------------------------------

@router.get("", response_class=HTMLResponse)
def start_page(request: Request) -> Response:
    """What this form is for, what it is not for, and where to go instead."""
    return render(request, "intake/public/start.html", {
        "title": "Report online sexual abuse", "button": button_from_cookie(request, _now())})


@router.get("/from/{org_id}")
def from_button(org_id: int, request: Request, account: str | None = None, ts: str | None = None,
                sig: str | None = None, session: Session = Depends(db_session)) -> Response:
    """A platform's Report Abuse button: remember what its signed link says, then show the form.

    A link we cannot trust opens the same form with nothing filled in, and says nothing about
    it to the reporter; why it was not trusted is logged without the account.
    """
    now = _now()
    org = _platform_named(session, org_id)
    keys = keys_in_force(session, org.id, now) if org is not None else []
    checked = check_link(keys, org_id, account=account, ts=ts, sig=sig, now=now)
    response = _redirect(START_URL)
    if org is None or checked.context is None:
        log.info("report button link from organisation %s not trusted: %s", org_id,
                 "not a platform" if org is None else checked.problem)
        _clear_cookie(request, response, BUTTON_COOKIE)
        return response
    entry = ButtonEntry(org.id, org.name, checked.context.account)
    _set_cookie(request, response, BUTTON_COOKIE, _button_cookie_value(request, entry, now),
                max_age=int(BUTTON_LIFETIME.total_seconds()))
    return response


@router.get("/exit")
def exit_page(request: Request, session: Session = Depends(db_session)) -> Response:
    """Delete the draft and cookies, then send the browser to a neutral site (works without JS)."""
    drafts.delete_draft(session, request.cookies.get(DRAFT_COOKIE))
    session.commit()
    response = _redirect(EXIT_URL)
    for name in (DRAFT_COOKIE, DONE_COOKIE, BUTTON_COOKIE):
        _clear_cookie(request, response, name)
    _clear_cookie(request, response, ANON_CSRF_COOKIE, path="/")
    return response


@router.get("/session-ended", response_class=HTMLResponse)
def session_ended(request: Request) -> Response:
    return render(request, "intake/public/ended.html", {"title": "Your answers were deleted"})


@router.get("/check", response_class=HTMLResponse)
def check_answers(request: Request, session: Session = Depends(db_session)) -> Response:
    state = load_state(request, session, _now())
    if state is None:
        return no_draft_redirect(request)
    missing = first_incomplete(state)
    if missing is not None:
        return _redirect(step_url(missing))
    return render(request, "intake/public/check.html", {
        "title": "Check your answers before sending", "rows": summary_rows(state),
        "back_url": step_url(StepId.CONTACT), "step_url": step_url,
    }, audience=state.audience)


@router.post("/check")
def send_report(request: Request, form: PublicForm = Depends(read_public_form),
                session: Session = Depends(db_session)) -> Response:
    """Submit the report: claim (delete) the draft, store the report, show the reference."""
    now = _now()
    state = load_state(request, session, now)
    if form.refused:
        return render_refused(request, form.refused, state.audience if state else None)
    if not check_anon_csrf(platform_of(request).session_key, request, form.get("csrf_token")):
        if state is None:
            return no_draft_redirect(request)
        return render(request, "intake/public/check.html", {
            "title": "Check your answers before sending", "rows": summary_rows(state),
            "back_url": step_url(StepId.CONTACT), "step_url": step_url,
            "errors": [(None, TIMED_OUT)],
        }, audience=state.audience, status_code=status.HTTP_400_BAD_REQUEST)
    if state is not None and not state.reserved and not _limiter(request).allow(client_tag(request)):
        return render_rate_limited(request, state.audience)  # a draft from before reservations
    claimed = drafts.claim_draft(session, request.cookies.get(DRAFT_COOKIE), now)
    if claimed is None:  # already sent (a double click) or expired
        return _redirect(DONE_URL)
    return _submit(request, session, FlowState.from_dict(claimed), now)


def _submit(request: Request, session: Session, state: FlowState, now: datetime) -> Response:
    missing = first_incomplete(state)
    if missing is not None:
        session.rollback()  # keep the draft: it is not finished
        return _redirect(step_url(missing))
    try:
        submitted = submit_report(
            session, build_report_draft(state, _platform_names(session)), Actor(f"public:{client_tag(request)}"),
            default_region=platform_of(request).settings.default_phone_region,
        )
    except InvalidReport as invalid:
        session.rollback()  # restores the claimed draft; then note what to fix
        step, messages = first_problem_step(invalid.problems)
        response = _redirect(step_url(step, changing=True))
        save_state(request, session, response, with_pending_errors(state, step, messages), now)
        return response
    session.commit()
    response = _redirect(DONE_URL)
    _set_cookie(request, response, DONE_COOKIE,
                _done_cookie_value(request, submitted.report.reference, state.audience, now),
                max_age=int(DONE_LIFETIME.total_seconds()))
    _clear_cookie(request, response, DRAFT_COOKIE)
    return response


@router.get("/done", response_class=HTMLResponse)
def report_sent(request: Request) -> Response:
    done = _done_from_cookie(request, _now())
    if done is None:
        return no_draft_redirect(request)
    reference, audience = done
    return render(request, "intake/public/done.html", {"title": "Report sent", "reference": reference},
                  audience=audience)


def _step_or_none(slug: str) -> StepId | None:
    try:
        return StepId(slug)
    except ValueError:
        return None


def render_not_found(request: Request) -> Response:
    return render(request, "intake/public/problem.html", {
        "title": "Page not found",
        "message": "We could not find that page. You can start a report from the beginning.",
    }, status_code=status.HTTP_404_NOT_FOUND)


@router.get("/{slug}", response_class=HTMLResponse)
def question_page(slug: str, request: Request, change: str = "",
                  session: Session = Depends(db_session)) -> Response:
    """Show one question with the saved answer, and any problem found when it was sent."""
    step = _step_or_none(slug)
    if step is None:
        return render_not_found(request)
    state = load_state(request, session, _now())
    if state is None:
        if step is not StepId.WHO:
            return no_draft_redirect(request)
        if not _limiter(request).has_room(client_tag(request)):
            return render_rate_limited(request, None)  # told now, before answering anything
        state = _fresh_state(request, _now())
    if not can_visit(step, state):
        return _redirect(step_url(first_incomplete(state)))
    pending = {k: v for k, v in state.pending_errors.items() if k in STEP_FIELDS[step]}
    if pending:  # shown once: a reload shows the page without them
        drafts.save_draft(session, request.cookies.get(DRAFT_COOKIE, ""),
                          clear_pending_errors(state, step).to_dict(), _now())
        session.commit()
    return render_question(request, step, state, field_errors=pending, changing=change == "1")


@router.post("/{slug}")
def answer_question(slug: str, request: Request, form: PublicForm = Depends(read_public_form),
                    session: Session = Depends(db_session)) -> Response:
    """Validate one page. Problems: show it again with what was typed. Otherwise save and move on."""
    step = _step_or_none(slug)
    if step is None:
        return render_not_found(request)
    now = _now()
    existing = load_state(request, session, now)
    state = existing or _fresh_state(request, now)
    changing = form.get("changing") == "1"
    if form.refused:
        return render_refused(request, form.refused, state.audience)
    if not check_anon_csrf(platform_of(request).session_key, request, form.get("csrf_token")):
        typed = validate_step(step, form.values, today=now.date(), answers=state.answers).values  # not saved
        return render_question(request, step, state, values=typed, changing=changing,
                               form_error=TIMED_OUT, status_code=status.HTTP_400_BAD_REQUEST)
    if existing is None and step is not StepId.WHO:
        return no_draft_redirect(request)
    if not can_visit(step, state):
        return _redirect(step_url(first_incomplete(state)))
    outcome = validate_step(step, form.values, today=now.date(), answers=state.answers,
                            region=platform_of(request).settings.default_phone_region)
    if not outcome.ok:
        return render_question(request, step, state, values=outcome.values, field_errors=outcome.errors,
                               changing=changing, status_code=status.HTTP_400_BAD_REQUEST)
    if existing is None:  # starting the form takes this report's place under the limit
        if not _limiter(request).allow(client_tag(request)):
            return render_rate_limited(request, None)
        state = replace(state, reserved=True)
    new_state = record_answers(state, step, outcome.values)
    response = _redirect(step_url(next_step(step, new_state, changing=changing), changing=changing))
    save_state(request, session, response, new_state, now)
    if existing is None and new_state.button is not None:
        _clear_cookie(request, response, BUTTON_COOKIE)  # the draft holds it now
    return response


def _fresh_state(request: Request, now: datetime) -> FlowState:
    """A new form, with what a platform's Report Abuse button told us already answered."""
    entry = button_from_cookie(request, now)
    return FlowState.from_button(entry) if entry is not None else FlowState()
