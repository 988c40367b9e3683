"""Routing's storage side: seeding the recipients, loading the postcode table, and gathering the
clues of a set of reports to propose where a package goes.

Clues are read in bulk (a few queries for any number of packages), because a batch of a
thousand suspects is routed in one go.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from jigsaw.accounts import service as accounts
from jigsaw.accounts.models import Organisation
from jigsaw.audit.chain import AuditAction
from jigsaw.audit.service import Actor, record
from jigsaw.casework.interfaces import cases_for_reports, comms_data_requests
from jigsaw.db.base import table_of
from jigsaw.errors import InvalidInput, NotFound
from jigsaw.identifiers import IdentifierType
from jigsaw.intake.interfaces import IdentifierRecord, Observation, Report, Subject, SubjectRole
from jigsaw.markings import Classification, Tlp, parse_classification, parse_tlp
from jigsaw.routing.models import PostcodeForce, RecipientProfile
from jigsaw.routing.onspd import ReadCounts, read_directory
from jigsaw.routing.places import address_country, country_code, district, postcodes_in
from jigsaw.routing.propose import Basis, CountryClue, PostcodeClue, Recipient, Routing, propose
from jigsaw.routing.reference import RECIPIENTS, RecipientSeed

_CHUNK = 500
_postcodes_t = table_of(PostcodeForce)


class RecipientNotFound(NotFound, LookupError):
    pass


@dataclass(frozen=True)
class RecipientInfo:
    """A recipient as pages, the API and dissemination show it."""

    org_id: int
    name: str
    kind: str
    ons_code: str | None
    country: str | None
    spoc_email: str
    max_classification: Classification
    max_tlp: Tlp
    international: bool
    accepts_stix: bool
    active: bool


@dataclass
class SeedResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0


def seed_recipients(session: Session, actor: Actor, seeds: Sequence[RecipientSeed] = RECIPIENTS) -> SeedResult:
    """Create the shipped recipients that are missing and bring the others' reference data up to
    date (idempotent). A point of contact an administrator set is never overwritten."""
    result = SeedResult()
    existing = {o.name: o for o in session.scalars(select(Organisation).where(
        Organisation.name.in_([s.name for s in seeds])))}
    profiles = {p.organisation_id: p for p in session.scalars(select(RecipientProfile))}
    for seed in seeds:
        org = existing.get(seed.name)
        changed = False
        if org is None:
            org = accounts.create_organisation(session, actor, seed.name, seed.kind, force_code=seed.ons_code,
                                               country=seed.country)
            result.created.append(seed.name)
        else:
            if seed.ons_code and org.force_code != seed.ons_code:
                org.force_code, changed = seed.ons_code, True
            if seed.country and org.country != seed.country:
                org.country, changed = seed.country, True
        wanted = {"max_classification": seed.max_classification.value, "max_tlp": seed.max_tlp.value,
                  "international": seed.international, "accepts_stix": seed.accepts_stix,
                  "covers": list(seed.covers), "postcode_areas": list(seed.postcode_areas),
                  "aliases": list(seed.aliases), "priority": seed.priority}
        profile = profiles.get(org.id)
        if profile is None:
            session.add(RecipientProfile(organisation_id=org.id, spoc_email=seed.placeholder_email, active=True,
                                         updated_at=datetime.now(UTC), **wanted))
            changed = changed or org.name not in result.created
        else:
            for key, value in wanted.items():
                if getattr(profile, key) != value:
                    setattr(profile, key, value)
                    changed = True
            if changed:
                profile.updated_at = datetime.now(UTC)
        if changed and seed.name not in result.created:
            result.updated.append(seed.name)
        elif seed.name not in result.created:
            result.unchanged += 1
    session.flush()
    if result.created or result.updated:
        record(session, actor, AuditAction.ADMINISTRATION, "recipients", None,
               detail={"op": "seed", "created": len(result.created), "updated": result.updated})
    return result


def set_contact(session: Session, actor: Actor, organisation_name: str, *, email: str | None = None,
                max_classification: str | None = None, max_tlp: str | None = None,
                active: bool | None = None) -> RecipientInfo:
    """Set a recipient's single point of contact and the highest marking it may receive."""
    org = accounts.organisation_by_name(session, organisation_name)
    profile = session.get(RecipientProfile, org.id)
    if profile is None:
        if org.kind not in ("uk_force", "partner_agency"):
            raise InvalidInput("only a police force or a partner agency receives packages")
        profile = RecipientProfile(organisation_id=org.id, spoc_email="", max_classification="OFFICIAL-SENSITIVE",
                                   max_tlp="red", international=org.kind == "partner_agency", accepts_stix=False,
                                   covers=[org.country] if org.country else [], postcode_areas=[], aliases=[],
                                   priority=100, active=True)
        session.add(profile)
    changes: dict[str, Any] = {}
    if email is not None:
        cleaned = email.strip()
        if "@" not in cleaned or any(c in cleaned for c in "\r\n ,;"):
            raise InvalidInput(f"not one email address: {email!r}")
        profile.spoc_email = changes["spoc_email"] = cleaned
    if max_classification is not None:
        profile.max_classification = changes["max_classification"] = parse_classification(max_classification).value
    if max_tlp is not None:
        tlp = parse_tlp(max_tlp)
        if tlp is None:
            raise InvalidInput("a maximum TLP is needed")
        profile.max_tlp = changes["max_tlp"] = tlp.value
    if active is not None:
        profile.active = changes["active"] = active
    if not profile.spoc_email:
        raise InvalidInput("a recipient needs a point-of-contact address (--email)")
    profile.updated_at = datetime.now(UTC)
    session.flush()
    record(session, actor, AuditAction.ADMINISTRATION, "recipient", org.id,
           detail={"op": "contact", "fields": sorted(changes)})
    return recipient_info(session, org.id)


