"""Recording what came of a package: the receiving force's outcomes, their withdrawal, the centre's
reading of them, and the networks the centre records as disrupted or dismantled.

Only the force a package was sent to records against it, and a package sent elsewhere answers
"not found", as dissemination answers it. Each record carries the force's own reference: the same
reference with the same body returns the stored record and changes nothing; with a different body
it is a conflict naming the stored record (a correction is a withdrawal and a new reference).
Every write and read is audited in the caller's transaction; offences, sentences, notes, reasons
and evidence are encrypted by the tables.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from jigsaw.accounts.models import Organisation, User
from jigsaw.accounts.principal import Principal
from jigsaw.accounts.roles import CASE_ROLES, OrgKind, Role
from jigsaw.audit.chain import AuditAction
from jigsaw.audit.service import record
from jigsaw.dissemination import interfaces as dissemination
from jigsaw.errors import Conflict, NotAllowed, NotFound
from jigsaw.events import ContactConvictionRecorded, ContactConvictionWithdrawn
from jigsaw.intake.interfaces import MediaRecord, Subject
from jigsaw.linking import interfaces as linking
from jigsaw.outcomes import rules
from jigsaw.outcomes.kinds import WARRANT_OPEN, NetworkEffect, OutcomeKind
from jigsaw.outcomes.models import NetworkDisruption, Outcome
from jigsaw.platform import publish

FORCE_PURPOSE = "recording and reviewing what our force did with a package sent to us"
CENTRE_PURPOSE = "reviewing what the force reported it did with a package"
DISRUPTION_PURPOSE = "recording the disruption of an offender network"
RECIPIENT_KINDS = frozenset({OrgKind.UK_FORCE, OrgKind.PARTNER_AGENCY})


class OutcomeConflict(Conflict):
    """The force's reference is already used by a different record; ``existing`` names that record."""

    def __init__(self, message: str, existing: Outcome) -> None:
        self.existing_id = existing.id
        self.existing_reference = existing.reference
        super().__init__(message)


def _now() -> datetime:
    return datetime.now(UTC)


def is_recipient(principal: Principal) -> bool:
    return principal.role is Role.FORCE_LIAISON and principal.organisation_kind in RECIPIENT_KINDS


def is_centre_staff(principal: Principal) -> bool:
    return principal.at_centre and principal.role in CASE_ROLES


def _require_recipient(principal: Principal) -> None:
    if not is_recipient(principal):
        raise NotAllowed("outcomes are recorded by the force or partner the package was sent to")


# --- what the checks need to know ---------------------------------------------------------------------


def _live(package_id: int) -> Any:
    return select(Outcome).where(Outcome.package_id == package_id, Outcome.withdrawn_at.is_(None))


def warrants_of(session: Session, package_id: int) -> dict[int, rules.WarrantState]:
    """Each suspect's warrant on the package as it stands: the latest live stage."""
    rows = session.execute(select(Outcome.id, Outcome.subject_id, Outcome.warrant_stage, Outcome.occurred_at)
                           .where(Outcome.package_id == package_id, Outcome.withdrawn_at.is_(None),
                                  Outcome.kind == OutcomeKind.WARRANT.value)
                           .order_by(Outcome.occurred_at, Outcome.id)).all()
    return rules.warrant_states([(r[0], r[1], r[2], r[3]) for r in rows])


def _series_of(session: Session, report_ids: Iterable[int]) -> frozenset[int]:
    ids = sorted(set(report_ids))
    if not ids:
        return frozenset()
    media = list(session.scalars(select(MediaRecord.id).where(MediaRecord.report_id.in_(ids))))
    return frozenset(ref.series_id for ref in linking.media_series(session, media).values())


def _facts(session: Session, package: dissemination.SentPackage, now: datetime) -> rules.PackageFacts:
    return rules.PackageFacts(suspect_ids=package.suspect_ids, victim_ids=frozenset(package.victim_ids),
                              series_ids=_series_of(session, package.report_ids),
                              warrants=warrants_of(session, package.id), now=now)


# --- recording ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recorded:
    outcome: Outcome
    created: bool  # False: the same submission again, nothing changed


