"""Reading the ONS Postcode Directory (ONSPD) or the National Statistics Postcode Lookup (NSPL)
for the postcode → police force area table (pure: it reads lines it is given).

Both files are CSVs with a header row; columns are found by name, never by position, because
their order changes between releases: the postcode in ``pcds`` (the one-space form, preferred)
or ``pcd`` (the fixed seven-character form), the force area in ``pfa``, and ``doterm``, the date
a postcode was terminated: terminated postcodes are skipped. Both are published by the ONS
under the Open Government Licence.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from jigsaw.errors import InvalidInput
from jigsaw.routing.places import normalise_postcode


class DirectoryError(InvalidInput, ValueError):
    """The file is not a postcode directory Jigsaw can read; the message says what is missing."""


@dataclass
class ReadCounts:
    rows: int = 0
    kept: int = 0
    terminated: int = 0
    no_force_area: int = 0
    not_a_postcode: int = 0
    columns: dict[str, str] = field(default_factory=dict)


def _column(header: list[str], *names: str) -> str | None:
    lowered = {h.strip().lstrip("\ufeff").casefold(): h for h in header}
    for name in names:
        if name in lowered:
            return lowered[name]
    return None


def read_directory(lines: Iterable[str], counts: ReadCounts | None = None) -> Iterator[tuple[str, str]]:
    """``(postcode, pfa)`` for every live postcode with a force area, postcodes normalised (``SW1A1AA``).

    ``counts`` (if given) is filled in as the rows are read: how many were kept and why others were not.
    """
    counts = counts if counts is not None else ReadCounts()
    reader = csv.DictReader(iter(lines))
    header = list(reader.fieldnames or [])
    postcode_col = _column(header, "pcds", "pcd", "pcd7", "pcd8")
    pfa_col = _column(header, "pfa")
    term_col = _column(header, "doterm")
    if postcode_col is None or pfa_col is None:
        raise DirectoryError("the file needs a 'pcds' (or 'pcd') column and a 'pfa' column in its header row; "
                             f"found {', '.join(header[:12]) or 'no header'}")
    counts.columns = {"postcode": postcode_col, "pfa": pfa_col, "doterm": term_col or ""}
    for row in reader:
        counts.rows += 1
        if term_col is not None and (row.get(term_col) or "").strip():
            counts.terminated += 1
            continue
        pfa = (row.get(pfa_col) or "").strip().upper()
        if not pfa:
            counts.no_force_area += 1
            continue
        postcode = normalise_postcode(row.get(postcode_col) or "")
        if postcode is None:
            counts.not_a_postcode += 1
            continue
        counts.kept += 1
        yield postcode, pfa
