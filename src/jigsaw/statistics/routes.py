"""The statistics page, the counting rules, the records behind a figure, and ``/api/v1/statistics``.

The people who run and account for the centre's work read them: supervisors, analysts and
auditors (as for the entry-route counts). Figures are counts; the records behind a figure are
references that each lead to personal data, so listing them is an audited consultation (the
API asks why in ``X-Purpose``; the page states its own purpose).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from jigsaw.accounts.principal import Principal
from jigsaw.accounts.roles import Role
from jigsaw.charts import bar_chart, column_chart
from jigsaw.http.deps import authorize, db_session
from jigsaw.http.personal_data import PERSONAL_DATA
from jigsaw.http.purpose import stated_purpose
from jigsaw.http.templating import render
from jigsaw.statistics import service
from jigsaw.statistics.rules import (
    COUNTING_RULES,
    CountingRule,
    Period,
    financial_year_start,
    iter_rules,
    month_label,
    rule_for,
)
from jigsaw.statistics.schemas import (
    FigureOut,
    MonthOut,
    PeriodOut,
    RecordOut,
    RecordsOut,
    RuleOut,
    RulesOut,
    StatisticsOut,
)

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api/v1/statistics", tags=["statistics"])
READERS = frozenset({Role.SUPERVISOR, Role.ANALYST, Role.AUDITOR})
page_access = authorize(roles=READERS, page=True)
api_access = authorize(roles=READERS)

PAGE_PURPOSE = "checking the records behind a headline figure"
_FROM = Query(None, alias="from", description="First Europe/London day, YYYY-MM-DD (default: this financial year).")
_TO = Query(None, alias="to", description="Last Europe/London day, YYYY-MM-DD.")
_X_PURPOSE = Header(default=None, description="Why you are reading the records (required; audited; 3 to 200 "
                                              "characters).")


def _today() -> date:
    return service.london_day(datetime.now(UTC))


def _period(from_text: str | None, to_text: str | None) -> Period:
    return Period.parse(from_text, to_text, _today())


def _period_out(period: Period) -> PeriodOut:
    return PeriodOut(start=period.start, end=period.end, label=period.label)


def _figure_out(t: service.Tally) -> FigureOut:
    rule = COUNTING_RULES[t.name]
    has_breakdown = bool(t.breakdown) or bool(rule.breakdown)
    return FigureOut(value=t.total, rule_id=rule.id, label=rule.label,
                     breakdown=dict(t.breakdown) if has_breakdown else None,
                     monthly=[MonthOut(month=m, value=n) for m, n in t.months])


def _rule_out(rule: CountingRule) -> RuleOut:
    return RuleOut(id=rule.id, name=rule.name, label=rule.label, counts=rule.counts, excludes=rule.excludes,
                   date_basis=rule.date_basis, version=rule.version, caveat=rule.caveat,
                   breakdown=list(rule.breakdown), months_add_up=rule.additive_months, text=rule.text)


def thousands(value: object) -> str:
    """A count as the centre prints it: 1,038 (template filter ``thousands``)."""
    return f"{value:,}" if isinstance(value, int) else str(value)


# --- API ---------------------------------------------------------------------------------------


@api_router.get("", summary="The headline figures for a period, each with its counting rule's id",
                response_model=StatisticsOut)
def statistics_api(from_: str | None = _FROM, to: str | None = _TO, principal: Principal = Depends(api_access),
                   session: Session = Depends(db_session)) -> StatisticsOut:
    period = _period(from_, to)
    figures = {name: _figure_out(t) for name, t in service.tallies(session, period).items()}
    return StatisticsOut(period=_period_out(period), **figures)


@api_router.get("/rules", summary="The written counting rule of every headline figure", response_model=RulesOut)
def rules_api(principal: Principal = Depends(api_access)) -> RulesOut:
    return RulesOut(rules=[_rule_out(rule) for rule in iter_rules()])


@api_router.get("/{figure}/records", summary="The records behind a figure (audited; say why in X-Purpose)",
                response_model=RecordsOut, openapi_extra=PERSONAL_DATA)
def records_api(figure: str, from_: str | None = _FROM, to: str | None = _TO,
                limit: int = Query(service.MAX_RECORDS, ge=1, le=service.MAX_RECORDS),
                x_purpose: str | None = _X_PURPOSE, principal: Principal = Depends(api_access),
                session: Session = Depends(db_session)) -> RecordsOut:
    rule = rule_for(figure)
    period = _period(from_, to)
    purpose = stated_purpose(x_purpose, required=True)
    found, truncated = service.consult_records(session, principal.actor, figure, period, purpose=purpose,
                                               limit=limit)
    return RecordsOut(figure=figure, rule_id=rule.id, period=_period_out(period),
                      value=service.tally(session, figure, period).total,
                      records=[RecordOut(**r.__dict__) for r in found], truncated=truncated)


# --- pages -------------------------------------------------------------------------------------


def _query(period: Period) -> str:
    return urlencode({"from": period.start.isoformat(), "to": period.end.isoformat()})


def _quick_periods(today: date) -> list[tuple[str, Period]]:
    this_fy = financial_year_start(today)
    return [("This financial year", Period.financial_year(this_fy)),
            ("Last financial year", Period.financial_year(this_fy - 1)),
            ("This calendar year", Period.calendar_year(today.year)),
            ("Last calendar year", Period.calendar_year(today.year - 1))]


def _panel(t: service.Tally, period: Period) -> dict[str, Any]:
    rule = COUNTING_RULES[t.name]
    # A year or less: "Apr" (each month once, the title names the period); longer: "Apr 25".
    within_a_year = len(t.months) <= 12
    months = [(month_label(m)[:3] if within_a_year else f"{month_label(m)[:3]} {m:%y}", n) for m, n in t.months]
    breakdown = [(_key_label(t.name, k), n) for k, n in t.breakdown.items()]
    return {
        "name": t.name, "rule": rule, "value": t.total, "breakdown": breakdown,
        "monthly_chart": column_chart(f"{rule.label}, month by month, {period.label}", months),
        "breakdown_chart": bar_chart(f"{rule.label} by {_breakdown_title(t.name)}, {period.label}", breakdown)
        if breakdown else None,
        "records_url": f"/statistics/{t.name}/records?{_query(period)}",
    }


_KEY_LABELS = {
    "removed_from_harm": "Removed from harm", "protective_measure": "Protective measure",
    "identified_from_imagery": "Identified from imagery", "not_categorised": "Not categorised",
    "high_risk": "High risk", "other": "Not recorded as high risk",
    "young_person": "Young person", "parent": "Parent or carer", "professional": "Professional",
    "public": "Member of the public", "platform": "Platform", "partner_agency": "Partner agency", "police": "Police",
}


def _key_label(name: str, key: str) -> str:
    if name == "home_office_outcomes":
        return f"Type {key}"
    return _KEY_LABELS.get(key, key)


def _breakdown_title(name: str) -> str:
    return {"reports_received": "who reported", "disseminations": "recipient", "arrests": "force",
            "charges": "force", "home_office_outcomes": "outcome type", "children_safeguarded": "category",
            "offenders_located": "risk"}.get(name, "kind")


@router.get("/statistics", response_class=HTMLResponse)
def statistics_page(request: Request, from_: str | None = _FROM, to: str | None = _TO,
                    principal: Principal = Depends(page_access), session: Session = Depends(db_session)) -> Response:
    today = _today()
    period = Period.parse(from_, to, today)
    panels = [_panel(t, period) for t in service.tallies(session, period).values()]
    entry_routes = urlencode({"since": period.start.isoformat(), "until": period.end.isoformat()})
    return render(request, "statistics/index.html", {
        "principal": principal, "period": period, "panels": panels,
        "quick": [(label, p, _query(p)) for label, p in _quick_periods(today)],
        "entry_routes_url": f"/statistics/entry-routes?{entry_routes}",
        "api_url": f"/api/v1/statistics?{_query(period)}",
    })


@router.get("/statistics/rules", response_class=HTMLResponse)
def rules_page(request: Request, principal: Principal = Depends(page_access)) -> Response:
    return render(request, "statistics/rules.html", {"principal": principal, "rules": list(iter_rules())})


@router.get("/statistics/{figure}/records", response_class=HTMLResponse, openapi_extra=PERSONAL_DATA)
def records_page(figure: str, request: Request, from_: str | None = _FROM, to: str | None = _TO,
                 principal: Principal = Depends(page_access), session: Session = Depends(db_session)) -> Response:
    rule = rule_for(figure)
    period = _period(from_, to)
    found, truncated = service.consult_records(session, principal.actor, figure, period, purpose=PAGE_PURPOSE)
    return render(request, "statistics/records.html", {
        "principal": principal, "rule": rule, "period": period, "records": found, "truncated": truncated,
        "value": service.tally(session, figure, period).total, "back_url": f"/statistics?{_query(period)}",
        "key_label": lambda k: _key_label(figure, k) if k is not None else "",
    })
