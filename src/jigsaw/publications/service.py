"""The annual review and threat assessments: building them from the record, the assessment's
lifecycle (draft, submit, approve by a second person, return), and the audit of every step.

The review's headline figures, their prior year and their series come from
:func:`jigsaw.statistics.interfaces.headline_figures`; breakdowns, convictions and the threat
assessment's counts from :mod:`jigsaw.publications.gather`. Nothing here accepts a figure typed in.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from jigsaw import charts
from jigsaw.accounts.models import User
from jigsaw.accounts.principal import Principal
from jigsaw.accounts.roles import CASE_ROLES, Role
from jigsaw.audit.chain import AuditAction
from jigsaw.audit.service import record
from jigsaw.errors import InvalidInput, NotAllowed, NotFound
from jigsaw.intake.domain import INCIDENT_LABELS, IncidentType
from jigsaw.markings import Classification, Descriptor, Marking, Tlp, parse_classification, parse_descriptor, parse_tlp
from jigsaw.publications import gather, review, threat
from jigsaw.publications import suppression as sup
from jigsaw.publications.models import ThreatAssessment
from jigsaw.publications.threat import Status
from jigsaw.statistics.interfaces import COUNTING_RULES, Figure, Period, headline_figures, month_label, monthly_series

STAFF_MARKING = Marking(Classification.OFFICIAL_SENSITIVE, Descriptor.PERSONAL, Tlp.AMBER,
                        "Staff version: small numbers are not suppressed. Do not publish; publish the public version.")
PUBLIC_MARKING = Marking(Classification.OFFICIAL, None, Tlp.CLEAR, "Public version: small numbers suppressed.")
READERS = frozenset({Role.ANALYST, Role.SUPERVISOR})


def _now() -> datetime:
    return datetime.now(UTC)


def require_staff(principal: Principal) -> int:
    if not principal.at_centre or principal.role not in CASE_ROLES or principal.user_id is None:
        raise NotAllowed("publications are prepared by the centre's analysts and supervisors")
    return principal.user_id


def financial_year(text: str) -> Period:
    """``2025`` or ``2025/26`` (or ``2025-26``) as a financial year; errors name the field."""
    cleaned = text.strip()
    if cleaned.isdigit() and len(cleaned) == 4:
        return Period.financial_year(int(cleaned))
    return Period.parse_financial_year(cleaned)


# --- the annual review -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewTable:
    key: str
    title: str
    table: sup.PublicTable


@dataclass(frozen=True)
class ShownFigure:
    """A figure as this version of the review prints it (an int, or ``[c]`` in public)."""

    name: str
    label: str
    rule_id: str
    value: int | str
    prior: int | str | None
    change: str
    is_record: bool


@dataclass(frozen=True)
class AnnualReview:
    period: Period
    prior_period: Period
    public: bool
    marking: Marking
    headlines: list[ShownFigure]
    reach: list[ShownFigure]
    funnel: list[ShownFigure]
    tables: list[ReviewTable]
    series: list[tuple[str, int]]  # reports received in each financial year with data
    charts: dict[str, Markup]
    rules: list[tuple[str, str, str]]  # (id, label, text)
    generated_at: datetime
    caveat: str = field(default=COUNTING_RULES["reports_received"].caveat)

    @property
    def reference(self) -> str:
        return f"Annual review {self.period.name}" + (" (public)" if self.public else " (staff)")


def _label(breakdown: str, key: str) -> str:
    if breakdown == "reporter":
        return key.replace("_", " ").capitalize()
    if breakdown == "incident_type":
        try:
            return INCIDENT_LABELS[IncidentType(key)]
        except ValueError:
            return key
    return key


def _shown(h: review.Headline, public: bool) -> ShownFigure:
    if not public:
        return ShownFigure(h.name, h.label, h.rule_id, h.value, h.prior, h.change_text, h.is_record)
    value, prior = sup.suppress_value(h.value), None if h.prior is None else sup.suppress_value(h.prior)
    hidden = value == sup.SYMBOL or prior == sup.SYMBOL
    # A change or a record beside a withheld count would give it away.
    return ShownFigure(h.name, h.label, h.rule_id, value, prior, sup.SYMBOL if hidden else h.change_text,
                       h.is_record and not hidden)


def build_review(session: Session, fy: Period, *, public: bool) -> AnnualReview:
    """The review for one financial year; ``public`` applies the suppression rule everywhere."""
    year = fy.start.year
    prior = Period.financial_year(year - 1)
    first = gather.first_year_with_data(session)
    earlier_years = review.years_with_data(first, year)
    figures = headline_figures(session, fy)
    by_year: dict[int, dict[str, Figure]] = {y: headline_figures(session, Period.financial_year(y))
                                             for y in earlier_years}
    prior_figures = by_year.get(year - 1)
    conv = {y: gather.convictions(session, Period.financial_year(y)) for y in [*earlier_years, year]}

    def headline(name: str) -> review.Headline:
        f = figures[name]
        before = prior_figures[name].value if prior_figures else None
        return review.headline(name, f.label, f.rule_id, f.value, before,
                               [by_year[y][name].value for y in earlier_years], f.breakdown)

    conviction = review.headline("convictions", "People convicted", review.CONVICTIONS_RULE_ID, conv[year],
                                 conv.get(year - 1) if prior_figures else None, [conv[y] for y in earlier_years])
    heads = {n: headline(n) for n in (*review.HEADLINES, *review.REACH)}
    heads["convictions"] = conviction

    counts = gather.report_counts(session, fy)
    tables: list[ReviewTable] = []
    kinds = ["Referral", "Informational"]
    for key, title in review.BREAKDOWNS:
        rows = review.ordered(counts.by[key], top=12)
        labels = [_label(key, k) for k, _ in rows]
        body = [v for _, v in rows]
        table = sup.suppress(labels, kinds, body) if public else sup.unsuppressed(labels, kinds, body)
        tables.append(ReviewTable(key, title, table))
    if public and tables and tables[0].table.cells[-1][-1] == sup.SYMBOL:
        heads["reports_received"] = review.headline("reports_received", heads["reports_received"].label,
                                                    heads["reports_received"].rule_id, 0, None, [])

    series = [(Period.financial_year(y).name or str(y), by_year[y]["reports_received"].value) for y in earlier_years]
    series.append((fy.name or str(year), figures["reports_received"].value))
    shown_series = [(n, v) for n, v in series if not public or sup.suppress_value(v) != sup.SYMBOL]
    made: dict[str, Markup] = {
        "series": charts.column_chart("Reports received, by financial year", shown_series),
        "funnel": charts.bar_chart("From reports to outcomes", [
            (heads[n].label, heads[n].value) for n in review.FUNNEL
            if not public or sup.suppress_value(heads[n].value) != sup.SYMBOL]),
    }
    if not public:
        made["months"] = charts.column_chart(
            f"Reports received each month, {fy.label}",
            [(month_label(m), n) for m, n in monthly_series(session, "reports_received", fy)])
    for t in tables:
        bars = [(label, row[-1]) for label, row in zip(t.table.rows, t.table.cells, strict=False)
                if isinstance(row[-1], int)]
        made[t.key] = charts.bar_chart(f"Reports by {t.title.lower()}", bars)

    rules = [(COUNTING_RULES[n].id, COUNTING_RULES[n].label, COUNTING_RULES[n].text)
             for n in (*review.HEADLINES, *review.REACH)]
    rules += [(review.CONVICTIONS_RULE_ID, "People convicted", review.CONVICTIONS_RULE),
              (review.REFERRAL_RULE_ID, "Referral or informational", review.REFERRAL_RULE),
              ("JS-PUB-COUNTRY-1", "Country", review.COUNTRY_RULE)]
    if public:
        rules.append((sup.RULE_ID, "Small numbers", sup.RULE_TEXT))
    return AnnualReview(
        period=fy, prior_period=prior, public=public, marking=PUBLIC_MARKING if public else STAFF_MARKING,
        headlines=[_shown(heads[n], public) for n in review.HEADLINES],
        reach=[_shown(heads[n], public) for n in review.REACH],
        funnel=[_shown(heads[n], public) for n in review.FUNNEL],
        tables=tables, series=shown_series, charts=made, rules=rules, generated_at=_now())


def read_review(session: Session, principal: Principal, fy: Period, *, public: bool, purpose: str) -> AnnualReview:
    """The review, audited: who looked at (or exported) which version of which year."""
    require_staff(principal)
    built = build_review(session, fy, public=public)
    record(session, principal.actor, AuditAction.CONSULTATION, "annual_review", None, purpose=purpose,
           detail={"year": fy.name, "version": "public" if public else "staff"})
    return built


# --- threat assessments ----------------------------------------------------------------------------


def threat_figures(session: Session, period: Period) -> dict[str, Any]:
    """Counts for the assessment's period against the period of the same length before it."""
    before = period.previous()
    now_c, before_c = gather.report_counts(session, period), gather.report_counts(session, before)
    return {
        "period": {"start": period.start.isoformat(), "end": period.end.isoformat(), "label": period.label},
        "compare": {"start": before.start.isoformat(), "end": before.end.isoformat(), "label": before.label},
        "reports": {"now": now_c.total, "before": before_c.total},
        "referrals": {"now": now_c.referrals, "before": before_c.referrals},
        "platforms": [t.as_dict() for t in threat.trends(now_c.platforms, before_c.platforms)],
        "areas": [t.as_dict() for t in threat.trends(now_c.areas, before_c.areas, threat.AREA_LABELS,
                                                     [k for k, _ in threat.THREAT_AREAS])],
        "ages": [t.as_dict() for t in threat.trends(now_c.victims_by_age, before_c.victims_by_age, None,
                                                    threat.AGE_BANDS)],
        "emerging": [t.as_dict() for t in threat.emerging(now_c.platforms, before_c.platforms)],
        "min_base": threat.MIN_BASE,
        "rules": {threat.AREA_RULE_ID: threat.AREA_RULE, review.REFERRAL_RULE_ID: review.REFERRAL_RULE},
    }


