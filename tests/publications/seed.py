"""Two financial years of record (2024/25 and 2025/26) whose review figures are known in advance.

Written straight through the models, as the statistics tests do. The expected figures are written
out by hand here, not computed by the code under test.

2024/25: 12 reports (10 Snapchat grooming from young people, each with a suspect; 2 Roblox
sextortion with none), 1 package, 1 arrest record of 2 people.
2025/26: 30 reports: 12 Snapchat grooming (young people, a suspect and a victim aged 13 each);
10 Roblox sextortion sent by a platform (7 with a suspect; 3 without, informational); 3 Discord
image requests from parents (no suspect; a victim aged 9 on one), and 5 Snapchat reports flagged
``informational`` by the CyberTipline though they name a suspect. 4 packages; arrests 6; charges 5;
convictions 2; children safeguarded 7; education 150 children at 2 settings.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.orm import Session

from jigsaw.accounts.models import Organisation
from jigsaw.accounts.roles import OrgKind, Role
from jigsaw.db.engine import session_scope
from jigsaw.dissemination.interfaces import Package
from jigsaw.education.interfaces import EducationSession
from jigsaw.education.models import Deliverer
from jigsaw.intake.interfaces import Report, Subject
from jigsaw.outcomes.interfaces import Outcome
from jigsaw.platform import Platform
from tests.factories import StaffAccount, make_org, make_staff

_seq = itertools.count(1)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


@dataclass
class Seeded:
    analyst: StaffAccount
    analyst2: StaffAccount
    supervisor: StaffAccount
    supervisor2: StaffAccount
    auditor: StaffAccount
    liaison: StaffAccount


def _report(s: Session, when: datetime, source: str, incident: str, platform: str, *, suspect: bool,
            victim_age: int | None = None, org_id: int | None = None, annotations: list[str] | None = None) -> None:
    n = next(_seq)
    report = Report(reference=f"JIG-PUB-{n:04d}", source=source, channel="api", incident_type=incident,
                    platform=platform, summary="Seeded for the publications tests.", received_at=when,
                    submitted_by_org_id=org_id, annotations=annotations or [])
    s.add(report)
    s.flush()
    if suspect:
        s.add(Subject(report_id=report.id, role="suspect"))
    if victim_age is not None:
        s.add(Subject(report_id=report.id, role="victim", age=victim_age))


def _package(s: Session, author: int, recipient: int, when: datetime) -> int:
    n = next(_seq)
    package = Package(reference=f"PKG-PUB-{n:04d}", status="dispatched", created_by_id=author,
                      classification="OFFICIAL", band="P2", summary="Seeded.", recipient_org_id=recipient,
                      dispatched_at=when)
    s.add(package)
    s.flush()
    return package.id


def _outcome(s: Session, package_id: int, org_id: int, kind: str, when: datetime, count: int = 1,
             **fields: Any) -> None:
    n = next(_seq)
    s.add(Outcome(package_id=package_id, org_id=org_id, reference=f"PUB/{n:05d}", body_digest=f"{n:064d}",
                  kind=kind, occurred_at=when, count=count, details={}, **fields))


def seed_two_years(platform: Platform) -> Seeded:
    centre = make_org(platform, "Centre")
    force = make_org(platform, "Northshire Police", OrgKind.UK_FORCE)
    pixel = make_org(platform, "PixelPlay Inc", OrgKind.PLATFORM)
    people = Seeded(
        make_staff(platform, "analyst@centre.example", Role.ANALYST, centre),
        make_staff(platform, "analyst2@centre.example", Role.ANALYST, centre),
        make_staff(platform, "supervisor@centre.example", Role.SUPERVISOR, centre),
        make_staff(platform, "supervisor2@centre.example", Role.SUPERVISOR, centre),
        make_staff(platform, "auditor@centre.example", Role.AUDITOR, centre),
        make_staff(platform, "liaison@northshire.police.test", Role.FORCE_LIAISON, force))
    with session_scope(platform.engine) as s:
        org = s.get(Organisation, pixel)
        assert org is not None
        org.country = "US"
        # 2024/25
        for i in range(10):
            _report(s, utc(2024, 5, 1 + i, 12), "young_person", "online_grooming", "Snapchat", suspect=True)
        for i in range(2):
            _report(s, utc(2024, 9, 1 + i, 12), "public", "sextortion", "Roblox", suspect=False)
        pid = _package(s, people.analyst.id, force, utc(2024, 6, 1, 12))
        _outcome(s, pid, force, "arrest", utc(2024, 7, 1, 12), count=2)
        # 2025/26
        for i in range(12):
            _report(s, utc(2025, 5, 1 + i, 12), "young_person", "online_grooming", "Snapchat", suspect=True,
                    victim_age=13)
        for i in range(10):
            _report(s, utc(2025, 8, 1 + i, 12), "platform", "sextortion", "Roblox", suspect=i < 7, org_id=pixel)
        for i in range(3):
            _report(s, utc(2025, 11, 1 + i, 12), "parent", "image_request", "Discord", suspect=False,
                    victim_age=9 if i == 0 else None)
        for i in range(5):
            _report(s, utc(2026, 2, 1 + i, 12), "platform", "online_grooming", "Snapchat", suspect=True,
                    org_id=pixel, annotations=["informational"])
        pids = [_package(s, people.analyst.id, force, utc(2025, 6 + i, 1, 12)) for i in range(4)]
        _outcome(s, pids[0], force, "arrest", utc(2025, 7, 1, 12), count=3)
        for i in range(3):
            _outcome(s, pids[1], force, "arrest", utc(2025, 9, 1 + i, 12))
        _outcome(s, pids[0], force, "charge", utc(2025, 10, 1, 12), count=5, home_office_outcome=1)
        _outcome(s, pids[0], force, "conviction", utc(2026, 1, 10, 12), count=2)
        _outcome(s, pids[0], force, "conviction", utc(2026, 1, 11, 12), withdrawn_at=utc(2026, 1, 12))
        _outcome(s, pids[1], force, "child_safeguarded", utc(2025, 9, 5, 12), count=7, category="removed_from_harm")
        deliverer = Deliverer(name="PC Seed", organisation="Northshire Police", role="ambassador", course="Intro",
                              trained_on=date(2024, 9, 1), conduct_accepted=True)
        s.add(deliverer)
        s.flush()
        for key, held, children in (("urn:1", date(2025, 6, 1), 120), ("urn:2", date(2025, 10, 1), 30)):
            s.add(EducationSession(deliverer_id=deliverer.id, setting_name=key, setting_type="primary_school",
                                   setting_key=key, area="London", held_on=held, format="classroom",
                                   children={"8-10": children}, children_total=children, resource="R",
                                   resource_version="1", recorded_by=people.analyst.id))
    return people


EXPECTED_2025 = {"reports_received": 30, "disseminations": 4, "arrests": 6, "charges": 5, "convictions": 2,
                 "children_safeguarded": 7, "children_reached": 150, "settings_reached": 2}
EXPECTED_2024 = {"reports_received": 12, "disseminations": 1, "arrests": 2}
# Referrals: 12 Snapchat + 7 Roblox; informational: 3 Roblox + 3 Discord + 5 flagged Snapchat.
REFERRALS_2025, INFORMATIONAL_2025 = 19, 11