def _info(org: Organisation, profile: RecipientProfile) -> RecipientInfo:
    return RecipientInfo(org.id, org.name, org.kind, org.force_code, org.country, profile.spoc_email,
                         Classification(profile.max_classification), Tlp(profile.max_tlp), profile.international,
                         profile.accepts_stix, profile.active)


def recipient_info(session: Session, org_id: int) -> RecipientInfo:
    row = session.execute(select(Organisation, RecipientProfile)
                          .join(RecipientProfile, RecipientProfile.organisation_id == Organisation.id)
                          .where(Organisation.id == org_id)).first()
    if row is None:
        raise RecipientNotFound("That organisation is not a recipient of packages (jigsaw orgs seed, "
                                "or jigsaw routing contact).")
    return _info(row[0], row[1])


def recipient_info_or_none(session: Session, org_id: int) -> RecipientInfo | None:
    try:
        return recipient_info(session, org_id)
    except RecipientNotFound:
        return None


def recipients(session: Session, *, active_only: bool = True) -> list[RecipientInfo]:
    """Every recipient, UK forces first, by name."""
    query = (select(Organisation, RecipientProfile)
             .join(RecipientProfile, RecipientProfile.organisation_id == Organisation.id))
    if active_only:
        query = query.where(RecipientProfile.active.is_(True))
    rows = session.execute(query).all()
    return sorted((_info(o, p) for o, p in rows), key=lambda r: (r.international, r.name))


def _routing_recipients(session: Session) -> list[Recipient]:
    rows = session.execute(select(Organisation, RecipientProfile)
                           .join(RecipientProfile, RecipientProfile.organisation_id == Organisation.id)
                           .where(RecipientProfile.active.is_(True))).all()
    return [Recipient(o.id, o.name, o.kind, o.force_code, tuple(p.aliases or ()), tuple(p.postcode_areas or ()),
                      tuple(p.covers or ()), p.priority, p.international) for o, p in rows]


# --- the postcode table ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoadResult:
    counts: ReadCounts
    districts: int
    force_areas: int


