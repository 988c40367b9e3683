"""VICS 2.0 (Project VIC) case exports → intake drafts (pure: no web or database imports).

A case export (``…/$metadata#Cases``, docs/design/formats.md §2) becomes one report per case
from a partner agency, incident ``indecent_images``, with one media record per entry:
hashes, VICS category, series, victim-identified flag, and the other flags as annotations.
A VICS *hash set* (``#Media``) describes no case; it belongs in a hash bank instead.

VICS categories are kept verbatim (0-4). UK Sentencing Council categories are only set
through an explicit ``uk_map`` (e.g. from the CAID UK profile): no public source states
the VICS → A/B/C mapping, so none is assumed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jigsaw.errors import InvalidInput
from jigsaw.formats import vics as vics_json
from jigsaw.formats.values import parse_bool
from jigsaw.formats.vics import VicsError
from jigsaw.imports.common import DocumentError, clip, parse_datetime, valid_hash
from jigsaw.imports.limits import DEFAULT_LIMITS, Limits
from jigsaw.imports.summary import Issue
from jigsaw.intake.domain import (
    MAX_MEDIA,
    MAX_SHORT_TEXT,
    Channel,
    IncidentType,
    MediaDraft,
    ReportDraft,
    Reporter,
    Source,
)

FORMAT = "vics"
_FLAGS = {"OffenderIdentified": "offender_identified", "IsDistributed": "is_distributed",
          "IsSuspected": "is_suspected", "SelfGenerated": "self_generated", "IsPrecategorized": "is_precategorized"}


@dataclass(frozen=True)
class ParsedCase:
    """One report's worth of a case export (large cases are split, see :func:`parse_case_export`)."""

    external_id: str
    digest: str
    draft: ReportDraft
    warnings: tuple[Issue, ...] = ()


class UkMapError(InvalidInput, ValueError):
    """A VICS→UK category map that is not pairs of VICS 0-4 and A, B or C."""


def parse_uk_map(text: str | None) -> dict[int, str]:
    """``"1=A,2=C"`` → ``{1: "A", 2: "C"}``; refuses anything but VICS 0-4 → A/B/C."""
    mapping: dict[int, str] = {}
    for part in (text or "").split(","):
        if not part.strip():
            continue
        key, sep, value = part.partition("=")
        if not sep or not key.strip().isdigit() or value.strip().upper() not in {"A", "B", "C"}:
            raise UkMapError(f"expected VICS=UK pairs such as 1=A, got {part.strip()!r}")
        category = int(key)
        if not 0 <= category <= 4:
            raise UkMapError(f"VICS categories run from 0 to 4, not {category}")
        mapping[category] = value.strip().upper()
    return mapping


def parse_case_export(name: str, data: bytes, *, uk_map: Mapping[int, str] | None = None,
                      limits: Limits = DEFAULT_LIMITS) -> list[ParsedCase]:
    """Parse a VICS case export into one draft per case (per 1,000 media, for huge cases)."""
    if len(data) > limits.max_json_bytes:
        raise DocumentError(f"document is {len(data)} bytes; the limit is {limits.max_json_bytes}")
    try:
        document = vics_json.load(data)
    except VicsError as exc:
        raise DocumentError(exc.reason, exc.line) from None
    context = document.context
    cases = document.cases()
    if not cases:
        if context.endswith("#Media") or any(isinstance(v, dict) and "MD5" in v for v in document.values):
            raise DocumentError("a VICS hash set (#Media) describes no case; load it into a hash bank "
                                "(jigsaw bank import) rather than importing it as referrals")
        raise DocumentError("no case with a 'Media' array in this VICS export")
    digest = hashlib.sha256(data).hexdigest()
    parsed: list[ParsedCase] = []
    for index, case in enumerate(cases):
        parsed.extend(_case(name, case, index, context, digest, uk_map or {}))
    return parsed


