"""A seeded financial year (2025/26) whose every headline figure is known in advance.

Rows are written straight through the models (the outcomes recording service is built
elsewhere; statistics only reads), with timestamps chosen to sit either side of the period's
edges: 31 March 23:30 BST is still 31 March in London though 22:30 UTC; 1 April 00:30 BST is
the new year in London though still 31 March in UTC. The expected figures are written out by
hand in :data:`EXPECTED`, not computed by the code under test.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from jigsaw.accounts.roles import OrgKind, Role
from jigsaw.appeals.interfaces import Appeal
from jigsaw.db.engine import session_scope
from jigsaw.dissemination.interfaces import Package
from jigsaw.education.interfaces import EducationSession
from jigsaw.education.models import Deliverer
from jigsaw.intake.interfaces import Report, Subject
from jigsaw.outcomes.interfaces import NetworkDisruption, Outcome
from jigsaw.platform import Platform
from tests.factories import StaffAccount, make_org, make_staff

_seq = itertools.count(1)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


# 2025/26 runs 1 April 2025 to 31 March 2026. BST ends 26 Oct 2025 and starts 29 Mar 2026.
BEFORE = utc(2025, 3, 31, 22, 30)  # 31 Mar 2025 23:30 BST: the year before
FIRST = utc(2025, 3, 31, 23, 30)  # 1 Apr 2025 00:30 BST: the year's first hour, still 31 March in UTC
JUNE = utc(2025, 6, 15, 12)
DEC = utc(2025, 12, 31, 23, 59)  # 31 Dec 2025 23:59 GMT: the calendar year 2025's last minute
JAN = utc(2026, 1, 1, 0, 1)
LAST = utc(2026, 3, 31, 22, 30)  # 31 Mar 2026 23:30 BST: the year's last hour
AFTER = utc(2026, 3, 31, 23, 30)  # 1 Apr 2026 00:30 BST: the next year


@dataclass
class Seeded:
    analyst: StaffAccount
    supervisor: StaffAccount
    auditor: StaffAccount
    liaison: StaffAccount
    force_a: int
    force_b: int
    package_id: int


def _report(session: Session, when: datetime, source: str) -> Report:
    n = next(_seq)
    report = Report(reference=f"JIG-STAT-{n:04d}", source=source, channel="api", incident_type="indecent_images",
                    summary="Seeded for the statistics tests.", received_at=when)
    session.add(report)
    session.flush()
    return report


def _package(session: Session, author: int, recipient: int | None, dispatched_at: datetime | None) -> Package:
    n = next(_seq)
    package = Package(reference=f"PKG-STAT-{n:04d}", status="dispatched" if dispatched_at else "draft",
                      created_by_id=author, classification="OFFICIAL", band="P2", summary="Seeded.",
                      recipient_org_id=recipient, dispatched_at=dispatched_at)
    session.add(package)
    session.flush()
    return package


def outcome(session: Session, package_id: int, org_id: int, kind: str, when: datetime, *, count: int = 1,
            withdrawn: bool = False, **fields: Any) -> Outcome:
    n = next(_seq)
    row = Outcome(package_id=package_id, org_id=org_id, reference=f"FORCE/{n:05d}", body_digest=f"{n:064d}",
                  kind=kind, occurred_at=when, count=count, details={},
                  withdrawn_at=when + timedelta(days=1) if withdrawn else None, **fields)
    session.add(row)
    session.flush()
    return row


def seed_year(platform: Platform) -> Seeded:
    centre = make_org(platform, "Centre")
    force_a = make_org(platform, "Northshire Police", OrgKind.UK_FORCE)
    force_b = make_org(platform, "Southshire Police", OrgKind.UK_FORCE)
    analyst = make_staff(platform, "analyst@centre.example", Role.ANALYST, centre)
    supervisor = make_staff(platform, "supervisor@centre.example", Role.SUPERVISOR, centre)
    auditor = make_staff(platform, "auditor@centre.example", Role.AUDITOR, centre)
    liaison = make_staff(platform, "liaison@northshire.police.test", Role.FORCE_LIAISON, force_a)
    with session_scope(platform.engine) as s:
        # Reports: 2 young people (one in the first hour), 1 parent, 2 platforms (one in the last hour);
        # one the year before and one the year after.
        for when, source in ((BEFORE, "platform"), (FIRST, "young_person"), (JUNE, "young_person"),
                             (DEC, "parent"), (JAN, "platform"), (LAST, "platform"), (AFTER, "police")):
            report = _report(s, when, source)
        anchor = Subject(report_id=report.id, role="suspect")
        s.add(anchor)
        s.flush()
        # Packages: 3 dispatched in the year (2 to A, 1 to B), 1 the year before, 1 draft never sent.
        for recipient, when in ((force_a, FIRST), (force_a, JUNE), (force_b, LAST), (force_a, BEFORE)):
            package = _package(s, analyst.id, recipient, when)
        _package(s, analyst.id, force_b, None)
        pid = package.id
        # Arrests: 1 + 2 (one record of two people) + 1 = 4 in the year; a withdrawn one; one the year after.
        outcome(s, pid, force_a, "arrest", FIRST)
        outcome(s, pid, force_a, "arrest", JUNE, count=2)
        outcome(s, pid, force_b, "arrest", LAST)
        outcome(s, pid, force_b, "arrest", JUNE, withdrawn=True)
        outcome(s, pid, force_b, "arrest", AFTER)
        # Charges: 2 people (one record); a charge with outcome type 0 still counts as a charge.
        outcome(s, pid, force_a, "charge", DEC, count=2, charge_count=7, home_office_outcome=1)
        # Home Office outcome types: type 1 above, a type 22, and a type 0 that never counts.
        outcome(s, pid, force_a, "home_office_outcome", JAN, home_office_outcome=22)
        outcome(s, pid, force_a, "home_office_outcome", JAN, home_office_outcome=0)
        outcome(s, pid, force_a, "home_office_outcome", JAN, home_office_outcome=14, withdrawn=True)
        # Children: removed 3 (2 + 1), protective 4, imagery 2; a withdrawn 5 and one the year before.
        outcome(s, pid, force_a, "child_safeguarded", FIRST, count=2, category="removed_from_harm")
        outcome(s, pid, force_b, "child_safeguarded", DEC, count=1, category="removed_from_harm")
        outcome(s, pid, force_a, "child_safeguarded", JUNE, count=4, category="protective_measure")
        outcome(s, pid, force_a, "child_safeguarded", JAN, count=2, category="identified_from_imagery")
        outcome(s, pid, force_a, "child_safeguarded", JAN, count=5, category="protective_measure", withdrawn=True)
        outcome(s, pid, force_a, "child_safeguarded", BEFORE, count=1, category="identified_from_imagery")
        # Offenders located: 3 (1 high risk); one withdrawn high-risk.
        outcome(s, pid, force_a, "offender_located", JUNE, high_risk=True)
        outcome(s, pid, force_a, "offender_located", JUNE, count=2, high_risk=False)
        outcome(s, pid, force_b, "offender_located", LAST, high_risk=True, withdrawn=True)
        # Networks: 2 dismantled, 1 disrupted in the year; 1 dismantled the year after.
        for effect, when in (("dismantled", JUNE), ("dismantled", LAST), ("disrupted", DEC), ("dismantled", AFTER)):
            s.add(NetworkDisruption(reference=f"NET-STAT-{next(_seq):04d}", anchor_subject_id=anchor.id,
                                    network_label=1, subject_count=4, effect=effect, occurred_at=when,
                                    evidence="Seeded.", recorded_by_id=supervisor.id))
        # Most Wanted: one located in the year, one withdrawn in the year, one located the year before.
        for status, when in (("located", JAN), ("withdrawn", JUNE), ("located", BEFORE)):
            n = next(_seq)
            s.add(Appeal(reference=f"MW-STAT-{n:04d}", slug=f"stat{n:04d}", status=status, reason="wanted",
                         owning_force_id=force_a, region="London", public={}, justification={},
                         review_by=date(2026, 1, 1), author_id=analyst.id, ended_at=when))
        # Education: 30 + 20 children at one school, 25 at another, in the year; 99 the year before.
        deliverer = Deliverer(name="PC Seed", organisation="Northshire Police", role="ambassador", course="Intro",
                              trained_on=date(2024, 9, 1), conduct_accepted=True)
        s.add(deliverer)
        s.flush()
        for key, held, children in (("urn:1", date(2025, 4, 1), 30), ("urn:1", date(2025, 5, 2), 20),
                                    ("urn:2", date(2026, 3, 31), 25), ("urn:3", date(2025, 3, 31), 99)):
            s.add(EducationSession(deliverer_id=deliverer.id, setting_name=key, setting_type="primary_school",
                                   setting_key=key, area="London", held_on=held, format="classroom",
                                   children={"8-10": children}, children_total=children, resource="R",
                                   resource_version="1", recorded_by=analyst.id))
    return Seeded(analyst, supervisor, auditor, liaison, force_a, force_b, pid)


EXPECTED: dict[str, int] = {
    "reports_received": 5, "disseminations": 3, "arrests": 4, "charges": 2, "home_office_outcomes": 2,
    "children_safeguarded": 9, "victims_identified": 2, "networks_dismantled": 2, "networks_disrupted": 1,
    "offenders_located": 3, "high_risk_offenders_located": 1, "most_wanted_located": 1, "children_reached": 75,
    "settings_reached": 2,
}
