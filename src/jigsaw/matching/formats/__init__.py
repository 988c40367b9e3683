"""Readers and writers for hash-list formats. Pure: bytes in, entries out (and back).

Every reader yields, in file order, either an :class:`~jigsaw.matching.banks.EntryRecord` or a
:class:`~jigsaw.matching.banks.ParseError` carrying the 1-based position (line number for line
formats, record number for JSON and XML) and the reason, so one bad record never stops an import.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from jigsaw.errors import InvalidInput
from jigsaw.matching.banks import EntryRecord, ParseResult
from jigsaw.matching.formats import csvfmt, lines, ncmec, vics

MAX_IMPORT_BYTES = 512 * 1024 * 1024

Reader = Callable[[bytes], Iterator[ParseResult]]
Writer = Callable[[Iterable[EntryRecord]], bytes]

READERS: dict[str, Reader] = {
    "vics": vics.read,
    "csv": csvfmt.read,
    "lines": lines.read,
    "ncmec": ncmec.read,
}
WRITERS: dict[str, Writer] = {
    "vics": vics.write,
    "csv": csvfmt.write,
    "lines": lines.write,
    "ncmec": ncmec.write,
}
FORMATS = tuple(READERS)


class ImportTooLarge(InvalidInput, ValueError):
    """The file is bigger than the importer will read into memory."""


def read_path(fmt: str, path: str | Path, *, max_bytes: int = MAX_IMPORT_BYTES) -> list[
    ParseResult
]:
    """Read a whole file in one of :data:`FORMATS`, refusing files over ``max_bytes``."""
    p = Path(path)
    if p.stat().st_size > max_bytes:
        raise ImportTooLarge(f"{p} is larger than {max_bytes} bytes")
    return list(READERS[fmt](p.read_bytes()))


def guess_format(path: str | Path) -> str:
    """The format implied by a file name (``.json`` VICS, ``.csv``, ``.xml`` NCMEC, else lines)."""
    suffix = Path(path).suffix.lower()
    return {".json": "vics", ".csv": "csv", ".xml": "ncmec"}.get(suffix, "lines")
