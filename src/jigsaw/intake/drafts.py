"""Storage of a public reporter's answers between pages (the ``public_drafts`` table).

The browser holds only a random secret (in an HttpOnly, SameSite=Strict cookie); the
table holds its SHA-256 digest, so a copied database cannot be used to resume someone's
draft, and the answers themselves are encrypted by the column type. A draft lives for
:data:`DRAFT_IDLE` after its last use, is deleted on submit and on "Exit this page", and
expired drafts are purged whenever a draft is saved.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from jigsaw.intake.models import PublicDraft

DRAFT_IDLE = timedelta(minutes=30)


def new_secret() -> str:
    """A fresh 256-bit secret for the reporter's cookie."""
    return secrets.token_urlsafe(32)


def secret_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _live_row(session: Session, secret: str, now: datetime) -> PublicDraft | None:
    row = session.scalar(select(PublicDraft).where(PublicDraft.secret_digest == secret_digest(secret)))
    if row is None:
        return None
    if row.expires_at <= now:
        session.delete(row)
        return None
    return row


def _decode(answers: str) -> dict[str, Any]:
    try:
        data = json.loads(answers)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def load_draft(session: Session, secret: str | None, now: datetime) -> dict[str, Any] | None:
    """The saved answers for ``secret``, or None if there are none or they have expired.

    Reading a draft counts as activity: its idle clock starts again.
    """
    if not secret:
        return None
    row = _live_row(session, secret, now)
    if row is None:
        return None
    row.expires_at = now + DRAFT_IDLE
    return _decode(row.answers)


def save_draft(session: Session, secret: str, data: Mapping[str, Any], now: datetime) -> None:
    """Create or replace the draft for ``secret``, and purge other drafts that have expired."""
    purge_expired(session, now)
    row = _live_row(session, secret, now)
    if row is None:
        row = PublicDraft(secret_digest=secret_digest(secret), created_at=now)
        session.add(row)
    row.answers = json.dumps(dict(data), ensure_ascii=False)
    row.updated_at = now
    row.expires_at = now + DRAFT_IDLE
    session.flush()


def delete_draft(session: Session, secret: str | None) -> bool:
    """Delete the draft for ``secret``; True if there was one."""
    if not secret:
        return False
    result = session.execute(delete(PublicDraft).where(PublicDraft.secret_digest == secret_digest(secret)))
    return bool(getattr(result, "rowcount", 0))


def claim_draft(session: Session, secret: str | None, now: datetime) -> dict[str, Any] | None:
    """Take the draft for submission: read it and delete it in one statement.

    The delete is what makes a double-clicked "Send" safe: only one request can delete the
    row, so only one report is created; the others find nothing to claim. A touch of the
    draft's idle clock this request made earlier (reading it) is dropped, not written: another
    click may have deleted the row already, and an UPDATE of a deleted row fails the request.
    """
    if not secret:
        return None
    digest = secret_digest(secret)
    for loaded in list(session.identity_map.values()):
        if isinstance(loaded, PublicDraft) and loaded.secret_digest == digest:
            session.expunge(loaded)
    with session.no_autoflush:
        answers = session.execute(
            delete(PublicDraft).where(PublicDraft.secret_digest == digest, PublicDraft.expires_at > now)
            .returning(PublicDraft.answers)).scalar_one_or_none()
    return None if answers is None else _decode(answers)


def purge_expired(session: Session, now: datetime) -> int:
    """Delete every draft whose idle time has run out; the number deleted."""
    result = session.execute(delete(PublicDraft).where(PublicDraft.expires_at <= now))
    return int(getattr(result, "rowcount", 0) or 0)
