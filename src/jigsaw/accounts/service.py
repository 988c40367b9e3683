"""Account operations: organisations, users, logins with TOTP and lockout, tokens, sessions.

Every change is written to the audit log in the same transaction as the change itself.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, and_, case, or_, select, update
from sqlalchemy.orm import Session

from jigsaw.accounts.models import ApiToken, Organisation, StaffSession, User
from jigsaw.accounts.roles import OrgKind, Role, Scope, check_role_allowed, check_scopes_allowed
from jigsaw.audit.chain import AuditAction
from jigsaw.audit.service import Actor, record
from jigsaw.errors import InvalidInput, NotAllowed, NotFound
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
    password: str | None = None  # set only when Jigsaw chose it, to show once

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


def create_user_for_admin(
    session: Session, actor: Actor, email: str, role: Role | str, organisation: Organisation,
    password: str | None, *, display_name: str | None = None,
) -> NewUser:
    """:func:`create_user` from the admin page or API: with no password given, a strong one
    is generated and returned to be shown once, beside the TOTP enrolment."""
    chosen = password or generate_password()
    made = create_user(session, actor, email, role, organisation, chosen, display_name=display_name)
    return NewUser(made.user, made.totp_secret, None if password else chosen)


def generate_password() -> str:
    return "-".join(secrets.token_urlsafe(6) for _ in range(4))


def unlock_user(session: Session, actor: Actor, user: User) -> None:
    user.locked_until, user.failed_logins = None, 0
    record(session, actor, AuditAction.ADMINISTRATION, "user", user.id, detail={"op": "unlock"})


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

    Every refusal gives the same error, whether the account is unknown, disabled, locked or
    the password or code is wrong, so the answer tells an attacker neither which factor
    failed nor whether the account exists; the audit entry records the real reason.

    The attempt is counted *before* the password is checked, by one conditional
    ``UPDATE … RETURNING`` that refuses a locked account, and committed at once: however
    many attempts race, no more than ``max_failed`` passwords are ever checked before the
    account locks, and a crash mid-check cannot take a failure back. The code's time step
    is claimed the same way, so one code gives one sign-in.
    """
    email = email.strip().casefold()
    now = _now()
    reserved = _reserve_attempt(session, User.email == email, now, max_failed=max_failed,
                                lockout_minutes=lockout_minutes)
    user = session.scalar(select(User).where(User.email == email))
    actor = Actor(f"user:{user.id}" if user else f"anonymous:{client}", user.organisation_id if user else None)
    if user is None or not user.active or reserved is None:
        passwords.verify_password(None, password)  # the same work as a real check: timing tells nothing
        reason = "unknown or inactive account" if user is None or not user.active else "locked"
        record(session, actor, AuditAction.AUTHENTICATION, "user", user.id if user else None,
               detail={"outcome": "failure", "reason": reason, "client": client})
        return LoginResult(None, GENERIC_LOGIN_ERROR)
    password_ok = passwords.verify_password(user.password_hash, password)
    step = totp.verify(user.totp_secret, code, last_used_step=user.totp_last_step) if password_ok else None
    if step is None or not claim_totp_step(session, user.id, step):
        record(session, actor, AuditAction.AUTHENTICATION, "user", user.id,
               detail={"outcome": "failure", "reason": "bad credentials", "locked": reserved >= max_failed,
                       "client": client})
        return LoginResult(None, GENERIC_LOGIN_ERROR)
    _clear_failures(session, user.id, last_login_at=now)
    session.refresh(user)
    record(session, actor, AuditAction.AUTHENTICATION, "user", user.id,
           detail={"outcome": "success", "client": client})
    return LoginResult(user)


def claim_totp_step(session: Session, user_id: int, step: int) -> bool:
    """Record ``step`` as used, only if no equal or later step was: one code, one sign-in.

    A conditional UPDATE, so of two requests racing with the same code exactly one wins (the
    database row lock decides, on PostgreSQL and SQLite alike).
    """
    claimed = session.execute(
        update(User).where(User.id == user_id, or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step).returning(User.id).execution_options(synchronize_session=False)).first()
    if claimed is None:
        return False
    session.expire_all()  # the loaded user's step is stale now
    return True


def _reserve_attempt(session: Session, which: ColumnElement[bool], now: datetime, *, max_failed: int,
                     lockout_minutes: int) -> int | None:
    """Count one attempt for the active, unlocked user ``which`` picks, and commit it.

    Returns the attempts counted since the last success (this one included), or None when
    there is no such user or it is locked. The attempt that reaches ``max_failed`` locks
    the account there and then, before its password is checked; if that attempt succeeds
    it unlocks it again (:func:`_clear_failures`). An expired lock starts a fresh count.
    Committed before the caller checks anything, so a racing or crashing request can
    neither skip the count nor roll it back.
    """
    expired = and_(User.locked_until.is_not(None), User.locked_until <= now)
    count = case((expired, 1), else_=User.failed_logins + 1)
    reserved = session.execute(
        update(User).where(which, User.active.is_(True), or_(User.locked_until.is_(None), User.locked_until <= now))
        .values(failed_logins=count,
                locked_until=case((count >= max_failed, now + timedelta(minutes=lockout_minutes)), else_=None))
        .returning(User.failed_logins).execution_options(synchronize_session=False)).first()
    session.commit()
    return None if reserved is None else int(reserved[0])


