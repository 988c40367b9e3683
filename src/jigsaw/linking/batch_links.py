"""Linked reports for a whole batch at once: the set-based form of :func:`case_scope.linked_reports`.

A bulk import stores thousands of reports a second, so case work cannot ask for each report's
links in turn. The rules are the same: reports are linked by a suspect identifier they share,
never by one on the known-shared list or one held in ``MAX_REPORTS_PER_IDENTIFIER`` reports or
more. Two queries per 500 reports: the batch's suspect identifiers, then who else holds them.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from jigsaw.intake.interfaces import Observation
from jigsaw.linking.case_scope import MAX_LINKED_REPORTS, MAX_REPORTS_PER_IDENTIFIER
from jigsaw.linking.models import LinkIdentifier

_CHUNK = 500


def linked_report_map(session: Session, report_ids: Iterable[int]) -> dict[int, set[int]]:
    """For each of ``report_ids``, the other reports sharing one of its suspects' identifiers
    (reports with none are left out). Links within the batch appear in both directions."""
    ids = sorted(set(report_ids))
    own: dict[int, set[int]] = {}  # identifier -> batch reports holding it as a suspect's
    for start in range(0, len(ids), _CHUNK):
        rows = session.execute(
            select(Observation.identifier_id, Observation.report_id).distinct()
            .outerjoin(LinkIdentifier, LinkIdentifier.identifier_id == Observation.identifier_id)
            .where(Observation.report_id.in_(ids[start:start + _CHUNK]), Observation.role == "suspect",
                   LinkIdentifier.shared_reason.is_(None),
                   or_(LinkIdentifier.subject_count.is_(None),
                       LinkIdentifier.subject_count <= MAX_REPORTS_PER_IDENTIFIER * 4)))
        for identifier_id, report_id in rows:
            own.setdefault(identifier_id, set()).add(report_id)
    holders: dict[int, set[int]] = {}
    identifiers = sorted(own)
    for start in range(0, len(identifiers), _CHUNK):
        rows = session.execute(
            select(Observation.identifier_id, Observation.report_id).distinct()
            .where(Observation.identifier_id.in_(identifiers[start:start + _CHUNK]), Observation.role == "suspect"))
        for identifier_id, report_id in rows:
            holders.setdefault(identifier_id, set()).add(report_id)
    linked: dict[int, set[int]] = {}
    for identifier_id, reports in holders.items():
        if len(reports) - 1 >= MAX_REPORTS_PER_IDENTIFIER:
            continue  # a busy identifier links nothing (as linked_reports decides)
        for report_id in own.get(identifier_id, ()):
            others = reports - {report_id}
            if others:
                linked.setdefault(report_id, set()).update(others)
    for report_id, others in linked.items():
        if len(others) > MAX_LINKED_REPORTS:
            linked[report_id] = set(sorted(others)[:MAX_LINKED_REPORTS])
    return linked
