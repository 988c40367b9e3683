"""How reports reach the centre: counts by entry route, platform and who reported.

The centre shows which platforms' Report Abuse buttons children use, and the annual review
counts reports the same way. Counts only: nothing here reads a report's contents, so nothing
here is personal data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jigsaw.accounts.models import Organisation
from jigsaw.accounts.principal import Principal
from jigsaw.accounts.roles import Role
from jigsaw.errors import InvalidInput
from jigsaw.http.deps import authorize, db_session
from jigsaw.http.templating import render
from jigsaw.intake.domain import EntryRoute, Source
from jigsaw.intake.models import Report

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1/statistics", tags=["statistics"])
# Counts for the people who run and account for the centre's work.
readers = frozenset({Role.SUPERVISOR, Role.ANALYST, Role.AUDITOR})
page_access = authorize(roles=readers, page=True)
api_access = authorize(roles=readers)

DEFAULT_PERIOD = timedelta(days=365)


@dataclass(frozen=True)
class EntryRouteCount:
    """``route``: ``button``, ``web_form``, or the channel (``api``, ``import``) for other reports."""

    route: str
    platform: str | None
    source: str
    reports: int


def reports_by_entry_route(session: Session, since: datetime, until: datetime) -> list[EntryRouteCount]:
    """Reports received in [since, until), grouped; a button's platform is the platform whose button it was."""
    route = func.coalesce(Report.entry_route, Report.channel)
    platform = func.coalesce(Organisation.name, Report.platform)
    rows = session.execute(
        select(route, platform, Report.source, func.count(Report.id))
        .outerjoin(Organisation, Organisation.id == Report.entry_org_id)
        .where(Report.received_at >= since, Report.received_at < until)
        .group_by(route, platform, Report.source)
        .order_by(func.count(Report.id).desc(), route, platform)
    ).all()
    return [EntryRouteCount(r, p, s, n) for r, p, s, n in rows]


@dataclass(frozen=True)
class ButtonUse:
    platform: str
    reports: int
    from_young_people: int


def button_use(counts: list[EntryRouteCount]) -> list[ButtonUse]:
    """Per platform, reports through its button, and how many of them young people sent."""
    totals: dict[str, list[int]] = {}
    for row in counts:
        if row.route == EntryRoute.BUTTON.value:
            total = totals.setdefault(row.platform or "unknown", [0, 0])
            total[0] += row.reports
            total[1] += row.reports if row.source == Source.YOUNG_PERSON.value else 0
    return sorted((ButtonUse(p, n, y) for p, (n, y) in totals.items()), key=lambda b: (-b.reports, b.platform))


def period(since: date | None, until: date | None, today: date) -> tuple[datetime, datetime]:
    """[since, until] as whole UTC days; by default the last year up to and including today."""
    end = until or today
    start = since or (end - DEFAULT_PERIOD + timedelta(days=1))
    if start > end:
        raise InvalidInput(f"'since' ({start}) is after 'until' ({end})")
    return (datetime.combine(start, time.min, UTC), datetime.combine(end + timedelta(days=1), time.min, UTC))


class EntryRouteCountOut(BaseModel):
    route: str
    platform: str | None
    source: str
    reports: int


class ButtonUseOut(BaseModel):
    platform: str
    reports: int
    from_young_people: int


class EntryRoutesOut(BaseModel):
    since: date
    until: date
    total: int
    by_route: dict[str, int]
    buttons: list[ButtonUseOut]
    rows: list[EntryRouteCountOut]


def entry_routes(session: Session, since: date | None, until: date | None) -> EntryRoutesOut:
    start, end = period(since, until, datetime.now(UTC).date())
    counts = reports_by_entry_route(session, start, end)
    by_route: dict[str, int] = {}
    for row in counts:
        by_route[row.route] = by_route.get(row.route, 0) + row.reports
    return EntryRoutesOut(
        since=start.date(), until=(end - timedelta(days=1)).date(), total=sum(by_route.values()),
        by_route=dict(sorted(by_route.items(), key=lambda kv: -kv[1])),
        buttons=[ButtonUseOut(**b.__dict__) for b in button_use(counts)],
        rows=[EntryRouteCountOut(**c.__dict__) for c in counts],
    )


@api.get("/entry-routes", summary="Reports by entry route (Report Abuse button, web form, API, import) and platform")
def entry_routes_api(since: date | None = Query(None), until: date | None = Query(None),
                     principal: Principal = Depends(api_access),
                     session: Session = Depends(db_session)) -> EntryRoutesOut:
    return entry_routes(session, since, until)


@router.get("/statistics/entry-routes", response_class=HTMLResponse)
def entry_routes_page(request: Request, since: date | None = Query(None), until: date | None = Query(None),
                      principal: Principal = Depends(page_access),
                      session: Session = Depends(db_session)) -> Response:
    return render(request, "intake/entry_routes.html", {
        "principal": principal, "stats": entry_routes(session, since, until)})
