"""A staff member's own page: their personal API tokens.

A personal token acts exactly as its user, so issuing one asks for a fresh code from the
user's authenticator, whatever the age of the session: someone at an unattended, signed-in
desk cannot mint a token that outlives the session. A token cannot mint another token.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from jigsaw.accounts import service as accounts
from jigsaw.accounts.admin import secret_page
from jigsaw.accounts.principal import Principal
from jigsaw.accounts.roles import OrgKind, Role
from jigsaw.accounts.schemas import IssuedTokenOut, TokenOut, TokensOut
from jigsaw.errors import NotAllowed, NotFound
from jigsaw.http.deps import authorize, db_session, platform_of, require_csrf
from jigsaw.http.flash import flash
from jigsaw.http.templating import render

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1/account", tags=["account"])
staff_page = authorize(roles=set(Role), org_kinds=set(OrgKind), page=True)
staff_api = authorize(roles=set(Role), org_kinds=set(OrgKind))
BAD_CODE = "That code is not right, or was already used. Enter the code your authenticator shows now."


def _issue(request: Request, session: Session, principal: Principal, name: str, days: int,
           code: str) -> accounts.IssuedToken:
    if principal.via_token:
        raise NotAllowed("a personal token cannot issue tokens; sign in with your second factor")
    assert principal.user_id is not None  # staff_* admit only staff
    user = accounts.user_by_id(session, principal.user_id)
    settings = platform_of(request).settings
    if not accounts.verify_code(session, user, code, max_failed=settings.max_failed_logins,
                                lockout_minutes=settings.lockout_minutes):
        session.commit()  # keep the failure count, as a failed sign-in does
        raise accounts.AccountError(BAD_CODE)
    return accounts.create_personal_token(session, principal.actor, user, name=name, days=days)


@router.get("/account", response_class=HTMLResponse)
def account_page(request: Request, principal: Principal = Depends(staff_page),
                 session: Session = Depends(db_session)) -> Response:
    assert principal.user_id is not None
    return render(request, "accounts/account.html", {
        "principal": principal, "csrf_token": request.state.csrf_token,
        "user": accounts.user_by_id(session, principal.user_id),
        "tokens": accounts.personal_tokens(session, principal.user_id),
        "default_days": accounts.DEFAULT_PERSONAL_TOKEN_DAYS, "max_days": accounts.MAX_TOKEN_DAYS,
    })


@router.post("/account/tokens")
def create_token(
    request: Request, csrf_token: str = Form(""), name: str = Form("personal"),
    days: int = Form(accounts.DEFAULT_PERSONAL_TOKEN_DAYS), code: str = Form(""),
    principal: Principal = Depends(staff_page), session: Session = Depends(db_session),
) -> Response:
    require_csrf(request, csrf_token)
    try:
        issued = _issue(request, session, principal, name, days, code)
    except accounts.AccountError as exc:
        flash(request, f"Token not created: {exc}", "error")
        return RedirectResponse("/account", status_code=303)
    return secret_page(request, principal, "Personal API token created", {"issued": issued}, back="/account")


@router.post("/account/tokens/{token_id}/revoke")
def revoke_token(
    token_id: int, request: Request, csrf_token: str = Form(""),
    principal: Principal = Depends(staff_page), session: Session = Depends(db_session),
) -> Response:
    require_csrf(request, csrf_token)
    try:
        accounts.revoke_token(session, principal.actor, token_id, owner_id=principal.user_id)
    except accounts.AccountError:
        flash(request, f"You have no token {token_id}.", "error")
    else:
        flash(request, f"Token {token_id} revoked.")
    return RedirectResponse("/account", status_code=303)


class PersonalTokenBody(BaseModel):
    name: str = Field("personal", max_length=200)
    days: int = Field(accounts.DEFAULT_PERSONAL_TOKEN_DAYS, ge=1, le=accounts.MAX_TOKEN_DAYS)
    code: str = Field(max_length=12, description="The code your authenticator shows now.")


@api.get("/tokens", summary="Your personal API tokens")
def list_tokens(principal: Principal = Depends(staff_api), session: Session = Depends(db_session)) -> TokensOut:
    assert principal.user_id is not None
    return TokensOut(tokens=[TokenOut.of(t) for t in accounts.personal_tokens(session, principal.user_id)])


@api.post("/tokens", status_code=201, summary="Issue yourself a personal API token (needs a fresh TOTP code)")
def issue_token(body: PersonalTokenBody, request: Request, principal: Principal = Depends(staff_api),
                session: Session = Depends(db_session)) -> IssuedTokenOut:
    require_csrf(request, request.headers.get("x-csrf-token"))
    issued = _issue(request, session, principal, body.name, body.days, body.code)
    return IssuedTokenOut(**TokenOut.of(issued.record).model_dump(), token=issued.token)


@api.post("/tokens/{token_id}/revoke", summary="Revoke one of your personal API tokens")
def revoke_own_token(token_id: int, request: Request, principal: Principal = Depends(staff_api),
                     session: Session = Depends(db_session)) -> TokenOut:
    require_csrf(request, request.headers.get("x-csrf-token"))
    try:
        return TokenOut.of(accounts.revoke_token(session, principal.actor, token_id, owner_id=principal.user_id))
    except accounts.AccountError:
        raise NotFound(f"you have no token {token_id}") from None
