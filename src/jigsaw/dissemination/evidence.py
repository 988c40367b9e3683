"""The evidence summary of a package, generated from the record, never typed from memory (pure).

It holds the subjects; each identifier with when it was first and last seen (UTC, said so); the
hash matches counted by category and series (counts only: never an image, a thumbnail, a file
name or a link to media); the triage band with its explanation; and the lines of enquiry still
open. What the service reads from storage comes in as plain rows; the summary is JSON-ready and
stored with the package, so what was approved is what was sent.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

TIME_ZONE = "UTC"
# A URL identifier that points at an image or video file is a link to media: it is withheld.
_MEDIA_LINK = re.compile(r"\.(jpe?g|png|gif|bmp|webp|heic|tiff?|mp4|mov|avi|mkv|webm|m4v|3gp|wmv|flv|zip|rar|7z)$",
                         re.IGNORECASE)
UK_CATEGORY_ORDER = ("A", "B", "C")


@dataclass(frozen=True)
class SubjectRow:
    subject_id: int
    report_reference: str
    role: str
    name: str | None
    age: int | None


@dataclass(frozen=True)
class SightingRow:
    """One observation of an identifier for a chosen subject."""

    subject_id: int
    report_reference: str
    type: str
    value: str
    platform: str | None
    seen_at: datetime | None  # when the source says it was seen; else the report's receipt
    port: int | None = None


@dataclass(frozen=True)
class MatchRow:
    media_id: int
    uk_category: str | None
    vics_category: int | None
    series: str | None


@dataclass(frozen=True)
class TriageRow:
    report_reference: str
    band: str | None
    explanation: Mapping[str, Any] | None


@dataclass(frozen=True)
class LineRow:
    report_reference: str
    title: str
    status: str


def is_media_link(kind: str, value: str) -> bool:
    """A URL whose path ends in an image, video or archive file name."""
    return kind == "url" and bool(_MEDIA_LINK.search(value.split("#")[0].split("?")[0]))


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def identifiers(rows: Iterable[SightingRow], subject_refs: Mapping[int, str] | None = None
                ) -> tuple[list[dict[str, Any]], int]:
    """Each identifier once, with first and last seen, the reports it is in and the package's
    subjects that hold it; and how many sightings of links to media were withheld."""
    refs = subject_refs or {}
    grouped: dict[tuple[str, str | None, str], list[SightingRow]] = {}
    withheld = 0
    for row in rows:
        if is_media_link(row.type, row.value):
            withheld += 1
            continue
        grouped.setdefault((row.type, row.platform, row.value), []).append(row)
    out: list[dict[str, Any]] = []
    for (kind, platform, value), seen in grouped.items():
        times = sorted(r.seen_at for r in seen if r.seen_at is not None)
        ports = sorted({r.port for r in seen if r.port is not None})
        entry: dict[str, Any] = {
            "type": kind, "value": value, "platform": platform, "first_seen": _iso(times[0]) if times else None,
            "last_seen": _iso(times[-1]) if times else None, "time_zone": TIME_ZONE, "times_seen": len(seen),
            "reports": sorted({r.report_reference for r in seen}),
            "subjects": sorted({refs[r.subject_id] for r in seen if r.subject_id in refs}),
        }
        if ports:
            entry["ports"] = ports
        out.append(entry)
    out.sort(key=lambda e: (e["first_seen"] or "9999", e["type"], e["value"]))
    return out, withheld


def hash_matches(rows: Iterable[MatchRow]) -> dict[str, Any]:
    """Matched media counted once each: by UK category (its most serious match), by VICS category
    and by series."""
    best: dict[int, MatchRow] = {}
    series: dict[str, set[int]] = {}
    vics: dict[int, set[int]] = {}
    for row in rows:
        current = best.get(row.media_id)
        rank = UK_CATEGORY_ORDER.index(row.uk_category) if row.uk_category in UK_CATEGORY_ORDER else 9
        if current is None or rank < (UK_CATEGORY_ORDER.index(current.uk_category)
                                      if current.uk_category in UK_CATEGORY_ORDER else 9):
            best[row.media_id] = row
        if row.series:
            series.setdefault(row.series, set()).add(row.media_id)
        if row.vics_category is not None:
            vics.setdefault(row.vics_category, set()).add(row.media_id)
    by_category = Counter(r.uk_category or "uncategorised" for r in best.values())
    return {
        "media_matched": len(best),
        "by_category": {k: by_category[k] for k in (*UK_CATEGORY_ORDER, "uncategorised") if by_category.get(k)},
        "by_vics_category": {str(k): len(v) for k, v in sorted(vics.items())},
        "by_series": {k: len(v) for k, v in sorted(series.items())},
    }


def triage(rows: Sequence[TriageRow], band: str) -> dict[str, Any]:
    """The package's band and, per report, its band and the explanation's headline: the rules that
    fired and the items that scored."""
    reports = []
    for row in rows:
        ex = row.explanation or {}
        reports.append({
            "report": row.report_reference, "band": row.band, "score": ex.get("score"),
            "rules": [r.get("label") for r in ex.get("rules", []) if r.get("label")],
            "factors": [f"{i.get('label')} (+{i.get('points')})" for i in ex.get("items", [])
                        if i.get("points") and i.get("label")],
            "next_steps": list(ex.get("next_steps", []))[:5],
        })
    assessed = [r for r in rows if r.band]
    return {"band": band, "assessed": bool(assessed), "advisory": "triage advises; a person decided to send this",
            "reports": reports}


def lines_of_enquiry(rows: Iterable[LineRow]) -> list[dict[str, str]]:
    return [{"title": r.title, "report": r.report_reference} for r in rows if r.status == "open"]


def build(*, subjects: Sequence[SubjectRow], sightings: Iterable[SightingRow], matches: Iterable[MatchRow],
          triage_rows: Sequence[TriageRow], lines: Iterable[LineRow], band: str, report_references: Sequence[str],
          case_references: Sequence[str], generated_at: datetime) -> dict[str, Any]:
    refs = {s.subject_id: f"S{n}" for n, s in enumerate(subjects, 1)}
    ids, withheld = identifiers(sightings, refs)
    return {
        "generated_at": generated_at.isoformat(),
        "time_zone": TIME_ZONE,
        "reports": list(report_references),
        "cases": list(case_references),
        "subjects": [{"ref": f"S{n}", "role": s.role, "name": s.name, "age": s.age, "report": s.report_reference}
                     for n, s in enumerate(subjects, 1)],
        "identifiers": ids,
        "media_links_withheld": withheld,
        "hash_matches": hash_matches(matches),
        "triage": triage(triage_rows, band),
        "lines_of_enquiry": lines_of_enquiry(lines),
    }


_CENTRE_ONLY_KEYS = ("reports", "cases")


def for_recipient(evidence: Mapping[str, Any]) -> dict[str, Any]:
    """The summary as a recipient sees it: the centre's own report and case references removed (the
    package's reference is the one to quote back)."""
    out = {k: v for k, v in evidence.items() if k not in _CENTRE_ONLY_KEYS}
    out["subjects"] = [{k: v for k, v in s.items() if k != "report"} for s in evidence.get("subjects", [])]
    out["identifiers"] = [{k: v for k, v in i.items() if k != "reports"} for i in evidence.get("identifiers", [])]
    tri = dict(evidence.get("triage", {}))
    tri["reports"] = [{k: v for k, v in r.items() if k != "report"} for r in tri.get("reports", [])]
    out["triage"] = tri
    out["lines_of_enquiry"] = [{"title": line["title"]} for line in evidence.get("lines_of_enquiry", [])]
    return out
