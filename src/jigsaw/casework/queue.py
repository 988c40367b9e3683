"""The work queue of cases and the supervisors' workload view.

The filters are plain values parsed from the URL's query (so a filtered queue is a bookmark)
and turned into one indexed query on ``cases``: band, due time and danger now are kept on the
case itself. A page's reports, assignees and preservation warnings are then read in one query
each for the whole page, never one per row.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import ColumnElement, Select, and_, func, select
from sqlalchemy.orm import Session

from jigsaw.accounts.principal import Principal
from jigsaw.casework import service
from jigsaw.casework.lifecycle import OPEN_STATUSES, CaseStatus
from jigsaw.casework.models import Case, CaseReport
from jigsaw.intake.interfaces import Report

PAGE_SIZE = 50
SORTS = ("band", "received", "updated")
BANDS = ("P0", "P1", "P2", "P3")


@dataclass(frozen=True)
class QueueFilters:
    band: tuple[str, ...] = ()
    danger: bool = False
    status: tuple[str, ...] = ()  # empty: the open statuses; ("all",): every status
    assignee: str = ""  # "", "mine", "unassigned" or a user id
    source: str = ""
    platform: str = ""
    incident: str = ""
    overdue: bool = False
    sort: str = "band"
    page: int = 1

    def query(self, **changes: Any) -> str:
        """This filter as a URL query (defaults left out), with ``changes`` applied."""
        f = replace(self, **changes)
        pairs: list[tuple[str, str]] = [("band", b) for b in f.band]
        pairs += [("status", s) for s in f.status]
        for name in ("assignee", "source", "platform", "incident"):
            if getattr(f, name):
                pairs.append((name, getattr(f, name)))
        if f.danger:
            pairs.append(("danger", "1"))
        if f.overdue:
            pairs.append(("overdue", "1"))
        if f.sort != "band":
            pairs.append(("sort", f.sort))
        if f.page != 1:
            pairs.append(("page", str(f.page)))
        return urlencode(pairs)

    @property
    def statuses(self) -> tuple[str, ...]:
        if "all" in self.status:
            return ()
        return self.status or tuple(s.value for s in CaseStatus if s in OPEN_STATUSES)


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def parse_filters(params: Mapping[str, Any], getlist: Any = None) -> QueueFilters:
    """Filters from a query string (``getlist(name)`` gives repeated values; unknown values are dropped)."""
    def many(name: str) -> list[str]:
        if getlist is not None:
            values = getlist(name)
        else:
            raw = params.get(name)
            values = raw if isinstance(raw, list | tuple) else ([raw] if raw else [])
        out: list[str] = []
        for v in values:
            out.extend(p.strip() for p in str(v).split(",") if p.strip())
        return out

    statuses = {s.value for s in CaseStatus} | {"all"}
    try:
        page = max(1, int(params.get("page") or 1))
    except ValueError:
        page = 1
    sort = str(params.get("sort") or "band")
    return QueueFilters(
        band=tuple(b for b in dict.fromkeys(x.upper() for x in many("band")) if b in BANDS),
        danger=_flag(params.get("danger")),
        status=tuple(s for s in dict.fromkeys(many("status")) if s in statuses),
        assignee=str(params.get("assignee") or "").strip(),
        source=str(params.get("source") or "").strip(),
        platform=str(params.get("platform") or "").strip()[:200],
        incident=str(params.get("incident") or "").strip(),
        overdue=_flag(params.get("overdue")),
        sort=sort if sort in SORTS else "band",
        page=page,
    )


@dataclass(frozen=True)
class QueueReport:
    id: int
    reference: str
    source: str
    incident_type: str
    platform: str | None
    new_information: bool


@dataclass(frozen=True)
class QueueRow:
    id: int
    reference: str
    status: str
    band: str | None
    due_at: datetime | None
    overdue: bool
    escalated: bool
    assignee_id: int | None
    assignee: str | None
    opened_at: datetime
    updated_at: datetime
    new_information: bool
    report_count: int
    reports: list[QueueReport] = field(default_factory=list)
    preservation: str | None = None  # "lapsed" or "expiring"

    @property
    def stands_out(self) -> bool:
        """Unassigned P0 and P1 cases are drawn so nobody can miss them."""
        return self.assignee_id is None and self.band in ("P0", "P1") and self.status != CaseStatus.CLOSED


@dataclass(frozen=True)
class QueuePage:
    rows: list[QueueRow]
    total: int
    page: int
    pages: int
    unassigned_urgent: int
    preservation_warnings: int


def _conditions(f: QueueFilters, principal: Principal, now: datetime, *, walk_order: bool = False
                ) -> list[ColumnElement[bool]]:
    """The filters as SQL. ``walk_order``: SQLite's planner, without statistics, prefers the status
    index and then sorts every open case to show fifty; written as ``status || ''`` the status
    test cannot use that index, so the planner walks the sort's own index and stops at a page.
    Assignee filters pick few cases and are left to their index."""
    where: list[ColumnElement[bool]] = []
    if f.statuses:
        status = Case.status.concat("") if walk_order and not f.assignee else Case.status
        where.append(status.in_(f.statuses))
    if f.band:
        where.append(Case.band_rank.in_(sorted(int(b[1]) for b in f.band)))
    if f.danger:
        where.append(Case.escalated.is_(True))
    if f.overdue:
        where.append(and_(Case.due_at.is_not(None), Case.due_at < now))
    if f.assignee == "mine":
        where.append(Case.assignee_id == principal.user_id)
    elif f.assignee == "unassigned":
        where.append(Case.assignee_id.is_(None))
    elif f.assignee.isdigit():
        where.append(Case.assignee_id == int(f.assignee))
    report_conditions: list[ColumnElement[bool]] = []
    if f.source:
        report_conditions.append(Report.source == f.source)
    if f.platform:
        report_conditions.append(func.lower(Report.platform) == f.platform.lower())
    if f.incident:
        report_conditions.append(Report.incident_type == f.incident)
    if report_conditions:
        where.append(select(CaseReport.report_id).join(Report, Report.id == CaseReport.report_id)
                     .where(CaseReport.case_id == Case.id, *report_conditions).exists())
    return where


def _ordered(query: Select[Any], sort: str) -> Select[Any]:
    if sort == "received":
        return query.order_by(Case.opened_at.desc(), Case.id.desc())
    if sort == "updated":
        return query.order_by(Case.updated_at.desc(), Case.id.desc())
    # Every case has a rank (unassessed ones rank after P3), so this order is the index's own.
    return query.order_by(Case.band_rank, Case.due_at, Case.id)


def case_queue(session: Session, principal: Principal, f: QueueFilters, *, page_size: int = PAGE_SIZE,
               now: datetime | None = None) -> QueuePage:
    now = now or datetime.now(UTC)
    where = _conditions(f, principal, now)
    sqlite = session.get_bind().dialect.name == "sqlite"
    walked = _conditions(f, principal, now, walk_order=True) if sqlite else where
    # Counting open cases alone is the status index's job; with a band, danger or overdue filter
    # their own (covering) indexes count faster.
    counted = walked if f.band or f.danger or f.overdue else where
    total = session.scalar(select(func.count()).select_from(Case).where(*counted)) or 0
    pages = max(1, -(-total // page_size))
    page_where = walked
    cases = list(session.scalars(_ordered(select(Case).where(*page_where), f.sort)
                                 .limit(page_size).offset((f.page - 1) * page_size)))
    ids = [c.id for c in cases]
    reports: dict[int, list[QueueReport]] = {}
    counts: dict[int, int] = {}
    if ids:
        for cid, rid, ref, source, incident, platform, new in session.execute(
                select(CaseReport.case_id, Report.id, Report.reference, Report.source, Report.incident_type,
                       Report.platform, CaseReport.new_information)
                .join(Report, Report.id == CaseReport.report_id).where(CaseReport.case_id.in_(ids))
                .order_by(Report.received_at, Report.id)):
            counts[cid] = counts.get(cid, 0) + 1
            if len(reports.setdefault(cid, [])) < 5:
                reports[cid].append(QueueReport(rid, ref, source, incident, platform, bool(new)))
    names = service.users_by_id(session, [c.assignee_id for c in cases])
    warnings = service.preservation_due(session, ids, now=now) if ids else {}
    rows = [QueueRow(c.id, c.reference, c.status, c.band, c.due_at,
                     c.due_at is not None and c.due_at < now and c.status in OPEN_STATUSES, c.escalated,
                     c.assignee_id, names.get(c.assignee_id) if c.assignee_id else None, c.opened_at, c.updated_at,
                     c.new_information, counts.get(c.id, 0), reports.get(c.id, []),
                     ("lapsed" if any(s == "lapsed" for _, s in warnings.get(c.id, ())) else "expiring")
                     if c.id in warnings else None)
            for c in cases]
    urgent = session.scalar(select(func.count()).select_from(Case).where(
        Case.assignee_id.is_(None), Case.band_rank.in_((0, 1)),
        Case.status.in_([s.value for s in OPEN_STATUSES]))) or 0
    all_warnings = service.preservation_due(session, now=now)
    return QueuePage(rows, total, min(f.page, pages) if total else 1, pages, urgent,
                     sum(len(v) for v in all_warnings.values()))


@dataclass(frozen=True)
class WorkloadRow:
    user_id: int | None
    name: str
    role: str
    by_band: dict[str, int]
    total: int
    overdue: int


def workload(session: Session, organisation_id: int, *, now: datetime | None = None) -> list[WorkloadRow]:
    """Open cases per analyst and supervisor by band, with overdue counts (one grouped query);
    the unassigned cases come last as their own row."""
    now = now or datetime.now(UTC)
    staff = service.assignable_staff(session, organisation_id)
    overdue = func.sum(func.cast(and_(Case.due_at.is_not(None), Case.due_at < now), type_=Case.band_rank.type))
    grouped = session.execute(
        select(Case.assignee_id, Case.band, func.count(), overdue)
        .where(Case.status.in_([s.value for s in OPEN_STATUSES]))
        .group_by(Case.assignee_id, Case.band)).all()
    per: dict[int | None, dict[str, Any]] = {}
    for assignee_id, band, count, late in grouped:
        entry = per.setdefault(assignee_id, {"bands": {}, "total": 0, "overdue": 0})
        key = band or "none"
        entry["bands"][key] = entry["bands"].get(key, 0) + count
        entry["total"] += count
        entry["overdue"] += int(late or 0)
    rows = []
    for user in staff:
        e = per.pop(user.id, {"bands": {}, "total": 0, "overdue": 0})
        rows.append(WorkloadRow(user.id, user.display_name, user.role, e["bands"], e["total"], e["overdue"]))
    others = {k: v for k, v in per.items() if k is not None}
    if others:  # assigned to people no longer active (or of another organisation)
        names = service.users_by_id(session, others)
        for uid, e in others.items():
            rows.append(WorkloadRow(uid, names.get(uid, f"user {uid}"), "inactive", e["bands"], e["total"],
                                    e["overdue"]))
    if None in per:
        e = per[None]
        rows.append(WorkloadRow(None, "Unassigned", "", e["bands"], e["total"], e["overdue"]))
    return rows


def assignee_filter_choices(session: Session, organisation_id: int) -> list[tuple[str, str]]:
    return [(str(u.id), u.display_name) for u in service.assignable_staff(session, organisation_id)]

