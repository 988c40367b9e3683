"""NCMEC Hash Sharing v2 XML (docs/design/formats.md §4), read from a file (never fetched by the server).

``image`` and ``video`` records yield one entry per supported fingerprint (``md5``, ``sha1``,
``pdq``; PhotoDNA and the large video fingerprints are skipped). NCMEC's ``classification``
(industry scheme A1..B2: age letter, severity digit) is not the UK A/B/C scale, so it is kept
as the tag ``ncmec:<classification>`` rather than mapped. ``deletedImage``/``deletedVideo``
tombstones carry no hash and are skipped. Parsing is :func:`jigsaw.formats.safexml.parse_xml`
(defusedxml underneath: no entities, no DTDs; bounded depth and text).
Error positions are 1-based record numbers in document order.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from xml.etree.ElementTree import Element

from jigsaw.formats.safexml import Bounds, XmlRefused, parse_xml
from jigsaw.matching.banks import EntryRecord, ParseError, ParseResult, make_entry

NS = "https://hashsharing.ncmec.org/hashsharing/v2"
_Q = "{" + NS + "}"
_SUPPORTED = ("md5", "sha1", "pdq")
# A hash list is one large document: as big as a bank import may be, with ~6 elements a record.
_BOUNDS = Bounds(max_document_bytes=512 * 1024 * 1024, max_elements=100_000_000)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def read(data: bytes) -> Iterator[ParseResult]:
    try:
        root = parse_xml(data, _BOUNDS, lines=False)
    except XmlRefused as exc:
        yield ParseError(0, f"unreadable NCMEC XML: {exc}")
        return
    pos = 0
    for group in root:
        if _local(group.tag) not in ("images", "videos"):
            continue
        for rec in group:
            pos += 1
            kind = _local(rec.tag)
            if kind in ("deletedImage", "deletedVideo"):
                continue
            if kind not in ("image", "video"):
                yield ParseError(pos, f"unexpected element <{kind}>")
                continue
            fps = next((c for c in rec if _local(c.tag) == "fingerprints"), None)
            cls = next((c.text for c in rec if _local(c.tag) == "classification"), None)
            tags = [f"ncmec:{cls.strip()}"] if cls and cls.strip() else []
            found = False
            for fp in fps if fps is not None else []:
                st = _local(fp.tag)
                if st not in _SUPPORTED or not (fp.text or "").strip():
                    continue
                found = True
                try:
                    yield make_entry(st, fp.text or "", tags=tags)
                except ValueError as exc:
                    yield ParseError(pos, f"{st}: {exc}")
            if not found:
                yield ParseError(pos, "record has no md5, sha1 or pdq fingerprint")


def write(entries: Iterable[EntryRecord]) -> bytes:
    """A ``queryResult`` document with one ``image`` per entry (for exchange with tools that
    read NCMEC's format; ``ncmec:`` tags become the classification)."""
    from xml.etree.ElementTree import SubElement, tostring

    root = Element("queryResult", {"xmlns": NS})
    images = SubElement(root, "images")
    count = 0
    for e in entries:
        count += 1
        img = SubElement(images, "image")
        SubElement(img, "id").text = f"{e.signal_type}:{e.value}"
        cls = next((t.split(":", 1)[1] for t in e.tags if t.startswith("ncmec:")), None)
        if cls:
            SubElement(img, "classification").text = cls
        fps = SubElement(img, "fingerprints")
        SubElement(fps, e.signal_type).text = e.value
    images.set("count", str(count))
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(root, encoding="utf-8")
