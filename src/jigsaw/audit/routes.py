"""The auditor's view of the audit log: filterable, read-only, with the chain's integrity shown.

Entries show people's names and record references (resolved in bulk per page); an auditor
can find entries by reference, limit them to London dates, export them as CSV, and ask who
opened a record. Every look at the log, and every export, is itself recorded in it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jigsaw.accounts.principal import Principal
from jigsaw.accounts.roles import Role
from jigsaw.audit import service
from jigsaw.audit.chain import AuditAction
from jigsaw.audit.models import AuditEvent
from jigsaw.audit.names import resolve
from jigsaw.audit.query import AuditFilter, Selection, entry_json, select_events, to_csv, who_opened
from jigsaw.errors import InvalidInput
from jigsaw.http.deps import authorize, db_session
from jigsaw.http.templating import render


class CSVResponse(Response):
    media_type = "text/csv"


class AuditEntryOut(BaseModel):
    seq: int
    occurred_at: datetime
    actor: str = Field(description="As recorded: user:4, token:3, system…")
    actor_name: str = Field(description="The person or token behind ``actor``.")
    organisation_id: int | None
    action: str
    entity_type: str
    entity_id: str | None
    record: str = Field(description="The record by its reference (report JIG-…, case CASE-…) where it has one.")
    purpose: str | None
    recipient: str | None
    detail: dict[str, Any]
    entry_hash: str


class AuditPage(BaseModel):
    total: int
    page: int
    page_size: int
    record: str | None = Field(description="What ``reference`` named, if given.")
    entries: list[AuditEntryOut]


class Opening(BaseModel):
    who: str
    actor: str
    when: datetime
    action: str = Field(description="consultation (a read) or disclosure (sent to someone).")
    purpose: str | None
    recipient: str | None


class OpenedOut(BaseModel):
    record: str
    openings: list[Opening]


router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1/audit", tags=["audit"])
auditors = authorize(roles={Role.AUDITOR}, page=True)
auditors_api = authorize(roles={Role.AUDITOR})

PAGE_SIZE = 100
MAX_EXPORT = 100_000
REVIEW_PURPOSE = "audit review (DPA 2018 s.62: verifying lawfulness of processing)"


def audit_filter(
    action: str = "", actor: str = "", entity_type: str = "", entity_id: str = "",
    reference: str = Query("", description="A JIG-… or CASE-… reference, or a staff email address."),
    date_from: str = Query("", alias="from", description="First Europe/London day, YYYY-MM-DD."),
    date_to: str = Query("", alias="to", description="Last Europe/London day, YYYY-MM-DD."),
) -> AuditFilter:
    return AuditFilter(action, actor, entity_type, entity_id, reference, date_from, date_to).cleaned()


def _record_review(session: Session, principal: Principal, wanted: AuditFilter, **detail: Any) -> None:
    service.record(session, principal.actor, AuditAction.CONSULTATION, "audit_log", None, purpose=REVIEW_PURPOSE,
                   detail={"filters": {k: v for k, v in wanted.as_dict().items() if v}, **detail})


def _page_of(session: Session, selection: Selection, page: int) -> tuple[int, list[AuditEvent]]:
    total = session.scalar(select(func.count()).select_from(selection.query.subquery())) or 0
    events = list(session.scalars(selection.query.order_by(AuditEvent.seq.desc()).limit(PAGE_SIZE)
                                  .offset((page - 1) * PAGE_SIZE)))
    return total, events


def _export(session: Session, principal: Principal, wanted: AuditFilter) -> Response:
    selection = select_events(session, wanted)
    events = list(session.scalars(selection.query.order_by(AuditEvent.seq).limit(MAX_EXPORT)))
    _record_review(session, principal, wanted, export="csv", entries=len(events))
    body = to_csv(events, resolve(session, events))
    return CSVResponse(body, media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": 'attachment; filename="jigsaw-audit.csv"', "Cache-Control": "no-store"})


@router.get("/audit", response_class=HTMLResponse)
def audit_log(
    request: Request, wanted: AuditFilter = Depends(audit_filter), page: int = Query(1, ge=1, le=1_000_000),
    principal: Principal = Depends(auditors), session: Session = Depends(db_session),
) -> Response:
    """Newest first. Viewing the log is itself recorded, so reviews of the reviewers are possible."""
    error = None
    try:
        selection = select_events(session, wanted)
    except InvalidInput as exc:
        error, wanted = str(exc), AuditFilter(wanted.action, wanted.actor, wanted.entity_type, wanted.entity_id,
                                              wanted.reference)
        selection = select_events(session, wanted)
    total, events = _page_of(session, selection, page)
    opened = who_opened(session, selection.found) if selection.found and not selection.found.is_person else []
    names = resolve(session, [*events, *opened])
    integrity = service.verify(session)
    _record_review(session, principal, wanted, page=page)
    return render(request, "audit/audit.html", {
        "principal": principal, "csrf_token": request.state.csrf_token, "events": events, "total": total,
        "page": page, "pages": max(1, -(-total // PAGE_SIZE)), "integrity": integrity, "names": names,
        "actions": [a.value for a in AuditAction], "filters": wanted, "query": wanted.query_string(),
        "found": selection.found, "unresolved": selection.unresolved, "opened": opened, "error": error,
    })


@router.get("/audit/export.csv", response_class=CSVResponse)
def audit_export(
    wanted: AuditFilter = Depends(audit_filter),
    principal: Principal = Depends(auditors), session: Session = Depends(db_session),
) -> Response:
    """The filtered entries, oldest first, as CSV (at most 100,000); the export is recorded."""
    return _export(session, principal, wanted)


@api.get("", summary="Audit entries, newest first, with names and references; or all of them as CSV",
         response_model=AuditPage, responses={200: {"content": {"text/csv": {}}}})
def api_audit_log(
    wanted: AuditFilter = Depends(audit_filter), page: int = Query(1, ge=1, le=1_000_000),
    format: Literal["json", "csv"] = Query("json", description="csv: every matching entry, oldest first."),
    principal: Principal = Depends(auditors_api), session: Session = Depends(db_session),
) -> AuditPage | Response:
    if format == "csv":
        return _export(session, principal, wanted)
    selection = select_events(session, wanted)
    total, events = _page_of(session, selection, page)
    names = resolve(session, events)
    _record_review(session, principal, wanted, page=page, via="api")
    return AuditPage(total=total, page=page, page_size=PAGE_SIZE,
                     record=selection.found.label if selection.found else None,
                     entries=[AuditEntryOut(**entry_json(e, names)) for e in events])


@api.get("/opened", summary="Who opened a record: every read and disclosure of it")
def api_who_opened(
    reference: str = Query(..., min_length=1, max_length=200, description="A JIG-… or CASE-… reference."),
    principal: Principal = Depends(auditors_api), session: Session = Depends(db_session),
) -> OpenedOut:
    wanted = AuditFilter(reference=reference).cleaned()
    found = select_events(session, wanted).found
    if found is None or found.is_person:
        raise InvalidInput(f"no report or case has the reference {reference.strip()!r}")
    opened = who_opened(session, found)
    names = resolve(session, opened)
    _record_review(session, principal, wanted, question="who opened", via="api")
    return OpenedOut(record=found.label, openings=[
        Opening(who=names.actor(e), actor=e.actor, when=e.occurred_at, action=e.action, purpose=e.purpose,
                recipient=e.recipient) for e in opened])
