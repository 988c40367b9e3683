"""HTTP hardening shared by every page: security headers, CSRF tokens, rate limits."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import math
import secrets
import threading
import time
from collections import deque
from urllib.parse import parse_qsl

from fastapi import HTTPException, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from jigsaw.config import IPNetwork
from jigsaw.formats.text import find_bad_text, may_hold_bad_text

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


DEFAULT_RETRY_AFTER = b"60"


class SecurityHeadersMiddleware:
    """Adds the headers above to every answer, a crash's 500 included; pages (not the API docs)
    are never cached, for shared devices, unless a public page marks itself ``Cache-Control: public``.

    An exception that escapes the app is answered here (a plain 500 with the headers) before it
    travels on to be logged: Starlette's own error page is sent from outside every middleware,
    so it would go out without them."""

    def __init__(self, app: ASGIApp, *, hsts: bool) -> None:
        self.app = app
        self.hsts = hsts

    def _headers(self, path: str) -> list[tuple[bytes, bytes]]:
        headers = [(name.lower().encode(), value.encode()) for name, value in SECURITY_HEADERS.items()]
        if not path.startswith("/static/"):
            headers.append((b"cache-control", b"no-store"))
        if self.hsts:
            headers.append((b"strict-transport-security", b"max-age=63072000; includeSubDomains"))
        return headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        ours = self._headers(scope.get("path", ""))
        no_store = any(k == b"cache-control" for k, _ in ours)
        started = False

        async def with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                # A public page that says it may be cached (the Most Wanted pages) keeps its own header.
                public = any(k.lower() == b"cache-control" and v.startswith(b"public") for k, v in headers)
                if no_store and not public:  # ours wins over the route's
                    headers = [(k, v) for k, v in headers if k.lower() != b"cache-control"]
                headers += [(k, v) for k, v in ours
                            if (k == b"cache-control" and not public) or k not in present]
                if message.get("status") == 429 and b"retry-after" not in present:
                    headers.append((b"retry-after", DEFAULT_RETRY_AFTER))  # every refusal says when to return
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, with_headers)
        except Exception:
            if not started:
                body = b"Internal Server Error"
                await with_headers({"type": "http.response.start", "status": 500, "headers": [
                    (b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())]})
                await send({"type": "http.response.body", "body": body})
            raise


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
        if self.limit <= 0:
            return max(1, math.ceil(self.window))
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


def client_tag(request: Request) -> str:
    """A keyed hash of the client's address, for the public routes' rate limit and audit entries.

    A reporter's address is never stored or logged in clear: the tag (HMAC-SHA-256 under the
    platform's session key, which stays in the data folder) tells repeat clients apart, and only
    someone holding the key and a suspected address can tell whether the two match."""
    platform = request.app.state.platform
    digest = hmac.new(platform.session_key, f"client-address|{client_key(request)}".encode(), hashlib.sha256)
    return f"ip-{digest.hexdigest()[:32]}"


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


# --- Text the database cannot store ----------------------------------------------------

_FORM = b"application/x-www-form-urlencoded"


class StorableTextMiddleware:
    """Refuses, with 422, a request whose JSON body, form or query string holds text that cannot
    be stored: a lone surrogate (UTF-8 cannot encode it, so encrypting it fails) or a NUL
    (PostgreSQL's text refuses it). Checked once here for every route, before any of it reaches
    a model or the database; the answer names where, never what was sent.

    Only JSON and URL-encoded bodies are read here (they are small and read whole anyway);
    uploads stream past untouched. A cheap scan of the raw bytes decides whether to look closer.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query = scope.get("query_string", b"")
        if b"%00" in query and (where := _bad_form_field(query, "query")):
            await _refuse_text(send, where)
            return
        content_type = dict(scope.get("headers", [])).get(b"content-type", b"").split(b";")[0].strip().lower()
        is_json = content_type == b"application/json" or content_type.endswith(b"+json")
        if not (is_json or content_type == _FORM):
            await self.app(scope, receive, send)
            return
        messages: list[Message] = []
        body = b""
        while True:
            try:
                message = await receive()
            except HTTPException:  # BodySizeLimitMiddleware: over the limit
                await _too_large(send)
                return
            messages.append(message)
            if message["type"] != "http.request":
                break
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        where = _bad_json(body) if is_json else (_bad_form_field(body, "body") if b"%00" in body else None)
        if where:
            await _refuse_text(send, where)
            return

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)


def _bad_json(body: bytes) -> tuple[list[str | int], str] | None:
    if not may_hold_bad_text(body):
        return None
    try:
        parsed = json.loads(body)
    except (ValueError, RecursionError):
        return None  # not JSON: the route's own validation says so
    found = find_bad_text(parsed)
    return (["body", *found[0]], found[1]) if found else None


def _bad_form_field(raw: bytes, where: str) -> tuple[list[str | int], str] | None:
    for name, value in parse_qsl(raw.decode("latin-1"), keep_blank_values=True, encoding="utf-8",
                                 errors="replace"):
        if "\x00" in name:
            return [where, "(a field name)"], "contains a NUL character"
        if "\x00" in value:
            return [where, name], "contains a NUL character"
    return None


async def _refuse_text(send: Send, found: tuple[list[str | int], str]) -> None:
    location, problem = found
    body = json.dumps({"detail": [{"type": "text_not_storable", "loc": location, "msg": problem}]}).encode()
    await send({"type": "http.response.start", "status": 422,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
