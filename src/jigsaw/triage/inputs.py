"""Reading a case's triage inputs from the database (adapter).

Everything the model may use is gathered here and nowhere else, as :data:`model.FACTS` plus
analysts' item records, so it is easy to audit that no prohibited input is read: this module
reads report flags, media categories and annotations, bank matches (as matching recorded them,
:func:`jigsaw.matching.media_matches.match_media`), victims' ages, suspects' identifiers,
network membership and item records. It never reads names, addresses' contents,
free text (only whether an escalation text exists) or anything about a subject's background.

A case is more than one report: the reports linking joins to it
(:func:`jigsaw.linking.interfaces.linked_reports`, one definition for both capabilities) are the
same line of enquiry, so analysts' records on those suspects are read too, and a new report
re-scores the ones it joins.

Where the facts come from other capabilities' data, one named function reads each:
:func:`media_flags` (the import's file annotations and classification), :func:`network_member`
(linking's networks), :func:`preservation_days_left` (the import's preservation deadline).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, and_, bindparam, func, select
from sqlalchemy.orm import Session

from jigsaw.db.base import table_of
from jigsaw.formats.values import snake
from jigsaw.intake.interfaces import IdentifierRecord, MediaRecord, Observation, Report, Subject
from jigsaw.linking.interfaces import CaseScope, LinkSubject, linked_reports
from jigsaw.matching.interfaces import MediaMatchRecord
from jigsaw.triage.model import ItemValue
from jigsaw.triage.models import TriageItemRecord
from jigsaw.triage.scoring import Evidence, RecordedItem, TriageInputs

LOCATING_TYPES = {"address"}

# Statements are built once, on the tables (Core): scoring runs inside the transaction of every
# stored report, and building a statement, or going through the ORM's entity loading, costs more
# than the indexed lookup itself. Each reads only the columns the model may use.
_subjects_t, _observations_t = table_of(Subject), table_of(Observation)
_identifiers_t, _reports_t = table_of(IdentifierRecord), table_of(Report)
_media_t, _matches_t, _records_t = table_of(MediaRecord), table_of(MediaMatchRecord), table_of(TriageItemRecord)
_links_t = table_of(LinkSubject)


def media_flags(annotations: Mapping[str, Any] | None) -> tuple[set[str], str | None]:
    """File annotations and industry classification from a media item's ``annotations``.

    The CyberTipline import stores ``{"file_annotations": [...], "industry_classification": "A1"}``;
    flags are snake_cased so camelCase from other sources compares equal.
    """
    if not annotations:
        return set(), None
    flags = annotations.get("file_annotations") or []
    if isinstance(flags, Mapping):
        flags = [k for k, v in flags.items() if v]
    classification = annotations.get("industry_classification")
    return ({snake(str(f)) for f in flags if f},
            str(classification).upper() if classification else None)


def network_member(session: Session, suspect_ids: Iterable[int]) -> bool | None:
    """Whether a suspect is in a network of two or more subjects; None until linking has run.

    One statement: the number of members of every network the suspects are in. None of them in
    a network gives 0 (linking has not placed them); more members than suspects means another
    subject shares a network with one of them.
    """
    ids = list(suspect_ids)
    if not ids:
        return None
    members = session.execute(_NETWORK_MEMBERS, {"ids": ids}).scalar() or 0
    if not members:
        return None
    return members > len(set(ids))


def _network_statement() -> Select[Any]:
    """The number of members of every network any of ``ids`` is in (linking's tables)."""
    members = table_of(LinkSubject)
    theirs = members.alias("theirs")
    networks = select(theirs.c.network_id).where(theirs.c.subject_id.in_(bindparam("ids", expanding=True)))
    return select(func.count()).select_from(members).where(members.c.network_id.in_(networks))


_NETWORK_MEMBERS = _network_statement()


def preservation_days_left(source_data: Mapping[str, Any] | None, today: date) -> int | None:
    """Days to the platform's data-preservation deadline, when the source gave one."""
    if not source_data:
        return None
    value = source_data.get("preservation_deadline") or source_data.get("preservationDeadline")
    if not value:
        return None
    try:
        deadline = date.fromisoformat(str(value)[:10])
    except ValueError:
        return None
    return (deadline - today).days


_REPORT = select(_reports_t.c.incident_type, _reports_t.c.escalation.is_not(None), _reports_t.c.annotations,
                 _reports_t.c.source_data, _reports_t.c.reference).where(_reports_t.c.id == bindparam("rid"))
# Media and their bank matches in one round trip: one row per media item and match (or one row,
# match columns NULL, for an item that matched nothing).
_MEDIA_MATCHES = (select(_media_t.c.id, _media_t.c.uk_category, _media_t.c.annotations, _matches_t.c.id,
                         _matches_t.c.bank, _matches_t.c.uk_category)
                  .select_from(_media_t)
                  .outerjoin(_matches_t, and_(_matches_t.c.media_id == _media_t.c.id,
                                              _matches_t.c.report_id == _media_t.c.report_id))
                  .where(_media_t.c.report_id == bindparam("rid"))
                  .order_by(_media_t.c.id, _matches_t.c.id))
# The batch forms (:func:`gather_many`): the same columns with the report they belong to first.
_BATCH_REPORTS = select(_reports_t.c.id, *_REPORT.selected_columns).where(
    _reports_t.c.id.in_(bindparam("ids", expanding=True)))
_BATCH_MEDIA_MATCHES = (select(_media_t.c.report_id, *_MEDIA_MATCHES.selected_columns)
                        .select_from(_media_t)
                        .outerjoin(_matches_t, and_(_matches_t.c.media_id == _media_t.c.id,
                                                    _matches_t.c.report_id == _media_t.c.report_id))
                        .where(_media_t.c.report_id.in_(bindparam("ids", expanding=True)))
                        .order_by(_media_t.c.id, _matches_t.c.id))
_BATCH_NETWORK_OF = select(_links_t.c.subject_id, _links_t.c.network_id).where(
    _links_t.c.subject_id.in_(bindparam("ids", expanding=True)))
_BATCH_NETWORK_SIZES = (select(_links_t.c.network_id, func.count())
                        .where(_links_t.c.network_id.in_(bindparam("ids", expanding=True)))
                        .group_by(_links_t.c.network_id))
_CHUNK = 900  # values per IN list (SQLite's bound-variable limit)


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start:start + _CHUNK]


