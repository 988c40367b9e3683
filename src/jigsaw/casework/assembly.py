"""Cases from reports: each new report joins the open case its suspects link it to, or opens one.

Runs inside the publisher's transaction after linking and triage (the manifest's ``after``),
so links and bands are already stored. One code path serves a single report, a bulk batch and
the backfill: it is set-based (a handful of queries per batch), because imports store
thousands of reports a second.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from jigsaw.audit.chain import AuditAction
from jigsaw.audit.service import Actor, NewEntry, defer
from jigsaw.casework.lifecycle import OPEN_STATUSES, ActionKind, CaseStatus, make_reference
from jigsaw.casework.models import Case, CaseAction, CaseReport
from jigsaw.events import ReportsStored, ReportStored
from jigsaw.intake.interfaces import Report, Subject
from jigsaw.linking.interfaces import linked_report_map, stored_batch_scopes
from jigsaw.triage.interfaces import report_triage

SYSTEM = Actor("system:casework")
UNASSESSED_RANK = 9
"""The band rank of a case none of whose reports has a band: after P3, and never NULL, so the
queue's order (rank, due) is read straight from its index."""
_CHUNK = 500


@dataclass(frozen=True)
class Placed:
    """What :func:`place_reports` did: reports that opened cases, and reports that joined one."""

    opened: dict[int, int]  # report id -> new case id
    joined: dict[int, int]  # report id -> existing open case id


def on_report_stored(session: Session, event: ReportStored) -> None:
    place_reports(session, [event.report_id])


def on_reports_stored(session: Session, event: ReportsStored) -> None:
    if event.report_ids:
        scopes = stored_batch_scopes(session, event)  # read once for the batch, with triage
        place_reports(session, event.report_ids,
                      links={rid: set(s.linked_report_ids) for rid, s in scopes.items() if s.linked_report_ids})


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start:start + _CHUNK]


def new_references(session: Session, count: int) -> list[str]:
    """``count`` random case references not yet used (collisions are drawn again)."""
    chosen: set[str] = set()
    while len(chosen) < count:
        batch = {make_reference(secrets.randbelow) for _ in range(count - len(chosen))} - chosen
        taken = set(session.scalars(select(Case.reference).where(Case.reference.in_(batch))))
        chosen |= batch - taken
    return sorted(chosen)


def _case_of(session: Session, report_ids: Sequence[int]) -> dict[int, tuple[int, str, int | None, object]]:
    """report id -> (case id, status, band rank, due) for reports already in a case."""
    found: dict[int, tuple[int, str, int | None, object]] = {}
    for chunk in _chunks(sorted(set(report_ids))):
        rows = session.execute(select(CaseReport.report_id, Case.id, Case.status, Case.band_rank, Case.due_at)
                               .join(Case, Case.id == CaseReport.case_id).where(CaseReport.report_id.in_(chunk)))
        for rid, cid, status, rank, due in rows:
            found[rid] = (cid, status, rank, due)
    return found