def figures_of(session: Session, ta: ThreatAssessment) -> dict[str, Any]:
    """An approved version's frozen figures; a draft's counted now."""
    if ta.figures is not None:
        return ta.figures
    return threat_figures(session, Period(ta.period_start, ta.period_end))


def threat_charts(figures: Mapping[str, Any]) -> dict[str, Markup]:
    def pairs(key: str) -> list[tuple[str, int]]:
        return [(str(t["label"]), int(t["now"])) for t in figures.get(key, [])]
    return {
        "platforms": charts.bar_chart(f"Reports by platform, {figures['period']['label']}", pairs("platforms")[:12]),
        "areas": charts.bar_chart(f"Reports by threat area, {figures['period']['label']}", pairs("areas")),
        "ages": charts.bar_chart(f"Victims by age band, {figures['period']['label']}", pairs("ages")),
    }


def marking_of(ta: ThreatAssessment) -> Marking:
    return Marking(parse_classification(ta.classification), parse_descriptor(ta.descriptor), parse_tlp(ta.tlp),
                   ta.handling or "")


def _marking(classification: str | None, descriptor: str | None, tlp: str | None) -> tuple[str, str | None, str | None]:
    c = parse_classification(classification or Classification.OFFICIAL_SENSITIVE.value)
    d = parse_descriptor(descriptor) if c is Classification.OFFICIAL_SENSITIVE else None
    if c is Classification.OFFICIAL_SENSITIVE and d is None:
        d = Descriptor.PERSONAL
    t = parse_tlp(tlp) if tlp is not None else Tlp.AMBER
    m = Marking(c, d, t)
    return m.classification.value, m.descriptor.value if m.descriptor else None, m.tlp.value if m.tlp else None