def record_outcome(session: Session, principal: Principal, package_id: int, raw: Mapping[str, Any], *,
                   now: datetime | None = None) -> Recorded:
    """Record one outcome for a package sent to the principal's force (idempotent by its reference)."""
    _require_recipient(principal)
    now = now or _now()
    package = dissemination.sent_package(session, principal, package_id, lock=True)
    reference = rules.reference_of(raw)
    existing = _by_reference(session, principal.organisation_id, reference) if reference else None
    if existing is not None:
        return Recorded(_same_or_conflict(session, package, existing, raw, now), False)
    if not package.awaiting_action:
        raise Conflict("this package was returned to the centre: outcomes are recorded against packages you kept")
    checked = rules.check(raw, _facts(session, package, now))
    row = Outcome(package_id=package.id, org_id=principal.organisation_id, body_digest=checked.digest,
                  details=checked.details, recorded_by_id=principal.user_id, recorded_at=now, **checked.columns)
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:  # the same reference stored a moment ago by another request
        raced = _by_reference(session, principal.organisation_id, checked.reference)
        if raced is None:
            raise
        return Recorded(_same_or_conflict(session, package, raced, raw, now), False)
    record(session, principal.actor, AuditAction.COLLECTION, "outcome", row.id,
           detail={"package": package.reference, "package_id": package.id, "kind": row.kind,
                   "subject": row.subject_id, "count": row.count, "reference": row.reference})
    _after_change(session, principal, package)
    if row.kind == OutcomeKind.CONVICTION.value and row.contact_offence and row.subject_id is not None:
        publish(session, ContactConvictionRecorded(row.subject_id, row.id, package.reference,
                                                   _organisation_name(session, principal.organisation_id)))
    return Recorded(row, True)


def _by_reference(session: Session, org_id: int, reference: str) -> Outcome | None:
    return session.scalar(select(Outcome).where(Outcome.org_id == org_id, Outcome.reference == reference))


def _same_or_conflict(session: Session, package: dissemination.SentPackage, existing: Outcome,
                      raw: Mapping[str, Any], now: datetime) -> Outcome:
    """The stored record if ``raw`` is the same submission, else :class:`OutcomeConflict` naming it."""
    conflict = OutcomeConflict(f"your reference {existing.reference} is already used by outcome record "
                               f"{existing.id} with different details; withdraw that record and use a new "
                               "reference to correct it", existing)
    if existing.package_id != package.id:
        raise conflict
    try:
        checked = rules.check(raw, _facts(session, package, now), lifecycle=False)
    except rules.OutcomeInputError:
        raise conflict from None
    if checked.digest != existing.body_digest:
        raise conflict
    return existing


def _after_change(session: Session, principal: Principal, package: dissemination.SentPackage) -> None:
    """Tell the package when its first live outcome was recorded (or that none is left)."""
    first = session.scalar(select(func.min(Outcome.recorded_at)).where(
        Outcome.package_id == package.id, Outcome.withdrawn_at.is_(None)))
    if first != package.first_outcome_at:
        dissemination.mark_acted_on(session, principal, package.id, first)


def withdraw_outcome(session: Session, principal: Principal, package_id: int, outcome_id: int, reason: str | None,
                     *, now: datetime | None = None) -> Outcome:
    """Withdraw a record the force keyed wrongly, with its reason; it stays in the record, uncounted."""
    _require_recipient(principal)
    package = dissemination.sent_package(session, principal, package_id, lock=True)
    row = session.scalar(select(Outcome).where(Outcome.id == outcome_id, Outcome.package_id == package.id,
                                               Outcome.org_id == principal.organisation_id))
    if row is None:
        raise NotFound("No such outcome record.")
    if row.withdrawn_at is not None:
        raise Conflict(f"outcome record {row.id} is already withdrawn")
    text = rules.withdrawal_reason(reason)
    rules.check_withdrawal(row.kind, row.warrant_stage, row.subject_id, row.id, warrants_of(session, package.id))
    row.withdrawn_at, row.withdrawn_by_id, row.withdrawn_reason = now or _now(), principal.user_id, text
    session.flush()
    record(session, principal.actor, AuditAction.ALTERATION, "outcome", row.id,
           detail={"package": package.reference, "package_id": package.id, "op": "withdrawn", "kind": row.kind})
    _after_change(session, principal, package)
    if row.kind == OutcomeKind.CONVICTION.value and row.contact_offence and row.subject_id is not None:
        publish(session, ContactConvictionWithdrawn(row.subject_id, row.id))
    return row


