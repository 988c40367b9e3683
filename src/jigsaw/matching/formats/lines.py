"""Plain hash lists, one ``<signal_type> <hash>`` per line, as pytx and HMA's local_file use.

Blank lines and ``#`` comments are skipped. A line holding only a hash is accepted when its length
says what it is (32 hex: md5, 40: sha1); a bare 64-hex value is ambiguous (PDQ or SHA-256) and is
reported unless the caller names a default signal type.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from jigsaw.matching.banks import EntryRecord, ParseError, ParseResult, make_entry

_BY_LENGTH = {32: "md5", 40: "sha1"}


def read(data: bytes, *, default_signal_type: str | None = None) -> Iterator[ParseResult]:
    text = data.decode("utf-8-sig", errors="replace")
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        try:
            if len(parts) >= 2:
                yield make_entry(parts[0], parts[1])
            else:
                stype = default_signal_type or _BY_LENGTH.get(len(parts[0]))
                if stype is None:
                    raise ValueError("no signal type, and the hash length does not imply one")
                yield make_entry(stype, parts[0])
        except ValueError as exc:
            yield ParseError(lineno, str(exc))


def write(entries: Iterable[EntryRecord]) -> bytes:
    return "".join(f"{e.signal_type} {e.value}\n" for e in entries).encode()
