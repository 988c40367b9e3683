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


# Embeddings and overrides (closed by PDF), isolates (closed by PDI), and the marks.
_OPENERS = {"\u202a": "\u202c", "\u202b": "\u202c", "\u202d": "\u202c", "\u202e": "\u202c",
            "\u2066": "\u2069", "\u2067": "\u2069", "\u2068": "\u2069"}
_PDF = "\u202c"
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_FSI, _PDI = "\u2068", "\u2069"


def isolate_bidi(value: str) -> str:
    """``value`` shown safely beside other text: if it holds bidirectional controls (the
    "Trojan Source" trick: an RLO that makes ``exe.txt`` read ``txt.exe``), every embedding,
    override or isolate it opens is closed, a closer that closes nothing it opened is dropped
    (it could only end the isolate around it), and the whole is wrapped in an isolate
    (FSI ... PDI), so its direction cannot leak into what surrounds it. Text without them is
    returned as is, and isolating an isolated value changes nothing."""
    if _BIDI.search(value) is None:
        return value
    stack: list[str] = []
    kept: list[str] = []
    for char in value:
        if char in _OPENERS:
            stack.append(_OPENERS[char])
        elif char == _PDF:
            if not stack or stack[-1] != _PDF:
                continue  # closes nothing this value opened
            stack.pop()
        elif char == _PDI:
            if _PDI not in stack:
                continue
            while stack.pop() != _PDI:  # a PDI also closes the embeddings inside its isolate (UAX #9 X6a)
                pass
        kept.append(char)
    body = "".join(kept) + "".join(reversed(stack))
    if body.startswith(_FSI) and body.endswith(_PDI) and _closes_at_end(body):
        return body
    return f"{_FSI}{body}{_PDI}"


def _closes_at_end(value: str) -> bool:
    """Whether the isolate opened by the first character is closed by the last (not earlier)."""
    depth = 0
    for i, char in enumerate(value):
        if char in ("\u2066", "\u2067", "\u2068"):
            depth += 1
        elif char == _PDI and depth:
            depth -= 1
            if depth == 0 and i != len(value) - 1:
                return False
    return depth == 0
