"""A platform's Report Abuse button: the administrator's page and API, and the platform's own API.

The administrator issues or rotates the platform's signing key (shown once) and hands over the
badge, the snippet and the signing instructions. The platform's engineers can fetch the same
instructions with their organisation's token (``GET /api/v1/button``); never the key.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from jigsaw.accounts.admin import REFUSED, admins, secret_page
from jigsaw.accounts.admin_api import admins as api_admins
from jigsaw.accounts.admin_api import changing
from jigsaw.accounts.button_keys import ButtonKeyState, button_key_state, issue_button_key
from jigsaw.accounts.button_link import (
    CLOCK_SKEW,
    LINK_VALIDITY,
    ROTATION_GRACE,
    WorkedExample,
    badge_svg,
    form_path,
    snippet,
    worked_example,
)
from jigsaw.accounts.models import Organisation
from jigsaw.accounts.principal import Principal
from jigsaw.accounts.roles import OrgKind, Scope
from jigsaw.errors import InvalidInput, NotFound
from jigsaw.http.deps import authorize, db_session, platform_of, require_csrf
from jigsaw.http.flash import flash
from jigsaw.http.templating import render

router = APIRouter(include_in_schema=False)
api = APIRouter(tags=["report abuse button"])
platform_tokens = authorize(scopes={Scope.REPORTS_SUBMIT}, org_kinds={OrgKind.PLATFORM})


def _platform(session: Session, org_id: int) -> Organisation:
    org = session.get(Organisation, org_id) if 0 < org_id < 2**31 else None
    if org is None:
        raise NotFound(f"no organisation with id {org_id}")
    if org.kind != OrgKind.PLATFORM.value:
        raise InvalidInput(f"{org.name} is not a platform: only platforms have a Report Abuse button")
    return org


def _centre_name(session: Session) -> str:
    name = session.scalar(select(Organisation.name).where(Organisation.kind == OrgKind.CENTRE.value)
                          .order_by(Organisation.id).limit(1))
    return name or "the centre"


class ExampleOut(BaseModel):
    key_hex: str = Field(description="The published example key (never issued to anyone).")
    account: str
    ts: int
    canonical_string: str = Field(description="What is signed: v1, org id, account and ts, joined by line feeds.")
    signature: str
    path_and_query: str

    @classmethod
    def of(cls, example: WorkedExample) -> ExampleOut:
        return cls(key_hex=example.key_text, account=example.account, ts=example.ts,
                   canonical_string=example.canonical, signature=example.signature,
                   path_and_query=example.path_and_query)


class ButtonOut(BaseModel):
    organisation_id: int
    organisation: str
    form_url: str = Field(description="The link's address, before the signed query is added.")
    snippet_html: str = Field(description="Paste into the app; the server fills in {ACCOUNT}, {TS} and {SIG}.")
    badge_svg: str
    link_valid_seconds: int
    clock_skew_seconds: int
    key_issued_at: datetime | None
    previous_key_valid_until: datetime | None
    example: ExampleOut


class IssuedButtonKeyOut(BaseModel):
    organisation_id: int
    key_hex: str = Field(description="The signing key, 64 hex digits. Shown only now.")
    issued_at: datetime
    previous_keys_valid_until: datetime | None


def button_for(request: Request, session: Session, org: Organisation) -> ButtonOut:
    base_url = platform_of(request).settings.base_url
    state: ButtonKeyState = button_key_state(session, org.id)
    return ButtonOut(
        organisation_id=org.id, organisation=org.name, form_url=f"{base_url}{form_path(org.id)}",
        snippet_html=snippet(base_url, org.id, _centre_name(session)), badge_svg=badge_svg(),
        link_valid_seconds=int(LINK_VALIDITY.total_seconds()), clock_skew_seconds=int(CLOCK_SKEW.total_seconds()),
        key_issued_at=state.issued_at, previous_key_valid_until=state.previous_valid_until,
        example=ExampleOut.of(worked_example(org.id)),
    )


# --- pages --------------------------------------------------------------------------------

@router.get("/admin/organisations/{org_id}/button", response_class=HTMLResponse)
def button_page(org_id: int, request: Request, principal: Principal = Depends(admins),
                session: Session = Depends(db_session)) -> Response:
    """Everything the platform needs, to send them: the badge, the snippet, how to sign a link."""
    try:
        org = _platform(session, org_id)
    except (InvalidInput, NotFound) as exc:
        flash(request, str(exc), "error")
        return RedirectResponse("/admin", status_code=303)
    return render(request, "accounts/button.html", {
        "principal": principal, "csrf_token": request.state.csrf_token, "org": org,
        "button": button_for(request, session, org), "grace_days": ROTATION_GRACE.days,
        "link_days": LINK_VALIDITY.days, "skew_minutes": int(CLOCK_SKEW.total_seconds() // 60),
    })


@router.post("/admin/organisations/{org_id}/button-key")
def issue_key_page(org_id: int, request: Request, csrf_token: str = Form(""),
                   principal: Principal = Depends(admins), session: Session = Depends(db_session)) -> Response:
    require_csrf(request, csrf_token)
    back = f"/admin/organisations/{org_id}/button"
    try:
        org = _platform(session, org_id)
        issued = issue_button_key(session, principal.actor, org)
    except (InvalidInput, NotFound, *REFUSED) as exc:
        flash(request, f"No key issued: {exc}", "error")
        return RedirectResponse("/admin", status_code=303)
    return secret_page(request, principal, "Report Abuse button key issued",
                       {"button_key": issued, "org_name": org.name, "grace_days": ROTATION_GRACE.days}, back=back)


# --- API ----------------------------------------------------------------------------------

@api.get("/api/v1/admin/organisations/{org_id}/button", summary="A platform's Report Abuse button and how to sign it")
def button_api(org_id: int, request: Request, principal: Principal = Depends(api_admins),
               session: Session = Depends(db_session)) -> ButtonOut:
    return button_for(request, session, _platform(session, org_id))


@api.post("/api/v1/admin/organisations/{org_id}/button-key", status_code=201,
          summary="Issue or rotate a platform's button signing key (shown once)")
def issue_key_api(org_id: int, principal: Principal = Depends(changing),
                  session: Session = Depends(db_session)) -> IssuedButtonKeyOut:
    issued = issue_button_key(session, principal.actor, _platform(session, org_id))
    state = button_key_state(session, org_id)
    return IssuedButtonKeyOut(organisation_id=org_id, key_hex=issued.key, issued_at=issued.record.created_at,
                              previous_keys_valid_until=state.previous_valid_until)


@api.get("/api/v1/button", summary="Your platform's Report Abuse button and how to sign its links")
def own_button(request: Request, principal: Principal = Depends(platform_tokens),
               session: Session = Depends(db_session)) -> ButtonOut:
    return button_for(request, session, _platform(session, principal.organisation_id))