_RECORDS = (select(_records_t.c.id, _records_t.c.item_id, _records_t.c.value, _records_t.c.evidence,
                   _records_t.c.recorded_by, _records_t.c.recorded_at, _records_t.c.report_id, _records_t.c.subject_id)
            .where(_records_t.c.subject_id.in_(bindparam("ids", expanding=True))).order_by(_records_t.c.id))


def gather(session: Session, report_id: int, now: datetime, scope: CaseScope | None = None) -> TriageInputs:
    """All facts and records the model reads for one report, each fact with its evidence."""
    scope = scope or linked_reports(session, report_id)
    report = session.execute(_REPORT, {"rid": report_id}).one()
    media_rows = session.execute(_MEDIA_MATCHES, {"rid": report_id}).all()
    return build_inputs(report_id, now, scope, tuple(report), media_rows, network_member(session, scope.suspect_ids),
                        _records(session, scope))


def gather_many(session: Session, scopes: Mapping[int, CaseScope], now: datetime) -> dict[int, TriageInputs]:
    """:func:`gather` for a batch of reports (their scopes from ``linking.interfaces.case_scopes``):
    the same inputs for each, read with a few statements per chunk of reports, not per report."""
    ids = sorted(scopes)
    conn = session.connection()
    reports: dict[int, tuple[Any, ...]] = {}
    media: dict[int, list[Any]] = {r: [] for r in ids}
    for part in _chunks(ids):
        for row in conn.execute(_BATCH_REPORTS, {"ids": part}):
            reports[row[0]] = tuple(row[1:])
        for row in conn.execute(_BATCH_MEDIA_MATCHES, {"ids": part}):
            media[row[0]].append(row[1:])
    scoped = gather_scope_facts(session, scopes)
    return {rid: build_inputs(rid, now, scopes[rid], reports[rid], media[rid], *scoped[rid]) for rid in ids}


