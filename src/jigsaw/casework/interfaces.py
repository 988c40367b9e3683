"""What other capabilities may use of case work: which case each report is in, a case by its reference,
the communications-data requests recorded on cases, and the hook by which outcomes tell a case closing
"with the outcome" what was recorded."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from jigsaw.casework.hooks import OutcomeSummary
from jigsaw.casework.lifecycle import OPEN_STATUSES, ActionKind, CaseStatus
from jigsaw.casework.models import Case, CaseAction, CaseReport


@dataclass(frozen=True)
class CaseRef:
    id: int
    reference: str
    status: CaseStatus
    assignee_id: int | None

    @property
    def open(self) -> bool:
        return self.status in OPEN_STATUSES


def cases_for_reports(session: Session, report_ids: Iterable[int]) -> dict[int, CaseRef]:
    """The case each of ``report_ids`` is in (reports in no case are left out)."""
    ids = sorted(set(report_ids))
    found: dict[int, CaseRef] = {}
    for start in range(0, len(ids), 500):
        rows = session.execute(
            select(CaseReport.report_id, Case.id, Case.reference, Case.status, Case.assignee_id)
            .join(Case, Case.id == CaseReport.case_id).where(CaseReport.report_id.in_(ids[start:start + 500])))
        for report_id, case_id, reference, status, assignee_id in rows:
            found[report_id] = CaseRef(case_id, reference, CaseStatus(status), assignee_id)
    return found


def case_by_reference(session: Session, reference: str) -> tuple[CaseRef, tuple[int, ...]] | None:
    """The case with this ``CASE-XXXX-XXXX`` reference (either case) and the ids of its reports, or None."""
    row = session.execute(select(Case.id, Case.reference, Case.status, Case.assignee_id)
                          .where(Case.reference == reference.strip().upper())).first()
    if row is None:
        return None
    case_id, ref, status, assignee_id = row
    report_ids = tuple(session.scalars(select(CaseReport.report_id).where(CaseReport.case_id == case_id)
                                       .order_by(CaseReport.report_id)))
    return CaseRef(case_id, ref, CaseStatus(status), assignee_id), report_ids


@dataclass(frozen=True)
class CommsDataRequest:
    """A communications-data request in a case's actions log, as it stands now (its latest entry):
    dissemination routes by the subscriber address an approved one's result gives."""

    case_id: int
    case_reference: str
    action_id: int
    reference: str
    identifier: str
    seen_at: str | None
    status: str
    result: str | None


def comms_data_requests(session: Session, case_ids: Iterable[int]) -> dict[int, list[CommsDataRequest]]:
    """The latest entry of every communications-data request in each of ``case_ids``, oldest first."""
    ids = sorted(set(case_ids))
    found: dict[int, list[CommsDataRequest]] = {}
    for start in range(0, len(ids), 500):
        rows = session.execute(
            select(CaseAction.case_id, Case.reference, CaseAction.id, CaseAction.status, CaseAction.details)
            .join(Case, Case.id == CaseAction.case_id)
            .where(CaseAction.case_id.in_(ids[start:start + 500]),
                   CaseAction.kind == ActionKind.COMMS_DATA_REQUEST.value, CaseAction.superseded_by_id.is_(None))
            .order_by(CaseAction.id))
        for case_id, case_ref, action_id, status, details in rows:
            d = details or {}
            found.setdefault(case_id, []).append(CommsDataRequest(
                case_id, case_ref, action_id, str(d.get("reference") or ""), str(d.get("identifier") or ""),
                d.get("seen_at"), status or "drafted", d.get("result") or None))
    return found


__all__ = ["CaseRef", "CaseStatus", "CommsDataRequest", "OutcomeSummary", "case_by_reference", "cases_for_reports",
           "comms_data_requests"]
