"""Anonymous sightings: the tip enters intake as a report linked to its appeal, for the owning force.

Following Crime Stoppers' practice, nothing about the tipster is asked for or kept: no name, no
contact details, no IP address (the route never reads the client's address, and the access log
drops it, see :mod:`jigsaw.http.access_log`), no cookie. The tipster gets a reference and a
passphrase (kept only as an Argon2 hash) to come back with more, or to see that the tip has been
passed on. Records say "the tipster".
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from jigsaw.appeals import lifecycle as rules
from jigsaw.appeals.lifecycle import AppealStatus
from jigsaw.appeals.models import Appeal, AppealTip, AppealTipReport
from jigsaw.audit.service import Actor
from jigsaw.errors import InvalidInput
from jigsaw.intake.interfaces import Channel, IncidentType, ReportDraft, Source, SubjectDraft, submit_report
from jigsaw.security.passwords import hash_password, verify_password

TIPSTER = Actor("public:anonymous tipster")
MAX_TIP_CHARS = 5_000
ANNOTATION = "most_wanted_sighting"


class TipStatus:
    RECEIVED = "received"
    PASSED_TO_FORCE = "passed_to_force"


TIP_STATUS_LABELS = {TipStatus.RECEIVED: "Received by the centre",
                     TipStatus.PASSED_TO_FORCE: "Passed to the police force leading the search"}


class SightingRefused(InvalidInput, ValueError):
    """The sighting cannot be taken as given (``fields`` says what to fix)."""

    def __init__(self, fields: dict[str, str]) -> None:
        self.fields = fields
        super().__init__("; ".join(fields.values()))


@dataclass(frozen=True)
class NewTip:
    reference: str
    passphrase: str  # shown once, never stored


def _summary(appeal: Appeal, seen: str, where: str, when: str) -> str:
    parts = [f"Most Wanted sighting for appeal {appeal.reference}.", f"What the tipster saw: {seen}"]
    if where:
        parts.append(f"Where: {where}")
    if when:
        parts.append(f"When: {when}")
    return "\n".join(parts)


def _check(seen: str, where: str, when: str) -> dict[str, str]:
    problems: dict[str, str] = {}
    if not seen.strip():
        problems["seen"] = "Tell us what you saw"
    for key, value, limit in (("seen", seen, MAX_TIP_CHARS), ("where", where, 500), ("when", when, 200)):
        if len(value) > limit:
            problems[key] = f"Use at most {limit} characters"
    return problems


def _report(session: Session, appeal: Appeal, tip: AppealTip | None, summary: str, name: str) -> int:
    draft = ReportDraft(
        source=Source.PUBLIC.value, incident_type=IncidentType.OTHER.value, summary=summary,
        channel=Channel.PUBLIC_FORM, subjects=(SubjectDraft(role="suspect", name=name or None),),
        annotations=(ANNOTATION,),
        source_data={"appeal_reference": appeal.reference, "tip_reference": tip.reference if tip else None},
    )
    return submit_report(session, draft, TIPSTER).report.id


def submit_sighting(session: Session, slug: str, seen: str, where: str, when: str, *,
                    now: datetime | None = None) -> NewTip | None:
    """Take a sighting for the published appeal at ``slug``; None if it is not published."""
    appeal = session.scalar(select(Appeal).where(Appeal.slug == slug))
    if appeal is None or appeal.status != AppealStatus.PUBLISHED:
        return None
    problems = _check(seen, where, when)
    if problems:
        raise SightingRefused(problems)
    now = now or datetime.now(UTC)
    passphrase = rules.make_passphrase(secrets.randbelow)
    reference = rules.make_reference("TIP", secrets.randbelow)
    while session.scalar(select(AppealTip.id).where(AppealTip.reference == reference)) is not None:
        reference = rules.make_reference("TIP", secrets.randbelow)
    tip = AppealTip(reference=reference, passphrase_hash=hash_password(passphrase), appeal_id=appeal.id,
                    owning_force_id=appeal.owning_force_id, status=TipStatus.RECEIVED, created_at=now)
    session.add(tip)
    session.flush()
    name = str((appeal.public or {}).get("name") or "")
    report_id = _report(session, appeal, tip, _summary(appeal, seen.strip(), where.strip(), when.strip()), name)
    session.add(AppealTipReport(report_id=report_id, tip_id=tip.id, added_at=now))
    session.flush()
    return NewTip(reference, passphrase)


@dataclass(frozen=True)
class TipView:
    reference: str
    status: str
    received_at: datetime
    messages: int


def find_tip(session: Session, reference: str, passphrase: str) -> AppealTip | None:
    """The tip, if the reference and passphrase match (the hash is checked either way: same timing)."""
    tip = session.scalar(select(AppealTip).where(AppealTip.reference == reference.strip().upper()))
    ok = verify_password(tip.passphrase_hash if tip else None, rules.normalise_passphrase(passphrase))
    return tip if ok and tip is not None else None


def follow_up(session: Session, reference: str, passphrase: str, more: str) -> TipView | None:
    """What a tipster sees on coming back, adding ``more`` (if given) as a further report."""
    tip = find_tip(session, reference, passphrase)
    if tip is None:
        return None
    if more.strip():
        if len(more) > MAX_TIP_CHARS:
            raise SightingRefused({"more": f"Use at most {MAX_TIP_CHARS} characters"})
        appeal = session.get(Appeal, tip.appeal_id)
        assert appeal is not None
        report_id = _report(session, appeal, tip, f"Follow-up from the tipster of {tip.reference} (appeal "
                            f"{appeal.reference}): {more.strip()}", str((appeal.public or {}).get("name") or ""))
        session.add(AppealTipReport(report_id=report_id, tip_id=tip.id))
        session.flush()
    count = len(session.scalars(select(AppealTipReport.report_id).where(AppealTipReport.tip_id == tip.id)).all())
    return TipView(tip.reference, tip.status, tip.created_at, count)


@dataclass(frozen=True)
class TipRef:
    """A tip as the owning force's inbox would list it: its reference, appeal and intake reports."""

    id: int
    reference: str
    appeal_id: int
    appeal_reference: str
    owning_force_id: int
    status: str
    received_at: datetime
    report_ids: tuple[int, ...]


def tips(session: Session, *, force_id: int | None = None, appeal_id: int | None = None) -> list[TipRef]:
    query = (select(AppealTip, Appeal.reference).join(Appeal, Appeal.id == AppealTip.appeal_id)
             .order_by(AppealTip.id.desc()))
    if force_id is not None:
        query = query.where(AppealTip.owning_force_id == force_id)
    if appeal_id is not None:
        query = query.where(AppealTip.appeal_id == appeal_id)
    rows = session.execute(query).all()
    reports: dict[int, list[int]] = {}
    ids = [t.id for t, _ in rows]
    if ids:
        for report_id, tip_id in session.execute(select(AppealTipReport.report_id, AppealTipReport.tip_id)
                                                 .where(AppealTipReport.tip_id.in_(ids))
                                                 .order_by(AppealTipReport.report_id)):
            reports.setdefault(tip_id, []).append(report_id)
    return [TipRef(t.id, t.reference, t.appeal_id, ref, t.owning_force_id, t.status, t.created_at,
                   tuple(reports.get(t.id, ()))) for t, ref in rows]


def mark_passed(session: Session, tip_id: int) -> None:
    """Called when the tip has been passed to its force (dissemination's inbox, when it exists)."""
    tip = session.get(AppealTip, tip_id)
    if tip is not None:
        tip.status = TipStatus.PASSED_TO_FORCE
