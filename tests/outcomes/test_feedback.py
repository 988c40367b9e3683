"""Outcomes feed back: a contact-offence conviction raises the subject's triage floor (and its
linked reports'), a case closes with the outcome, the triage monitor shows bands at dissemination
against outcomes and the time to first action, and a package acted on is no longer stale."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from jigsaw.casework.interfaces import cases_for_reports
from jigsaw.db.engine import session_scope
from jigsaw.dissemination import service as dissemination
from jigsaw.dissemination.models import Package
from jigsaw.platform import Platform
from jigsaw.triage.models import TriageAssessment, TriageItemRecord, TriageState
from jigsaw.triage.queries import band_outcomes
from tests.accounts.helpers import bearer, personal_token
from tests.dissemination.conftest import address, as_user, suspect
from tests.factories import post_report, report_body
from tests.outcomes.conftest import Sent, World, at, principal_of, record


def _band(platform: Platform, report_id: int) -> str:
    with session_scope(platform.engine) as session:
        band = session.scalar(select(TriageState.band).where(TriageState.report_id == report_id))
        assert band is not None
        return band


def test_a_contact_conviction_raises_the_triage_floor_of_the_subject_and_its_linked_reports(
        sqlite_client: TestClient, sqlite_platform: Platform, sqlite_world: World, sqlite_sent: Sent) -> None:
    # A later report about the same person (the same email address) links to the packaged one.
    later = post_report(sqlite_client, sqlite_world.token, report_body(
        subjects=[suspect({"type": "email", "value": "suspect1-0@mail.example.test"},
                          address("1 High Street, Rochester, ME1 1AA"))], external_id="outcomes-later"))
    before = _band(sqlite_platform, sqlite_sent.report_id), _band(sqlite_platform, later)
    assert "P0" not in before and "P1" not in before, before
    # A non-contact conviction changes nothing.
    record(sqlite_platform, sqlite_world.kent, sqlite_sent.package_id, reference="C1", kind="conviction",
           occurred_at=at(2), offence="Possession of indecent images", contact_offence=False)
    assert (_band(sqlite_platform, sqlite_sent.report_id), _band(sqlite_platform, later)) == before
    done = record(sqlite_platform, sqlite_world.kent, sqlite_sent.package_id, reference="C2", kind="conviction",
                  occurred_at=at(1), offence="Sexual assault of a child", contact_offence=True, sentence="8 years")
    assert _band(sqlite_platform, sqlite_sent.report_id) == "P1"
    assert _band(sqlite_platform, later) == "P1", "the linked report shares the suspect's history"
    with session_scope(sqlite_platform.engine) as session:
        [item] = session.scalars(select(TriageItemRecord).where(TriageItemRecord.item_id == "prior_contact_conviction"))
        assert item.subject_id == sqlite_sent.suspect_id and item.value == "yes"
        assert item.recorded_by == "system:outcomes" and f"(outcome record {done.outcome.id})" in item.evidence
        latest = session.scalar(select(TriageAssessment).where(TriageAssessment.report_id == sqlite_sent.report_id)
                                .order_by(TriageAssessment.id.desc()).limit(1))
        assert latest is not None and latest.trigger == f"subject_information:{sqlite_sent.suspect_id}"
    # Withdrawn (mis-keyed): what it added is taken back.
    with session_scope(sqlite_platform.engine) as session:
        from jigsaw.outcomes import service

        service.withdraw_outcome(session, principal_of(sqlite_platform, sqlite_world.kent), sqlite_sent.package_id,
                                 done.outcome.id, "Keyed against the wrong suspect")
    assert (_band(sqlite_platform, sqlite_sent.report_id), _band(sqlite_platform, later)) == before


def test_a_case_closes_with_the_outcome(sqlite_client: TestClient, sqlite_platform: Platform, sqlite_world: World,
                                        sqlite_sent: Sent) -> None:
    with session_scope(sqlite_platform.engine) as session:
        case = cases_for_reports(session, [sqlite_sent.report_id])[sqlite_sent.report_id]
    analyst = personal_token(sqlite_platform, sqlite_world.analyst)[1]
    url = f"/api/v1/cases/{case.id}/close"
    early = sqlite_client.post(url, json={"reason": "outcome_recorded"}, headers=bearer(analyst))
    assert early.status_code == 422 and "no outcome is recorded yet" in early.text
    record(sqlite_platform, sqlite_world.kent, sqlite_sent.package_id, reference="A1", kind="arrest", occurred_at=at(1))
    record(sqlite_platform, sqlite_world.kent, sqlite_sent.package_id, reference="S1", kind="child_safeguarded",
           occurred_at=at(1), category="protective_measure", count=2)
    closed = sqlite_client.post(url, json={"reason": "outcome_recorded"}, headers=bearer(analyst))
    assert closed.status_code == 200, closed.text
    body = closed.json()
    with session_scope(sqlite_platform.engine) as session:
        reference = session.scalar(select(Package.reference).where(Package.id == sqlite_sent.package_id))
    assert body["status"] == "closed" and body["close_reason"] == "outcome_recorded"
    assert body["close_explanation"] == f"{reference}: arrest 1, child safeguarded 2"


def test_the_monitor_shows_bands_at_dissemination_against_outcomes(
        sqlite_client: TestClient, sqlite_platform: Platform, sqlite_world: World, sqlite_sent: Sent) -> None:
    with session_scope(sqlite_platform.engine) as session:
        assert band_outcomes(session) is None, "nothing recorded: the page says so"
        package = session.get(Package, sqlite_sent.package_id)
        assert package is not None and package.dispatched_at is not None
        band, sent_at = package.band, package.dispatched_at - timedelta(days=3)
        package.dispatched_at = sent_at
    record(sqlite_platform, sqlite_world.kent, sqlite_sent.package_id, reference="W", kind="warrant",
           warrant_stage="applied", occurred_at=(sent_at + timedelta(hours=30)).isoformat())
    record(sqlite_platform, sqlite_world.kent, sqlite_sent.package_id, reference="A", kind="arrest",
           occurred_at=(sent_at + timedelta(hours=50)).isoformat())
    record(sqlite_platform, sqlite_world.kent, sqlite_sent.package_id, reference="K", kind="child_safeguarded",
           category="removed_from_harm", count=3, occurred_at=(sent_at + timedelta(hours=50)).isoformat())
    with session_scope(sqlite_platform.engine) as session:
        # The report's band now moves on; the monitor keeps the band the package was sent with.
        session.execute(update(TriageState).where(TriageState.report_id == sqlite_sent.report_id).values(band="P0"))
        rows = {r["band"]: r for r in band_outcomes(session) or []}
    assert rows[band] == {"band": band, "packages_sent": 1, "with_outcome": 1, "arrests": 1, "charged": 0,
                          "children_safeguarded": 3, "no_further_action": 0,
                          "median_dispatch_to_first_action": "30.0 hours"}
    assert all(r["packages_sent"] == 0 for b, r in rows.items() if b != band)
    as_user(sqlite_client, sqlite_platform, sqlite_world.supervisor)
    page = sqlite_client.get("/triage/monitor")
    assert page.status_code == 200 and "No outcomes recorded yet" not in page.text
    assert "children safeguarded" in page.text and "30.0 hours" in page.text


def test_a_package_acted_on_is_no_longer_past_its_action_by_date(
        sqlite_client: TestClient, sqlite_platform: Platform, sqlite_world: World, sqlite_sent: Sent) -> None:
    pid = sqlite_sent.package_id
    with session_scope(sqlite_platform.engine) as session:
        session.execute(update(Package).where(Package.id == pid).values(
            action_by=datetime.now(UTC) - timedelta(days=1)))
    with session_scope(sqlite_platform.engine) as session:
        assert dissemination.escalate_due(session, sqlite_platform.settings).stale == 1
        centre = principal_of(sqlite_platform, sqlite_world.analyst)
        assert dissemination.attention(session, centre)["stale"] == 1
    record(sqlite_platform, sqlite_world.kent, pid, reference="V1", kind="voluntary_interview", occurred_at=at(0.5))
    with session_scope(sqlite_platform.engine) as session:
        package = session.get(Package, pid)
        assert package is not None and package.stale_flagged_at is None and package.first_outcome_at is not None
        assert dissemination.attention(session, centre)["stale"] == 0
        [row] = [r for r in dissemination.list_packages(session, centre) if r.id == pid]
        assert not row.stale
        assert dissemination.escalate_due(session, sqlite_platform.settings).stale == 0
