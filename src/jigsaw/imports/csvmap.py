"""CSV rows → intake drafts through a mapping file (pure: no web or database imports).

Partners keep referral spreadsheets in every shape, so the columns are not guessed: a
YAML or JSON mapping names, for each CSV column, the report field or subject identifier
it fills. One row is one report. See README.md for the format and an example.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from jigsaw.errors import InvalidInput
from jigsaw.identifiers import IdentifierType
from jigsaw.imports.common import DocumentError, clip, parse_datetime
from jigsaw.imports.summary import Issue
from jigsaw.intake.domain import (
    MAX_SHORT_TEXT,
    Channel,
    IdentifierDraft,
    MediaDraft,
    ReportDraft,
    Reporter,
    SubjectDraft,
    SubjectRole,
)

FORMAT = "csv"
REPORT_FIELDS = frozenset({"external_id", "incident_type", "source", "summary", "platform", "incident_at",
                           "received_at", "escalation", "annotations", "reporter.name", "reporter.email",
                           "reporter.phone"})
SUBJECT_FIELDS = frozenset({"name", "age", "description"})
MEDIA_FIELDS = frozenset({"md5", "sha1", "sha256", "pdq", "filename", "uk_category", "vics_category", "series",
                          "size", "media_type"})
_SUBJECT_TARGET = re.compile(r"^(suspect|victim|recipient)([1-9]?)\.([a-z_]+)$")
MAX_FIELD_CHARS = 100_000


class MappingError(InvalidInput, ValueError):
    """A mapping file that cannot be used; the message names the offending entry."""


@dataclass(frozen=True)
class CsvMapping:
    columns: dict[str, str]  # CSV column → target
    defaults: dict[str, str] = field(default_factory=dict)  # target → value when the column is empty
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # target → {CSV value → our value}
    separator: str = ";"  # several identifiers in one cell


@dataclass(frozen=True)
class ParsedRow:
    line: int
    external_id: str
    digest: str
    draft: ReportDraft
    warnings: tuple[Issue, ...] = ()


def load_mapping(text: str) -> CsvMapping:
    """Read a YAML or JSON mapping and check every target before any row is read."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError:
        try:
            raw = json.loads(text)
        except ValueError as exc:
            raise MappingError(f"the mapping is neither YAML nor JSON: {exc}") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("columns"), dict) or not raw["columns"]:
        raise MappingError("the mapping needs a 'columns' table of CSV column → target")
    columns = {str(k): str(v).strip() for k, v in raw["columns"].items()}
    defaults = {str(k): str(v) for k, v in (raw.get("defaults") or {}).items()}
    for target in [*columns.values(), *defaults]:
        check_target(target)
    values = {str(k): {str(a): str(b) for a, b in (v or {}).items()} for k, v in (raw.get("values") or {}).items()}
    return CsvMapping(columns, defaults, values, str(raw.get("separator") or ";"))


def check_target(target: str) -> None:
    if target in REPORT_FIELDS:
        return
    if target.startswith("media."):
        if target[6:] in MEDIA_FIELDS:
            return
        raise MappingError(f"unknown media field {target!r}; expected one of {', '.join(sorted(MEDIA_FIELDS))}")
    match = _SUBJECT_TARGET.match(target)
    if match and (match.group(3) in SUBJECT_FIELDS or match.group(3) in {t.value for t in IdentifierType}):
        return
    raise MappingError(f"unknown target {target!r}: use a report field ({', '.join(sorted(REPORT_FIELDS))}), "
                       "media.<hash or field>, or <suspect|victim|recipient>[1-9].<name|age|description|"
                       "identifier type>")


