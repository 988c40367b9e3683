"""match_media: stored media against the banks, recorded once, with MediaMatched published."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from jigsaw.audit.service import Actor
from jigsaw.db.engine import session_scope
from jigsaw.events import MediaMatched
from jigsaw.intake.domain import MediaDraft, ReportDraft
from jigsaw.intake.models import MediaRecord
from jigsaw.intake.service import submit_report
from jigsaw.matching.banks import EntryRecord
from jigsaw.matching.media_matches import match_media
from jigsaw.matching.storage import MediaMatchRecord, add_entry, create_bank
from jigsaw.platform import Platform

ACTOR = Actor("test:matching")
STORED_PDQ = "f" * 64
NEAR_PDQ = "f" * 60 + "0000"  # 16 bits away: within the default threshold


@pytest.fixture
def published(platform: Platform) -> Iterator[list[MediaMatched]]:
    seen: list[MediaMatched] = []
    platform.events.subscribe(MediaMatched, lambda _session, event: seen.append(event))
    yield seen


def test_match_media_records_exact_and_near_hits_once(platform: Platform, published: list[MediaMatched]) -> None:
    md5 = "5d41402abc4b2a76b9719d911017c592"
    with session_scope(platform.engine) as session:
        bank = create_bank(session, "MEDIA_MATCHES", description="synthetic")
        add_entry(session, bank, EntryRecord("md5", md5, uk_category="A", series="S1"))
        add_entry(session, bank, EntryRecord("pdq", NEAR_PDQ, uk_category="B", victim_identified=True))
    with session_scope(platform.engine) as session:
        report = submit_report(session, ReportDraft(source="platform", incident_type="other", summary="synthetic",
                                                    media=(MediaDraft(md5=md5), MediaDraft(pdq=STORED_PDQ))),
                               ACTOR).report
        media_ids = list(session.scalars(select(MediaRecord.id).where(MediaRecord.report_id == report.id)))
        session.execute(MediaMatchRecord.__table__.delete())  # recorded by triage on storing; start over
        published.clear()
        hits = match_media(session, media_ids)
        assert [(h.signal_type, h.distance, h.bank, h.uk_category, h.series) for h in hits] == [
            ("md5", 0, "MEDIA_MATCHES", "A", "S1"), ("pdq", 16, "MEDIA_MATCHES", "B", None)]
        assert hits[1].victim_identified is True and {h.report_id for h in hits} == {report.id}
        assert published == [MediaMatched(report.id)]
        assert match_media(session, media_ids) == []  # already recorded: nothing new, no event
        assert published == [MediaMatched(report.id)]
        assert len(session.scalars(select(MediaMatchRecord)).all()) == 2
