"""CSV hash lists with a header row.

Columns (order free, names case-insensitive; only the first two are required)::

    signal_type, hash, uk_category, vics_category, series, victim_identified, tags

``uk_category`` is A/B/C, ``vics_category`` 0-4, ``victim_identified`` true/false, ``tags``
separated by ``;``. Positions in errors are file line numbers (the header is line 1).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from jigsaw.matching.banks import EntryRecord, ParseError, ParseResult, make_entry, split_tags

COLUMNS = ("signal_type", "hash", "uk_category", "vics_category", "series",
           "victim_identified", "tags")
_ALIASES = {"value": "hash", "signal": "hash", "type": "signal_type", "category": "uk_category"}


def read(data: bytes) -> Iterator[ParseResult]:
    text = data.decode("utf-8-sig", errors="replace")
    reader = csv.reader(io.StringIO(text))
    try:
        header = [_ALIASES.get(h.strip().lower(), h.strip().lower()) for h in next(reader)]
    except StopIteration:
        return
    if "signal_type" not in header or "hash" not in header:
        yield ParseError(1, "header must name the columns signal_type and hash")
        return
    for row in reader:
        lineno = reader.line_num
        if not any(c.strip() for c in row):
            continue
        rec = dict(zip(header, row, strict=False))
        try:
            yield make_entry(
                rec.get("signal_type", ""), rec.get("hash", ""),
                uk_category=rec.get("uk_category"), vics_category=rec.get("vics_category"),
                series=rec.get("series"), victim_identified=rec.get("victim_identified"),
                tags=split_tags(rec.get("tags")),
            )
        except ValueError as exc:
            yield ParseError(lineno, str(exc))


def write(entries: Iterable[EntryRecord]) -> bytes:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(COLUMNS)
    for e in entries:
        vi = "" if e.victim_identified is None else str(e.victim_identified).lower()
        w.writerow([e.signal_type, e.value, e.uk_category or "",
                    "" if e.vics_category is None else e.vics_category, e.series or "", vi,
                    ";".join(e.tags)])
    return out.getvalue().encode()
