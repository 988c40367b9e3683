"""Small pure helpers the parsers share: dates, hash checks, canonical digests (booleans and
flag names: :mod:`jigsaw.formats.values`)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from jigsaw.errors import InvalidInput
from jigsaw.intake.domain import MAX_SUMMARY_CHARS
from jigsaw.signals import SIGNAL_TYPES, SignalError

# Source labels (CyberTipline, VICS) for the hash fields a MediaDraft has; validation is the
# signal types' (jigsaw.signals).
_HASH_ALIASES = {"MD5": "md5", "SHA1": "sha1", "SHA-1": "sha1", "SHA256": "sha256", "SHA-256": "sha256",
                 "PDQ": "pdq"}


class DocumentError(InvalidInput, ValueError):
    """A document that cannot become a report; ``line`` points into the file when known."""

    def __init__(self, reason: str, line: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line


def hash_kind(name: str | None) -> str | None:
    """Map a source's hash-type label ("MD5", "SHA-256", "pdq") to a MediaDraft field."""
    if not name:
        return None
    return _HASH_ALIASES.get(name.strip().upper().replace("_", "-"))


def valid_hash(kind: str, value: str) -> str | None:
    """The lower-case hex value when it has the right length for ``kind``, else None (no
    base64: report sources write hex)."""
    try:
        return SIGNAL_TYPES[kind].normalise(value)
    except SignalError:
        return None


def parse_datetime(value: str | None) -> datetime | None:
    """An xs:dateTime / ISO 8601 value as an aware UTC datetime (naive values are taken as UTC)."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.endswith(("z", "Z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        try:
            parsed = datetime.combine(date.fromisoformat(text), datetime.min.time())
        except ValueError:
            raise ValueError(f"not an ISO 8601 date-time: {value!r}") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def age_on(born: date, when: date) -> int:
    return when.year - born.year - ((when.month, when.day) < (born.month, born.day))


def canonical_digest(parts: Sequence[Any]) -> str:
    """SHA-256 of a canonical JSON rendering, so re-serialising a document does not 'change' it."""
    blob = json.dumps(list(parts), sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def clip(text: str, limit: int = MAX_SUMMARY_CHARS) -> str:
    """Text cut to ``limit`` characters with a marker, so a long field never fails validation."""
    return text if len(text) <= limit else text[: limit - 20] + " … [truncated]"
