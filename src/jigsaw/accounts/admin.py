"""The administrator's page: organisations, staff and tokens; unlock a user, revoke a token.

Administrators manage access, not cases: nothing here shows report data. Creating accounts
stays on the CLI (it prints TOTP secrets, which should not travel through a browser).
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Depends, Form, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from jigsaw.accounts import service as accounts
from jigsaw.accounts.models import ApiToken, Organisation, User
from jigsaw.accounts.principal import Principal
from jigsaw.accounts.roles import Role
from jigsaw.audit.chain import AuditAction
from jigsaw.audit.service import record
from jigsaw.http.deps import authorize, db_session, require_csrf
from jigsaw.http.templating import render

router = APIRouter(include_in_schema=False)
admins = authorize(roles={Role.ADMIN}, page=True)


@router.get("/admin", response_class=HTMLResponse)
def admin_page(
    request: Request, principal: Principal = Depends(admins), session: Session = Depends(db_session),
) -> Response:
    now = datetime.now(UTC)
    return render(request, "accounts/admin.html", {
        "principal": principal, "csrf_token": request.state.csrf_token, "now": now,
        "organisations": session.scalars(select(Organisation).order_by(Organisation.name)).all(),
        "users": session.scalars(select(User).order_by(User.email)).all(),
        "tokens": session.scalars(select(ApiToken).order_by(ApiToken.id.desc())).all(),
    })


@router.post("/admin/users/{user_id}/unlock")
def unlock_user(
    user_id: int, request: Request, csrf_token: str = Form(""),
    principal: Principal = Depends(admins), session: Session = Depends(db_session),
) -> Response:
    require_csrf(request, csrf_token)
    user = session.get(User, user_id)
    if user is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No such user.")
    user.locked_until, user.failed_logins = None, 0
    record(session, principal.actor, AuditAction.ADMINISTRATION, "user", user.id, detail={"op": "unlock"})
    return RedirectResponse("/admin", status_code=303)


@router.post("/admin/tokens/{token_id}/revoke")
def revoke_token(
    token_id: int, request: Request, csrf_token: str = Form(""),
    principal: Principal = Depends(admins), session: Session = Depends(db_session),
) -> Response:
    require_csrf(request, csrf_token)
    try:
        accounts.revoke_token(session, principal.actor, token_id)
    except accounts.AccountError:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No such token.") from None
    return RedirectResponse("/admin", status_code=303)
