"""FastAPI dependencies shared by every capability's routes: the DB session and access checks.

:func:`authorize` is the one gate for staff pages and the API. Its result carries the
roles and scopes it admits, so a test can walk the route table and prove that no staff
route answers an anonymous or wrong-role request.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from fastapi import Depends, HTTPException, Request, status
from sqlalchemy.orm import Session

from jigsaw.accounts import service as accounts
from jigsaw.accounts.principal import Principal
from jigsaw.accounts.roles import OrgKind, Role, Scope
from jigsaw.bootstrap import Platform
from jigsaw.db.engine import session_factory

SESSION_COOKIE = "jigsaw_session"


class LoginRequired(Exception):
    """Raised for a browser page without a live staff session; answered with a redirect."""

    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


def platform_of(request: Request) -> Platform:
    platform: Platform = request.app.state.platform
    return platform


def db_session(request: Request) -> Iterator[Session]:
    """One session per request: committed when the route returns, rolled back on error."""
    session = session_factory(platform_of(request).engine)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def staff_principal(request: Request, session: Session) -> Principal | None:
    """The logged-in staff user, if the session cookie is live (touches its idle clock)."""
    cached = getattr(request.state, "principal", None)
    if cached is not None:
        return cached
    secret = request.cookies.get(SESSION_COOKIE)
    if not secret:
        return None
    settings = platform_of(request).settings
    staff_session = accounts.resume_session(session, secret, idle_minutes=settings.idle_timeout_minutes)
    if staff_session is None:
        session.commit()  # keep the revocation of an idle session
        return None
    user = staff_session.user
    principal = Principal(
        organisation_id=user.organisation_id, organisation_kind=OrgKind(user.organisation.kind),
        user_id=user.id, role=Role(user.role), label=user.email,
    )
    request.state.principal = principal
    request.state.csrf_token = staff_session.csrf_token
    request.state.staff_session_id = staff_session.id
    return principal


def token_principal(request: Request, session: Session) -> Principal | None:
    header = request.headers.get("authorization", "")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        return None
    api_token = accounts.token_for_secret(session, credentials.strip())
    if api_token is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "invalid or revoked API token",
                            headers={"WWW-Authenticate": "Bearer"})
    return Principal(
        organisation_id=api_token.organisation_id, organisation_kind=OrgKind(api_token.organisation.kind),
        token_id=api_token.id, scopes=frozenset(Scope(s) for s in api_token.scopes),
        label=f"token {api_token.prefix}… of {api_token.organisation.name}",
    )


@dataclass(frozen=True)
class Authorize:
    """A dependency admitting tokens with any of ``scopes`` or staff with any of ``roles``.

    ``page=True`` marks a browser page: an anonymous visitor is sent to the login page
    rather than given a 401. Staff must also belong to an organisation of ``org_kinds``.
    """

    roles: frozenset[Role] = frozenset()
    scopes: frozenset[Scope] = frozenset()
    org_kinds: frozenset[OrgKind] = frozenset({OrgKind.CENTRE})
    page: bool = False

    def __call__(self, request: Request, session: Session = Depends(db_session)) -> Principal:
        principal = token_principal(request, session) if self.scopes else None
        if principal is not None:
            if principal.scopes & self.scopes:
                return principal
            raise HTTPException(status.HTTP_403_FORBIDDEN, "this token lacks the scope for this route")
        principal = staff_principal(request, session) if self.roles else None
        if principal is None:
            if self.page:
                raise LoginRequired(request.url.path)
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "authentication required",
                                headers={"WWW-Authenticate": "Bearer"})
        if principal.role not in self.roles or principal.organisation_kind not in self.org_kinds:
            raise HTTPException(status.HTTP_403_FORBIDDEN, "your role does not allow this")
        return principal


def authorize(
    *, roles: Iterable[Role] = (), scopes: Iterable[Scope] = (), org_kinds: Iterable[OrgKind] = (OrgKind.CENTRE,),
    page: bool = False,
) -> Authorize:
    return Authorize(frozenset(roles), frozenset(scopes), frozenset(org_kinds), page)


def require_csrf(request: Request, submitted: str | None) -> None:
    """Staff forms carry the session's CSRF token; a mismatch is refused."""
    expected = getattr(request.state, "csrf_token", None)
    if not expected or not submitted or not hmac.compare_digest(expected, submitted):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "the form has expired; reload the page and try again")