def load_directory(session: Session, actor: Actor, lines: Iterable[str], *, source: str = "") -> LoadResult:
    """Replace the postcode table with the live postcodes of an ONSPD or NSPL file (one transaction:
    routing never sees half a table)."""
    counts = ReadCounts()
    session.execute(delete(PostcodeForce))
    batch: list[dict[str, str]] = []
    seen: set[str] = set()
    for postcode, pfa in read_directory(lines, counts):
        if postcode in seen:  # a directory lists each unit once; a joined file might not
            continue
        seen.add(postcode)
        batch.append({"postcode": postcode, "district": district(postcode), "pfa": pfa})
        if len(batch) >= 5000:
            session.execute(insert(_postcodes_t), batch)
            batch = []
    if batch:
        session.execute(insert(_postcodes_t), batch)
    districts = session.scalar(select(func.count(func.distinct(PostcodeForce.district)))) or 0
    areas = session.scalar(select(func.count(func.distinct(PostcodeForce.pfa)))) or 0
    record(session, actor, AuditAction.ADMINISTRATION, "postcode_table", None,
           detail={"op": "load", "source": source[:200], "kept": counts.kept, "terminated": counts.terminated})
    return LoadResult(counts, districts, areas)


def postcode_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(PostcodeForce)) or 0


def district_shares(session: Session, districts: Iterable[str]) -> dict[str, dict[str, int]]:
    """Live postcodes per force area in each district (the districts that straddle show several)."""
    wanted = sorted(set(districts))
    found: dict[str, dict[str, int]] = {}
    for start in range(0, len(wanted), _CHUNK):
        rows = session.execute(select(PostcodeForce.district, PostcodeForce.pfa, func.count())
                               .where(PostcodeForce.district.in_(wanted[start:start + _CHUNK]))
                               .group_by(PostcodeForce.district, PostcodeForce.pfa))
        for d, pfa, n in rows:
            found.setdefault(d, {})[pfa] = n
    return found


# --- clues and proposals -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """What one package is about: reports, and (optionally) which of their subjects."""

    report_ids: tuple[int, ...]
    subject_ids: tuple[int, ...] = ()  # empty: the reports' suspects


@dataclass
class _Clues:
    postcodes: list[PostcodeClue] = field(default_factory=list)
    countries: list[CountryClue] = field(default_factory=list)
    ips: list[str] = field(default_factory=list)
    pending_requests: list[str] = field(default_factory=list)


def _subjects(session: Session, report_ids: Sequence[int]) -> dict[int, tuple[int, str]]:
    """subject id -> (report id, role) for the reports."""
    found: dict[int, tuple[int, str]] = {}
    for start in range(0, len(report_ids), _CHUNK):
        for sid, rid, role in session.execute(select(Subject.id, Subject.report_id, Subject.role)
                                              .where(Subject.report_id.in_(report_ids[start:start + _CHUNK]))):
            found[sid] = (rid, role)
    return found