def place_reports(session: Session, report_ids: Iterable[int], *, actor: Actor = SYSTEM,
                  as_new_information: bool = True, links: Mapping[int, set[int]] | None = None) -> Placed:
    """Put every report of ``report_ids`` not yet in a case into one.

    Reports linked to each other in the batch stay together (as if stored one by one); a group
    linked to open cases joins the most urgent of them (lowest band rank, then earliest due,
    then oldest) and the entry names the others; a group linked to none opens a new case.
    ``as_new_information=False`` (the backfill) assembles cases from old reports without
    flagging them as news to the assignee. ``links``: each report's linked reports when the caller
    has them already (:func:`jigsaw.linking.interfaces.linked_report_map` otherwise).
    """
    ids = sorted(set(report_ids))
    if not ids:
        return Placed({}, {})
    placed_already = _case_of(session, ids)
    pending = [r for r in ids if r not in placed_already]
    if not pending:
        return Placed({}, {})
    if links is None:
        links = linked_report_map(session, pending)
    outside = sorted({o for r in pending for o in links.get(r, ())} - set(pending))
    cases_of_linked = _case_of(session, outside)

    # Group the batch: reports that link to each other go into the same case.
    parent = {r: r for r in pending}

    def find(r: int) -> int:
        while parent[r] != r:
            parent[r] = parent[parent[r]]
            r = parent[r]
        return r

    for r in pending:
        for other in links.get(r, ()):
            if other in parent:
                a, b = find(r), find(other)
                if a != b:
                    parent[max(a, b)] = min(a, b)
    groups: dict[int, list[int]] = {}
    for r in pending:
        groups.setdefault(find(r), []).append(r)

    now = datetime.now(UTC)
    joined: dict[int, int] = {}
    notes: list[dict[str, object]] = []
    fresh_groups: list[list[int]] = []
    for members in groups.values():
        candidates: dict[int, tuple[int, str, int | None, object]] = {}
        for r in members:
            for other in links.get(r, ()):
                hit = cases_of_linked.get(other)
                if hit is not None and CaseStatus(hit[1]) in OPEN_STATUSES:
                    candidates[hit[0]] = hit
        if not candidates:
            fresh_groups.append(members)
            continue
        best = min(candidates.values(), key=lambda c: (c[2] if c[2] is not None else UNASSESSED_RANK,
                                                       c[3] or datetime.max.replace(tzinfo=UTC), c[0]))
        others = sorted(c for c in candidates if c != best[0])
        for r in members:
            joined[r] = best[0]
        notes.append({"case_id": best[0], "kind": ActionKind.NEW_INFORMATION.value, "at": now, "by_user_id": None,
                      "by_label": actor.label,
                      "text": None, "details": {"report_ids": sorted(members), "also_linked_case_ids": others}})

    opened: dict[int, int] = {}
    if fresh_groups:
        references = new_references(session, len(fresh_groups))
        rows = [{"reference": ref, "status": CaseStatus.NEW.value, "opened_at": now, "updated_at": now,
                 "new_information": False, "escalated": False, "band_rank": UNASSESSED_RANK}
                for ref in references]
        created = session.execute(insert(Case).returning(Case.id, Case.reference), rows).all()
        by_reference = {ref: cid for cid, ref in created}
        for ref, members in zip(references, fresh_groups, strict=True):
            for r in members:
                opened[r] = by_reference[ref]

    membership = [{"report_id": r, "case_id": c, "added_at": now, "added_by": actor.label,
                   "new_information": False} for r, c in opened.items()]
    membership += [{"report_id": r, "case_id": c, "added_at": now, "added_by": actor.label,
                    "new_information": as_new_information} for r, c in joined.items()]
    session.execute(insert(CaseReport), membership)
    if notes and as_new_information:
        session.execute(insert(CaseAction), notes)
        session.execute(update(Case).where(Case.id.in_(sorted(set(joined.values()))))
                        .values(new_information=True, updated_at=now))
    refresh_triage(session, set(opened.values()) | set(joined.values()))
    joined_by_case: dict[int, list[int]] = {}
    for r, c in joined.items():
        joined_by_case.setdefault(c, []).append(r)
    entries = [NewEntry(actor, AuditAction.COMBINATION, "case", cid, detail={"joined_report_ids": sorted(members)})
               for cid, members in sorted(joined_by_case.items())]
    if opened:
        # Opening a case combines records into a unit of work; nothing new is collected.
        entries.append(NewEntry(actor, AuditAction.COMBINATION, "case", None,
                                detail={"opened": len(set(opened.values())), "reports": len(opened)}))
    defer(session, entries)
    return Placed(opened, joined)


def refresh_triage(session: Session, case_ids: Iterable[int]) -> None:
    """Set each case's band, rank and due time from its most urgent report, and its danger-now flag.

    Two queries per 500 cases plus one bulk update: the queue's sort key stays in step with triage.
    """
    ids = sorted(set(case_ids))
    if not ids:
        return
    members: dict[int, list[int]] = {}
    for chunk in _chunks(ids):
        for cid, rid in session.execute(select(CaseReport.case_id, CaseReport.report_id)
                                        .where(CaseReport.case_id.in_(chunk))):
            members.setdefault(cid, []).append(rid)
    triage = report_triage(session, [r for rs in members.values() for r in rs])
    values = []
    for cid in ids:
        found = [triage[r] for r in members.get(cid, ()) if r in triage]
        ranked = [t for t in found if t.band_rank is not None]
        top = min(ranked, key=lambda t: (t.band_rank, t.due_at), default=None)
        dues = [t.due_at for t in found if t.due_at is not None]
        values.append({"id": cid, "band": top.band if top else None,
                       "band_rank": top.band_rank if top else UNASSESSED_RANK,
                       "due_at": min(dues) if dues else None, "escalated": any(t.escalated for t in found)})
    session.execute(update(Case), values)


def cases_of_reports(session: Session, report_ids: Iterable[int]) -> set[int]:
    return {v[0] for v in _case_of(session, sorted(set(report_ids))).values()}


def on_triage_changed(session: Session, event: object) -> None:
    """A report re-scored (media matched, a subject gained information): its case's band follows."""
    report_id = getattr(event, "report_id", None)
    if report_id is not None:
        refresh_triage(session, cases_of_reports(session, [report_id]))
        return
    subject_id = getattr(event, "subject_id", None)
    if subject_id is not None:
        report = session.scalar(select(Subject.report_id).where(Subject.id == subject_id))
        if report is not None:
            refresh_triage(session, cases_of_reports(session, [report]))


def backfill_step(session: Session, after_id: int, batch: int = 5_000) -> tuple[int, int | None]:
    """Place the next ``batch`` reports after ``after_id`` (in id order, so a later report joins
    the case of an earlier one it links to); the number placed and the last id read (None: done)."""
    ids = list(session.scalars(select(Report.id).where(Report.id > after_id).order_by(Report.id).limit(batch)))
    if not ids:
        return 0, None
    result = place_reports(session, ids, as_new_information=False)
    return len(result.opened) + len(result.joined), ids[-1]


def backfill(session: Session, *, batch: int = 5_000) -> int:
    """Put every report that is in no case into one (idempotent); the number of reports placed."""
    placed, last = 0, 0
    while True:
        count, next_last = backfill_step(session, last, batch)
        if next_last is None:
            return placed
        placed, last = placed + count, next_last
