"""Project VIC / VICS JSON: the one reader of its envelope and of the hashes of a Media record.

A VICS document is an OData envelope: ``{"@odata.context": ".../$metadata#Media" or "#Cases",
"value": [...]}`` (VICS 1.x writes ``odata.metadata``). A *hash set* (``#Media``) lists Media
records; a *case export* (``#Cases``) lists cases, each with its ``Media`` array. A Media record
carries ``MD5``, ``SHA1`` (and in Jigsaw's files ``SHA256``/``PDQ``) fields, and further hashes in
``AlternativeHashes`` as ``{"HashName", "HashValue"}``.

Hash-bank import (:mod:`jigsaw.matching.formats.vics`) and the case import
(:mod:`jigsaw.imports.vics`) both read documents through here; each validates the hash values
with its own rules and reports problems its own way.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from jigsaw.errors import InvalidInput
from jigsaw.formats.text import dotted, find_bad_text, may_hold_bad_text

HASH_FIELDS = ("MD5", "SHA1", "SHA256", "PDQ")
"""The Media record properties that hold one hash each."""

_HASH_NAMES = {"MD5": "md5", "SHA1": "sha1", "SHA-1": "sha1", "SHA256": "sha256", "SHA-256": "sha256",
               "PDQ": "pdq"}


class VicsError(InvalidInput, ValueError):
    """Not a readable VICS document; ``line`` points into the JSON when known."""

    def __init__(self, reason: str, line: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line


@dataclass(frozen=True)
class VicsDocument:
    context: str  # the OData context (or 1.x metadata) URL; "" when absent
    values: list[Any]  # the ``value`` array as parsed

    @property
    def is_case_export(self) -> bool:
        """A ``#Cases`` document, or one whose first value is a case (has a ``Media`` array)."""
        first = self.values[0] if self.values else None
        return self.context.endswith("#Cases") or (isinstance(first, dict) and "Media" in first)

    def cases(self) -> list[dict[str, Any]]:
        """The values that are cases (objects with a ``Media`` key)."""
        return [c for c in self.values if isinstance(c, dict) and "Media" in c]

    def media(self) -> list[Any]:
        """Every Media record: the values of a hash set, or the cases' ``Media`` arrays in order."""
        if not self.is_case_export:
            return list(self.values)
        media: list[Any] = []
        for case in self.values:
            if isinstance(case, dict) and isinstance(case.get("Media"), list):
                media.extend(case["Media"])
        return media


def load(data: bytes) -> VicsDocument:
    """Parse a VICS document (UTF-8, -16 or -32, with or without a byte-order mark).

    Raises :class:`VicsError` for invalid JSON (with its line), for JSON nested too deeply to
    parse, for text that cannot be stored (a lone surrogate or NUL, naming the field), and for
    anything but an object with a ``value`` array.
    """
    try:
        body = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise VicsError(f"not valid JSON: {exc}", getattr(exc, "lineno", None)) from None
    if may_hold_bad_text(data) and (bad := find_bad_text(body)) is not None:
        raise VicsError(f"{dotted(bad[0])}: {bad[1]}")
    if not isinstance(body, dict) or not isinstance(body.get("value"), list):
        raise VicsError("not a VICS document: expected an object with a 'value' array")
    return VicsDocument(str(body.get("@odata.context") or body.get("odata.metadata") or ""), body["value"])


def hash_kind(name: str | None) -> str | None:
    """The hash a VICS ``HashName`` or field names ("MD5", "SHA-256", "pdq"), or None."""
    if not name:
        return None
    return _HASH_NAMES.get(name.strip().upper().replace("_", "-"))


def record_hashes(record: dict[str, Any]) -> list[tuple[str, str, str]]:
    """``(label, kind, value)`` of each hash a Media record carries, in document order: the
    hash fields that are set, then the ``AlternativeHashes`` of a known kind (their value may be
    empty: the caller decides whether that is worth a warning). PhotoDNA is not a known kind."""
    found = [(f, _HASH_NAMES[f], str(record[f])) for f in HASH_FIELDS if record.get(f)]
    for alt in record.get("AlternativeHashes") or []:
        if isinstance(alt, dict):
            label = str(alt.get("HashName"))
            kind = hash_kind(label)
            if kind is not None:
                found.append((label, kind, str(alt.get("HashValue") or "")))
    return found
