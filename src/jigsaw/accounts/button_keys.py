"""Issuing, rotating and reading platforms' Report Abuse button keys.

A key is shown once, when issued; after that only the centre's server holds it (encrypted) and
only to check links. Issuing a new key rotates the old one out after a grace period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from jigsaw.accounts.button_link import ROTATION_GRACE, new_key
from jigsaw.accounts.models import ButtonKey, Organisation
from jigsaw.accounts.roles import OrgKind
from jigsaw.accounts.service import AccountError
from jigsaw.audit.chain import AuditAction
from jigsaw.audit.service import Actor, record


@dataclass(frozen=True)
class IssuedButtonKey:
    key: str  # 64 hex digits, as the platform will store it
    record: ButtonKey
    rotated: int  # how many earlier keys now lapse after the grace period


def encode_key(raw: bytes) -> str:
    """Hex, so a platform can use it as it is with any HMAC tool (``openssl ... -macopt hexkey:``)."""
    return raw.hex()


def decode_key(text: str) -> bytes:
    return bytes.fromhex(text)


def _now() -> datetime:
    return datetime.now(UTC)


def issue_button_key(session: Session, actor: Actor, organisation: Organisation) -> IssuedButtonKey:
    """A new key for a platform; its earlier keys keep working for the grace period only."""
    if organisation.kind != OrgKind.PLATFORM.value:
        raise AccountError(f"{organisation.name} is a {organisation.kind} organisation; "
                           "Report Abuse buttons are for platforms")
    now = _now()
    earlier = list(session.scalars(select(ButtonKey).where(
        ButtonKey.organisation_id == organisation.id, ButtonKey.valid_until.is_(None))))
    for old in earlier:
        old.valid_until = now + ROTATION_GRACE
    text = encode_key(new_key())
    button_key = ButtonKey(organisation_id=organisation.id, key=text, created_at=now)
    session.add(button_key)
    session.flush()
    record(session, actor, AuditAction.ADMINISTRATION, "button_key", button_key.id,
           detail={"op": "rotate" if earlier else "issue", "organisation_id": organisation.id,
                   "earlier_keys_lapse_at": (now + ROTATION_GRACE).isoformat() if earlier else None})
    return IssuedButtonKey(text, button_key, len(earlier))


def keys_in_force(session: Session, organisation_id: int, now: datetime | None = None) -> list[bytes]:
    """The keys a link from this platform may be signed with now, newest first."""
    now = now or _now()
    rows = session.scalars(select(ButtonKey).where(
        ButtonKey.organisation_id == organisation_id,
        or_(ButtonKey.valid_until.is_(None), ButtonKey.valid_until > now),
    ).order_by(ButtonKey.id.desc()))
    return [decode_key(row.key) for row in rows]


@dataclass(frozen=True)
class ButtonKeyState:
    """What the centre may show about a platform's keys (never the keys)."""

    issued_at: datetime | None
    previous_valid_until: datetime | None


def button_key_state(session: Session, organisation_id: int, now: datetime | None = None) -> ButtonKeyState:
    now = now or _now()
    current = session.scalar(select(ButtonKey.created_at).where(
        ButtonKey.organisation_id == organisation_id, ButtonKey.valid_until.is_(None)))
    lapsing = session.scalar(select(ButtonKey.valid_until).where(
        ButtonKey.organisation_id == organisation_id, ButtonKey.valid_until > now,
    ).order_by(ButtonKey.valid_until.desc()).limit(1))
    return ButtonKeyState(current, lapsing)