def route_many(session: Session, targets: Sequence[Target]) -> list[Routing]:
    """The routing of each target, reading the clues of all of them in a handful of queries."""
    all_reports = sorted({rid for t in targets for rid in t.report_ids})
    subjects = _subjects(session, all_reports)
    references: dict[int, str] = {}
    source_data: dict[int, dict[str, Any]] = {}
    for start in range(0, len(all_reports), _CHUNK):
        for rid, ref, data in session.execute(select(Report.id, Report.reference, Report.source_data)
                                              .where(Report.id.in_(all_reports[start:start + _CHUNK]))):
            references[rid] = ref
            source_data[rid] = data or {}
    # Identifiers of every subject of these reports: postal addresses and IP addresses.
    observed: dict[int, list[tuple[str, str, datetime | None]]] = {}  # subject id -> (type, value, seen)
    wanted_types = [IdentifierType.POSTAL_ADDRESS.value, IdentifierType.IP.value]
    subject_ids = sorted(subjects)
    for start in range(0, len(subject_ids), _CHUNK):
        rows = session.execute(
            select(Observation.subject_id, IdentifierRecord.type, IdentifierRecord.value, Observation.seen_at)
            .join(IdentifierRecord, IdentifierRecord.id == Observation.identifier_id)
            .where(Observation.subject_id.in_(subject_ids[start:start + _CHUNK]),
                   IdentifierRecord.type.in_(wanted_types)).order_by(Observation.id))
        for sid, kind, value, seen in rows:
            if sid is None:
                continue
            observed.setdefault(sid, []).append((kind, value, seen))
    cases = cases_for_reports(session, all_reports)
    requests = comms_data_requests(session, {c.id for c in cases.values()})
    recipients = _routing_recipients(session)
    clues_of: list[_Clues] = []
    for target in targets:
        clues = _Clues()
        chosen = set(target.subject_ids) or {sid for sid, (rid, role) in subjects.items()
                                             if rid in target.report_ids and role == SubjectRole.SUSPECT.value}
        for sid in sorted(chosen):
            if sid not in subjects or subjects[sid][0] not in target.report_ids:
                continue
            ref = references.get(subjects[sid][0], "?")
            for kind, value, seen in observed.get(sid, ()):
                if kind == IdentifierType.POSTAL_ADDRESS.value:
                    clues.postcodes.extend(PostcodeClue(pc, Basis.POSTAL_ADDRESS, f"report {ref}")
                                           for pc in postcodes_in(value))
                    country = address_country(value)
                    if country:
                        clues.countries.append(CountryClue(country, f"a postal address in report {ref}"))
                else:
                    when = f" seen {seen.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC" if seen else " (no time recorded)"
                    clues.ips.append(f"IP address {value}{when} (report {ref})")
        for rid in target.report_ids:
            data = source_data.get(rid, {})
            ref = references.get(rid, "?")
            for pc in postcodes_in(str(data.get("postcode") or "")):
                clues.postcodes.append(PostcodeClue(pc, Basis.PUBLIC_FORM, f"report {ref}"))
            code = country_code(str(data.get("country") or ""))
            if code:
                clues.countries.append(CountryClue(code, f"report {ref}"))
        case_ids = sorted({cases[rid].id for rid in target.report_ids if rid in cases})
        for cid in case_ids:
            for req in requests.get(cid, ()):
                label = f"communications-data request {req.reference or req.action_id} on {req.case_reference}"
                found = postcodes_in(req.result) if req.status == "approved" and req.result else []
                clues.postcodes.extend(PostcodeClue(pc, Basis.COMMS_DATA, label) for pc in found)
                if not found and req.status not in ("refused", "approved"):
                    clues.pending_requests.append(f"{label} (now {req.status})")
        clues_of.append(clues)
    units = sorted({c.postcode for cl in clues_of for c in cl.postcodes})
    unit_force: dict[str, str] = {}
    for start in range(0, len(units), _CHUNK):
        for postcode, pfa in session.execute(select(PostcodeForce.postcode, PostcodeForce.pfa)
                                             .where(PostcodeForce.postcode.in_(units[start:start + _CHUNK]))):
            unit_force[postcode] = pfa
    shares = district_shares(session, [district(u) for u in units if u not in unit_force])
    loaded = bool(unit_force) or bool(shares) or (bool(units) and postcode_count(session) > 0)
    out: list[Routing] = []
    for clues in clues_of:
        out.append(propose(clues.postcodes, clues.countries, recipients, unit_force.get,
                           lambda d: shares.get(d, {}), table_loaded=loaded, pending_ips=clues.ips,
                           pending_requests=clues.pending_requests))
    return out


def route(session: Session, target: Target) -> Routing:
    return route_many(session, [target])[0]


def profiles_by_org(session: Session, org_ids: Iterable[int]) -> Mapping[int, RecipientInfo]:
    ids = sorted(set(org_ids))
    if not ids:
        return {}
    rows = session.execute(select(Organisation, RecipientProfile)
                           .join(RecipientProfile, RecipientProfile.organisation_id == Organisation.id)
                           .where(Organisation.id.in_(ids))).all()
    return {o.id: _info(o, p) for o, p in rows}