def _clear_failures(session: Session, user_id: int, *, last_login_at: datetime | None = None) -> None:
    values: dict[str, object] = {"failed_logins": 0, "locked_until": None}
    if last_login_at is not None:
        values["last_login_at"] = last_login_at
    session.execute(update(User).where(User.id == user_id).values(**values)
                    .execution_options(synchronize_session=False))


def verify_code(session: Session, user: User, code: str, *, max_failed: int = 5, lockout_minutes: int = 15) -> bool:
    """Check a fresh TOTP code from a signed-in user (before issuing a personal token).

    The code's step is claimed as used, so a code seen over a shoulder or in a log cannot be
    used again, for this or for a sign-in. Each try is counted towards the lockout before the
    code is checked, as at sign-in, so codes cannot be guessed from a session left open, even
    by racing requests; a locked account is refused.
    """
    if _reserve_attempt(session, User.id == user.id, _now(), max_failed=max_failed,
                        lockout_minutes=lockout_minutes) is None:
        return False
    session.refresh(user)
    step = totp.verify(user.totp_secret, code, last_used_step=user.totp_last_step)
    if step is not None and claim_totp_step(session, user.id, step):
        _clear_failures(session, user.id)
        session.refresh(user)
        return True
    return False


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


MAX_TOKEN_DAYS = 366
DEFAULT_PERSONAL_TOKEN_DAYS = 30


def _expiry(days: int | None) -> datetime | None:
    if days is None:
        return None
    if not 1 <= days <= MAX_TOKEN_DAYS:
        raise AccountError(f"a token lasts between 1 and {MAX_TOKEN_DAYS} days")
    return _now() + timedelta(days=days)


def _new_secret() -> tuple[str, str]:
    token = f"{TOKEN_PREFIX}{secrets.token_urlsafe(32)}"
    return token, _digest(token)


def create_token(
    session: Session, actor: Actor, organisation: Organisation, scopes: Iterable[str], *, name: str = "api",
    days: int | None = None,
) -> IssuedToken:
    """An organisation's token with ``scopes``; it expires after ``days`` if given."""
    parsed = parse_scopes(scopes)
    check_scopes_allowed(OrgKind(organisation.kind), parsed)
    token, digest = _new_secret()
    api_token = ApiToken(
        organisation_id=organisation.id, name=_token_name(name), prefix=token[:12], secret_digest=digest,
        scopes=sorted(s.value for s in parsed), expires_at=_expiry(days),
    )
    session.add(api_token)
    session.flush()
    record(session, actor, AuditAction.ADMINISTRATION, "api_token", api_token.id,
           detail={"op": "create", "organisation_id": organisation.id, "scopes": api_token.scopes,
                   "expires_at": api_token.expires_at.isoformat() if api_token.expires_at else None})
    return IssuedToken(token, api_token)


def create_personal_token(
    session: Session, actor: Actor, user: User, *, name: str = "personal",
    days: int = DEFAULT_PERSONAL_TOKEN_DAYS,
) -> IssuedToken:
    """A token that acts exactly as ``user`` (their role and organisation, nothing more).

    It always expires (``days``, 30 by default) and carries no partner scopes.
    """
    if not user.active:
        raise AccountError(f"{user.email} is disabled")
    token, digest = _new_secret()
    api_token = ApiToken(
        organisation_id=user.organisation_id, user_id=user.id, name=_token_name(name), prefix=token[:12],
        secret_digest=digest, scopes=[], expires_at=_expiry(days),
    )
    session.add(api_token)
    session.flush()
    record(session, actor, AuditAction.ADMINISTRATION, "api_token", api_token.id,
           detail={"op": "create", "personal": True, "user_id": user.id,
                   "expires_at": api_token.expires_at.isoformat() if api_token.expires_at else None})
    return IssuedToken(token, api_token)


def _token_name(name: str) -> str:
    name = " ".join(name.split())[:200]
    if not name:
        raise AccountError("a token needs a name")
    return name


class TokenRejected(NotAllowed):
    """A bearer token that cannot be used; the message says why. The API gate answers it 401."""


def check_token(session: Session, token: str) -> ApiToken:
    """The live token for ``token``, touching its last use; :class:`TokenRejected` otherwise."""
    api_token = session.scalar(select(ApiToken).where(ApiToken.secret_digest == _digest(token)))
    if api_token is None:
        raise TokenRejected("invalid API token")
    if api_token.revoked_at is not None:
        raise TokenRejected("this API token has been revoked")
    now = _now()
    if api_token.expires_at is not None and api_token.expires_at <= now:
        raise TokenRejected("this API token has expired")
    if api_token.user is not None and not api_token.user.active:
        raise TokenRejected("this API token's user account is disabled")
    api_token.last_used_at = now
    return api_token


