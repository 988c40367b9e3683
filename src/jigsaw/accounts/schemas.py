"""What the administration and account APIs answer, as described in ``/openapi.json``."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from jigsaw.accounts.models import ApiToken, User


class UserOut(BaseModel):
    id: int
    email: str
    display_name: str
    role: str
    organisation_id: int
    organisation: str
    active: bool
    locked_until: datetime | None
    last_login_at: datetime | None

    @classmethod
    def of(cls, user: User) -> UserOut:
        return cls(id=user.id, email=user.email, display_name=user.display_name, role=user.role,
                   organisation_id=user.organisation_id, organisation=user.organisation.name, active=user.active,
                   locked_until=user.locked_until, last_login_at=user.last_login_at)


class EnrolmentOut(UserOut):
    """A user with their authenticator enrolment, and a generated first password: shown once."""

    provisioning_uri: str = Field(description="otpauth:// URI for an authenticator app. Shown only now.")
    password: str | None = Field(None, description="The generated first password, if none was given. Shown only now.")


class UsersOut(BaseModel):
    users: list[UserOut]


class SessionsEnded(BaseModel):
    user_id: int
    sessions_ended: int


class TokenOut(BaseModel):
    id: int
    name: str
    prefix: str
    organisation_id: int
    user_id: int | None = Field(description="Set for a personal token, which acts as this user.")
    scopes: list[str]
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, token: ApiToken) -> TokenOut:
        return cls(id=token.id, name=token.name, prefix=token.prefix, organisation_id=token.organisation_id,
                   user_id=token.user_id, scopes=list(token.scopes), created_at=token.created_at,
                   last_used_at=token.last_used_at, expires_at=token.expires_at, revoked_at=token.revoked_at)


class IssuedTokenOut(TokenOut):
    token: str = Field(description="The bearer token. Shown only now; Jigsaw keeps a digest.")


class TokensOut(BaseModel):
    tokens: list[TokenOut]