SCOPE_FACTS = ("linked.reports", "network.member")
"""The facts that other reports change (the rest are the report's own): with the analysts'
records, which linked suspects bring, all that a new link can change in a report's inputs."""


def gather_scope_facts(session: Session, scopes: Mapping[int, CaseScope]) -> dict[int, tuple[bool | None,
                                                                                              dict[str, RecordedItem]]]:
    """Per report: whether its suspects are in a network, and the latest records across its
    subjects and linked suspects (:func:`network_member` and :func:`_records`, set-based)."""
    conn = session.connection()
    suspects = sorted({s for scope in scopes.values() for s in scope.suspect_ids})
    network_of: dict[int, int] = {}
    for part in _chunks(suspects):
        network_of.update(conn.execute(_BATCH_NETWORK_OF, {"ids": part}).all())
    networks = sorted(set(network_of.values()))
    sizes: dict[int, int] = {}
    for part in _chunks(networks):
        sizes.update(conn.execute(_BATCH_NETWORK_SIZES, {"ids": part}).all())
    record_subjects = sorted({s for scope in scopes.values() for s in (*scope.subject_ids, *scope.linked_suspect_ids)})
    record_rows: dict[int, list[Any]] = {}
    for part in _chunks(record_subjects):
        for row in conn.execute(_RECORDS, {"ids": part}):
            record_rows.setdefault(row[7], []).append(row)
    out: dict[int, tuple[bool | None, dict[str, RecordedItem]]] = {}
    for rid, scope in scopes.items():
        member: bool | None = None
        if scope.suspect_ids:
            members = sum(sizes.get(n, 0) for n in {network_of[s] for s in scope.suspect_ids if s in network_of})
            member = members > len(set(scope.suspect_ids)) if members else None
        rows: list[Any] = []
        if record_rows:
            for sid in dict.fromkeys((*scope.subject_ids, *scope.linked_suspect_ids)):
                rows.extend(record_rows.get(sid, ()))
            rows.sort(key=lambda r: r[0])
        out[rid] = (member, _latest(rows))
    return out


def scope_facts(scope: CaseScope, member: bool | None) -> dict[str, Any]:
    """The :data:`SCOPE_FACTS` of a report (pure): :func:`build_inputs` sets them from here."""
    return {"network.member": member, "linked.reports": len(scope.linked_report_ids)}


