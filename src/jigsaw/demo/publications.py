"""The demo's publications: the two financial years before the story, and a strategic threat
assessment drafted by an analyst and approved by a supervisor (so its figures are frozen).

The story's reports all fall in the last five months, so on their own the annual review would have
no year before to compare with and no series to find a record in. :func:`load_history` adds the
centre's two previous financial years as report records (counts-bearing rows: a source, a
platform, an incident type, a suspect where there was one, a received date; no names, no
contents), spread over each year deterministically from a fixed seed. They are stored without the
"report stored" event, so they open no case and never reach the queue: they are the record the
figures are counted from, as a migrated history would be.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from jigsaw.accounts.principal import Principal
from jigsaw.intake.interfaces import Report, Subject
from jigsaw.publications import service as publications
from jigsaw.statistics.interfaces import financial_year_start

HISTORY = ((2, 26), (1, 38))
"""(financial years before this one, reports that year): the centre is growing year on year."""
_PLATFORMS = (("PixelPlay", 5), ("GameHub", 4), ("Chatterbox", 3), ("QuickChat", 1), (None, 1))
_INCIDENTS = (("online_grooming", 5), ("sextortion", 3), ("image_request", 2), ("sexual_communication", 2),
              ("livestreaming", 1), ("indecent_images", 1))
_SOURCES = (("young_person", 4), ("parent", 3), ("platform", 3), ("professional", 1), ("public", 1))
HISTORY_MARK = "JIG-HIST-"


def _pick(rng: random.Random, weighted: tuple[tuple[str | None, int], ...]) -> str | None:
    return rng.choices([k for k, _ in weighted], weights=[w for _, w in weighted])[0]


def load_history(session: Session, today: date | None = None) -> int:
    """The two financial years before this one, as report records; idempotent. The number added."""
    if session.scalar(select(Report.id).where(Report.reference.like(HISTORY_MARK + "%")).limit(1)):
        return 0
    today = today or datetime.now(UTC).date()
    rng = random.Random(2026)
    added = 0
    for years_back, count in HISTORY:
        start = date(financial_year_start(today) - years_back, 4, 1)
        for i in range(count):
            day = start + timedelta(days=(365 * i) // count + rng.randrange(0, 365 // count))
            when = datetime.combine(day, time(9 + rng.randrange(0, 10)), UTC)
            report = Report(reference=f"{HISTORY_MARK}{start.year}-{i:03d}", source=_pick(rng, _SOURCES) or "public",
                            channel="demo", incident_type=_pick(rng, _INCIDENTS) or "other",
                            platform=_pick(rng, _PLATFORMS), received_at=when,
                            summary="An earlier year's report (demo history: counts only).")
            session.add(report)
            session.flush()
            if rng.random() < 0.7:
                session.add(Subject(report_id=report.id, role="suspect"))
            if rng.random() < 0.6:
                session.add(Subject(report_id=report.id, role="victim", age=rng.randrange(9, 17)))
            added += 1
    return added

SECTIONS = {
    "summary": "Grooming on games platforms remains the most reported threat. Offenders move children quickly "
               "from in-game chat to private messaging, and threats to share images follow within days.",
    "platforms": "PixelPlay and GameHub account for most referrals; most arrive through Report Abuse buttons.",
    "incident_types": "Sextortion reports are rising; self-generated imagery requested under pressure is common "
                      "to both grooming and sextortion cases.",
    "victims": "Most victims are aged 12 to 15. Ages are often not known on platform referrals.",
    "emerging": "No platform yet passes the minimum base to be called emerging; QuickChat and CloudLocker "
                "are watched.",
    "outlook": "Gap: little is known about offenders' use of encrypted messaging after first contact.",
}


def approved_assessment(session: Session, analyst: Principal, supervisor: Principal) -> int:
    """Draft, submit and approve the demo's assessment; its id."""
    today = datetime.now(UTC).date()
    ta = publications.create(session, analyst, start=today - timedelta(days=364), end=today,
                             title="Strategic threat assessment: the last twelve months", sections=SECTIONS,
                             classification="OFFICIAL-SENSITIVE", descriptor="PERSONAL", tlp="amber",
                             handling="For UK law enforcement and safeguarding partners only.")
    publications.submit(session, analyst, ta.id)
    publications.approve(session, supervisor, ta.id)
    return ta.id
