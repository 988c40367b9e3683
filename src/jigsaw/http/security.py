"""HTTP hardening shared by every page: security headers, CSRF tokens, rate limits."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import math
import secrets
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable

from fastapi import HTTPException, Request, Response
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from jigsaw.config import IPNetwork

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)

SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}


class SecurityHeadersMiddleware(BaseHTTPMiddleware):
    """Adds the headers above; pages are never cached (shared devices) unless a public page marks
    itself ``Cache-Control: public``."""

    def __init__(self, app: object, *, hsts: bool) -> None:
        super().__init__(app)  # type: ignore[arg-type]
        self.hsts = hsts

    async def dispatch(self, request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        # A public page that says it may be cached (the Most Wanted pages) keeps its own header.
        public = response.headers.get("cache-control", "").startswith("public")
        if not request.url.path.startswith("/static/") and not public:
            response.headers["Cache-Control"] = "no-store"
        if self.hsts:
            response.headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
        return response


# --- CSRF for pages used without a staff session (login, the public form) -------------

ANON_CSRF_COOKIE = "jigsaw_csrf"


def anon_csrf_token(key: bytes, cookie_value: str) -> str:
    return hmac.new(key, cookie_value.encode(), hashlib.sha256).hexdigest()


def ensure_anon_csrf_cookie(request: Request) -> str:
    return request.cookies.get(ANON_CSRF_COOKIE) or secrets.token_urlsafe(24)


def check_anon_csrf(key: bytes, request: Request, submitted: str | None) -> bool:
    cookie = request.cookies.get(ANON_CSRF_COOKIE)
    if not cookie or not submitted:
        return False
    return hmac.compare_digest(anon_csrf_token(key, cookie), submitted)


# --- Rate limiting -------------------------------------------------------------------

class SlidingWindowLimiter:
    """At most ``limit`` events per ``window`` seconds per key, in this process."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def has_room(self, key: str) -> bool:
        """Whether :meth:`allow` would let one more event through now (counts nothing)."""
        now = time.monotonic()
        with self._lock:
            events = self._events.get(key)
            return not events or sum(1 for t in events if now - t <= self.window) < self.limit

    def retry_after(self, key: str) -> int:
        """Whole seconds until :meth:`allow` would let ``key`` through again (for ``Retry-After``)."""
        now = time.monotonic()
        with self._lock:
            live = [t for t in self._events.get(key, ()) if now - t <= self.window]
        if len(live) < self.limit:
            return 0
        return max(1, math.ceil(live[-self.limit] + self.window - now))

    def allow(self, key: str) -> bool:
        now = time.monotonic()
        with self._lock:
            events = self._events.setdefault(key, deque())
            while events and now - events[0] > self.window:
                events.popleft()
            if len(events) >= self.limit:
                return False
            events.append(now)
            if len(self._events) > 100_000:  # bound memory under a flood of distinct clients
                self._events = {k: v for k, v in self._events.items() if v and now - v[-1] <= self.window}
            return True


def too_many_requests(limiter: SlidingWindowLimiter, key: str, detail: str) -> HTTPException:
    """A 429 that says when to come back (``Retry-After``, RFC 9110 §10.2.3)."""
    return HTTPException(429, detail, headers={"Retry-After": str(max(1, limiter.retry_after(key)))})


IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def _address(text: str) -> IPAddress | None:
    """An address from a forwarded-header entry: ``1.2.3.4``, ``1.2.3.4:80``, ``[::1]:80``, ``"[::1]"``."""
    text = text.strip().strip('"')
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def forwarded_chain(request: Request, header: str) -> list[str]:
    """The addresses a forwarding header lists, nearest the client first.

    ``x-forwarded-for``: ``client, proxy1, proxy2``; ``forwarded`` (RFC 7239): the ``for=``
    parameter of each element. Several header lines are read in order, as one list.
    """
    lines = request.headers.getlist(header)
    if header == "forwarded":
        found = []
        for element in ",".join(lines).split(","):
            for pair in element.split(";"):
                name, _, value = pair.strip().partition("=")
                if name.lower() == "for":
                    found.append(value)
        return found
    return [part for part in ",".join(lines).split(",") if part.strip()]


def real_client(peer: str | None, chain: list[str], trusted: tuple[IPNetwork, ...]) -> str | None:
    """The client's address: the right-most address in ``chain`` not on ``trusted``.

    Each trusted proxy appends the address it received the request from, so reading from
    the right, past our own proxies, gives the first address nobody we trust vouches
    for. Anything to its left was written by the client and could be anything. The
    chain is read only when the direct peer is itself a trusted proxy; an entry that is
    not an address stops the walk at the last trusted hop.
    """
    def is_trusted(address: IPAddress) -> bool:
        return any(address in network for network in trusted)

    current = _address(peer) if peer else None
    if current is None or not trusted or not is_trusted(current):
        return peer
    for entry in reversed(chain):
        hop = _address(entry)
        if hop is None:
            break
        current = hop
        if not is_trusted(hop):
            break
    return str(current)


def client_key(request: Request) -> str:
    """The client's address, for rate limits and the audit trail.

    Behind a reverse proxy every request comes from the proxy, so one client could use up
    everyone's limit. Forwarded headers are honoured only when the direct peer is in
    ``JIGSAW_TRUSTED_PROXIES`` (otherwise a client could name any address it likes), and
    only the header that proxy sets (``JIGSAW_PROXY_HEADER``).
    """
    peer = request.client.host if request.client else None
    platform = getattr(request.app.state, "platform", None)
    settings = getattr(platform, "settings", None)
    trusted: tuple[IPNetwork, ...] = getattr(settings, "trusted_proxies", ())
    if not trusted or peer is None:
        return peer or "unknown"
    header = getattr(settings, "proxy_header", "x-forwarded-for")
    return real_client(peer, forwarded_chain(request, header), trusted) or "unknown"


# --- Request bodies never touch disk ---------------------------------------------------

MAX_REQUEST_BODY_BYTES = 256 * 1024 * 1024
"""The largest body any route accepts (a hash upload or a zip of referrals)."""


def keep_uploads_in_memory(limit: int = MAX_REQUEST_BODY_BYTES) -> None:
    """Starlette spools multipart uploads over 1 MB to temporary files. A request may carry
    media (a zip from a partner, a file to hash), and media must never be written to disk, so
    every upload stays in memory up to the body limit; :class:`BodySizeLimitMiddleware`
    refuses anything larger, which keeps that memory bounded."""
    from starlette.formparsers import MultiPartParser

    MultiPartParser.spool_max_size = limit + 1


class BodySizeLimitMiddleware:
    """Answers 413 to a request body over ``limit`` bytes, declared or streamed."""

    def __init__(self, app: ASGIApp, *, limit: int = MAX_REQUEST_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await _too_large(send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise HTTPException(413, "request body too large")
            return message

        await self.app(scope, counted, send)


async def _too_large(send: Send) -> None:
    body = b'{"detail":"request body too large"}'
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
