"""The demo tells its story: what a newcomer is promised in jigsaw.demo.story is in the database."""

from __future__ import annotations

from sqlalchemy import func, select

from jigsaw.accounts.models import User
from jigsaw.accounts.principal import Principal
from jigsaw.accounts.roles import OrgKind, Role
from jigsaw.alerts.models import DutyAlert
from jigsaw.appeals.models import Appeal, AppealTip, Subscriber
from jigsaw.audit.service import verify
from jigsaw.casework.lifecycle import CaseStatus
from jigsaw.casework.models import Case, CaseAction, CaseReport
from jigsaw.demo.service import load_demo
from jigsaw.dissemination import service as dissemination
from jigsaw.dissemination.lifecycle import PackageStatus
from jigsaw.dissemination.models import Package
from jigsaw.education.interfaces import children_reached, settings_reached
from jigsaw.intake.models import Report
from jigsaw.linking.models import LinkMedia, LinkSubject
from jigsaw.mail.models import OutboxMail
from jigsaw.matching.storage import MediaMatchRecord
from jigsaw.platform import Platform
from jigsaw.triage.models import TriageState


def test_the_demo_shows_every_part_of_the_cycle(sqlite_platform: Platform) -> None:
    with sqlite_platform.session() as session:
        result = load_demo(session, sqlite_platform.settings.data_dir, reports=20)
        session.commit()
        assert result.reports_created > 20

        statuses = set(session.scalars(select(Case.status)))
        assert statuses == {s.value for s in CaseStatus}, "a case in every status"
        assert session.scalar(select(func.count()).select_from(Case).where(Case.assignee_id.is_not(None))) >= 5
        kinds = set(session.scalars(select(CaseAction.kind)))
        assert {"note", "enquiry", "preservation_request", "comms_data_request", "reporter_contact"} <= kinds

        # The ring: five reports from children, a parent and two platforms, joined into one case.
        biggest = session.execute(select(CaseReport.case_id, func.count()).group_by(CaseReport.case_id)
                                  .order_by(func.count().desc())).first()
        assert biggest is not None and biggest[1] >= 5
        ring_sources = set(session.scalars(select(Report.source).join(CaseReport, CaseReport.report_id == Report.id)
                                           .where(CaseReport.case_id == biggest[0])))
        assert {"young_person", "parent", "platform"} <= ring_sources
        # ... and its three people are distinct subjects of one network.
        networks = session.execute(select(LinkSubject.network_id, func.count()).group_by(LinkSubject.network_id)
                                   .order_by(func.count().desc())).first()
        assert networks is not None and networks[1] >= 5

        assert session.scalar(select(func.count()).select_from(MediaMatchRecord)) > 0
        assert set(session.scalars(select(LinkMedia.bank_series).where(LinkMedia.bank_series.is_not(None)))) == {
            "Northwind (demo series)", "Harbour (demo series)"}
        assert session.scalar(select(func.count()).select_from(TriageState).where(TriageState.band == "P0")) <= 8

        waiting = list(session.scalars(select(DutyAlert).where(DutyAlert.acknowledged_at.is_(None))))
        assert len(waiting) == 1 and waiting[0].reason != "p0", "one danger-now alert waits for someone"

        # Most Wanted: one published appeal, confirmed subscribers, a sighting; alerts queued.
        assert session.scalars(select(Appeal.status)).all() == ["published"]
        assert session.scalar(select(func.count()).select_from(Subscriber).where(
            Subscriber.status == "confirmed")) == 3
        assert session.scalar(select(func.count()).select_from(AppealTip)) == 1
        assert session.scalar(select(func.count()).select_from(OutboxMail).where(
            OutboxMail.dedupe_key.like("appeal:%"))) == 2  # everyone but the Londoner
        # Education: children reached and settings reached, apart.
        assert children_reached(session) == 27 + 29 + 18 + 20 and settings_reached(session) == 3

        again = load_demo(session, sqlite_platform.settings.data_dir, reports=20)
        assert again.reports_created == 0 and again.already_loaded
        assert session.scalar(select(func.count()).select_from(Package)) == 7 + 2, \
            "a second load adds no packages (two are Operation Kestrel's)"


def test_the_demo_has_packages_in_every_state_and_a_force_inbox(sqlite_platform: Platform) -> None:
    with sqlite_platform.session() as session:
        load_demo(session, sqlite_platform.settings.data_dir, reports=20)
        session.commit()
        statuses = set(session.scalars(select(Package.status)))
        assert statuses == {s.value for s in PackageStatus}, "a package in every state"
        liaison = session.scalar(select(User).where(User.email == "liaison@demo.example"))
        assert liaison is not None
        principal = Principal(organisation_id=liaison.organisation_id, organisation_kind=OrgKind.UK_FORCE,
                              user_id=liaison.id, role=Role.FORCE_LIAISON, label=liaison.email)
        inbox = dissemination.list_packages(session, principal)
        assert {r.status for r in inbox} == {"dispatched", "acknowledged", "accepted", "rejected"}
        accepted = session.scalar(select(Package).where(Package.status == "accepted"))
        assert accepted is not None and accepted.route_basis == "comms_data"  # routed by the subscriber's postcode
        assert accepted.approved_by_id != accepted.created_by_id
        assert verify(session).ok
