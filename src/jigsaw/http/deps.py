"""FastAPI dependencies shared by every capability's routes: the DB session and access checks.

:func:`authorize` is the one gate for staff pages and the API. Its result carries the
roles and scopes it admits, so a test can walk the route table and prove that no staff
route answers an anonymous or wrong-role request.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from dataclasses import dataclass

from fastapi import Depends, HTTPException, Request, status
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Send
from starlette.types import Scope as ASGIScope

from jigsaw.accounts import service as accounts
from jigsaw.accounts.principal import Principal
from jigsaw.accounts.roles import OrgKind, Role, Scope
from jigsaw.db.engine import session_factory
from jigsaw.errors import JigsawError
from jigsaw.platform import Platform

SESSION_COOKIE = "jigsaw_session"


class LoginRequired(JigsawError):
    """Raised for a browser page without a live staff session; answered with a redirect."""

    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


def platform_of(request: Request) -> Platform:
    platform: Platform = request.app.state.platform
    return platform


def db_session(request: Request) -> Session:
    """The request's session, opened on first use; :class:`TransactionMiddleware` ends it.

    The transaction ends in middleware, not in a ``yield`` dependency, because FastAPI runs
    a dependency's cleanup only after the response has gone out: a browser following a
    redirect could then ask for the next page before the write it depends on (a new login
    session, a saved draft) was committed.
    """
    session: Session | None = request.scope.setdefault("state", {}).get(_SESSION_KEY)
    if session is None:
        session = session_factory(platform_of(request).engine)()
        request.scope["state"][_SESSION_KEY] = session
    return session


_SESSION_KEY = "jigsaw_db_session"


class TransactionMiddleware:
    """Commits the request's session once the route has answered, before the client hears it.

    Any answer of 400 or more rolls back, so a refused request writes nothing (routes that
    must keep something on failure, such as a failed-login count, commit explicitly first).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: ASGIScope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        finished = False

        async def end_transaction(message: Message) -> None:
            nonlocal finished
            if message["type"] == "http.response.start" and not finished:
                finished = True
                await run_in_threadpool(_finish, scope, message["status"] < 400)
            await send(message)

        try:
            await self.app(scope, receive, end_transaction)
        finally:
            if not finished:  # the app raised before answering
                await run_in_threadpool(_finish, scope, False)


def _finish(scope: ASGIScope, success: bool) -> None:
    session: Session | None = scope.get("state", {}).pop(_SESSION_KEY, None)
    if session is None:
        return
    try:
        if success:
            session.commit()
        else:
            session.rollback()
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


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        return None
    return credentials.strip()


def token_principal(request: Request, session: Session) -> Principal | None:
    """Who a bearer token speaks for: its organisation (with scopes), or, for a personal token,
    its user with their current role and organisation and no scopes. 401 if it cannot be used."""
    token = bearer_token(request)
    if token is None:
        return None
    try:
        api_token = accounts.check_token(session, token)
    except accounts.TokenRejected as exc:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, str(exc), headers={"WWW-Authenticate": "Bearer"}) from None
    user = api_token.user
    if user is not None:
        principal = Principal(
            organisation_id=user.organisation_id, organisation_kind=OrgKind(user.organisation.kind),
            user_id=user.id, role=Role(user.role), token_id=api_token.id, label=user.email, via_token=True,
        )
    else:
        principal = Principal(
            organisation_id=api_token.organisation_id, organisation_kind=OrgKind(api_token.organisation.kind),
            token_id=api_token.id, scopes=frozenset(Scope(s) for s in api_token.scopes),
            label=f"token {api_token.prefix}… of {api_token.organisation.name}", via_token=True,
        )
    request.state.token_principal = principal
    return principal


@dataclass(frozen=True)
class Authorize:
    """A dependency admitting tokens with any of ``scopes`` or staff with any of ``roles``.

    ``page=True`` marks a browser page: an anonymous visitor is sent to the login page
    rather than given a 401. Tokens and staff alike must belong to an organisation of
    ``org_kinds`` (the centre, unless a route opens itself to partners).

    A staff member's personal token acts exactly as its user on the API's role routes
    (``page=False``); it holds no scopes, so routes for organisation tokens refuse it, and an
    organisation's token is refused by routes that admit only roles.
    """

    roles: frozenset[Role] = frozenset()
    scopes: frozenset[Scope] = frozenset()
    org_kinds: frozenset[OrgKind] = frozenset({OrgKind.CENTRE})
    page: bool = False

    def __call__(self, request: Request, session: Session = Depends(db_session)) -> Principal:
        takes_tokens = bool(self.scopes) or (bool(self.roles) and not self.page)
        principal = token_principal(request, session) if takes_tokens else None
        if principal is not None:
            return self._admit_token(principal)
        principal = staff_principal(request, session) if self.roles else None
        if principal is None:
            if self.page:
                raise LoginRequired(request.url.path)
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "authentication required",
                                headers={"WWW-Authenticate": "Bearer"})
        if principal.role not in self.roles or principal.organisation_kind not in self.org_kinds:
            raise HTTPException(status.HTTP_403_FORBIDDEN, "your role does not allow this")
        return principal

    def _admit_token(self, principal: Principal) -> Principal:
        if principal.personal_token:
            if not self.roles or self.page:
                raise HTTPException(status.HTTP_403_FORBIDDEN, "a personal token acts as its user on staff API "
                                    "routes; this route takes an organisation's token")
            if principal.role not in self.roles or principal.organisation_kind not in self.org_kinds:
                raise HTTPException(status.HTTP_403_FORBIDDEN, "your role does not allow this")
            return principal
        if not principal.scopes & self.scopes:
            raise HTTPException(status.HTTP_403_FORBIDDEN, "this token lacks the scope for this route")
        if principal.organisation_kind not in self.org_kinds:
            raise HTTPException(status.HTTP_403_FORBIDDEN, "this route is not open to your organisation")
        return principal


def authorize(
    *, roles: Iterable[Role] = (), scopes: Iterable[Scope] = (), org_kinds: Iterable[OrgKind] = (OrgKind.CENTRE,),
    page: bool = False,
) -> Authorize:
    return Authorize(frozenset(roles), frozenset(scopes), frozenset(org_kinds), page)


def require_csrf(request: Request, submitted: str | None) -> None:
    """Staff forms carry the session's CSRF token; a mismatch is refused.

    A request authenticated by a bearer token needs none: a browser never attaches a token
    on its own, so a forged cross-site request cannot carry one.
    """
    if getattr(request.state, "token_principal", None) is not None:
        return
    expected = getattr(request.state, "csrf_token", None)
    if not expected or not submitted or not hmac.compare_digest(expected, submitted):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "the form has expired; reload the page and try again")
