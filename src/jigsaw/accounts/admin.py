"""The administrator's pages: organisations, staff and tokens, and every change to them.

Administrators manage access, not cases: nothing here shows report data. Secrets made here
(a new user's TOTP enrolment and first password, a reset second factor, an organisation's
API token) are shown once, on a page the browser is told not to store, and never again.
Each action has the same operation under ``/api/v1/admin`` (:mod:`jigsaw.accounts.admin_api`).
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from jigsaw.accounts import service as accounts
from jigsaw.accounts.models import ApiToken, Organisation, User
from jigsaw.accounts.principal import Principal
from jigsaw.accounts.roles import AccessPolicyError, Role, Scope
from jigsaw.errors import JigsawError
from jigsaw.http.deps import authorize, db_session, require_csrf
from jigsaw.http.flash import Kind, flash
from jigsaw.http.templating import render
from jigsaw.security.passwords import WeakPasswordError

router = APIRouter(include_in_schema=False)
admins = authorize(roles={Role.ADMIN}, page=True)
REFUSED = (JigsawError, AccessPolicyError, WeakPasswordError)


def secret_page(request: Request, principal: Principal, title: str, context: dict[str, object],
                back: str = "/admin") -> Response:
    """A page showing a secret once: never cached, never stored by the browser."""
    response = render(request, "accounts/secret_once.html", {
        "principal": principal, "csrf_token": request.state.csrf_token, "title": title, "back": back,
        "issued": None, "provisioning_uri": None, **context})
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


def _back(request: Request, message: str, kind: Kind = "success") -> Response:
    flash(request, message, kind)
    return RedirectResponse("/admin", status_code=303)


@router.get("/admin", response_class=HTMLResponse)
def admin_page(
    request: Request, principal: Principal = Depends(admins), session: Session = Depends(db_session),
) -> Response:
    return render(request, "accounts/admin.html", {
        "principal": principal, "csrf_token": request.state.csrf_token, "now": datetime.now(UTC),
        "organisations": session.scalars(select(Organisation).order_by(Organisation.name)).all(),
        "users": session.scalars(select(User).order_by(User.email)).all(),
        "tokens": session.scalars(select(ApiToken).order_by(ApiToken.id.desc())).all(),
        "roles": [r.value for r in Role], "scopes": [s.value for s in Scope],
    })


@router.post("/admin/users")
def create_user(
    request: Request, csrf_token: str = Form(""), email: str = Form(""), display_name: str = Form(""),
    role: str = Form(""), organisation_id: int = Form(0), password: str = Form(""),
    principal: Principal = Depends(admins), session: Session = Depends(db_session),
) -> Response:
    require_csrf(request, csrf_token)
    try:
        organisation = session.get(Organisation, organisation_id)
        if organisation is None:
            raise accounts.AccountError("choose an organisation")
        made = accounts.create_user_for_admin(session, principal.actor, email, role, organisation,
                                              password or None, display_name=display_name or None)
    except REFUSED as exc:
        return _back(request, f"User not created: {exc}", "error")
    return secret_page(request, principal, "User created", {
        "user": made.user, "provisioning_uri": made.provisioning_uri, "totp_secret": made.totp_secret,
        "password": made.password,
    })


def _user_action(request: Request, csrf_token: str, session: Session, user_id: int) -> User:
    require_csrf(request, csrf_token)
    return accounts.user_by_id(session, user_id)


@router.post("/admin/users/{user_id}/unlock")
def unlock_user(
    user_id: int, request: Request, csrf_token: str = Form(""),
    principal: Principal = Depends(admins), session: Session = Depends(db_session),
) -> Response:
    user = _user_action(request, csrf_token, session, user_id)
    accounts.unlock_user(session, principal.actor, user)
    return _back(request, f"{user.email} unlocked.")


@router.post("/admin/users/{user_id}/disable")
def disable_user(
    user_id: int, request: Request, csrf_token: str = Form(""),
    principal: Principal = Depends(admins), session: Session = Depends(db_session),
) -> Response:
    user = _user_action(request, csrf_token, session, user_id)
    try:
        accounts.disable_user(session, principal.actor, user, actor_user_id=principal.user_id)
    except REFUSED as exc:
        return _back(request, str(exc), "error")
    return _back(request, f"{user.email} disabled: their sessions ended and their personal tokens were revoked.")


@router.post("/admin/users/{user_id}/enable")
def enable_user(
    user_id: int, request: Request, csrf_token: str = Form(""),
    principal: Principal = Depends(admins), session: Session = Depends(db_session),
) -> Response:
    user = _user_action(request, csrf_token, session, user_id)
    accounts.enable_user(session, principal.actor, user)
    return _back(request, f"{user.email} enabled.")


@router.post("/admin/users/{user_id}/role")
def change_role(
    user_id: int, request: Request, csrf_token: str = Form(""), role: str = Form(""),
    principal: Principal = Depends(admins), session: Session = Depends(db_session),
) -> Response:
    user = _user_action(request, csrf_token, session, user_id)
    try:
        accounts.change_role(session, principal.actor, user, role, actor_user_id=principal.user_id)
    except REFUSED as exc:
        return _back(request, f"Role not changed: {exc}", "error")
    return _back(request, f"{user.email} is now {user.role.replace('_', ' ')}; their sessions ended.")


@router.post("/admin/users/{user_id}/reset-totp")
def reset_totp(
    user_id: int, request: Request, csrf_token: str = Form(""),
    principal: Principal = Depends(admins), session: Session = Depends(db_session),
) -> Response:
    user = _user_action(request, csrf_token, session, user_id)
    made = accounts.reset_second_factor(session, principal.actor, user)
    return secret_page(request, principal, "Second factor reset", {
        "user": user, "provisioning_uri": made.provisioning_uri, "totp_secret": made.totp_secret, "password": None,
    })


@router.post("/admin/users/{user_id}/revoke-sessions")
def revoke_sessions(
    user_id: int, request: Request, csrf_token: str = Form(""),
    principal: Principal = Depends(admins), session: Session = Depends(db_session),
) -> Response:
    user = _user_action(request, csrf_token, session, user_id)
    count = accounts.revoke_sessions(session, principal.actor, user)
    return _back(request, f"Ended {count} session{'' if count == 1 else 's'} of {user.email}.")


@router.post("/admin/tokens")
def create_token(
    request: Request, csrf_token: str = Form(""), organisation_id: int = Form(0), name: str = Form("api"),
    scopes: list[str] = Form([]), days: str = Form(""),
    principal: Principal = Depends(admins), session: Session = Depends(db_session),
) -> Response:
    require_csrf(request, csrf_token)
    try:
        organisation = session.get(Organisation, organisation_id)
        if organisation is None:
            raise accounts.AccountError("choose an organisation")
        lifetime = int(days) if days.strip() else None
        issued = accounts.create_token(session, principal.actor, organisation, scopes, name=name, days=lifetime)
    except (ValueError, *REFUSED) as exc:
        return _back(request, f"Token not created: {exc}", "error")
    return secret_page(request, principal, "API token created", {"issued": issued})


@router.post("/admin/tokens/{token_id}/revoke")
def revoke_token(
    token_id: int, request: Request, csrf_token: str = Form(""),
    principal: Principal = Depends(admins), session: Session = Depends(db_session),
) -> Response:
    require_csrf(request, csrf_token)
    try:
        accounts.revoke_token(session, principal.actor, token_id)
    except accounts.AccountError:
        return _back(request, f"No token {token_id}.", "error")
    return _back(request, f"Token {token_id} revoked.")
