"""Signed links behind a platform's Report Abuse button.

A platform puts a button in its app that opens the centre's public form. The link names the
platform and, optionally, the account the child is looking at; the platform signs both with a
key the centre issued to it, so the form can pre-fill them and the centre can trust them. The
link never carries anything about the child.

The signature is HMAC-SHA256, in lowercase hex, over one canonical string::

    v1\\n{org_id}\\n{account}\\n{ts}

where ``ts`` is the signing time in whole seconds since the Unix epoch, ``account`` is the
exact text of the ``account`` query parameter (empty when there is none), and ``\\n`` is a
single line feed. A platform can build it with any HMAC library; the platform's button page
shows a worked example. Links are good for :data:`LINK_VALIDITY` after signing, so a button
rendered into a page still works when the child presses it later, but an old link copied out
of a chat stops pre-filling.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

VERSION = "v1"
LINK_VALIDITY = timedelta(days=30)
CLOCK_SKEW = timedelta(minutes=5)  # a platform's clock may run a little ahead of ours
MAX_ACCOUNT_CHARS = 200
KEY_BYTES = 32
ROTATION_GRACE = timedelta(days=7)
"""After a key is rotated, links signed with the old one keep working this long, so a platform
can deploy the new key without a gap in which its buttons stop pre-filling."""


class LinkProblem(StrEnum):
    """Why a link was not trusted. Logged (never with the account) and never shown to the child."""

    UNSIGNED = "unsigned"
    MALFORMED = "malformed"
    NO_KEY = "no key issued"
    EXPIRED = "expired"
    FROM_THE_FUTURE = "signed in the future"
    BAD_SIGNATURE = "bad signature"


@dataclass(frozen=True)
class ButtonContext:
    """What a trusted link tells the form: which platform, and the reported account if any."""

    org_id: int
    account: str | None


@dataclass(frozen=True)
class LinkCheck:
    context: ButtonContext | None
    problem: LinkProblem | None = None

    @property
    def trusted(self) -> bool:
        return self.context is not None


def new_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def canonical_string(org_id: int, account: str, ts: int) -> str:
    return f"{VERSION}\n{org_id}\n{account}\n{ts}"


def sign(key: bytes, org_id: int, account: str, ts: int) -> str:
    return hmac.new(key, canonical_string(org_id, account, ts).encode(), hashlib.sha256).hexdigest()


def link_query(key: bytes, org_id: int, account: str | None, ts: int) -> dict[str, str]:
    """The query parameters of a signed link (what a platform's server adds to the button's URL)."""
    query = {"account": account} if account else {}
    return {**query, "ts": str(ts), "sig": sign(key, org_id, account or "", ts)}


def check_link(keys: Iterable[bytes], org_id: int, *, account: str | None, ts: str | None, sig: str | None,
               now: datetime) -> LinkCheck:
    """Trust the link's fields only if one of the platform's current keys signed them recently.

    ``keys`` are the platform's keys still in force (the newest and, during rotation, the last).
    """
    if not ts and not sig:
        return LinkCheck(None, LinkProblem.UNSIGNED)
    account_text = account or ""
    if (not ts or not ts.isdigit() or len(ts) > 12 or not sig or len(sig) != 64
            or len(account_text) > MAX_ACCOUNT_CHARS or "\n" in account_text):
        return LinkCheck(None, LinkProblem.MALFORMED)
    keys = list(keys)
    if not keys:
        return LinkCheck(None, LinkProblem.NO_KEY)
    signed_at = int(ts)
    if signed_at > now.timestamp() + CLOCK_SKEW.total_seconds():
        return LinkCheck(None, LinkProblem.FROM_THE_FUTURE)
    if signed_at < now.timestamp() - LINK_VALIDITY.total_seconds():
        return LinkCheck(None, LinkProblem.EXPIRED)
    offered = sig.lower()
    if not any(hmac.compare_digest(sign(key, org_id, account_text, signed_at), offered) for key in keys):
        return LinkCheck(None, LinkProblem.BAD_SIGNATURE)
    return LinkCheck(ButtonContext(org_id, account_text.strip() or None))


# --- what the centre hands to a platform -------------------------------------------------

EXAMPLE_KEY = b"example-key-never-use-this-one!!"
"""A published key for the worked example only: no platform is ever issued it."""
EXAMPLE_ACCOUNT = "example_user_123"
EXAMPLE_TS = 1_764_547_200  # 2025-12-01T00:00:00Z


def form_path(org_id: int) -> str:
    return f"/report/from/{org_id}"


def badge_svg(label: str = "Report Abuse") -> str:
    """The button's badge: plain SVG with presentation attributes only (no style, no script),
    so it renders under a strict Content-Security-Policy and can be inlined or hosted."""
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="176" height="44" viewBox="0 0 176 44" '
        'aria-hidden="true" focusable="false">'
        '<rect x="1" y="1" width="174" height="42" rx="8" fill="#1d2a5b" stroke="#ffffff" stroke-width="2"/>'
        '<path d="M22 9 L34 14 V22 C34 29 29 34 22 36 C15 34 10 29 10 22 V14 Z" fill="#ffdd00"/>'
        '<rect x="20.5" y="15" width="3" height="11" rx="1.5" fill="#1d2a5b"/>'
        '<circle cx="22" cy="30" r="1.8" fill="#1d2a5b"/>'
        '<text x="44" y="28.5" fill="#ffffff" font-family="Arial, Helvetica, sans-serif" font-size="17" '
        f'font-weight="700">{label}</text></svg>'
    )


def snippet(base_url: str, org_id: int, centre_name: str) -> str:
    """The HTML a platform pastes: a plain link around the badge. No script, no image fetched
    from the centre (so no tracking pixel), and no referrer sent (so nothing of the page the
    child was on reaches the centre). ``{ACCOUNT}``, ``{TS}`` and ``{SIG}`` are filled in by the
    platform's server when it renders the page; ``account`` may be left out."""
    href = f"{base_url}{form_path(org_id)}?account={{ACCOUNT}}&amp;ts={{TS}}&amp;sig={{SIG}}"
    label = f"Report Abuse to {centre_name} (opens a new window)".replace('"', "&quot;")
    return (f'<a href="{href}" target="_blank" rel="noopener noreferrer" referrerpolicy="no-referrer" '
            f'aria-label="{label}">{badge_svg()}</a>')


@dataclass(frozen=True)
class WorkedExample:
    key_text: str
    org_id: int
    account: str
    ts: int
    canonical: str
    signature: str
    path_and_query: str


def worked_example(org_id: int) -> WorkedExample:
    """A signed link with the published example key, for the documentation: a platform engineer
    checks their code reproduces ``signature`` before using their real key."""
    signature = sign(EXAMPLE_KEY, org_id, EXAMPLE_ACCOUNT, EXAMPLE_TS)
    return WorkedExample(EXAMPLE_KEY.hex(), org_id, EXAMPLE_ACCOUNT, EXAMPLE_TS,
                         canonical_string(org_id, EXAMPLE_ACCOUNT, EXAMPLE_TS), signature,
                         f"{form_path(org_id)}?account={EXAMPLE_ACCOUNT}&ts={EXAMPLE_TS}&sig={signature}")
