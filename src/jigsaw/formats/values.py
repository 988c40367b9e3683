"""Values as exchange formats spell them: booleans and camelCase names."""

from __future__ import annotations

import re

_TRUE = frozenset({"true", "1", "yes", "y", "t"})
_FALSE = frozenset({"false", "0", "no", "n", "f"})


def parse_bool(value: object, *, strict: bool = True) -> bool | None:
    """Booleans as feeds write them: real bools, true/false (VICS, XML), 1/0, yes/no, t/f.

    None and "" are None. Anything else raises ``ValueError`` when ``strict`` (a hash-bank entry
    with a garbled flag is refused), or is None when not (an import keeps the report and drops
    the flag; there any number counts, non-zero as true).
    """
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if not strict and isinstance(value, int | float):
        return bool(value)
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    if strict:
        raise ValueError(f"not a boolean: {value!r}")
    return None


# A word starts at a capital after a lower-case letter or digit, and at the last capital of a
# run followed by lower case ("notAReport" -> not_a_report, "legalURL" -> legal_url).
_WORD_START = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_SEPARATORS = re.compile(r"[^a-z0-9]+")


def snake(name: str) -> str:
    """``liveStreaming`` and ``live-streaming`` -> ``live_streaming``: the one spelling of a flag,
    whichever way a source (CyberTipline XML tags, VICS, a triage rule) writes it."""
    return _SEPARATORS.sub("_", _WORD_START.sub("_", name.strip()).lower()).strip("_")
