"""Who is in a case: a report, its own subjects, and the reports linked to it by suspects' identifiers.

This is the one definition of "linked reports": triage re-scores and reads analysts' records
across it, and it follows linking's rules (an identifier on the known-shared list, or held in
more than ``MAX_REPORTS_PER_IDENTIFIER`` reports, links nothing). Other capabilities reach it
through :mod:`jigsaw.linking.interfaces`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, distinct, func, select
from sqlalchemy.orm import Session

from jigsaw.db.base import table_of
from jigsaw.events import ReportsStored
from jigsaw.intake.interfaces import IdentifierRecord, Observation, Subject
from jigsaw.linking.models import LinkIdentifier

# An identifier seen in more reports than this (a shared NAT address, a platform's support
# email) links nothing: it would join unrelated cases and make one report re-score thousands.
MAX_REPORTS_PER_IDENTIFIER = 50
MAX_LINKED_REPORTS = 200


@dataclass(frozen=True)
class CaseScope:
    """The report, its subjects, and the other reports joined to it by suspects' identifiers.

    ``subjects`` and ``observations`` are the report's own rows, read once here and reused by
    :func:`gather` (scoring runs on every new report, so round trips count).
    """

    report_id: int
    suspect_ids: tuple[int, ...]
    subject_ids: tuple[int, ...]
    linked_report_ids: tuple[int, ...]
    linked_suspect_ids: tuple[int, ...]
    subjects: tuple[tuple[int, str, int | None, bool], ...] = ()  # id, role, age, named
    observations: tuple[tuple[int | None, str, int, str, Any], ...] = ()  # subject, role, identifier, type, seen_at


_subjects_t, _observations_t = table_of(Subject), table_of(Observation)
_identifiers_t, _link_identifiers_t = table_of(IdentifierRecord), table_of(LinkIdentifier)

_SUBJECTS = (select(_subjects_t.c.id, _subjects_t.c.role, _subjects_t.c.age, _subjects_t.c.name.is_not(None))
             .where(_subjects_t.c.report_id == bindparam("rid")))
_OBSERVATIONS = (select(_observations_t.c.subject_id, _observations_t.c.role, _observations_t.c.identifier_id,
                        _identifiers_t.c.type, _observations_t.c.seen_at)
                 .join(_identifiers_t, _identifiers_t.c.id == _observations_t.c.identifier_id)
                 .where(_observations_t.c.report_id == bindparam("rid")))
# Identifiers on linking's known-shared list (a platform's no-reply address, documentation
# values) join nothing here either, so triage's "linked reports" are the ones the network shows.
_SHARED = (select(_observations_t.c.identifier_id, _observations_t.c.report_id, _observations_t.c.subject_id)
           .outerjoin(_link_identifiers_t, _link_identifiers_t.c.identifier_id == _observations_t.c.identifier_id)
           .where(_observations_t.c.identifier_id.in_(bindparam("ids", expanding=True)),
                  _observations_t.c.report_id != bindparam("rid"), _observations_t.c.role == "suspect",
                  _link_identifiers_t.c.shared_reason.is_(None))
           .limit(bindparam("cap")))


def linked_reports(session: Session, report_id: int) -> CaseScope:
    """Who is in this case: own subjects, and reports sharing a suspect identifier."""
    subjects = tuple((r[0], r[1], r[2], bool(r[3])) for r in session.execute(_SUBJECTS, {"rid": report_id}))
    observations = tuple((r[0], r[1], r[2], r[3], r[4]) for r in session.execute(_OBSERVATIONS, {"rid": report_id}))
    suspect_ids = tuple(s[0] for s in subjects if s[1] == "suspect")
    identifier_ids = sorted({o[2] for o in observations if o[1] == "suspect"})
    linked: list[int] = []
    linked_suspects: list[int] = []
    if identifier_ids:
        cap = (MAX_REPORTS_PER_IDENTIFIER + 1) * len(identifier_ids) * 2
        rows = session.execute(_SHARED, {"ids": identifier_ids, "rid": report_id, "cap": cap}).all()
        per_identifier: dict[int, set[int]] = {}
        for identifier_id, other, _ in rows:
            per_identifier.setdefault(identifier_id, set()).add(other)
        busy = {i for i, reports in per_identifier.items() if len(reports) >= MAX_REPORTS_PER_IDENTIFIER}
        usable = [(r, s) for i, r, s in rows if i not in busy]
        linked = sorted({r for r, _ in usable})[:MAX_LINKED_REPORTS]
        kept = set(linked)
        linked_suspects = sorted({s for r, s in usable if s is not None and r in kept})
    return CaseScope(report_id, suspect_ids, tuple(s[0] for s in subjects), tuple(linked), tuple(linked_suspects),
                     subjects, observations)


# The batch forms of the statements above: a bulk import scores hundreds of reports a batch, and
# asks who is in each case with three statements per chunk of reports, not three per report.
_BATCH_SUBJECTS = (select(_subjects_t.c.report_id, _subjects_t.c.id, _subjects_t.c.role, _subjects_t.c.age,
                          _subjects_t.c.name.is_not(None))
                   .where(_subjects_t.c.report_id.in_(bindparam("ids", expanding=True)))
                   .order_by(_subjects_t.c.report_id, _subjects_t.c.id))
_BATCH_OBSERVATIONS = (select(_observations_t.c.report_id, _observations_t.c.subject_id, _observations_t.c.role,
                              _observations_t.c.identifier_id, _identifiers_t.c.type, _observations_t.c.seen_at)
                       .join(_identifiers_t, _identifiers_t.c.id == _observations_t.c.identifier_id)
                       .where(_observations_t.c.report_id.in_(bindparam("ids", expanding=True)))
                       .order_by(_observations_t.c.report_id, _observations_t.c.id))
# An identifier that linking counts as held by more subjects than this cannot be held by fewer than
# MAX_REPORTS_PER_IDENTIFIER other reports short of several suspects per report sharing it, so its
# holders are not read: it is busy. This keeps a hub (a shared NAT address in thousands of
# reports) from being read in full for every batch that meets it.
BUSY_SUBJECT_COUNT = MAX_REPORTS_PER_IDENTIFIER * 4
_BATCH_HOLDERS = (select(_observations_t.c.identifier_id, _observations_t.c.report_id, _observations_t.c.subject_id)
                  .outerjoin(_link_identifiers_t,
                             _link_identifiers_t.c.identifier_id == _observations_t.c.identifier_id)
                  .where(_observations_t.c.identifier_id.in_(bindparam("ids", expanding=True)),
                         _observations_t.c.role == "suspect", _link_identifiers_t.c.shared_reason.is_(None)))
# Reports holding each identifier as a suspect's, counted in the database: one held by more than
# MAX_REPORTS_PER_IDENTIFIER links no report that holds it, so its holders need not be read.
_BATCH_HOLDER_COUNTS = (select(_observations_t.c.identifier_id, func.count(distinct(_observations_t.c.report_id)))
                        .outerjoin(_link_identifiers_t,
                                   _link_identifiers_t.c.identifier_id == _observations_t.c.identifier_id)
                        .where(_observations_t.c.identifier_id.in_(bindparam("ids", expanding=True)),
                               _observations_t.c.role == "suspect", _link_identifiers_t.c.shared_reason.is_(None))
                        .group_by(_observations_t.c.identifier_id))
_BUSY = (select(_link_identifiers_t.c.identifier_id)
         .where(_link_identifiers_t.c.identifier_id.in_(bindparam("ids", expanding=True)),
                _link_identifiers_t.c.subject_count > BUSY_SUBJECT_COUNT))
_CHUNK = 900  # values per IN list (SQLite's bound-variable limit)


Holders = dict[int, list[tuple[int, int | None]]]
"""Identifier -> the (report, suspect) pairs holding it, empty where it can link nothing."""


def case_scopes(session: Session, report_ids: Iterable[int], holders: Holders | None = None) -> dict[int, CaseScope]:
    """:func:`linked_reports` for many reports at once: the same scope for each, read set-based.

    ``holders``, when given, keeps the holders read, and those already in it are not read again:
    a batch's new reports and the older reports they link to share most identifiers. Pass the
    same dict only while nothing is written in between.

    One difference by design: an identifier linking counts as held by more than
    :data:`BUSY_SUBJECT_COUNT` subjects is busy without its holders being read (see there).
    """
    ids = sorted(set(report_ids))
    conn = session.connection()
    subjects: dict[int, list[tuple[int, str, int | None, bool]]] = {r: [] for r in ids}
    observations: dict[int, list[tuple[int | None, str, int, str, Any]]] = {r: [] for r in ids}
    for part in _chunks(ids):
        for rid, sid, role, age, named in conn.execute(_BATCH_SUBJECTS, {"ids": part}):
            subjects[rid].append((sid, role, age, bool(named)))
        for rid, sid, role, ident, kind, seen in conn.execute(_BATCH_OBSERVATIONS, {"ids": part}):
            observations[rid].append((sid, role, ident, kind, seen))
    holders = {} if holders is None else holders
    wanted = sorted({o[2] for obs in observations.values() for o in obs if o[1] == "suspect"} - holders.keys())
    for part in _chunks(wanted):
        holders.update((i, []) for i in part)  # until read: busy, or held too widely, links nothing
        busy = set(conn.execute(_BUSY, {"ids": part}).scalars())
        counted = [i for i in part if i not in busy]
        if not counted:
            continue
        held: dict[int, int] = {i: n for i, n in conn.execute(_BATCH_HOLDER_COUNTS, {"ids": counted})}
        readable = [i for i in counted if held.get(i, 0) <= MAX_REPORTS_PER_IDENTIFIER]
        if readable:
            for ident, rid, sid in conn.execute(_BATCH_HOLDERS, {"ids": readable}):
                holders[ident].append((rid, sid))
    out: dict[int, CaseScope] = {}
    for rid in ids:
        own_subjects, own_obs = tuple(subjects[rid]), tuple(observations[rid])
        suspect_ids = tuple(s[0] for s in own_subjects if s[1] == "suspect")
        usable: list[tuple[int, int | None]] = []
        for ident in sorted({o[2] for o in own_obs if o[1] == "suspect"}):
            others = [(r, s) for r, s in holders[ident] if r != rid]
            if len({r for r, _ in others}) < MAX_REPORTS_PER_IDENTIFIER:
                usable.extend(others)
        linked = sorted({r for r, _ in usable})[:MAX_LINKED_REPORTS]
        kept = set(linked)
        linked_suspects = sorted({s for r, s in usable if s is not None and r in kept})
        out[rid] = CaseScope(rid, suspect_ids, tuple(s[0] for s in own_subjects), tuple(linked),
                             tuple(linked_suspects), own_subjects, own_obs)
    return out


_BATCH_SCOPES = "jigsaw.linking.batch_scopes"


def stored_batch_scopes(session: Session, event: ReportsStored, holders: Holders | None = None,
                        ) -> dict[int, CaseScope]:
    """:func:`case_scopes` of a stored batch's reports, read once for all of the event's handlers.

    Linking reacts to :class:`~jigsaw.events.ReportsStored` first; triage and case work react
    after it, both need the batch's scopes, and neither writes links, so the first to ask reads
    them and the others reuse them. Kept under the event object itself: another batch in the same
    transaction is read afresh. The dict returned is shared: copy it before changing it.
    """
    kept = session.info.get(_BATCH_SCOPES)
    if kept is not None and kept[0] is event:
        return kept[1]
    scopes = case_scopes(session, event.report_ids, holders)
    session.info[_BATCH_SCOPES] = (event, scopes)
    return scopes


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start:start + _CHUNK]
