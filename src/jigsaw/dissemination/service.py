"""Working a package: drafting it from the record (one or a batch), routing it, marking and grading
it, submitting, approving by a second person (which dispatches it), returning; and the
recipient's side: reading it, acknowledging, accepting or returning it, and the message thread.

Every step writes a :class:`PackageEvent` and an audit entry in the caller's transaction.
Dispatch is a DPA 2018 s.62 *disclosure* naming the recipient. The centre sees every package; a
recipient sees only packages dispatched to its own organisation, and anything else answers as
if it did not exist.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session, aliased

from jigsaw.accounts.models import Organisation, User
from jigsaw.accounts.principal import Principal
from jigsaw.accounts.roles import CASE_ROLES, OrgKind, Role
from jigsaw.audit.chain import AuditAction
from jigsaw.audit.service import Actor, NewEntry, append_many, record
from jigsaw.config import Settings
from jigsaw.db.base import table_of
from jigsaw.dissemination import grading
from jigsaw.dissemination.gather import Scope, gather
from jigsaw.dissemination.lifecycle import (
    AWAITING_ACTION,
    EDITABLE,
    SENT,
    FourEyesRefused,
    MoveRefused,
    PackageStatus,
    Transition,
    acknowledge_by,
    action_by,
    available,
    centre_holidays,
    check_four_eyes,
    make_reference,
    review_by,
    target,
)
from jigsaw.dissemination.models import (
    Package,
    PackageBatch,
    PackageEvent,
    PackageItem,
    PackageMessage,
    PackageReport,
    PackageSubject,
)
from jigsaw.errors import FieldErrors, NotAllowed, NotFound
from jigsaw.intake.interfaces import Report, Subject, SubjectRole
from jigsaw.mail import interfaces as mail
from jigsaw.markings import (
    Classification,
    Descriptor,
    Marking,
    MarkingError,
    exceeds,
    lowers,
    parse_classification,
    parse_descriptor,
    parse_tlp,
)
from jigsaw.platform import platform_for
from jigsaw.routing import interfaces as routing

READ_PURPOSE = "working a dissemination package"
RECIPIENT_PURPOSE = "receiving a package disseminated to our organisation"
MAX_SUMMARY = 20_000
MAX_TEXT = 4_000
RECIPIENT_KINDS = frozenset({OrgKind.UK_FORCE, OrgKind.PARTNER_AGENCY})

_packages_t = table_of(Package)
_reports_t = table_of(PackageReport)
_subjects_t = table_of(PackageSubject)
_items_t = table_of(PackageItem)
_events_t = table_of(PackageEvent)


class PackageNotFound(NotFound, LookupError):
    pass


class PackageInputError(FieldErrors):
    """A package change given wrongly, or a package not ready to move; ``fields`` says what by field."""


def _now() -> datetime:
    return datetime.now(UTC)


def is_centre_staff(principal: Principal) -> bool:
    return principal.at_centre and principal.role in CASE_ROLES


def is_recipient(principal: Principal) -> bool:
    return principal.role is Role.FORCE_LIAISON and principal.organisation_kind in RECIPIENT_KINDS


def _require_centre(principal: Principal) -> None:
    if not is_centre_staff(principal):
        raise NotAllowed("packages are drafted and approved by the centre's analysts and supervisors")


def _require_supervisor(principal: Principal) -> None:
    if not principal.at_centre or principal.role is not Role.SUPERVISOR:
        raise NotAllowed("only a supervisor at the centre does this")


def _require_recipient(principal: Principal) -> None:
    if not is_recipient(principal):
        raise NotAllowed("this is for the force or partner the package was sent to")


def get_package(session: Session, principal: Principal, package_id: int, *, lock: bool = False) -> Package:
    """The package, if ``principal`` may see it: the centre sees all, a recipient only what was sent
    to it (everything else is "not found", so a recipient cannot learn what exists)."""
    query = select(Package).where(Package.id == package_id)
    if lock:
        query = query.with_for_update()
    package = session.scalar(query)
    if package is None:
        raise PackageNotFound("No such package.")
    if is_centre_staff(principal):
        return package
    if is_recipient(principal) and package.recipient_org_id == principal.organisation_id \
            and package.status in {s.value for s in SENT}:
        return package
    raise PackageNotFound("No such package.")


def marking_of(package: Package) -> Marking:
    return Marking(Classification(package.classification),
                   Descriptor(package.descriptor) if package.descriptor else None,
                   parse_tlp(package.tlp), package.handling or "")


def _marking(classification: str | None, descriptor: str | None, tlp: str | None, handling: str | None,
             *, default_descriptor: bool = True) -> Marking:
    try:
        c = parse_classification(classification or Classification.OFFICIAL_SENSITIVE.value)
        d = parse_descriptor(descriptor)
        if c is Classification.OFFICIAL_SENSITIVE and d is None and default_descriptor:
            d = Descriptor.PERSONAL
        text = " ".join((handling or "").split())
        if len(text) > 1000:
            raise MarkingError("handling instructions are limited to 1000 characters")
        return Marking(c, d, parse_tlp(tlp), text)
    except MarkingError as exc:
        raise PackageInputError({"marking": str(exc)}) from None


def _items(raw: Sequence[Mapping[str, Any]] | None, summary: str) -> list[grading.Item]:
    if not raw:
        return [grading.item(summary)] if summary else []
    problems: dict[str, str] = {}
    items: list[grading.Item] = []
    for n, body in enumerate(raw):
        try:
            items.append(grading.item(body.get("text"), body.get("source_evaluation"), body.get("assessment"),
                                      body.get("handling"), body.get("conditions"), body.get("legacy_5x5x5")))
        except grading.GradingError as exc:
            problems.update({f"items[{n}].{k}": v for k, v in exc.problems.items()})
    if problems:
        raise PackageInputError(problems)
    return items


def _routing_json(r: routing.Routing) -> dict[str, Any]:
    return {"proposals": [{"recipient_org_id": p.org_id, "name": p.name, "ons_code": p.ons_code,
                           "basis": p.basis.value, "reason": p.reason, "share": p.share} for p in r.proposals],
            "chosen": r.chosen.org_id if r.chosen else None, "needs": list(r.needs)}


def _choose_recipient(session: Session, r: routing.Routing, recipient_org_id: int | None,
                      reason: str | None) -> tuple[int | None, str | None, str | None]:
    """(recipient, basis, reason) from the analyst's choice or the routing's."""
    if recipient_org_id is None:
        if r.chosen is None:
            return None, None, None
        return r.chosen.org_id, r.chosen.basis.value, r.chosen.reason
    try:
        routing.recipient_info(session, recipient_org_id)
    except routing.RecipientNotFound as exc:
        raise PackageInputError({"recipient_org_id": str(exc)}) from None
    proposal = next((p for p in r.proposals if p.org_id == recipient_org_id), None)
    why = " ".join((reason or "").split()) or None
    if proposal is not None:
        return recipient_org_id, proposal.basis.value, proposal.reason + (f"; {why}" if why else "")
    return recipient_org_id, routing.Basis.MANUAL.value, why


# --- drafting ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DraftSpec:
    report_ids: tuple[int, ...]
    summary: str
    subject_ids: tuple[int, ...] = ()
    recipient_org_id: int | None = None
    route_reason: str | None = None
    classification: str | None = None
    descriptor: str | None = None
    tlp: str | None = None
    handling: str | None = None
    items: tuple[Mapping[str, Any], ...] = ()


def _new_references(session: Session, count: int, prefix: str = "PKG") -> list[str]:
    chosen: set[str] = set()
    column = Package.reference if prefix == "PKG" else PackageBatch.reference
    while len(chosen) < count:
        batch = {make_reference(secrets.randbelow, prefix) for _ in range(count - len(chosen))} - chosen
        taken: set[str] = set()
        for part in _chunks(sorted(batch)):
            taken |= set(session.scalars(select(column).where(column.in_(part))))
        chosen |= batch - taken
    return sorted(chosen)


def _chunks(values: Sequence[Any], size: int = 500) -> list[Sequence[Any]]:
    return [values[i:i + size] for i in range(0, len(values), size)]


def draft_many(session: Session, principal: Principal, specs: Sequence[DraftSpec], *,
               batch_id: int | None = None, rerouted_from: Mapping[int, int] | None = None) -> list[int]:
    """Draft one package per spec, routed and with its evidence generated, in a handful of
    statements whatever the number; the new packages' ids, in order."""
    _require_centre(principal)
    if not specs:
        return []
    problems: dict[str, str] = {}
    wanted = sorted({r for s in specs for r in s.report_ids})
    found: set[int] = set()
    for part in _chunks(wanted):
        found |= set(session.scalars(select(Report.id).where(Report.id.in_(part))))
    if not wanted:
        problems["report_ids"] = "a package is about at least one report"
    elif missing := sorted(set(wanted) - found):
        problems["report_ids"] = f"no such report(s): {', '.join(map(str, missing[:10]))}"
    prepared: list[tuple[Marking, list[grading.Item], str]] = []
    for n, spec in enumerate(specs):
        summary = (spec.summary or "").strip()
        if not summary:
            problems["summary" if len(specs) == 1 else f"[{n}].summary"] = "is required"
        elif len(summary) > MAX_SUMMARY:
            problems["summary"] = f"is longer than {MAX_SUMMARY} characters"
        try:
            prepared.append((_marking(spec.classification, spec.descriptor, spec.tlp, spec.handling),
                             _items(spec.items, summary), summary))
        except PackageInputError as exc:
            problems.update(exc.fields)
    if problems:
        raise PackageInputError(problems)
    now = _now()
    scopes = [Scope(tuple(s.report_ids), tuple(s.subject_ids)) for s in specs]
    gathered = gather(session, scopes, now=now)
    for spec, g in zip(specs, gathered, strict=True):
        if spec.subject_ids and set(spec.subject_ids) - set(g.subject_ids):
            raise PackageInputError({"subject_ids": "only subjects of the package's reports can be chosen"})
        if not g.subject_ids:
            raise PackageInputError({"subject_ids": "the reports name no suspect: choose the subjects"})
    routings = routing.route_many(session, [routing.Target(s.report_ids, g.subject_ids)
                                            for s, g in zip(specs, gathered, strict=True)])
    references = _new_references(session, len(specs))
    rows: list[dict[str, Any]] = []
    for spec, (marking, _, summary), g, r, ref in zip(specs, prepared, gathered, routings, references,
                                                           strict=True):
        org_id, basis, reason = _choose_recipient(session, r, spec.recipient_org_id, spec.route_reason)
        rows.append({
            "reference": ref, "status": PackageStatus.DRAFT.value, "version": 1, "created_by_id": principal.user_id,
            "created_at": now, "updated_at": now, "batch_id": batch_id,
            "rerouted_from_id": (rerouted_from or {}).get(len(rows)),
            "recipient_org_id": org_id, "route_basis": basis, "route_reason": reason, "routing": _routing_json(r),
            "classification": marking.classification.value,
            "descriptor": marking.descriptor.value if marking.descriptor else None,
            "tlp": marking.tlp.value if marking.tlp else None, "handling": marking.handling, "band": g.band,
            "summary": summary, "evidence": g.evidence,
        })
    session.execute(insert(_packages_t), rows)
    ids_by_ref = _ids_by_reference(session, references)
    ids = [ids_by_ref[row["reference"]] for row in rows]
    session.execute(insert(_reports_t), [{"package_id": pid, "report_id": rid}
                                         for pid, spec in zip(ids, specs, strict=True)
                                         for rid in dict.fromkeys(spec.report_ids)])
    session.execute(insert(_subjects_t), [{"package_id": pid, "subject_id": sid}
                                          for pid, g in zip(ids, gathered, strict=True) for sid in g.subject_ids])
    item_rows = [{"package_id": pid, "position": n, "text": it.text, "source_evaluation": it.grade.source.value,
                  "assessment": it.grade.assessment.value, "handling": it.grade.handling.value,
                  "conditions": it.grade.conditions, "legacy_5x5x5": it.legacy_5x5x5}
                 for pid, (_m, its, _s) in zip(ids, prepared, strict=True) for n, it in enumerate(its)]
    if item_rows:
        session.execute(insert(_items_t), item_rows)
    session.execute(insert(_events_t), [{
        "package_id": pid, "at": now, "kind": "drafted", "by_user_id": principal.user_id, "by_label": principal.label,
        "by_org_id": principal.organisation_id, "comment": None,
        "details": {"recipient_org_id": row["recipient_org_id"], "basis": row["route_basis"], "band": row["band"],
                    "batch_id": batch_id}} for pid, row in zip(ids, rows, strict=True)])
    append_many(session, [NewEntry(principal.actor, AuditAction.COMBINATION, "package", pid,
                                   detail={"reference": row["reference"], "op": "drafted",
                                           "reports": list(dict.fromkeys(spec.report_ids)),
                                           "subjects": list(g.subject_ids), "batch_id": batch_id})
                          for pid, row, spec, g in zip(ids, rows, specs, gathered, strict=True)])
    return ids