def token_for_secret(session: Session, token: str) -> ApiToken | None:
    try:
        return check_token(session, token)
    except TokenRejected:
        return None


def personal_tokens(session: Session, user_id: int) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id.desc())))


def revoke_token(session: Session, actor: Actor, token_id: int, *, owner_id: int | None = None) -> ApiToken:
    """Revoke a token; with ``owner_id``, only that user's own personal token."""
    api_token = session.get(ApiToken, token_id)
    if api_token is None or (owner_id is not None and api_token.user_id != owner_id):
        raise AccountError(f"no token with id {token_id}")
    if api_token.revoked_at is None:
        api_token.revoked_at = _now()
        record(session, actor, AuditAction.ADMINISTRATION, "api_token", token_id, detail={"op": "revoke"})
    return api_token


# --- stopping and changing staff accounts ---------------------------------------------

def user_by_id(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"no user with id {user_id}")
    return user


def user_by_email(session: Session, email: str) -> User:
    user = session.scalar(select(User).where(User.email == email.strip().casefold()))
    if user is None:
        raise NotFound(f"no user with email {email.strip()}")
    return user


def revoke_sessions(session: Session, actor: Actor, user: User, *, reason: str = "revoke-sessions") -> int:
    """End every live session of ``user`` at once; the number ended."""
    ended = session.execute(
        update(StaffSession).where(StaffSession.user_id == user.id, StaffSession.revoked_at.is_(None))
        .values(revoked_at=_now()).execution_options(synchronize_session=False))
    count = int(ended.rowcount)  # type: ignore[attr-defined]
    record(session, actor, AuditAction.ADMINISTRATION, "user", user.id, detail={"op": reason, "sessions": count})
    return count


def _revoke_personal_tokens(session: Session, user: User) -> int:
    revoked = session.execute(
        update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=_now()).execution_options(synchronize_session=False))
    return int(revoked.rowcount)  # type: ignore[attr-defined]


def _end_access(session: Session, user: User) -> dict[str, int]:
    session.flush()  # the caller's change to ``user`` goes out before the loaded state is expired
    sessions = session.execute(
        update(StaffSession).where(StaffSession.user_id == user.id, StaffSession.revoked_at.is_(None))
        .values(revoked_at=_now()).execution_options(synchronize_session=False))
    tokens = _revoke_personal_tokens(session, user)
    session.expire_all()
    return {"sessions": int(sessions.rowcount), "tokens": tokens}  # type: ignore[attr-defined]


def _not_self(actor_user_id: int | None, user: User, what: str) -> None:
    if actor_user_id is not None and actor_user_id == user.id:
        raise NotAllowed(f"you cannot {what} your own account; ask another administrator")


def disable_user(session: Session, actor: Actor, user: User, *, actor_user_id: int | None = None) -> None:
    """Stop an account now: its sessions end and its personal tokens are revoked."""
    _not_self(actor_user_id, user, "disable")
    user.active = False
    ended = _end_access(session, user)
    record(session, actor, AuditAction.ADMINISTRATION, "user", user.id, detail={"op": "disable", **ended})


def enable_user(session: Session, actor: Actor, user: User) -> None:
    """Let a disabled account sign in again (its old tokens stay revoked)."""
    user.active = True
    user.failed_logins, user.locked_until = 0, None
    record(session, actor, AuditAction.ADMINISTRATION, "user", user.id, detail={"op": "enable"})


def change_role(session: Session, actor: Actor, user: User, role: Role | str, *,
                actor_user_id: int | None = None) -> None:
    """Give ``user`` a new role its organisation may hold; their sessions and tokens end at once."""
    try:
        role = Role(role)
    except ValueError:
        raise AccountError(f"unknown role {role!r}; expected one of " + ", ".join(r.value for r in Role)) from None
    _not_self(actor_user_id, user, "change the role of")
    check_role_allowed(OrgKind(user.organisation.kind), role)
    previous = user.role
    user.role = role.value
    ended = _end_access(session, user)
    record(session, actor, AuditAction.ADMINISTRATION, "user", user.id,
           detail={"op": "role", "from": previous, "to": role.value, **ended})


def reset_second_factor(session: Session, actor: Actor, user: User) -> NewUser:
    """A new TOTP secret (shown once); the user enrols again. Sessions and tokens end."""
    secret = totp.new_secret()
    user.totp_secret = secret
    user.totp_last_step = None
    ended = _end_access(session, user)
    record(session, actor, AuditAction.ADMINISTRATION, "user", user.id, detail={"op": "reset-totp", **ended})
    return NewUser(user, secret)