def parse_rows(name: str, data: bytes, mapping: CsvMapping) -> Iterator[ParsedRow | Issue]:
    """One :class:`ParsedRow` per data row, or an :class:`Issue` naming the row's line."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DocumentError(f"not UTF-8 text: {exc}") from None
    csv.field_size_limit(MAX_FIELD_CHARS)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as exc:
        raise DocumentError(f"no header row: {exc}", 1) from None
    missing = [c for c in mapping.columns if c not in header]
    if missing:
        raise DocumentError(f"the mapping names columns the file lacks: {', '.join(missing)}", 1)
    line = reader.line_num
    while True:
        start = line + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield Issue(name, f"unreadable CSV row: {exc}", start)
            line = reader.line_num
            continue
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            yield Issue(name, f"row has {len(row)} cells; the header has {len(header)}", start)
            continue
        try:
            yield _row(name, start, dict(zip(header, row, strict=True)), mapping)
        except DocumentError as exc:
            yield Issue(name, exc.reason, start)


def _row(name: str, line: int, cells: dict[str, str], mapping: CsvMapping) -> ParsedRow:
    fields: dict[str, str] = dict(mapping.defaults)
    for column, target in mapping.columns.items():
        value = cells.get(column, "").strip()
        if value:
            fields[target] = mapping.values.get(target, {}).get(value, value)
    subjects: dict[tuple[str, int], dict[str, Any]] = {}
    media: dict[str, Any] = {}
    for target, value in fields.items():
        if target.startswith("media."):
            media[target[6:]] = value
            continue
        match = _SUBJECT_TARGET.match(target)
        if match:
            subject = subjects.setdefault((match.group(1), int(match.group(2) or 1)), {"identifiers": []})
            key = match.group(3)
            if key in SUBJECT_FIELDS:
                subject[key] = value
            else:
                subject["identifiers"].extend((key, part.strip()) for part in value.split(mapping.separator)
                                              if part.strip())
    platform = fields.get("platform")
    drafts = tuple(_subject(role, data, platform) for (role, _), data in sorted(subjects.items()))
    digest = hashlib.sha256(json.dumps(cells, sort_keys=True).encode()).hexdigest()
    external = fields.get("external_id")
    external_id = f"csv:{external}" if external else f"csv:row:{digest[:24]}"
    try:
        incident_at = parse_datetime(fields.get("incident_at"))
        received_at = parse_datetime(fields.get("received_at"))
    except ValueError as exc:
        raise DocumentError(str(exc)) from None
    draft = ReportDraft(
        source=fields.get("source", "partner_agency"), incident_type=fields.get("incident_type", "other"),
        channel=Channel.IMPORT, summary=clip(fields.get("summary") or f"Imported from {name}, line {line}."),
        incident_at=incident_at, received_at=received_at, platform=platform, escalation=fields.get("escalation"),
        reporter=Reporter(fields.get("reporter.name"), fields.get("reporter.email"), fields.get("reporter.phone")),
        subjects=drafts, media=(_media(media),) if media else (), external_id=external_id,
        annotations=tuple(a.strip() for a in fields.get("annotations", "").split(mapping.separator) if a.strip()),
        source_data={FORMAT: {"line": line}},
    )
    return ParsedRow(line, external_id, digest, draft)


def _subject(role: str, data: Mapping[str, Any], platform: str | None) -> SubjectDraft:
    age = data.get("age")
    if age is not None and not str(age).isdigit():
        raise DocumentError(f"{role} age {age!r} is not a whole number")
    return SubjectDraft(
        role=SubjectRole(role).value, name=(data.get("name") or None) and str(data["name"])[:MAX_SHORT_TEXT],
        description=data.get("description"), age=int(age) if age is not None else None,
        identifiers=tuple(IdentifierDraft(kind, value, platform) for kind, value in data["identifiers"]),
    )


def _media(data: Mapping[str, Any]) -> MediaDraft:
    def number(key: str) -> int | None:
        value = data.get(key)
        if value is None:
            return None
        if not str(value).isdigit():
            raise DocumentError(f"media {key} {value!r} is not a whole number")
        return int(value)

    return MediaDraft(md5=data.get("md5"), sha1=data.get("sha1"), sha256=data.get("sha256"), pdq=data.get("pdq"),
                      filename=data.get("filename"), size=number("size"), media_type=data.get("media_type"),
                      uk_category=data.get("uk_category"), vics_category=number("vics_category"),
                      series=data.get("series"), annotations={"source": FORMAT})