def _organisation_name(session: Session, org_id: int | None) -> str:
    return session.scalar(select(Organisation.name).where(Organisation.id == org_id)) or "the force"


# --- reading ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WarrantLine:
    """One suspect's warrant on a package, as the pages show it: each stage with its date."""

    subject_id: int
    stage: str
    open: bool
    history: tuple[tuple[str, datetime], ...]


@dataclass(frozen=True)
class PackageOutcomes:
    package: dissemination.SentPackage
    outcomes: list[Outcome]  # newest first, withdrawn ones included (marked)
    warrants: list[WarrantLine]
    names: dict[int, str]  # who recorded or withdrew (users)
    suspects: dict[int, str]  # suspect id -> how the pages name them ("Suspect 1 (subject 12)")
    editable: bool  # the principal is the recipient and may record


def read_outcomes(session: Session, principal: Principal, package_id: int, *, purpose: str | None = None
                  ) -> PackageOutcomes:
    """A package's outcomes for its recipient or the centre; the read is audited (offences, sentences)."""
    if not (is_recipient(principal) or is_centre_staff(principal)):
        raise NotAllowed("outcomes are read by the centre and the package's recipient")
    package = dissemination.sent_package(session, principal, package_id)
    rows = list(session.scalars(select(Outcome).where(Outcome.package_id == package.id)
                                .order_by(Outcome.occurred_at.desc(), Outcome.id.desc())))
    record(session, principal.actor, AuditAction.CONSULTATION, "package_outcomes", package.id,
           purpose=purpose or (FORCE_PURPOSE if is_recipient(principal) else CENTRE_PURPOSE),
           detail={"package": package.reference, "outcomes": len(rows)})
    names = recorder_names(session, rows)
    suspects = {sid: f"Suspect {n} (subject {sid})" for n, sid in enumerate(package.suspect_ids, start=1)}
    return PackageOutcomes(package, rows, _warrant_lines(rows, package.suspect_ids), names, suspects,
                           is_recipient(principal) and package.awaiting_action)


def recorder_names(session: Session, rows: Iterable[Outcome]) -> dict[int, str]:
    """Who recorded or withdrew each of ``rows``, by user id (display names)."""
    users = sorted({u for r in rows for u in (r.recorded_by_id, r.withdrawn_by_id) if u is not None})
    if not users:
        return {}
    return {uid: name for uid, name in session.execute(select(User.id, User.display_name).where(User.id.in_(users)))}


def _warrant_lines(rows: list[Outcome], suspects: Iterable[int]) -> list[WarrantLine]:
    live = sorted((r for r in rows if r.kind == OutcomeKind.WARRANT.value and r.withdrawn_at is None
                   and r.subject_id is not None and r.warrant_stage), key=lambda r: (r.occurred_at, r.id))
    history: dict[int, list[tuple[str, datetime]]] = {}
    for r in live:
        assert r.subject_id is not None and r.warrant_stage is not None
        history.setdefault(r.subject_id, []).append((r.warrant_stage, r.occurred_at))
    lines = []
    for sid in suspects:
        steps = history.get(sid)
        if steps:
            lines.append(WarrantLine(sid, steps[-1][0], steps[-1][0] in {s.value for s in WARRANT_OPEN}, tuple(steps)))
    return lines


def outcomes_for_reports(session: Session, report_ids: Iterable[int]) -> list[tuple[str, str, int]]:
    """The live outcomes on the packages of these reports: (package reference, kind, count), for a case
    closing with its outcome (no personal data: kinds and counts)."""
    found = dissemination.packages_for_reports(session, report_ids)
    package_ids = sorted({pid for refs in found.values() for pid, _, _ in refs})
    references = {pid: ref for refs in found.values() for pid, ref, _ in refs}
    if not package_ids:
        return []
    rows = session.execute(select(Outcome.package_id, Outcome.kind, func.sum(Outcome.count))
                           .where(Outcome.package_id.in_(package_ids), Outcome.withdrawn_at.is_(None))
                           .group_by(Outcome.package_id, Outcome.kind).order_by(Outcome.package_id, Outcome.kind))
    return [(references[pid], kind, int(n or 0)) for pid, kind, n in rows]


