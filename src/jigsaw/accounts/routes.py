"""Staff sign-in and sign-out pages."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from jigsaw.accounts import service as accounts
from jigsaw.accounts.models import StaffSession
from jigsaw.accounts.roles import OrgKind, Role
from jigsaw.http.deps import SESSION_COOKIE, authorize, db_session, platform_of, require_csrf
from jigsaw.http.security import (
    ANON_CSRF_COOKIE,
    SlidingWindowLimiter,
    anon_csrf_token,
    check_anon_csrf,
    client_key,
    ensure_anon_csrf_cookie,
)
from jigsaw.http.templating import render

router = APIRouter(include_in_schema=False)
LOGIN_ATTEMPTS_PER_5_MIN = 30


def login_limiter(request: Request) -> SlidingWindowLimiter:
    """Per app, so each running instance (and each test) counts its own attempts."""
    state = request.app.state
    if not hasattr(state, "login_limiter"):
        state.login_limiter = SlidingWindowLimiter(limit=LOGIN_ATTEMPTS_PER_5_MIN, window=300)
    limiter: SlidingWindowLimiter = state.login_limiter
    return limiter


def _safe_next(path: str | None) -> str:
    # Only local paths: an open redirect after login would help phishing.
    if path and path.startswith("/") and not path.startswith("//") and "\\" not in path:
        return path
    return "/"


def _login_page(request: Request, *, error: str | None = None, email: str = "", next_path: str = "/",
                status_code: int = 200) -> Response:
    cookie = ensure_anon_csrf_cookie(request)
    token = anon_csrf_token(platform_of(request).session_key, cookie)
    response = render(
        request, "accounts/login.html",
        {"error": error, "email": email, "next_path": _safe_next(next_path), "csrf_token": token, "principal": None},
        status_code=status_code,
    )
    response.set_cookie(ANON_CSRF_COOKIE, cookie, httponly=True, samesite="strict",
                        secure=platform_of(request).settings.cookie_secure)
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/") -> Response:
    return _login_page(request, next_path=next)


@router.post("/login")
def login(
    request: Request,
    session: Session = Depends(db_session),
    email: str = Form(""), password: str = Form(""), code: str = Form(""),
    csrf_token: str = Form(""), next: str = Form("/"),
) -> Response:
    platform = platform_of(request)
    settings = platform.settings
    if not check_anon_csrf(platform.session_key, request, csrf_token):
        return _login_page(request, error="The form expired. Please try again.", email=email,
                           next_path=next, status_code=400)
    if not login_limiter(request).allow(client_key(request)):
        refused = _login_page(request, error="Too many sign-in attempts from here. Wait a few minutes.",
                              email=email, next_path=next, status_code=429)
        refused.headers["Retry-After"] = str(max(1, login_limiter(request).retry_after(client_key(request))))
        return refused
    result = accounts.authenticate(
        session, email, password, code, client=client_key(request),
        max_failed=settings.max_failed_logins, lockout_minutes=settings.lockout_minutes,
    )
    if result.user is None:
        session.commit()  # keep the failure count and the audit entry
        return _login_page(request, error=result.error, email=email, next_path=next, status_code=401)
    issued = accounts.start_session(session, result.user, lifetime_hours=settings.session_lifetime_hours)
    landing = _safe_next(next)
    if landing == "/":
        landing = platform.landing_page(result.user.role)
    response = RedirectResponse(landing, status_code=303)
    response.set_cookie(SESSION_COOKIE, issued.secret, httponly=True, samesite="strict",
                        secure=settings.cookie_secure, max_age=settings.session_lifetime_hours * 3600)
    response.delete_cookie(ANON_CSRF_COOKIE)
    return response


@router.post("/logout", dependencies=[Depends(authorize(roles=set(Role), org_kinds=set(OrgKind), page=True))])
def logout(request: Request, session: Session = Depends(db_session), csrf_token: str = Form("")) -> Response:
    require_csrf(request, csrf_token)
    staff_session = session.get(StaffSession, request.state.staff_session_id)
    if staff_session is not None:
        accounts.end_session(session, staff_session)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response
