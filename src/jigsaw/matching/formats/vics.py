"""Project VIC / VICS JSON (docs/design/formats.md §2): hash sets (``#Media``) and case exports (``#Cases``).

Each Media record may carry several hashes (``MD5``, ``SHA1``, and in ``AlternativeHashes`` e.g.
``PDQ`` or ``SHA256``); each becomes an entry with the record's ``Category`` (VICS 0-4),
``Series``, ``VictimIdentified`` and ``Tags``. PhotoDNA is skipped: it cannot be matched without
Microsoft's licence. Error positions are 1-based Media record numbers. The document is read by
:mod:`jigsaw.formats.vics`, as the case import reads it.

UK grades have no field in the published VICS data model, so Jigsaw writes its own
``UKCategory`` property (other readers ignore unknown properties) and reads it back.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from jigsaw.formats import vics as vics_json
from jigsaw.formats.vics import VicsError
from jigsaw.matching.banks import EntryRecord, ParseError, ParseResult, make_entry, split_tags

CONTEXT = "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/UK/$metadata#Media"


def read(data: bytes) -> Iterator[ParseResult]:
    try:
        media = vics_json.load(data).media()
    except VicsError as exc:
        yield ParseError(0, f"unreadable VICS JSON: {exc}")
        return
    for pos, rec in enumerate(media, start=1):
        if not isinstance(rec, dict):
            yield ParseError(pos, "Media record is not an object")
            continue
        hashes = [(kind, value) for _label, kind, value in vics_json.record_hashes(rec) if value]
        if not hashes:
            yield ParseError(pos, "Media record has no MD5, SHA1, SHA256 or PDQ hash")
            continue
        for st, value in dict.fromkeys(hashes):
            try:
                yield make_entry(
                    st, value, vics_category=rec.get("Category"),
                    uk_category=rec.get("UKCategory"), series=rec.get("Series"),
                    victim_identified=rec.get("VictimIdentified"),
                    tags=split_tags(rec.get("Tags")),
                )
            except ValueError as exc:
                yield ParseError(pos, f"{st}: {exc}")


def write(entries: Iterable[EntryRecord]) -> bytes:
    media = []
    for i, e in enumerate(entries, start=1):
        rec: dict[str, Any] = {"MediaID": i, "Category": e.vics_category}
        if e.signal_type in ("md5", "sha1"):
            rec[e.signal_type.upper()] = e.value.upper()
        else:
            rec["AlternativeHashes"] = [{"HashName": e.signal_type.upper(), "HashValue": e.value}]
        if e.uk_category:
            rec["UKCategory"] = e.uk_category
        if e.series:
            rec["Series"] = e.series
        if e.victim_identified is not None:
            rec["VictimIdentified"] = "true" if e.victim_identified else "false"
        if e.tags:
            rec["Tags"] = list(e.tags)
        media.append(rec)
    return json.dumps({"@odata.context": CONTEXT, "value": media}, indent=1).encode()
