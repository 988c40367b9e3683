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


def find_bad_text(value: Any, path: str = "") -> tuple[str, str] | None:
    """The first string in a parsed JSON value (keys included) that cannot be stored, as
    ``(path, problem)`` with a path such as ``value[1].Media[0].FileName``; None if all are fine."""
    stack: list[tuple[str, Any]] = [(path, value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, str):
            problem = text_problem(item)
            if problem:
                return where or "(the document)", problem
        elif isinstance(item, dict):
            children: list[tuple[str, Any]] = []
            for key, child in item.items():
                label = f"{where}.{key}" if where else str(key)
                if isinstance(key, str) and (problem := text_problem(key)):
                    return f"{where or '(the document)'} (a field name)", problem
                children.append((label, child))
            stack.extend(reversed(children))
        elif isinstance(item, list):
            stack.extend((f"{where}[{i}]", child) for i, child in reversed(list(enumerate(item))))
    return None


def may_hold_bad_text(data: bytes) -> bool:
    """Whether raw JSON bytes could decode to text :func:`find_bad_text` refuses (a cheap scan,
    so the walk runs only when needed). UTF-16/32 documents are always walked."""
    return data[:4].count(0) > 0 or data[:2] in (b"\xff\xfe", b"\xfe\xff") or _MAY_BE_BAD.search(data) is not None
