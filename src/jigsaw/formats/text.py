"""Text that storage cannot hold: lone surrogates and NUL characters.

JSON may spell any UTF-16 code unit (``"\\ud800"``) and Python keeps a lone surrogate in a
``str``, but it cannot be encoded as UTF-8, so encrypting or storing it fails; PostgreSQL's
``text`` refuses NUL. Both are found here, where a document or a request is read, so the caller
can refuse that one document or field by name instead of failing later, mid-batch.
"""

from __future__ import annotations

import re
from typing import Any

_BAD = re.compile("[\x00\ud800-\udfff]")
# In raw JSON: an escaped surrogate or NUL, or a surrogate's UTF-8 form (json.loads passes it through).
_MAY_BE_BAD = re.compile(rb"\\u(?:[dD][89abcdefABCDEF]|0000)|\xed[\xa0-\xbf]")


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot be stored, or None. Names the code point, never echoes the text."""
    found = _BAD.search(value)
    if found is None:
        return None
    char = found.group()
    return "contains a NUL character" if char == "\x00" else \
        f"contains a lone surrogate (U+{ord(char):04X}), which is not valid Unicode"


Location = tuple[str | int, ...]


def find_bad_text(value: Any) -> tuple[Location, str] | None:
    """The first string in a parsed JSON value (keys included) that cannot be stored, as
    ``(location, problem)``; the location is the keys and indexes leading to it (a bad key ends
    with ``"(a field name)"``). None if every string is fine."""
    stack: list[tuple[Location, Any]] = [((), value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, str):
            problem = text_problem(item)
            if problem:
                return where, problem
        elif isinstance(item, dict):
            children: list[tuple[Location, Any]] = []
            for key, child in item.items():
                if isinstance(key, str) and (problem := text_problem(key)):
                    return (*where, "(a field name)"), problem
                children.append(((*where, key), child))
            stack.extend(reversed(children))
        elif isinstance(item, list):
            stack.extend(((*where, i), child) for i, child in reversed(list(enumerate(item))))
    return None


def dotted(location: Location) -> str:
    """``("value", 1, "Media", 0, "FileName")`` as ``value[1].Media[0].FileName``."""
    out = ""
    for part in location:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part == "(a field name)":
            out += f" {part}"
        else:
            out += f".{part}" if out else str(part)
    return out or "(the document)"


def may_hold_bad_text(data: bytes) -> bool:
    """Whether raw JSON bytes could decode to text :func:`find_bad_text` refuses (a cheap scan,
    so the walk runs only when needed). UTF-16/32 documents are always walked."""
    return data[:4].count(0) > 0 or data[:2] in (b"\xff\xfe", b"\xfe\xff") or _MAY_BE_BAD.search(data) is not None