# --- networks disrupted or dismantled ------------------------------------------------------------------


def _require_centre(principal: Principal) -> None:
    if not (principal.at_centre and principal.role in {Role.ANALYST, Role.SUPERVISOR}):
        raise NotAllowed("the centre's analysts and supervisors record networks disrupted or dismantled")


REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: references are read aloud


def _new_reference(session: Session) -> str:
    for _ in range(20):
        chars = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
        reference = f"NET-{chars[:4]}-{chars[4:]}"
        if session.scalar(select(NetworkDisruption.id).where(NetworkDisruption.reference == reference)) is None:
            return reference
    raise RuntimeError("could not find an unused network-disruption reference")


def record_disruption(session: Session, principal: Principal, subject_id: int, effect: str | None,
                      occurred_at: Any, evidence: str | None, package_id: int | None = None, *,
                      now: datetime | None = None) -> NetworkDisruption:
    """The centre's finding that the network of ``subject_id`` was disrupted or dismantled, with the
    evidence; the network's label and size are kept as they are now (labels are rebuilt by linking)."""
    _require_centre(principal)
    now = now or _now()
    problems: dict[str, str] = {}
    network = linking.subject_networks(session, [subject_id]).get(subject_id)
    if network is None:
        if session.get(Subject, subject_id) is None:
            raise NotFound("No such subject.")
        problems["subject_id"] = "this subject is not in a network yet (linking has not placed it)"
    try:
        chosen = NetworkEffect((effect or "").strip())
    except ValueError:
        problems["effect"] = "must be disrupted or dismantled"
    moment = text = None
    try:
        moment = rules.moment(occurred_at, now)
    except rules.OutcomeInputError as exc:
        problems.update(exc.fields)
    try:
        text = rules.required_text(evidence, "evidence",
                                   "say what shows it (the arrests, the accounts closed, the charges), briefly")
    except rules.OutcomeInputError as exc:
        problems.update(exc.fields)
    if package_id is not None:
        try:
            dissemination.sent_package(session, principal, package_id)
        except dissemination.PackageNotFound:
            problems["package_id"] = "names no package"
    if problems:
        raise rules.OutcomeInputError(problems)
    assert network is not None and moment is not None and text is not None
    row = NetworkDisruption(reference=_new_reference(session), anchor_subject_id=subject_id,
                            network_label=network.network_id, subject_count=network.subjects,
                            effect=chosen.value, occurred_at=moment, package_id=package_id, evidence=text,
                            recorded_by_id=principal.user_id, recorded_at=now)
    session.add(row)
    session.flush()
    record(session, principal.actor, AuditAction.COLLECTION, "network_disruption", row.id,
           detail={"reference": row.reference, "effect": row.effect, "network": row.network_label,
                   "subjects": row.subject_count, "anchor_subject": subject_id, "package_id": package_id})
    return row


def disruptions(session: Session, principal: Principal, *, subject_id: int | None = None,
                purpose: str | None = None) -> list[NetworkDisruption]:
    """Networks recorded as disrupted or dismantled (those of ``subject_id``'s network, if given), newest
    first; the read is audited (the evidence may name people)."""
    _require_centre(principal)
    query = select(NetworkDisruption).order_by(NetworkDisruption.occurred_at.desc(), NetworkDisruption.id.desc())
    if subject_id is not None:
        network = linking.subject_networks(session, [subject_id]).get(subject_id)
        label = network.network_id if network else None
        query = query.where((NetworkDisruption.anchor_subject_id == subject_id)
                            | (NetworkDisruption.network_label == label))
    rows = list(session.scalars(query.limit(500)))
    record(session, principal.actor, AuditAction.CONSULTATION, "network_disruptions", subject_id,
           purpose=purpose or DISRUPTION_PURPOSE, detail={"records": [r.id for r in rows][:50]})
    return rows