def _case(name: str, case: dict[str, Any], index: int, context: str, digest: str,
          uk_map: Mapping[int, str]) -> list[ParsedCase]:
    warnings: list[Issue] = []
    case_key = str(case.get("CaseID") or case.get("CaseNumber") or f"{digest[:16]}-{index}")
    entries = case.get("Media") or []
    if not isinstance(entries, list):
        raise DocumentError(f"case {case_key}: 'Media' is not an array")
    media: list[MediaDraft] = []
    for position, entry in enumerate(entries):
        item = _media(entry, position, name, uk_map, warnings) if isinstance(entry, dict) else None
        if item is not None:
            media.append(item)
    declared = case.get("TotalMediaFiles")
    if declared is not None and str(declared) != str(len(entries)):
        warnings.append(Issue(name, f"case {case_key} declares {declared} media but lists {len(entries)} "
                                    "(the entries are what was imported)"))
    header = {k: case.get(k) for k in ("CaseID", "CaseNumber", "ContactTitle", "ContactOrganization",
                                       "SourceApplicationName", "SourceApplicationVersion", "TotalMediaFiles")
              if case.get(k) is not None}
    chunks = [media[i: i + MAX_MEDIA] for i in range(0, len(media), MAX_MEDIA)] or [[]]
    out: list[ParsedCase] = []
    for part, chunk in enumerate(chunks, start=1):
        suffix = "" if part == 1 else f"#{part}"
        part_note = f" (part {part} of {len(chunks)})" if len(chunks) > 1 else ""
        summary = (f"VICS case export {case.get('CaseNumber') or case_key}{part_note}: {len(chunk)} media items"
                   f" from {case.get('ContactOrganization') or 'an unnamed organisation'}"
                   f" via {case.get('SourceApplicationName') or 'an unnamed tool'}.")
        draft = ReportDraft(
            source=Source.PARTNER_AGENCY.value, incident_type=IncidentType.INDECENT_IMAGES.value,
            channel=Channel.IMPORT, summary=clip(summary),
            reporter=Reporter(name=_short(case.get("ContactName")), email=_short(case.get("ContactEmail")),
                              phone=_short(case.get("ContactPhone"))),
            media=tuple(chunk), external_id=f"vics:{case_key}{suffix}",
            annotations=("vics_case_export",),
            source_data={FORMAT: {**header, "context": context, "part": part, "parts": len(chunks),
                                  "media_listed": len(entries)}},
        )
        out.append(ParsedCase(draft.external_id or "", f"{digest}:{index}:{part}", draft,
                              tuple(warnings) if part == 1 else ()))
    return out


def _media(entry: dict[str, Any], position: int, name: str, uk_map: Mapping[int, str],
           warnings: list[Issue]) -> MediaDraft | None:
    where = f"Media[{position}] (MediaID {entry.get('MediaID')})"
    hashes: dict[str, str] = {}
    for label, kind, value in vics_json.record_hashes(entry):
        _hash(hashes, label, kind, value, where, name, warnings)
    if not hashes:
        warnings.append(Issue(name, f"{where}: no usable MD5/SHA1/SHA256/PDQ hash (skipped)"))
        return None
    category = entry.get("Category")
    vics_category: int | None = None
    if category is not None and str(category).strip() != "":
        try:
            vics_category = int(category)
        except (TypeError, ValueError):
            vics_category = None
        if vics_category is None or not 0 <= vics_category <= 4:
            warnings.append(Issue(name, f"{where}: Category {category!r} is not VICS 0-4 (kept in annotations)"))
            vics_category = None
    photodna = entry.get("PhotoDNA") or next((a.get("HashValue") for a in entry.get("AlternativeHashes") or []
                                              if isinstance(a, dict) and a.get("HashName") == "PhotoDNA"), None)
    files = [f for f in entry.get("MediaFiles") or [] if isinstance(f, dict)]
    filename = entry.get("RelativeFilePath") or (files[0].get("FileName") if files else None)
    annotations: dict[str, Any] = {
        "source": FORMAT, "media_id": entry.get("MediaID"),
        **{label: parse_bool(entry.get(key), strict=False) for key, label in _FLAGS.items()
           if entry.get(key) is not None},
        "precategorization_source": entry.get("PrecategorizationSource"),
        "tags": entry.get("Tags"), "comments": entry.get("Comments"), "photodna": photodna,
        "date_updated": entry.get("DateUpdated"), "media_files": len(files) or None,
        "category_as_sent": category if vics_category is None and category is not None else None,
    }
    try:
        parse_datetime(entry.get("DateUpdated"))
    except ValueError:
        warnings.append(Issue(name, f"{where}: DateUpdated is not ISO 8601 (kept as sent)"))
    size = entry.get("MediaSize")
    return MediaDraft(
        md5=hashes.get("md5"), sha1=hashes.get("sha1"), sha256=hashes.get("sha256"), pdq=hashes.get("pdq"),
        filename=str(filename) if filename else None,
        size=int(size) if isinstance(size, int | str) and str(size).isdigit() else None,
        media_type=(_short(entry.get("MimeType")) or "")[:100] or None, vics_category=vics_category,
        uk_category=uk_map.get(vics_category) if vics_category is not None else None,
        series=str(entry["Series"])[:200] if entry.get("Series") else None,
        victim_identified=parse_bool(entry.get("VictimIdentified"), strict=False),
        annotations={k: v for k, v in annotations.items() if v not in (None, "", [])},
    )


def _hash(hashes: dict[str, str], label: str, kind: str, value: str, where: str, name: str,
          warnings: list[Issue]) -> None:
    cleaned = valid_hash(kind, value)
    if cleaned is None:
        warnings.append(Issue(name, f"{where}: {label} is not valid hexadecimal of the right length (ignored)"))
    else:
        hashes.setdefault(kind, cleaned)


def _short(value: Any) -> str | None:
    if value is None or not str(value).strip():
        return None
    return str(value).strip()[:MAX_SHORT_TEXT]