def _ids_by_reference(session: Session, references: Sequence[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for part in _chunks(references):
        for reference, package_id in session.execute(select(Package.reference, Package.id)
                                                     .where(Package.reference.in_(part))):
            found[reference] = package_id
    return found


def create_package(session: Session, principal: Principal, spec: DraftSpec) -> Package:
    """Draft one package (routed, evidence generated); its row."""
    [package_id] = draft_many(session, principal, [spec])
    package = session.get(Package, package_id)
    assert package is not None
    return package


def _event(session: Session, principal: Principal | None, package: Package, kind: str, comment: str | None = None,
           details: Mapping[str, Any] | None = None, *, at: datetime | None = None) -> PackageEvent:
    entry = PackageEvent(package_id=package.id, at=at or _now(), kind=kind,
                         by_user_id=principal.user_id if principal else None,
                         by_label=principal.label if principal else "system",
                         by_org_id=principal.organisation_id if principal else None, comment=comment,
                         details=dict(details or {}))
    session.add(entry)
    package.updated_at = entry.at
    return entry


def _audit(session: Session, principal: Principal, action: AuditAction, package: Package,
           detail: Mapping[str, Any], **kwargs: Any) -> None:
    record(session, principal.actor, action, "package", package.id,
           detail={"reference": package.reference, **detail}, **kwargs)


@dataclass(frozen=True)
class PackageEdit:
    summary: str | None = None
    recipient_org_id: int | None = None
    route_reason: str | None = None
    classification: str | None = None
    descriptor: str | None = None
    tlp: str | None = None
    handling: str | None = None
    items: tuple[Mapping[str, Any], ...] | None = None
    marking_reason: str | None = None
    clear_recipient: bool = False


def edit_package(session: Session, principal: Principal, package_id: int, edit: PackageEdit) -> Package:
    """Change a draft (or a returned package): its summary, items, recipient or markings.

    Markings may be raised by anyone drafting; lowering one (classification or TLP) is for a
    supervisor, with a reason, and is recorded as its own step."""
    _require_centre(principal)
    package = get_package(session, principal, package_id, lock=True)
    if PackageStatus(package.status) not in EDITABLE:
        raise MoveRefused(f"a {package.status} package is not edited (it is changed while a draft or returned)")
    changed: list[str] = []
    if edit.summary is not None:
        summary = edit.summary.strip()
        if not summary:
            raise PackageInputError({"summary": "is required"})
        package.summary = summary
        changed.append("summary")
    if edit.items is not None:
        items = _items(edit.items, package.summary)
        session.query(PackageItem).filter(PackageItem.package_id == package.id).delete()
        for n, it in enumerate(items):
            session.add(PackageItem(package_id=package.id, position=n, text=it.text,
                                    source_evaluation=it.grade.source.value, assessment=it.grade.assessment.value,
                                    handling=it.grade.handling.value, conditions=it.grade.conditions,
                                    legacy_5x5x5=it.legacy_5x5x5))
        changed.append("items")
    if edit.clear_recipient or edit.recipient_org_id is not None:
        r = _stored_routing(package)
        org_id, basis, reason = (None, None, None) if edit.clear_recipient else \
            _choose_recipient(session, r, edit.recipient_org_id, edit.route_reason)
        package.recipient_org_id, package.route_basis, package.route_reason = org_id, basis, reason
        changed.append("recipient")
    elif edit.route_reason is not None and package.route_basis == routing.Basis.MANUAL.value:
        package.route_reason = " ".join(edit.route_reason.split()) or None
        changed.append("route_reason")
    if any(v is not None for v in (edit.classification, edit.descriptor, edit.tlp, edit.handling)):
        before = marking_of(package)
        after = _marking(edit.classification or before.classification.value,
                         edit.descriptor if edit.descriptor is not None else
                         (before.descriptor.value if before.descriptor else None),
                         edit.tlp if edit.tlp is not None else (before.tlp.value if before.tlp else None),
                         edit.handling if edit.handling is not None else before.handling)
        if after != before:
            if lowers(before, after):
                _lower_checks(principal, edit.marking_reason)
            _set_marking(session, principal, package, before, after, edit.marking_reason)
            changed.append("marking")
    if not changed:
        return package
    package.version += 1
    _event(session, principal, package, "edited", None, {"fields": changed, "version": package.version})
    _audit(session, principal, AuditAction.ALTERATION, package, {"op": "edited", "fields": changed})
    return package


def _lower_checks(principal: Principal, reason: str | None) -> None:
    if not principal.at_centre or principal.role is not Role.SUPERVISOR:
        raise NotAllowed("only a supervisor lowers a package's marking")
    if not " ".join((reason or "").split()):
        raise PackageInputError({"marking_reason": "lowering a marking needs a reason"})


def _set_marking(session: Session, principal: Principal, package: Package, before: Marking, after: Marking,
                 reason: str | None) -> None:
    if before == after:
        return
    package.classification = after.classification.value
    package.descriptor = after.descriptor.value if after.descriptor else None
    package.tlp = after.tlp.value if after.tlp else None
    package.handling = after.handling
    lowered = lowers(before, after)
    details = {"from": before.banner, "to": after.banner, "handling_changed": before.handling != after.handling}
    _event(session, principal, package, "marking_lowered" if lowered else "marking_changed",
           " ".join((reason or "").split()) or None, details)
    _audit(session, principal, AuditAction.ALTERATION, package,
           {"op": "marking_lowered" if lowered else "marking_changed", **details})


def lower_marking(session: Session, principal: Principal, package_id: int, *, classification: str | None,
                  descriptor: str | None, tlp: str | None, reason: str) -> Package:
    """A supervisor lowers a package's marking, at any stage, with a reason (the recipient sees it)."""
    _lower_checks(principal, reason)
    package = get_package(session, principal, package_id, lock=True)
    before = marking_of(package)
    after = _marking(classification or before.classification.value, descriptor,
                     tlp if tlp is not None else (before.tlp.value if before.tlp else None), before.handling)
    if not lowers(before, after):
        raise PackageInputError({"marking": f"{after.banner} is not lower than {before.banner}"})
    _set_marking(session, principal, package, before, after, reason)
    return package


def reroute_package(session: Session, principal: Principal, package_id: int) -> Package:
    """Route a draft again from the record as it is now (new postcodes, a comms-data result)."""
    _require_centre(principal)
    package = get_package(session, principal, package_id, lock=True)
    if PackageStatus(package.status) not in EDITABLE:
        raise MoveRefused("only a draft or returned package is routed again")
    report_ids, subject_ids = _scope_of(session, package.id)
    r = routing.route(session, routing.Target(report_ids, subject_ids))
    package.routing = _routing_json(r)
    if package.route_basis in (None, routing.Basis.MANUAL.value) and r.chosen is not None \
            and package.recipient_org_id in (None, r.chosen.org_id):
        package.recipient_org_id, package.route_basis, package.route_reason = \
            r.chosen.org_id, r.chosen.basis.value, r.chosen.reason
    [fresh] = gather(session, [Scope(report_ids, subject_ids)])
    package.evidence, package.band = fresh.evidence, fresh.band
    _event(session, principal, package, "routed", None, {"recipient_org_id": package.recipient_org_id,
                                                         "basis": package.route_basis})
    _audit(session, principal, AuditAction.COMBINATION, package, {"op": "routed"})
    return package


def _scope_of(session: Session, package_id: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    reports = tuple(session.scalars(select(PackageReport.report_id).where(PackageReport.package_id == package_id)
                                    .order_by(PackageReport.report_id)))
    subjects = tuple(session.scalars(select(PackageSubject.subject_id)
                                     .where(PackageSubject.package_id == package_id)
                                     .order_by(PackageSubject.subject_id)))
    return reports, subjects


def _stored_routing(package: Package) -> routing.Routing:
    data = package.routing or {}
    proposals = tuple(routing.Proposal(p["recipient_org_id"], p["name"], p.get("ons_code"),
                                       routing.Basis(p["basis"]), p["reason"], p.get("share"))
                      for p in data.get("proposals", []))
    chosen = next((p for p in proposals if p.org_id == data.get("chosen")), None)
    return routing.Routing(proposals, chosen, tuple(data.get("needs", [])))


# --- readiness, submission, approval and dispatch --------------------------------------------------------


def readiness(session: Session, package: Package, items: Sequence[PackageItem] | None = None) -> list[str]:
    """What stops the package being sent now (empty when it can be): the case says what is needed."""
    problems: list[str] = []
    items = list(items) if items is not None else _items_of(session, package.id)
    if package.recipient_org_id is None:
        needs = (package.routing or {}).get("needs") or ["a recipient"]
        problems.extend(f"needs {n}" for n in needs)
    else:
        if package.route_basis == routing.Basis.MANUAL.value and not package.route_reason:
            problems.append("a recipient chosen by hand needs a reason")
        try:
            info = routing.recipient_info(session, package.recipient_org_id)
        except routing.RecipientNotFound:
            problems.append("the recipient is no longer a recipient of packages")
        else:
            if not info.active:
                problems.append(f"{info.name} is not receiving packages")
            marking = marking_of(package)
            problems.extend(f"marking {marking.banner}: {p}" for p in exceeds(marking, info.max_classification,
                                                                               info.max_tlp))
            if info.international and marking.tlp is None:
                problems.append("an international partner's package carries a TLP level")
    if not items:
        problems.append("at least one graded intelligence item")
    graded = [grading.Item(i.text, grading.Grade(grading.SourceEvaluation(i.source_evaluation),
                                                 grading.Assessment(i.assessment), grading.Handling(i.handling),
                                                 i.conditions)) for i in items]
    if package.band == "P0" and grading.rests_only_on_suspected_false(graded):
        problems.append("a P0 package cannot rest only on intelligence assessed E (suspected false)")
    return problems


def _items_of(session: Session, package_id: int) -> list[PackageItem]:
    return list(session.scalars(select(PackageItem).where(PackageItem.package_id == package_id)
                                .order_by(PackageItem.position, PackageItem.id)))


def _move(package: Package, move: Transition) -> PackageStatus:
    return target(move, PackageStatus(package.status))


def submit(session: Session, principal: Principal, package_id: int, comment: str | None = None) -> Package:
    """The author (or another analyst) sends the package for approval, once nothing stops it."""
    _require_centre(principal)
    package = get_package(session, principal, package_id, lock=True)
    to = _move(package, Transition.SUBMIT)
    problems = readiness(session, package)
    if problems:
        raise PackageInputError({"package": "; ".join(problems)})
    before = package.status
    package.status, package.submitted_at = to.value, _now()
    _event(session, principal, package, "submitted", _clean(comment), {"from": before})
    _audit(session, principal, AuditAction.ALTERATION, package, {"op": "submitted", "from": before})
    return package


def _clean(text: str | None, limit: int = MAX_TEXT) -> str | None:
    value = (text or "").strip()
    if len(value) > limit:
        raise PackageInputError({"comment": f"is longer than {limit} characters"})
    return value or None


def approve(session: Session, principal: Principal, package_id: int, comment: str | None = None, *,
            now: datetime | None = None) -> Package:
    """A supervisor who is not the author approves the package, which dispatches it."""
    _require_supervisor(principal)
    package = get_package(session, principal, package_id, lock=True)
    check_four_eyes(package.created_by_id, principal.user_id)
    _move(package, Transition.APPROVE)
    problems = readiness(session, package)
    if problems:
        raise PackageInputError({"package": "; ".join(problems)})
    _dispatch(session, principal, package, _clean(comment), now or _now())
    return package


def _dispatch(session: Session, principal: Principal, package: Package, comment: str | None,
              now: datetime) -> None:
    assert package.recipient_org_id is not None
    info = routing.recipient_info(session, package.recipient_org_id)
    package.approved_by_id, package.approved_at = principal.user_id, now
    package.status, package.dispatched_at = PackageStatus.DISPATCHED.value, now
    package.action_by, package.review_by = action_by(package.band, now), review_by(package.band, now)
    package.ack_due_at = acknowledge_by(package.band, now, centre_holidays(now.date()))
    _event(session, principal, package, "approved", comment, {"approved_by": principal.user_id}, at=now)
    _event(session, principal, package, "dispatched", None,
           {"recipient_org_id": info.org_id, "recipient": info.name, "action_by": package.action_by.isoformat()},
           at=now)
    _audit(session, principal, AuditAction.ALTERATION, package, {"op": "approved", "author": package.created_by_id})
    report_ids, subject_ids = _scope_of(session, package.id)
    _audit(session, principal, AuditAction.DISCLOSURE, package,
           {"op": "dispatched", "recipient_org_id": info.org_id, "reports": list(report_ids),
            "subjects": list(subject_ids), "marking": marking_of(package).banner, "basis": package.route_basis},
           purpose=f"dissemination of intelligence for a policing purpose (band {package.band})",
           recipient=f"{info.name} (organisation {info.org_id})")
    settings = platform_for(session).settings
    mail.enqueue(session, info.spoc_email, f"Jigsaw package {package.reference} for {info.name} ({package.band})",
                 _dispatch_body(package, info, settings), f"package:{package.id}:dispatch", now=now)


def package_link(settings: Settings, package_id: int, *, inbox: bool) -> str:
    return f"{settings.base_url.rstrip('/')}/{'inbox/packages' if inbox else 'packages'}/{package_id}"


def _dispatch_body(package: Package, info: routing.RecipientInfo, settings: Settings) -> str:
    assert package.action_by is not None
    return (f"The centre has sent {info.name} an intelligence package.\n\n"
            f"Reference: {package.reference}\n"
            f"Band: {package.band}\n"
            f"Action by: {package.action_by:%Y-%m-%d %H:%M} UTC\n"
            f"Open it: {package_link(settings, package.id, inbox=True)}\n\n"
            "Please acknowledge receipt in Jigsaw, then accept it or return it with a reason.\n\n"
            "This message carries no case content: sign in to Jigsaw to read the package.\n")


def return_to_author(session: Session, principal: Principal, package_id: int, comment: str) -> Package:
    """A supervisor (not the author) sends a submitted package back with comments."""
    _require_supervisor(principal)
    package = get_package(session, principal, package_id, lock=True)
    if package.created_by_id == principal.user_id:
        raise FourEyesRefused("you wrote this package: a second supervisor reviews it")
    to = _move(package, Transition.RETURN)
    text = _clean(comment)
    if not text:
        raise PackageInputError({"comment": "say what needs to change"})
    package.status = to.value
    _event(session, principal, package, "returned", text, {})
    _audit(session, principal, AuditAction.ALTERATION, package, {"op": "returned"})
    author = session.get(User, package.created_by_id)
    if author is not None and author.active:
        settings = platform_for(session).settings
        mail.enqueue(session, author.email, f"Jigsaw package {package.reference} returned to you",
                     f"Package {package.reference} was returned with comments.\n\n"
                     f"Open it: {package_link(settings, package.id, inbox=False)}\n\n"
                     "This message carries no case content.\n",
                     f"package:{package.id}:returned:{package.version}:{package.updated_at.timestamp()}")
    return package


# --- bulk ----------------------------------------------------------------------------------------------


@dataclass
class BatchResult:
    batch: PackageBatch
    package_ids: list[int]
    routed: int = 0
    unrouted: int = 0


def draft_batch(session: Session, principal: Principal, report_ids: Iterable[int], *, summary: str | None = None,
                classification: str | None = None, tlp: str | None = None) -> BatchResult:
    """One package per suspect of the reports (the suspects of a referral batch), each routed and
    drafted, under one batch to be approved as a set by a second person."""
    _require_centre(principal)
    ids = sorted(set(report_ids))
    if not ids:
        raise PackageInputError({"report_ids": "a batch is made of at least one report"})
    suspects: list[tuple[int, int, str]] = []
    for part in _chunks(ids):
        suspects.extend((rid, sid, ref) for rid, sid, ref in session.execute(
            select(Subject.report_id, Subject.id, Report.reference).join(Report, Report.id == Subject.report_id)
            .where(Subject.report_id.in_(part), Subject.role == SubjectRole.SUSPECT.value)
            .order_by(Subject.report_id, Subject.id)))
    if not suspects:
        raise PackageInputError({"report_ids": "these reports name no suspect"})
    [reference] = _new_references(session, 1, "BATCH")
    batch = PackageBatch(reference=reference, created_by_id=principal.user_id, created_at=_now())
    session.add(batch)
    session.flush()
    specs = [DraftSpec((rid,), summary or f"Suspect referred in report {ref} (batch {reference}).",
                       subject_ids=(sid,), classification=classification, tlp=tlp) for rid, sid, ref in suspects]
    package_ids = draft_many(session, principal, specs, batch_id=batch.id)
    routed = session.scalar(select(func.count()).select_from(Package).where(
        Package.batch_id == batch.id, Package.recipient_org_id.is_not(None))) or 0
    record(session, principal.actor, AuditAction.COMBINATION, "package_batch", batch.id,
           detail={"reference": reference, "packages": len(package_ids), "reports": len(ids)})
    return BatchResult(batch, package_ids, routed, len(package_ids) - routed)


def batch_packages(session: Session, batch_id: int) -> list[Package]:
    return list(session.scalars(select(Package).where(Package.batch_id == batch_id).order_by(Package.id)))


def get_batch(session: Session, principal: Principal, batch_id: int) -> PackageBatch:
    _require_centre(principal)
    batch = session.get(PackageBatch, batch_id)
    if batch is None:
        raise NotFound("No such batch.")
    return batch


@dataclass
class BatchOutcome:
    done: list[int] = field(default_factory=list)
    not_ready: dict[int, list[str]] = field(default_factory=dict)


def submit_batch(session: Session, principal: Principal, batch_id: int) -> BatchOutcome:
    """Submit every draft of the batch that is ready; the others are listed with what they need."""
    batch = get_batch(session, principal, batch_id)
    outcome = BatchOutcome()
    for package in batch_packages(session, batch.id):
        if PackageStatus(package.status) not in EDITABLE:
            continue
        problems = readiness(session, package)
        if problems:
            outcome.not_ready[package.id] = problems
            continue
        before = package.status
        package.status, package.submitted_at = PackageStatus.SUBMITTED.value, _now()
        _event(session, principal, package, "submitted", None, {"from": before, "batch_id": batch.id})
        outcome.done.append(package.id)
    record(session, principal.actor, AuditAction.ALTERATION, "package_batch", batch.id,
           detail={"reference": batch.reference, "op": "submitted", "packages": outcome.done})
    return outcome


def approve_batch(session: Session, principal: Principal, batch_id: int, comment: str | None = None) -> BatchOutcome:
    """A supervisor who drafted none of it approves the batch's submitted packages as a set (each
    is dispatched to its own recipient, each a disclosure of its own)."""
    _require_supervisor(principal)
    batch = get_batch(session, principal, batch_id)
    check_four_eyes(batch.created_by_id, principal.user_id)
    packages = [p for p in batch_packages(session, batch.id) if p.status == PackageStatus.SUBMITTED.value]
    for package in packages:
        check_four_eyes(package.created_by_id, principal.user_id)
    outcome = BatchOutcome()
    now = _now()
    for package in packages:
        problems = readiness(session, package)
        if problems:
            outcome.not_ready[package.id] = problems
            continue
        _dispatch(session, principal, package, _clean(comment), now)
        outcome.done.append(package.id)
    batch.approved_by_id, batch.approved_at = principal.user_id, now
    record(session, principal.actor, AuditAction.ALTERATION, "package_batch", batch.id,
           detail={"reference": batch.reference, "op": "approved", "packages": outcome.done})
    return outcome


# --- the recipient's side ----------------------------------------------------------------------------


def _respond(session: Session, principal: Principal, package_id: int, move: Transition,
             reason: str | None = None) -> Package:
    _require_recipient(principal)
    package = get_package(session, principal, package_id, lock=True)
    to = _move(package, move)
    now = _now()
    before = package.status
    if package.acknowledged_at is None:
        package.acknowledged_at = now
    package.status = to.value
    if move is not Transition.ACKNOWLEDGE:
        package.responded_at, package.responded_by_id = now, principal.user_id
        package.response_reason = reason
    _event(session, principal, package, to.value, reason, {"from": before}, at=now)
    _audit(session, principal, AuditAction.ALTERATION, package, {"op": to.value, "from": before})
    return package


def acknowledge(session: Session, principal: Principal, package_id: int) -> Package:
    """The recipient confirms it has the package (stops the escalation clock)."""
    return _respond(session, principal, package_id, Transition.ACKNOWLEDGE)


def accept(session: Session, principal: Principal, package_id: int, comment: str | None = None) -> Package:
    return _respond(session, principal, package_id, Transition.ACCEPT, _clean(comment))


def reject(session: Session, principal: Principal, package_id: int, reason: str) -> Package:
    """The recipient returns the package with a reason ("not our area"): the centre is told and
    offered re-routing."""
    text = _clean(reason)
    if not text:
        raise PackageInputError({"reason": "say why the package is returned (for example, not our area)"})
    package = _respond(session, principal, package_id, Transition.REJECT, text)
    settings = platform_for(session).settings
    author = session.get(User, package.created_by_id)
    approver = session.get(User, package.approved_by_id) if package.approved_by_id else None
    to = sorted({u.email for u in (author, approver) if u is not None and u.active})
    if to:
        mail.enqueue(session, to, f"Jigsaw package {package.reference} returned by the recipient",
                     f"The recipient returned package {package.reference}. It may need routing to another force.\n\n"
                     f"Open it: {package_link(settings, package.id, inbox=False)}\n\n"
                     "This message carries no case content.\n", f"package:{package.id}:rejected")
    return package


def resend_elsewhere(session: Session, principal: Principal, package_id: int, recipient_org_id: int | None,
                     reason: str | None) -> Package:
    """Re-route a package the recipient returned: a new draft of the same subjects and items to
    another recipient (the first recipient keeps its record of what it was sent)."""
    _require_centre(principal)
    old = get_package(session, principal, package_id, lock=True)
    if old.status != PackageStatus.REJECTED.value:
        raise MoveRefused("only a package the recipient returned is re-routed")
    if recipient_org_id == old.recipient_org_id:
        raise PackageInputError({"recipient_org_id": "choose a different recipient from the one that returned it"})
    report_ids, subject_ids = _scope_of(session, old.id)
    items = [{"text": i.text, "source_evaluation": i.source_evaluation, "assessment": i.assessment,
              "handling": i.handling, "conditions": i.conditions, "legacy_5x5x5": i.legacy_5x5x5}
             for i in _items_of(session, old.id)]
    spec = DraftSpec(report_ids, old.summary, subject_ids, recipient_org_id, reason, old.classification,
                     old.descriptor, old.tlp, old.handling, tuple(items))
    [new_id] = draft_many(session, principal, [spec], rerouted_from={0: old.id})
    new = session.get(Package, new_id)
    assert new is not None
    if new.recipient_org_id == old.recipient_org_id:
        # Routing chose the force that returned it again: leave the choice to the analyst.
        new.recipient_org_id, new.route_basis, new.route_reason = None, None, None
    _event(session, principal, old, "rerouted", _clean(reason), {"new_package_id": new.id,
                                                                 "new_reference": new.reference})
    _audit(session, principal, AuditAction.ALTERATION, old, {"op": "rerouted", "new_package_id": new.id})
    return new


def post_message(session: Session, principal: Principal, package_id: int, text: str) -> PackageMessage:
    """A message on the package's thread, from the centre or the recipient; the other side is told
    by mail (a reference and a link)."""
    if not (is_centre_staff(principal) or is_recipient(principal)):
        raise NotAllowed("the thread is between the centre and the recipient")
    package = get_package(session, principal, package_id, lock=True)
    if is_centre_staff(principal) and package.status not in {s.value for s in SENT} \
            and PackageStatus(package.status) not in EDITABLE | {PackageStatus.SUBMITTED}:
        raise MoveRefused("this package has no thread")
    body = _clean(text)
    if not body:
        raise PackageInputError({"text": "is required"})
    message = PackageMessage(package_id=package.id, at=_now(), by_user_id=principal.user_id,
                             by_label=principal.label, by_org_id=principal.organisation_id, text=body)
    session.add(message)
    session.flush()
    package.updated_at = message.at
    _audit(session, principal, AuditAction.COLLECTION, package, {"op": "message", "message_id": message.id})
    settings = platform_for(session).settings
    if is_recipient(principal):
        to = [u.email for u in (session.get(User, package.created_by_id),) if u is not None and u.active]
        link = package_link(settings, package.id, inbox=False)
    elif package.recipient_org_id is not None and package.status in {s.value for s in SENT}:
        to = [routing.recipient_info(session, package.recipient_org_id).spoc_email]
        link = package_link(settings, package.id, inbox=True)
    else:
        to = []
        link = ""
    if to:
        mail.enqueue(session, to, f"New message on Jigsaw package {package.reference}",
                     f"There is a new message on package {package.reference}.\n\nOpen it: {link}\n\n"
                     "This message carries no case content.\n", f"package:{package.id}:message:{message.id}")
    return message


# --- reading --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PackageView:
    package: Package
    items: list[PackageItem]
    events: list[PackageEvent]
    messages: list[PackageMessage]
    recipient: routing.RecipientInfo | None
    author: str
    approver: str | None
    report_ids: tuple[int, ...]
    subject_ids: tuple[int, ...]
    for_recipient: bool
    readiness: list[str]
    actions: list[Transition]
    names: dict[int, str]
    organisations: dict[int, str]

    @property
    def marking(self) -> Marking:
        return marking_of(self.package)

    @property
    def routing(self) -> routing.Routing:
        return _stored_routing(self.package)


def read_package(session: Session, principal: Principal, package_id: int, *, purpose: str | None = None) -> PackageView:
    """Everything a page or the API shows of a package; the read is audited (it names people). A
    recipient's read is its consultation of what was disclosed to it."""
    package = get_package(session, principal, package_id)
    recipient_side = not is_centre_staff(principal)
    items = _items_of(session, package.id)
    events = list(session.scalars(select(PackageEvent).where(PackageEvent.package_id == package.id)
                                  .order_by(PackageEvent.id)))
    messages = list(session.scalars(select(PackageMessage).where(PackageMessage.package_id == package.id)
                                    .order_by(PackageMessage.id)))
    info = routing.profiles_by_org(session, [package.recipient_org_id] if package.recipient_org_id else []) \
        .get(package.recipient_org_id or 0)
    report_ids, subject_ids = _scope_of(session, package.id)
    user_ids = {package.created_by_id, package.approved_by_id, *(e.by_user_id for e in events),
                *(m.by_user_id for m in messages)}
    names = users_by_id(session, user_ids)
    orgs = {oid: name for oid, name in session.execute(select(Organisation.id, Organisation.name).where(
        Organisation.id.in_({m.by_org_id for m in messages} | {e.by_org_id for e in events if e.by_org_id})))}
    if recipient_side:
        # The recipient sees its own thread and the package's history, never who at the centre read it.
        events = [e for e in events if e.kind in ("dispatched", "acknowledged", "accepted", "rejected",
                                                  "marking_lowered", "first_outcome")]
    record(session, principal.actor, AuditAction.CONSULTATION, "package", package.id,
           purpose=purpose or (RECIPIENT_PURPOSE if recipient_side else READ_PURPOSE),
           detail={"reference": package.reference, "recipient_side": recipient_side})
    status = PackageStatus(package.status)
    actions = available(status, centre=not recipient_side)
    return PackageView(package, items, events, messages, info, names.get(package.created_by_id, "?"),
                       names.get(package.approved_by_id) if package.approved_by_id else None,
                       () if recipient_side else report_ids, () if recipient_side else subject_ids,
                       recipient_side, [] if recipient_side else readiness(session, package, items), actions,
                       names, orgs)


@dataclass(frozen=True)
class PackageRow:
    id: int
    reference: str
    status: str
    band: str
    recipient_org_id: int | None
    recipient: str | None
    created_at: datetime
    created_by: str
    dispatched_at: datetime | None
    action_by: datetime | None
    ack_due_at: datetime | None
    acknowledged_at: datetime | None
    escalated: bool
    stale: bool
    batch_id: int | None
    classification: str
    tlp: str | None


def list_packages(session: Session, principal: Principal, *, statuses: Iterable[str] = (),
                  batch_id: int | None = None, mine: bool = False, limit: int = 200,
                  now: datetime | None = None) -> list[PackageRow]:
    """The packages ``principal`` may see, newest first: every package at the centre; a recipient's
    own sent packages only. No personal data (references, statuses and dates)."""
    now = now or _now()
    query = select(Package.id, Package.reference, Package.status, Package.band, Package.recipient_org_id,
                   Organisation.name, Package.created_at, User.display_name, Package.dispatched_at,
                   Package.action_by, Package.ack_due_at, Package.acknowledged_at, Package.escalated_at,
                   Package.batch_id, Package.classification, Package.tlp, Package.first_outcome_at) \
        .outerjoin(Organisation, Organisation.id == Package.recipient_org_id) \
        .join(User, User.id == Package.created_by_id)
    if is_centre_staff(principal):
        if mine:
            query = query.where(Package.created_by_id == principal.user_id)
    elif is_recipient(principal):
        query = query.where(Package.recipient_org_id == principal.organisation_id,
                            Package.status.in_([s.value for s in SENT]))
    else:
        raise NotAllowed("packages are for the centre and their recipients")
    wanted = [s for s in statuses if s]
    if wanted:
        query = query.where(Package.status.in_(wanted))
    if batch_id is not None:
        query = query.where(Package.batch_id == batch_id)
    rows = session.execute(query.order_by(Package.id.desc()).limit(limit)).all()
    awaiting = {s.value for s in AWAITING_ACTION}
    return [PackageRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12] is not None,
                       r[2] in awaiting and r[9] is not None and r[9] < now and r[16] is None, r[13], r[14], r[15])
            for r in rows]


def counts_by_status(session: Session, principal: Principal) -> dict[str, int]:
    query = select(Package.status, func.count()).group_by(Package.status)
    if not is_centre_staff(principal):
        query = query.where(Package.recipient_org_id == principal.organisation_id,
                            Package.status.in_([s.value for s in SENT]))
    return {status: n for status, n in session.execute(query)}


def users_by_id(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    return {uid: name for uid, name in session.execute(select(User.id, User.display_name)
                                                        .where(User.id.in_(wanted)))}


def report_links(session: Session, report_ids: Iterable[int]) -> list[tuple[int, str]]:
    """(id, reference) of each report, by id (the package page links its reports)."""
    ids = sorted(set(report_ids))
    return [(rid, ref) for rid, ref in session.execute(select(Report.id, Report.reference)
                                                        .where(Report.id.in_(ids)).order_by(Report.id))]


def packages_for_reports(session: Session, report_ids: Iterable[int]) -> dict[int, list[tuple[int, str, str]]]:
    """Per report, the packages it is in: (id, reference, status)."""
    ids = sorted(set(report_ids))
    found: dict[int, list[tuple[int, str, str]]] = {}
    for part in _chunks(ids):
        for rid, pid, ref, status in session.execute(
                select(PackageReport.report_id, Package.id, Package.reference, Package.status)
                .join(Package, Package.id == PackageReport.package_id)
                .where(PackageReport.report_id.in_(part)).order_by(Package.id)):
            found.setdefault(rid, []).append((pid, ref, status))
    return found


# --- due work: escalation and staleness ------------------------------------------------------------------


@dataclass(frozen=True)
class DueDone:
    escalated: int
    stale: int


def supervisors(session: Session) -> list[User]:
    return list(session.scalars(
        select(User).join(Organisation, Organisation.id == User.organisation_id)
        .where(User.role == Role.SUPERVISOR.value, User.active.is_(True), Organisation.kind == OrgKind.CENTRE.value)
        .order_by(User.id)))


def escalate_due(session: Session, settings: Settings, *, now: datetime | None = None) -> DueDone:
    """Escalate at the centre every package not acknowledged by its deadline (P0 an hour, P1 a
    working day): each active supervisor is mailed once; and flag packages past their action-by date
    with no outcome recorded. Safe to run from several processes (each package is claimed by an update)."""
    now = now or _now()
    system = Actor("system:dissemination")
    escalated = 0
    people = None
    due = list(session.scalars(select(Package).where(
        Package.status == PackageStatus.DISPATCHED.value, Package.ack_due_at <= now,
        Package.escalated_at.is_(None)).order_by(Package.id).limit(500)))
    for package in due:
        claimed = session.execute(update(Package).where(Package.id == package.id, Package.escalated_at.is_(None),
                                                        Package.status == PackageStatus.DISPATCHED.value)
                                  .values(escalated_at=now).execution_options(synchronize_session=False))
        if not claimed.rowcount:  # type: ignore[attr-defined]
            continue
        session.refresh(package)
        people = supervisors(session) if people is None else people
        recipient = routing.profiles_by_org(session, [package.recipient_org_id or 0]).get(package.recipient_org_id or 0)
        for person in people:
            mail.enqueue(session, person.email, f"ESCALATED: package {package.reference} not acknowledged",
                         f"{recipient.name if recipient else 'The recipient'} has not acknowledged package "
                         f"{package.reference} ({package.band}) by its deadline.\n\n"
                         f"Open it: {package_link(settings, package.id, inbox=False)}\n\n"
                         "Please contact the force's point of contact.\n\nThis message carries no case content.\n",
                         f"package:{package.id}:escalation:user:{person.id}", now=now)
        _event(session, None, package, "escalated", None, {"ack_due_at": package.ack_due_at.isoformat()
                                                           if package.ack_due_at else None}, at=now)
        record(session, system, AuditAction.ADMINISTRATION, "package", package.id,
               detail={"reference": package.reference, "op": "escalated",
                       "supervisors": [p.id for p in people]})
        escalated += 1
    stale_rows = list(session.scalars(select(Package).where(
        Package.status.in_([s.value for s in AWAITING_ACTION]), Package.action_by <= now,
        Package.stale_flagged_at.is_(None), Package.first_outcome_at.is_(None)).order_by(Package.id).limit(500)))
    for package in stale_rows:
        package.stale_flagged_at = now
        _event(session, None, package, "past_action_by", None, {"action_by": package.action_by.isoformat()
                                                                if package.action_by else None}, at=now)
        record(session, system, AuditAction.ADMINISTRATION, "package", package.id,
               detail={"reference": package.reference, "op": "past_action_by"})
    return DueDone(escalated, len(stale_rows))


def attention(session: Session, principal: Principal, *, now: datetime | None = None) -> dict[str, int]:
    """What needs someone now: at the centre, escalated and past-action-by packages and those
    awaiting approval; for a recipient, packages not yet acknowledged."""
    now = now or _now()
    if is_centre_staff(principal):
        escalated = session.scalar(select(func.count()).select_from(Package).where(
            Package.status == PackageStatus.DISPATCHED.value, Package.escalated_at.is_not(None))) or 0
        stale = session.scalar(select(func.count()).select_from(Package).where(
            Package.status.in_([s.value for s in AWAITING_ACTION]), Package.action_by < now,
            Package.first_outcome_at.is_(None))) or 0
        waiting = session.scalar(select(func.count()).select_from(Package).where(
            Package.status == PackageStatus.SUBMITTED.value)) or 0
        newer = aliased(Package)
        returned = session.scalar(select(func.count()).select_from(Package).where(
            Package.status == PackageStatus.REJECTED.value,
            ~select(newer.id).where(newer.rerouted_from_id == Package.id).exists())) or 0
        return {"escalated": escalated, "stale": stale, "awaiting_approval": waiting, "returned_by_recipient": returned}
    if is_recipient(principal):
        new = session.scalar(select(func.count()).select_from(Package).where(
            Package.recipient_org_id == principal.organisation_id,
            Package.status == PackageStatus.DISPATCHED.value)) or 0
        return {"unacknowledged": new}
    return {}