def build_inputs(report_id: int, now: datetime, scope: CaseScope, report: tuple[Any, ...], media_rows: Iterable[Any],
                 member: bool | None, records: dict[str, RecordedItem]) -> TriageInputs:
    """The facts and their evidence from what was read (pure): one code for :func:`gather` and
    :func:`gather_many`, so one report scored alone or in a batch reads the same inputs."""
    href = f"/reports/{report_id}"
    incident_type, escalated, annotations, source_data, reference = report
    annotation_set = {snake(a) for a in (annotations or [])}
    facts: dict[str, Any] = {
        "report.escalated": bool(escalated),
        "report.annotations": annotation_set,
        "report.incident_type": incident_type,
        "report.preservation_days_left": preservation_days_left(source_data, now.date()),
    }
    this_report = (Evidence("report", f"Report {reference}", href),)
    evidence: dict[str, tuple[Evidence, ...]] = {
        "report.escalated": (Evidence("report", f"Escalation text on report {reference}", href),),
        "report.annotations": (Evidence("report", "Source flags: " + (", ".join(sorted(annotation_set)) or "none"),
                                        href),),
        "report.incident_type": (Evidence("report", f"Incident type: {incident_type}", href),),
    }

    media: dict[int, tuple[str | None, Any]] = {}
    found: list[tuple[int, int, str, str | None]] = []  # match id, media id, bank, category
    for media_id, uk_category, media_annotations, match_id, bank, match_category in media_rows:
        media.setdefault(media_id, (uk_category, media_annotations))
        if match_id is not None:
            found.append((match_id, media_id, bank, match_category))
    found.sort()  # in the order the matches were recorded
    matches = [(m, bank, c) for _, m, bank, c in found]
    file_flags: set[str] = set()
    classes: set[str] = set()
    uk: set[str] = set()
    classified = 0
    flag_evidence: list[Evidence] = []
    for media_id, (uk_category, media_annotations) in media.items():
        flags, classification = media_flags(media_annotations)
        file_flags |= flags
        if classification:
            classes.add(classification)
        if uk_category:
            uk.add(uk_category)
        if classification or uk_category:
            classified += 1
        if flags or classification or uk_category:
            bits = sorted(flags) + [x for x in (classification, uk_category and f"UK {uk_category}") if x]
            flag_evidence.append(Evidence("media", f"Media {media_id}: {', '.join(bits)}", f"{href}#media-{media_id}"))
    matched_media = {m for m, _, _ in matches}
    facts.update({
        "media.count": len(media),
        "media.classified_count": classified,
        "media.uk_categories": uk,
        "media.industry_classifications": classes,
        "media.file_annotations": file_flags,
        "media.unmatched_count": len(media) - len(matched_media & media.keys()),
        "matches.count": len(matched_media),
        "matches.uk_categories": {c for _, _, c in matches if c},
    })
    match_evidence = tuple(Evidence("bank_match", f"Media {m} matched bank {bank}" + (f" (category {c})" if c else ""),
                                    f"{href}#media-{m}") for m, bank, c in matches)
    media_evidence = tuple(flag_evidence) or this_report
    for key in ("media.count", "media.classified_count", "media.uk_categories", "media.industry_classifications",
                "media.file_annotations", "media.unmatched_count"):
        evidence[key] = media_evidence
    evidence["matches.count"] = evidence["matches.uk_categories"] = match_evidence

    victims = [s for s in scope.subjects if s[1] == "victim"]
    victim_idents = {o[0] for o in scope.observations if o[1] == "victim"}
    ages = [age for _, _, age, _ in victims if age is not None]
    identified = [sid for sid, _, age, named in victims if named or age is not None or sid in victim_idents]
    facts["victims.identified"] = bool(identified)
    facts["victims.min_age"] = min(ages) if ages else None
    victim_evidence = tuple(Evidence("subject", f"Victim subject {sid}", f"{href}#subject-{sid}")
                            for sid in identified)
    evidence["victims.identified"] = evidence["victims.min_age"] = victim_evidence

    idents = [(o[3], o[4]) for o in scope.observations if o[1] == "suspect"]
    facts["identifiers.count"] = len(idents)
    facts["identifiers.location_resolved"] = any(
        t in LOCATING_TYPES or (t == "ip" and seen is not None) for t, seen in idents)
    facts.update(scope_facts(scope, member))
    evidence["linked.reports"] = tuple(Evidence("report", f"Linked report {r}", f"/reports/{r}")
                                       for r in scope.linked_report_ids[:20])

    return TriageInputs(facts=facts, fact_evidence=evidence, records=records)


def _records(session: Session, scope: CaseScope) -> dict[str, RecordedItem]:
    """The latest record per item across this report's subjects and linked suspects."""
    subject_ids = list(scope.subject_ids) + list(scope.linked_suspect_ids)
    if not subject_ids:
        return {}
    return _latest(session.execute(_RECORDS, {"ids": subject_ids}).all())


def _latest(rows: Iterable[Any]) -> dict[str, RecordedItem]:
    """The latest record per item of ``rows`` (in id order)."""
    latest: dict[str, RecordedItem] = {}
    for _id, item_id, value, text, by, at, report_id, subject_id in rows:
        latest[item_id] = RecordedItem(item_id, ItemValue(value), text, by, at,
                                       f"/reports/{report_id}#subject-{subject_id}")
    return latest
