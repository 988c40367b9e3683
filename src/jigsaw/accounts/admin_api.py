"""The administration API (``/api/v1/admin``): the admin page's every action, for scripts.

Admitted for an administrator's browser session (which must echo its CSRF token in
``X-CSRF-Token`` on changes) or their personal API token. Secrets are in the answer once.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from jigsaw.accounts import service as accounts
from jigsaw.accounts.models import ApiToken, Organisation, User
from jigsaw.accounts.principal import Principal
from jigsaw.accounts.roles import Role
from jigsaw.accounts.schemas import (
    EnrolmentOut,
    IssuedTokenOut,
    SessionsEnded,
    TokenOut,
    TokensOut,
    UserOut,
    UsersOut,
)
from jigsaw.errors import NotFound
from jigsaw.http.deps import authorize, db_session, require_csrf

router = APIRouter(prefix="/api/v1/admin", tags=["administration"])
admins = authorize(roles={Role.ADMIN})


def changing(request: Request, principal: Principal = Depends(admins)) -> Principal:
    """An administrator making a change: a browser session must prove it is the page (CSRF)."""
    require_csrf(request, request.headers.get("x-csrf-token"))
    return principal


class NewUserBody(BaseModel):
    email: str = Field(max_length=320)
    role: Role
    organisation_id: int
    display_name: str | None = Field(None, max_length=200)
    password: str | None = Field(None, max_length=200, description="Leave out to have one generated (shown once).")


class RoleBody(BaseModel):
    role: Role


class NewTokenBody(BaseModel):
    organisation_id: int
    scopes: list[str] = Field(min_length=1, max_length=10)
    name: str = Field("api", max_length=200)
    days: int | None = Field(None, ge=1, le=accounts.MAX_TOKEN_DAYS, description="Expires after; none: never.")


@router.get("/users", summary="List staff users")
def list_users(principal: Principal = Depends(admins), session: Session = Depends(db_session)) -> UsersOut:
    return UsersOut(users=[UserOut.of(u) for u in session.scalars(select(User).order_by(User.email))])


@router.post("/users", status_code=201, summary="Create a staff user (TOTP enrolment shown once)")
def create_user(body: NewUserBody, principal: Principal = Depends(changing),
                session: Session = Depends(db_session)) -> EnrolmentOut:
    organisation = session.get(Organisation, body.organisation_id)
    if organisation is None:
        raise NotFound(f"no organisation with id {body.organisation_id}")
    made = accounts.create_user_for_admin(session, principal.actor, body.email, body.role, organisation,
                                          body.password, display_name=body.display_name)
    return EnrolmentOut(**UserOut.of(made.user).model_dump(), provisioning_uri=made.provisioning_uri,
                        password=made.password)


@router.post("/users/{user_id}/disable", summary="Disable a user: sessions end, personal tokens revoked")
def disable_user(user_id: int, principal: Principal = Depends(changing),
                 session: Session = Depends(db_session)) -> UserOut:
    user = accounts.user_by_id(session, user_id)
    accounts.disable_user(session, principal.actor, user, actor_user_id=principal.user_id)
    return UserOut.of(user)


@router.post("/users/{user_id}/enable", summary="Enable a disabled user")
def enable_user(user_id: int, principal: Principal = Depends(changing),
                session: Session = Depends(db_session)) -> UserOut:
    user = accounts.user_by_id(session, user_id)
    accounts.enable_user(session, principal.actor, user)
    return UserOut.of(user)


@router.post("/users/{user_id}/unlock", summary="Unlock a user locked out by failed sign-ins")
def unlock_user(user_id: int, principal: Principal = Depends(changing),
                session: Session = Depends(db_session)) -> UserOut:
    user = accounts.user_by_id(session, user_id)
    accounts.unlock_user(session, principal.actor, user)
    return UserOut.of(user)


@router.post("/users/{user_id}/role", summary="Change a user's role (their sessions end)")
def change_role(user_id: int, body: RoleBody, principal: Principal = Depends(changing),
                session: Session = Depends(db_session)) -> UserOut:
    user = accounts.user_by_id(session, user_id)
    accounts.change_role(session, principal.actor, user, body.role, actor_user_id=principal.user_id)
    return UserOut.of(user)


@router.post("/users/{user_id}/reset-totp", summary="Reset a user's second factor (new secret shown once)")
def reset_totp(user_id: int, principal: Principal = Depends(changing),
               session: Session = Depends(db_session)) -> EnrolmentOut:
    user = accounts.user_by_id(session, user_id)
    made = accounts.reset_second_factor(session, principal.actor, user)
    return EnrolmentOut(**UserOut.of(user).model_dump(), provisioning_uri=made.provisioning_uri)


@router.post("/users/{user_id}/revoke-sessions", summary="End every session of a user")
def revoke_sessions(user_id: int, principal: Principal = Depends(changing),
                    session: Session = Depends(db_session)) -> SessionsEnded:
    user = accounts.user_by_id(session, user_id)
    return SessionsEnded(user_id=user.id, sessions_ended=accounts.revoke_sessions(session, principal.actor, user))


@router.get("/tokens", summary="List API tokens (never their secrets)")
def list_tokens(principal: Principal = Depends(admins), session: Session = Depends(db_session)) -> TokensOut:
    return TokensOut(tokens=[TokenOut.of(t) for t in session.scalars(select(ApiToken).order_by(ApiToken.id.desc()))])


@router.post("/tokens", status_code=201, summary="Create an organisation's API token (shown once)")
def create_token(body: NewTokenBody, principal: Principal = Depends(changing),
                 session: Session = Depends(db_session)) -> IssuedTokenOut:
    organisation = session.get(Organisation, body.organisation_id)
    if organisation is None:
        raise NotFound(f"no organisation with id {body.organisation_id}")
    issued = accounts.create_token(session, principal.actor, organisation, body.scopes, name=body.name,
                                   days=body.days)
    return IssuedTokenOut(**TokenOut.of(issued.record).model_dump(), token=issued.token)


@router.post("/tokens/{token_id}/revoke", summary="Revoke an API token")
def revoke_token(token_id: int, principal: Principal = Depends(changing),
                 session: Session = Depends(db_session)) -> TokenOut:
    try:
        return TokenOut.of(accounts.revoke_token(session, principal.actor, token_id))
    except accounts.AccountError:
        raise NotFound(f"no token with id {token_id}") from None
