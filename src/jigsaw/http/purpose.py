"""The purpose a reader states for an audited read through the API (``X-Purpose``).

The Data Protection Act 2018 s.62 asks that the log of a consultation record its
justification, so the centre's own readers (staff, through a session or a personal token,
and centre tokens) must state one: a read without it is refused, not logged with a purpose
nobody gave. A partner reading back its own submission may leave it out: that is then
what the log says, which is true, because the access policy shows partners nothing else.
What is stated is tidied (runs of whitespace, control characters) and bounded.
"""

from __future__ import annotations

from jigsaw.audit.chain import MAX_PURPOSE_CHARS
from jigsaw.errors import InvalidInput

MIN_STATED = 3
MAX_STATED = 200
assert MAX_STATED <= MAX_PURPOSE_CHARS


class PurposeRequired(InvalidInput, ValueError):
    """No purpose, or one too short or too long: the read is refused (422) and nothing is logged."""


def stated_purpose(x_purpose: str | None, *, required: bool, default: str | None = None) -> str:
    """The purpose to log: the one stated, or ``default`` where none is required."""
    cleaned = " ".join("".join(ch if ch.isprintable() else " " for ch in (x_purpose or "")).split())
    if len(cleaned) > MAX_STATED:
        raise PurposeRequired(f"X-Purpose is at most {MAX_STATED} characters")
    if cleaned and len(cleaned) < MIN_STATED:
        raise PurposeRequired(f"X-Purpose must say why, in at least {MIN_STATED} characters")
    if cleaned:
        return cleaned
    if required or default is None:
        raise PurposeRequired("X-Purpose is required: say why you are reading this (it is audited)")
    return default