def _audit(session: Session, principal: Principal, action: AuditAction, ta: ThreatAssessment, op: str,
           purpose: str | None = None) -> None:
    record(session, principal.actor, action, "threat_assessment", ta.id, purpose=purpose,
           detail={"op": op, "reference": ta.reference, "version": ta.version, "status": ta.status})


def _get(session: Session, assessment_id: int) -> ThreatAssessment:
    ta = session.get(ThreatAssessment, assessment_id)
    if ta is None:
        raise NotFound("No such threat assessment.")
    return ta


def create(session: Session, principal: Principal, *, start: date | None, end: date | None, title: str = "",
           sections: Mapping[str, str] | None = None, classification: str | None = None,
           descriptor: str | None = None, tlp: str | None = None, handling: str = "") -> ThreatAssessment:
    """A new draft for a chosen period; its figures are counted from the record whenever it is read."""
    user_id = require_staff(principal)
    if start is None:
        raise InvalidInput("start: the period's first day (YYYY-MM-DD)")
    if end is None:
        raise InvalidInput("end: the period's last day (YYYY-MM-DD)")
    period = Period(start, end)
    texts = threat.check_sections(sections or {})
    c, d, t = _marking(classification, descriptor, tlp)
    now = _now()
    ta = ThreatAssessment(
        reference=f"STA-{start:%Y}-{secrets.token_hex(2).upper()}", version=1,
        title=(title.strip() or f"Strategic threat assessment, {period.label}")[:200],
        period_start=start, period_end=end, status=Status.DRAFT.value, sections=texts, classification=c,
        descriptor=d, tlp=t, handling=handling.strip()[:500], created_by_id=user_id, created_at=now, updated_at=now)
    session.add(ta)
    session.flush()
    _audit(session, principal, AuditAction.COLLECTION, ta, "drafted")
    return ta


