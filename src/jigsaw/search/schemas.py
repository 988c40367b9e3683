"""The search API's response body (it shapes the OpenAPI document)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from jigsaw.search.service import SearchResult


class CaseFound(BaseModel):
    id: int
    reference: str
    status: str
    assignee_id: int | None
    report_ids: list[int] = Field(description="The case's reports among those found (all of them for a CASE- search).")


class ReportFound(BaseModel):
    id: int
    reference: str
    received_at: datetime
    source: str
    incident_type: str
    band: str | None = Field(description="The triage band in force (P0-P3); null before assessment.")
    case_id: int | None
    case_reference: str | None
    matched: list[str] = Field(description="What found it: identifier types, or report/case/cybertip.")


class SubjectFound(BaseModel):
    id: int
    role: str
    report_id: int
    report_reference: str
    network_id: int | None = Field(description="The subject's network; open it at /api/v1/networks/{network_id}.")
    matched: list[str]


class SearchOut(BaseModel):
    types: list[str] = Field(description="The kinds of identifier or reference the text was searched as.")
    hints: list[str]
    truncated: bool = Field(description="More reports matched than are listed: the identifier is widely shared.")
    cases: list[CaseFound]
    reports: list[ReportFound]
    subjects: list[SubjectFound]


def search_out(result: SearchResult) -> SearchOut:
    return SearchOut(
        types=list(result.types), hints=list(result.hints), truncated=result.truncated,
        cases=[CaseFound(id=c.ref.id, reference=c.ref.reference, status=c.ref.status.value,
                         assignee_id=c.ref.assignee_id, report_ids=list(c.report_ids)) for c in result.cases],
        reports=[ReportFound(id=r.id, reference=r.reference, received_at=r.received_at, source=r.source,
                             incident_type=r.incident_type, band=r.band, case_id=r.case.id if r.case else None,
                             case_reference=r.case.reference if r.case else None, matched=list(r.matched))
                 for r in result.reports],
        subjects=[SubjectFound(id=s.id, role=s.role, report_id=s.report_id, report_reference=s.report_reference,
                               network_id=s.network_id, matched=list(s.matched)) for s in result.subjects],
    )
