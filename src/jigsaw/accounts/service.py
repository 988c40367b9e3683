"""Account operations: organisations, users, logins with TOTP and lockout, tokens, sessions.

Every change is written to the audit log in the same transaction as the change itself.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from jigsaw.accounts.models import ApiToken, Organisation, StaffSession, User
from jigsaw.accounts.roles import OrgKind, Role, Scope, check_role_allowed, check_scopes_allowed
from jigsaw.audit.chain import AuditAction
from jigsaw.audit.service import Actor, record
from jigsaw.errors import InvalidInput
from jigsaw.security import passwords, totp

TOKEN_PREFIX = "jgs_"  # noqa: S105  (a public marker, not a secret)


class AccountError(InvalidInput, ValueError):
    """A request about accounts that cannot be carried out; the message says why."""


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


# --- organisations -------------------------------------------------------------------

def create_organisation(
    session: Session, actor: Actor, name: str, kind: OrgKind | str, *,
    force_code: str | None = None, country: str | None = None,
) -> Organisation:
    name = " ".join(name.split())
    if not name:
        raise AccountError("an organisation needs a name")
    try:
        kind = OrgKind(kind)
    except ValueError:
        raise AccountError(f"unknown organisation kind {kind!r}; expected one of "
                           + ", ".join(k.value for k in OrgKind)) from None
    if session.scalar(select(Organisation).where(Organisation.name == name)):
        raise AccountError(f"an organisation named {name!r} already exists")
    org = Organisation(name=name, kind=kind.value, force_code=force_code,
                       country=country.upper() if country else None)
    session.add(org)
    session.flush()
    record(session, actor, AuditAction.ADMINISTRATION, "organisation", org.id,
           detail={"op": "create", "name": name, "kind": kind.value})
    return org


def organisation_by_name(session: Session, name: str) -> Organisation:
    org = session.scalar(select(Organisation).where(Organisation.name == " ".join(name.split())))
    if org is None:
        raise AccountError(f"no organisation named {name!r}")
    return org


# --- users ---------------------------------------------------------------------------

@dataclass(frozen=True)
class NewUser:
    user: User
    totp_secret: str

    @property
    def provisioning_uri(self) -> str:
        return totp.provisioning_uri(self.totp_secret, self.user.email)


def create_user(
    session: Session, actor: Actor, email: str, role: Role | str, organisation: Organisation,
    password: str, *, display_name: str | None = None,
) -> NewUser:
    email = email.strip().casefold()
    if "@" not in email:
        raise AccountError(f"not an email address: {email!r}")
    try:
        role = Role(role)
    except ValueError:
        raise AccountError(f"unknown role {role!r}; expected one of " + ", ".join(r.value for r in Role)) from None
    check_role_allowed(OrgKind(organisation.kind), role)
    if session.scalar(select(User).where(User.email == email)):
        raise AccountError(f"a user with email {email} already exists")
    secret = totp.new_secret()
    user = User(
        email=email, display_name=display_name or email.split("@")[0], role=role.value,
        organisation_id=organisation.id, password_hash=passwords.hash_password(password),
        totp_secret=secret,
    )
    session.add(user)
    session.flush()
    record(session, actor, AuditAction.ADMINISTRATION, "user", user.id,
           detail={"op": "create", "role": role.value, "organisation_id": organisation.id})
    return NewUser(user, secret)


@dataclass(frozen=True)
class LoginResult:
    user: User | None
    error: str | None = None


GENERIC_LOGIN_ERROR = "The email, password or code is not right."


def authenticate(
    session: Session, email: str, password: str, code: str, *, client: str,
    max_failed: int = 5, lockout_minutes: int = 15,
) -> LoginResult:
    """Check password and TOTP together; lock the account after ``max_failed`` failures.

    The error never says which factor failed, so it cannot be used to test passwords.
    """
    email = email.strip().casefold()
    user = session.scalar(select(User).where(User.email == email))
    password_ok = passwords.verify_password(user.password_hash if user else None, password)
    actor = Actor(f"user:{user.id}" if user else f"anonymous:{client}", user.organisation_id if user else None)
    if user is None or not user.active:
        record(session, actor, AuditAction.AUTHENTICATION, "user", user.id if user else None,
               detail={"outcome": "failure", "reason": "unknown or inactive account", "client": client})
        return LoginResult(None, GENERIC_LOGIN_ERROR)
    now = _now()
    if user.locked_until and user.locked_until > now:
        record(session, actor, AuditAction.AUTHENTICATION, "user", user.id,
               detail={"outcome": "failure", "reason": "locked", "client": client})
        return LoginResult(None, "This account is locked after too many failed attempts. Try again later "
                                 "or ask an administrator.")
    step = totp.verify(user.totp_secret, code, last_used_step=user.totp_last_step) if password_ok else None
    if step is None:
        user.failed_logins += 1
        locked = user.failed_logins >= max_failed
        if locked:
            user.locked_until = now + timedelta(minutes=lockout_minutes)
            user.failed_logins = 0
        record(session, actor, AuditAction.AUTHENTICATION, "user", user.id,
               detail={"outcome": "failure", "reason": "bad credentials", "locked": locked, "client": client})
        return LoginResult(None, GENERIC_LOGIN_ERROR)
    user.failed_logins = 0
    user.locked_until = None
    user.totp_last_step = step
    user.last_login_at = now
    record(session, actor, AuditAction.AUTHENTICATION, "user", user.id,
           detail={"outcome": "success", "client": client})
    return LoginResult(user)


# --- sessions ------------------------------------------------------------------------

@dataclass(frozen=True)
class IssuedSession:
    secret: str
    record: StaffSession


def start_session(session: Session, user: User, *, lifetime_hours: int) -> IssuedSession:
    secret = secrets.token_urlsafe(32)
    now = _now()
    staff_session = StaffSession(
        secret_digest=_digest(secret), user_id=user.id, csrf_token=secrets.token_urlsafe(32),
        created_at=now, last_seen_at=now, expires_at=now + timedelta(hours=lifetime_hours),
    )
    session.add(staff_session)
    session.flush()
    return IssuedSession(secret, staff_session)


def resume_session(session: Session, secret: str, *, idle_minutes: int) -> StaffSession | None:
    """The live session for a cookie secret, touching its idle clock; None if expired or idle."""
    staff_session = session.scalar(select(StaffSession).where(StaffSession.secret_digest == _digest(secret)))
    if staff_session is None or staff_session.revoked_at is not None:
        return None
    now = _now()
    if now >= staff_session.expires_at or now - staff_session.last_seen_at > timedelta(minutes=idle_minutes):
        staff_session.revoked_at = now
        return None
    if not staff_session.user.active:
        return None
    staff_session.last_seen_at = now
    return staff_session


def end_session(session: Session, staff_session: StaffSession) -> None:
    staff_session.revoked_at = _now()
    record(session, Actor(f"user:{staff_session.user_id}", staff_session.user.organisation_id),
           AuditAction.AUTHENTICATION, "user", staff_session.user_id, detail={"outcome": "logout"})


# --- API tokens ----------------------------------------------------------------------

@dataclass(frozen=True)
class IssuedToken:
    token: str  # shown once; only its digest is stored
    record: ApiToken


def parse_scopes(values: Iterable[str]) -> frozenset[Scope]:
    scopes: set[Scope] = set()
    for value in values:
        try:
            scopes.add(Scope(value))
        except ValueError:
            raise AccountError(f"unknown scope {value!r}; expected one of "
                               + ", ".join(s.value for s in Scope)) from None
    if not scopes:
        raise AccountError("a token needs at least one scope")
    return frozenset(scopes)


def create_token(
    session: Session, actor: Actor, organisation: Organisation, scopes: Iterable[str], *, name: str = "api",
) -> IssuedToken:
    parsed = parse_scopes(scopes)
    check_scopes_allowed(OrgKind(organisation.kind), parsed)
    secret = secrets.token_urlsafe(32)
    token = f"{TOKEN_PREFIX}{secret}"
    api_token = ApiToken(
        organisation_id=organisation.id, name=name, prefix=token[:12], secret_digest=_digest(token),
        scopes=sorted(s.value for s in parsed),
    )
    session.add(api_token)
    session.flush()
    record(session, actor, AuditAction.ADMINISTRATION, "api_token", api_token.id,
           detail={"op": "create", "organisation_id": organisation.id, "scopes": api_token.scopes})
    return IssuedToken(token, api_token)


def token_for_secret(session: Session, token: str) -> ApiToken | None:
    api_token = session.scalar(select(ApiToken).where(ApiToken.secret_digest == _digest(token)))
    if api_token is None or api_token.revoked_at is not None:
        return None
    api_token.last_used_at = _now()
    return api_token


def revoke_token(session: Session, actor: Actor, token_id: int) -> ApiToken:
    api_token = session.get(ApiToken, token_id)
    if api_token is None:
        raise AccountError(f"no token with id {token_id}")
    if api_token.revoked_at is None:
        api_token.revoked_at = _now()
        record(session, actor, AuditAction.ADMINISTRATION, "api_token", token_id, detail={"op": "revoke"})
    return api_token