def edit(session: Session, principal: Principal, assessment_id: int, *, sections: Mapping[str, str],
         title: str | None = None, classification: str | None = None, descriptor: str | None = None,
         tlp: str | None = None, handling: str | None = None) -> ThreatAssessment:
    """Change a draft; editing an approved version starts the next version (the approved one stays
    as it was approved until the new one is approved)."""
    user_id = require_staff(principal)
    ta = _get(session, assessment_id)
    status = Status(ta.status)
    threat.check_edit(status)
    texts = threat.check_sections({**(ta.sections or {}), **sections})
    c, d, t = _marking(classification or ta.classification, descriptor if descriptor is not None else ta.descriptor,
                       tlp if tlp is not None else ta.tlp)
    if status is Status.APPROVED:
        pending = session.scalar(select(ThreatAssessment).where(
            ThreatAssessment.supersedes_id == ta.id, ThreatAssessment.status != Status.SUPERSEDED.value))
        if pending is not None:
            raise InvalidInput("status: a later version is already being drafted; edit that one")
        now = _now()
        ta = ThreatAssessment(
            reference=ta.reference, version=ta.version + 1, supersedes_id=ta.id, title=(title or ta.title)[:200],
            period_start=ta.period_start, period_end=ta.period_end, status=Status.DRAFT.value, sections=texts,
            classification=c, descriptor=d, tlp=t, handling=(ta.handling if handling is None else handling)[:500],
            created_by_id=user_id, created_at=now, updated_at=now)
        session.add(ta)
        session.flush()
        _audit(session, principal, AuditAction.COLLECTION, ta, "new version")
        return ta
    ta.sections = texts
    if title is not None and title.strip():
        ta.title = title.strip()[:200]
    ta.classification, ta.descriptor, ta.tlp = c, d, t
    if handling is not None:
        ta.handling = handling.strip()[:500]
    ta.updated_at = _now()
    _audit(session, principal, AuditAction.ALTERATION, ta, "edited")
    return ta


def submit(session: Session, principal: Principal, assessment_id: int) -> ThreatAssessment:
    require_staff(principal)
    ta = _get(session, assessment_id)
    threat.check_submit(Status(ta.status), ta.sections or {})
    ta.status, ta.submitted_at, ta.returned_reason = Status.SUBMITTED.value, _now(), None
    _audit(session, principal, AuditAction.ALTERATION, ta, "submitted")
    return ta


def approve(session: Session, principal: Principal, assessment_id: int) -> ThreatAssessment:
    """A supervisor who did not write this version approves it: its figures are frozen, and the
    version it replaces (if any) is superseded."""
    require_staff(principal)
    if principal.role is not Role.SUPERVISOR:
        raise NotAllowed("a threat assessment is approved by a supervisor")
    ta = _get(session, assessment_id)
    threat.check_approve(Status(ta.status), ta.created_by_id, principal.user_id)
    now = _now()
    ta.figures = threat_figures(session, Period(ta.period_start, ta.period_end))
    ta.frozen_at = ta.approved_at = now
    ta.status, ta.approved_by_id = Status.APPROVED.value, principal.user_id
    if ta.supersedes_id is not None:
        older = session.get(ThreatAssessment, ta.supersedes_id)
        if older is not None and older.status == Status.APPROVED.value:
            older.status = Status.SUPERSEDED.value
            _audit(session, principal, AuditAction.ALTERATION, older, "superseded")
    _audit(session, principal, AuditAction.ALTERATION, ta, "approved")
    return ta


def return_to_draft(session: Session, principal: Principal, assessment_id: int, reason: str) -> ThreatAssessment:
    require_staff(principal)
    if principal.role is not Role.SUPERVISOR:
        raise NotAllowed("a threat assessment is returned by a supervisor")
    ta = _get(session, assessment_id)
    threat.check_return(Status(ta.status))
    if not reason.strip():
        raise InvalidInput("reason: say what needs changing")
    ta.status, ta.returned_reason = Status.DRAFT.value, reason.strip()[:2000]
    _audit(session, principal, AuditAction.ALTERATION, ta, "returned")
    return ta


def assessments(session: Session, principal: Principal) -> list[ThreatAssessment]:
    """Every version, newest first (titles, periods and statuses: no assessment text)."""
    require_staff(principal)
    return list(session.scalars(select(ThreatAssessment).order_by(ThreatAssessment.created_at.desc(),
                                                                  ThreatAssessment.id.desc())))


def read(session: Session, principal: Principal, assessment_id: int, *, purpose: str) -> ThreatAssessment:
    """One version with its written assessment (which may discuss cases): an audited consultation."""
    require_staff(principal)
    ta = _get(session, assessment_id)
    _audit(session, principal, AuditAction.CONSULTATION, ta, "read", purpose=purpose)
    return ta


def people(session: Session, *ids: int | None) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {u.id: u.display_name for u in session.scalars(select(User).where(User.id.in_(wanted)))}
