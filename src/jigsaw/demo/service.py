"""Loading the demo: the centre, a force, platforms and a partner, demo staff, a hash bank, and the
story's fictional reports (see :mod:`jigsaw.demo.story`).

Demo staff passwords and TOTP secrets are random per data folder, written to
``<data dir>/demo-credentials.json`` (mode 0600) so ``jigsaw demo --codes`` can print
current codes. Real accounts never have their secrets written anywhere.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import select
from sqlalchemy.orm import Session

from jigsaw.accounts import service as accounts
from jigsaw.accounts.button_keys import issue_button_key, keys_in_force
from jigsaw.accounts.button_link import form_path, link_query
from jigsaw.accounts.models import ButtonKey, Organisation, User
from jigsaw.accounts.principal import Principal
from jigsaw.accounts.roles import OrgKind, Role
from jigsaw.alerts.interfaces import acknowledge, open_alerts
from jigsaw.appeals import service as appeals
from jigsaw.appeals.models import Subscriber
from jigsaw.appeals.subscriptions import Links, email_index, request_subscription
from jigsaw.appeals.tips import submit_sighting
from jigsaw.audit.service import Actor
from jigsaw.casework import service as casework
from jigsaw.casework.interfaces import cases_for_reports
from jigsaw.demo import outcomes as demo_outcomes
from jigsaw.demo import publications as demo_publications
from jigsaw.demo import story as plot
from jigsaw.demo.operations import load_operation
from jigsaw.dissemination import service as dissemination
from jigsaw.education import service as education
from jigsaw.intake.domain import Channel, EntryRoute, ReportDraft
from jigsaw.intake.models import Report, Subject
from jigsaw.intake.service import submit_report
from jigsaw.matching.banks import make_entry
from jigsaw.matching.storage import Bank, create_bank, import_entries
from jigsaw.routing import service as routing
from jigsaw.routing.reference import RECIPIENTS

DEMO_CENTRE = plot.CENTRE
DEMO_ORGS = [
    (DEMO_CENTRE, OrgKind.CENTRE, None, "GB"),
    ("Demo Metropolitan Police", OrgKind.UK_FORCE, "E23000001", "GB"),
    (plot.PIXELPLAY, OrgKind.PLATFORM, None, "US"),
    (plot.CHATTERBOX, OrgKind.PLATFORM, None, "US"),
    (plot.NCMEC, OrgKind.PARTNER_AGENCY, None, "US"),
]
DEMO_STAFF = [
    ("analyst@demo.example", Role.ANALYST, DEMO_CENTRE, "Alex Morgan"),
    ("analyst2@demo.example", Role.ANALYST, DEMO_CENTRE, "Sam Okoro"),
    ("supervisor@demo.example", Role.SUPERVISOR, DEMO_CENTRE, "Jo Whitfield"),
    ("supervisor2@demo.example", Role.SUPERVISOR, DEMO_CENTRE, "Ravi Chandra"),
    ("admin@demo.example", Role.ADMIN, DEMO_CENTRE, "Chris Lane"),
    ("auditor@demo.example", Role.AUDITOR, DEMO_CENTRE, "Pat Ellis"),
    ("liaison@demo.example", Role.FORCE_LIAISON, "Demo Metropolitan Police", "DS Rowan Hale"),
]
# The first platform referral of the story: once stored, the story is loaded.
_STORY_MARK = (plot.PIXELPLAY, "pp-ts-40117")
ACTOR = Actor("demo-loader")
DEMO_BASE_URL = "http://127.0.0.1:8000"


@dataclass(frozen=True)
class DemoResult:
    reports_created: int
    credentials_file: Path
    already_loaded: bool


def credentials_path(data_dir: Path) -> Path:
    return data_dir / "demo-credentials.json"


def load_demo(session: Session, data_dir: Path, *, reports: int = 40, links: Links | None = None) -> DemoResult:
    """Idempotent: a second run adds nothing. ``reports`` is the number of everyday reports; ``links``
    signs the links in the Most Wanted mail (the platform's, so they work on the running server)."""
    path = credentials_path(data_dir)
    orgs: dict[str, Organisation] = {}
    for name, kind, force_code, country in DEMO_ORGS:
        existing = session.scalar(select(Organisation).where(Organisation.name == name))
        orgs[name] = existing or accounts.create_organisation(session, ACTOR, name, kind, force_code=force_code,
                                                              country=country)
    creds: dict[str, dict[str, str]] = json.loads(path.read_text()) if path.exists() else {}
    already = all(session.scalar(select(User).where(User.email == email)) for email, *_ in DEMO_STAFF)
    for email, role, org_name, display_name in DEMO_STAFF:
        if session.scalar(select(User).where(User.email == email)):
            continue
        password = secrets.token_urlsafe(12)
        new = accounts.create_user(session, ACTOR, email, role, orgs[org_name], password,
                                   display_name=display_name)
        creds[email] = {"password": password, "totp_secret": new.totp_secret, "role": role.value}
    _write_private(path, json.dumps(creds, indent=2))
    _issue_button_keys(session, orgs)
    the_story = plot.story(everyday=reports)
    _load_bank(session, the_story)
    session.commit()  # the matcher reads banks through its own connection: the bank must be visible to it
    created = _load_reports(session, the_story, orgs)
    _load_recipients(session, the_story, orgs)
    if created:
        _work_cases(session, the_story, orgs)
        _acknowledge_all_but_the_latest_danger(session)
        _disseminate(session, the_story, orgs)
        _publish_appeal(session, orgs, links or Links(DEMO_BASE_URL, secrets.token_bytes(32)))
        _record_education(session)
        load_operation(session)
        _record_outcomes(session, the_story, orgs)
        demo_publications.load_history(session)
        demo_publications.approved_assessment(session, _principal(session, "analyst@demo.example"),
                                              _principal(session, "supervisor@demo.example"))
    return DemoResult(created, path, already and created == 0)


def _load_bank(session: Session, the_story: plot.Story) -> None:
    """The bank goes in before the reports, so their media match as they arrive."""
    if session.scalar(select(Bank.id).where(Bank.name == plot.BANK_NAME)) is not None:
        return
    bank = create_bank(session, plot.BANK_NAME, description="Fictional known-imagery hashes for the demo",
                       source="demo")
    entries = []
    for known in the_story.bank:
        for signal, value in (("md5", known.md5), ("pdq", known.pdq)):
            entries.append(make_entry(signal, value, uk_category=known.uk_category,
                                      vics_category=known.vics_category, series=known.series))
    import_entries(session, bank, entries, source="demo", fmt="demo", imported_by=ACTOR.label)


def _load_reports(session: Session, the_story: plot.Story, orgs: dict[str, Organisation]) -> int:
    mark_org, mark_id = _STORY_MARK
    if session.scalar(select(Report.id).where(Report.submitted_by_org_id == orgs[mark_org].id,
                                              Report.external_id == mark_id)) is not None:
        return 0
    created = 0
    for item in sorted(the_story.reports, key=lambda r: r.draft.received_at or datetime.now(UTC)):
        organisation = orgs[item.submitter].id if item.submitter else None
        actor = Actor(f"token of {item.submitter}", organisation) if item.submitter else Actor("public-form")
        if submit_report(session, _with_entry_route(item, orgs), actor, organisation_id=organisation).created:
            created += 1
    return created


def _with_entry_route(item: plot.StoryReport, orgs: dict[str, Organisation]) -> ReportDraft:
    """A public-form report came by the web form or through a platform's Report Abuse button."""
    if item.draft.channel is not Channel.PUBLIC_FORM:
        return item.draft
    if item.button is None:
        return replace(item.draft, entry_route=EntryRoute.WEB_FORM)
    return replace(item.draft, entry_route=EntryRoute.BUTTON, entry_org_id=orgs[item.button].id)


def _issue_button_keys(session: Session, orgs: dict[str, Organisation]) -> None:
    """PixelPlay has a Report Abuse button: a signing key, issued once."""
    org = orgs[plot.PIXELPLAY]
    if session.scalar(select(ButtonKey.id).where(ButtonKey.organisation_id == org.id)) is None:
        issue_button_key(session, ACTOR, org)


def button_link(session: Session, base_url: str, account: str = "darktide_77") -> str | None:
    """A freshly signed link from PixelPlay's Report Abuse button, as PixelPlay's server would make it."""
    org = session.scalar(select(Organisation).where(Organisation.name == plot.PIXELPLAY))
    keys = keys_in_force(session, org.id) if org is not None else []
    if org is None or not keys:
        return None
    query = link_query(keys[0], org.id, account, int(datetime.now(UTC).timestamp()))
    return f"{base_url}{form_path(org.id)}?{urlencode(query)}"


def _principal(session: Session, email: str) -> Principal:
    user = session.scalar(select(User).where(User.email == email))
    assert user is not None, f"demo staff {email} missing"
    return Principal(organisation_id=user.organisation_id, organisation_kind=OrgKind(user.organisation.kind),
                     user_id=user.id, role=Role(user.role), label=user.email)


# The moves from "new" that bring a case to each status (the lifecycle allows no shortcuts).
_PATHS: dict[str, tuple[str, ...]] = {
    "new": (),
    "in_progress": ("in_progress",),
    "awaiting_information": ("in_progress", "awaiting_information"),
    "ready_for_dissemination": ("in_progress", "ready_for_dissemination"),
    "disseminated": ("in_progress", "ready_for_dissemination", "disseminated"),
    "closed": ("in_progress",),
}


def _work_cases(session: Session, the_story: plot.Story, orgs: dict[str, Organisation]) -> None:
    """Do to the story's cases what the analysts in the story have done, through the case service."""
    by_key = {item.key: item for item in the_story.reports}
    supervisor = _principal(session, "supervisor@demo.example")
    worked: set[int] = set()
    for plan in the_story.cases:
        item = by_key.get(plan.report_key)
        if item is None:
            continue  # a smaller demo (--reports N) has fewer everyday reports
        organisation = orgs[item.submitter].id if item.submitter else None
        report_id = session.scalar(select(Report.id).where(Report.external_id == item.draft.external_id,
                                                           Report.submitted_by_org_id == organisation)
                                   if item.draft.external_id else
                                   select(Report.id).where(Report.received_at == item.draft.received_at))
        case_ref = cases_for_reports(session, [report_id]).get(report_id) if report_id else None
        if case_ref is None or case_ref.id in worked:
            continue  # reports that joined one case are worked once
        worked.add(case_ref.id)
        owner = _principal(session, plan.assignee) if plan.assignee else None
        if owner is not None:
            casework.assign(session, supervisor, case_ref.id, owner.user_id)
        actor = owner or supervisor
        for status in _PATHS[plan.status]:
            casework.change_status(session, actor, case_ref.id, status)
        for kind, text, details in plan.actions:
            casework.add_action(session, actor, case_ref.id, kind, text, details)
        if plan.status == "closed":
            casework.close(session, actor, case_ref.id, plan.close_reason, plan.close_explanation or "")


DEMO_FORCE = "Demo Metropolitan Police"


def _load_recipients(session: Session, the_story: plot.Story, orgs: dict[str, Organisation]) -> None:
    """The shipped recipients (less the real force whose area the demo force stands in for), the
    demo force's point of contact, and the story's postcodes if no directory was loaded."""
    taken = {o.force_code for o in orgs.values() if o.force_code}
    routing.seed_recipients(session, ACTOR, [r for r in RECIPIENTS if r.ons_code not in taken])
    if routing.recipient_info_or_none(session, orgs[DEMO_FORCE].id) is None:
        routing.set_contact(session, ACTOR, DEMO_FORCE, email="referrals@demo-met.example")
    if routing.postcode_count(session) == 0:
        lines = ["pcds,doterm,pfa\n", *(f"{pc},,{pfa}\n" for pc, pfa in the_story.postcodes)]
        routing.load_directory(session, ACTOR, lines, source="demo story")


def _report_id(session: Session, item: plot.StoryReport, orgs: dict[str, Organisation]) -> int | None:
    organisation = orgs[item.submitter].id if item.submitter else None
    return session.scalar(select(Report.id).where(Report.external_id == item.draft.external_id,
                                                  Report.submitted_by_org_id == organisation)
                          if item.draft.external_id else
                          select(Report.id).where(Report.received_at == item.draft.received_at))


def _disseminate(session: Session, the_story: plot.Story, orgs: dict[str, Organisation]) -> None:
    """Packages in every state: drafted by an analyst from a case, approved by the supervisor (a second
    person), and acknowledged, accepted or returned by the demo force's liaison officer."""
    by_key = {item.key: item for item in the_story.reports}
    analyst = _principal(session, "analyst@demo.example")
    supervisor = _principal(session, "supervisor@demo.example")
    liaison = _principal(session, "liaison@demo.example")
    for plan in the_story.packages:
        item = by_key.get(plan.report_key)
        report_id = _report_id(session, item, orgs) if item else None
        if report_id is None:
            continue
        case_ref = cases_for_reports(session, [report_id]).get(report_id)
        report_ids = [report_id] if case_ref is None else list(
            casework.report_ids_of(session, [case_ref.id]).get(case_ref.id, [report_id]))
        recipient = orgs[plan.recipient].id if plan.recipient in orgs else None
        package = dissemination.create_package(session, analyst, dissemination.DraftSpec(
            tuple(report_ids), plan.summary, recipient_org_id=recipient, route_reason=plan.reason, tlp=plan.tlp,
            handling="Not to be disclosed outside the receiving force without the centre's consent."))
        if plan.status == "draft":
            continue
        dissemination.submit(session, analyst, package.id)
        if plan.status == "returned":
            dissemination.return_to_author(session, supervisor, package.id, plan.comment or "Please revise.")
        if plan.status in ("submitted", "returned"):
            continue
        dissemination.approve(session, supervisor, package.id, now=demo_outcomes.sent_at(plan.report_key))
        if plan.status == "acknowledged":
            dissemination.acknowledge(session, liaison, package.id)
        elif plan.status == "accepted":
            dissemination.acknowledge(session, liaison, package.id)
            dissemination.post_message(session, liaison, package.id, "Received. Can you confirm whether the "
                                       "platform still holds the account's login history?")
            dissemination.post_message(session, analyst, package.id, "Yes: PixelPlay preserved it for 90 days "
                                       "under their reference PP-LE-88213.")
            dissemination.accept(session, liaison, package.id, plan.comment)
        elif plan.status == "rejected":
            dissemination.reject(session, liaison, package.id, plan.comment or "Not our area.")


def _record_outcomes(session: Session, the_story: plot.Story, orgs: dict[str, Organisation]) -> None:
    """What the demo force recorded after Operation Kestrel, and the network the centre saw dismantled."""
    by_key = {item.key: item for item in the_story.reports}
    demo_outcomes.record_demo_outcomes(
        session, {key: _report_id(session, by_key[key], orgs) if key in by_key else None
                  for key in demo_outcomes.SENT_DAYS_AGO},
        _principal(session, "liaison@demo.example"), _principal(session, "analyst@demo.example"))


def _acknowledge_all_but_the_latest_danger(session: Session) -> None:
    """Earlier alerts were handled on the day; the newest danger-now report is waiting for someone."""
    waiting = open_alerts(session, limit=1000)
    latest_danger = max((a for a in waiting if a.reason != "p0"), key=lambda a: a.report_id, default=None)
    duty = _principal(session, "supervisor@demo.example")
    for alert in waiting:
        if alert is not latest_danger:
            acknowledge(session, duty, alert.id)


def _publish_appeal(session: Session, orgs: dict[str, Organisation], links: Links) -> None:
    """Most Wanted: an analyst drafts the story's appeal, two supervisors approve it, the public
    has subscribed (confirmed already, as if they had used their links), and a sighting came in."""
    plan = plot.most_wanted()
    subject_id = session.scalar(select(Subject.id).where(Subject.role == "suspect", Subject.age.is_(None))
                                .order_by(Subject.id))
    if subject_id is None:
        return
    for email, regions in plot.SUBSCRIBERS:
        request_subscription(session, links, email, list(regions))
        subscriber = session.scalar(select(Subscriber).where(Subscriber.email_index == email_index(session, email)))
        if subscriber is not None:
            subscriber.status, subscriber.consent_at = "confirmed", datetime.now(UTC)
    force = orgs["Demo Metropolitan Police"]
    analyst = _principal(session, "analyst@demo.example")
    appeal = appeals.create_appeal(session, analyst, subject_id=subject_id, reason=plan.reason,
                                   owning_force_id=force.id, region=plan.region, public=plan.public,
                                   justification=plan.justification)
    appeals.submit(session, analyst, appeal.id)
    for approver in ("supervisor@demo.example", "supervisor2@demo.example"):
        appeals.approve(session, _principal(session, approver), appeal.id, "Lawful, necessary, proportionate.", links)
    submit_sighting(session, appeal.slug, "A man who looks like him was buying cigarettes on the promenade.",
                    "Blackpool promenade", "Last Saturday afternoon")


def _record_education(session: Session) -> None:
    """The education programme: two trained deliverers and a term of sessions."""
    analyst = _principal(session, "analyst@demo.example")
    today = datetime.now(UTC).date()
    made = []
    for name, role, organisation, course, days in plot.DELIVERERS:
        made.append(education.add_deliverer(session, analyst, name=name, email=None, organisation=organisation,
                                            role=role, course=course, trained_on=today - timedelta(days=days),
                                            conduct_accepted=True))
    for i, s in enumerate(plot.education_sessions()):
        education.record_session(
            session, analyst, deliverer_id=made[i % len(made)].id, setting_name=s.setting_name,
            setting_type=s.setting_type, setting_urn=s.setting_urn, area=s.area,
            held_on=today - timedelta(days=s.days_ago), format_=s.format, children=s.children, parents=s.parents,
            professionals=s.professionals, resource=s.resource, resource_version=s.resource_version)


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)


def demo_credentials(data_dir: Path) -> dict[str, dict[str, str]]:
    path = credentials_path(data_dir)
    return json.loads(path.read_text()) if path.exists() else {}
