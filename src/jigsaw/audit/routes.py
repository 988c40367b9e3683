"""The auditor's view of the audit log: filterable, read-only, with the chain's integrity shown."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jigsaw.accounts.principal import Principal
from jigsaw.accounts.roles import Role
from jigsaw.audit import service
from jigsaw.audit.chain import AuditAction
from jigsaw.audit.models import AuditEvent
from jigsaw.http.deps import authorize, db_session
from jigsaw.http.templating import render

router = APIRouter(include_in_schema=False)
auditors = authorize(roles={Role.AUDITOR}, page=True)

PAGE_SIZE = 100
REVIEW_PURPOSE = "audit review (DPA 2018 s.62: verifying lawfulness of processing)"


@router.get("/audit", response_class=HTMLResponse)
def audit_log(
    request: Request,
    action: str = "", actor: str = "", entity_type: str = "", entity_id: str = "", page: int = 1,
    principal: Principal = Depends(auditors), session: Session = Depends(db_session),
) -> Response:
    """Newest first. Viewing the log is itself recorded, so reviews of the reviewers are possible."""
    page = max(page, 1)
    query = select(AuditEvent)
    if action:
        query = query.where(AuditEvent.action == action)
    if actor:
        query = query.where(AuditEvent.actor == actor.strip())
    if entity_type:
        query = query.where(AuditEvent.entity_type == entity_type.strip())
    if entity_id:
        query = query.where(AuditEvent.entity_id == entity_id.strip())
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    events = session.scalars(query.order_by(AuditEvent.seq.desc()).limit(PAGE_SIZE)
                             .offset((page - 1) * PAGE_SIZE)).all()
    integrity = service.verify(session)
    service.record(session, principal.actor, AuditAction.CONSULTATION, "audit_log", None, purpose=REVIEW_PURPOSE,
                   detail={"filters": {"action": action, "actor": actor, "entity_type": entity_type,
                                       "entity_id": entity_id}, "page": page})
    return render(request, "audit/audit.html", {
        "principal": principal, "csrf_token": request.state.csrf_token, "events": events, "total": total,
        "page": page, "pages": max(1, -(-total // PAGE_SIZE)), "integrity": integrity,
        "actions": [a.value for a in AuditAction],
        "filters": {"action": action, "actor": actor, "entity_type": entity_type, "entity_id": entity_id},
    })
