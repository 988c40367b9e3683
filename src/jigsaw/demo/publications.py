"""The demo's publications: a strategic threat assessment for the last twelve months, drafted by
an analyst and approved by a supervisor (so its figures are frozen), written from the story's
own trends. The annual review needs nothing loaded: it is counted from the story's record."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from jigsaw.accounts.principal import Principal
from jigsaw.publications import service as publications

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
