"""Duty alerts end to end, with a real SMTP server on loopback: a report with a child in danger
now raises one alert, a banner on every case worker's page and one duty mail (reference, band and
link, no case content); acknowledgement is recorded and audited; escalation mails the supervisors."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from jigsaw.alerts import service
from jigsaw.alerts.models import DutyAlert
from jigsaw.alerts.work import DueWorkThread, run_due_work
from jigsaw.audit.models import AuditEvent
from jigsaw.mail.models import MailStatus, OutboxMail
from jigsaw.platform import Platform
from tests.alerts.conftest import BASE_URL, DUTY, configure
from tests.alerts.smtp import Inbox, smtp_server
from tests.factories import csrf_from, login, post_report, report_body, session_of

SUMMARY = "Girl aged 13 says the man from the game is waiting outside Oakfield School for her."
ESCALATION = "He says he is outside her school right now."


def danger_report(client: TestClient, token: str, **overrides: Any) -> int:
    return post_report(client, token, report_body(incident_type="online_grooming", summary=SUMMARY,
                                                  escalation=ESCALATION, **overrides))


def alerts_of(platform: Platform) -> list[DutyAlert]:
    with session_of(platform) as session:
        return list(session.scalars(select(DutyAlert).order_by(DutyAlert.id)))


def reference_of(platform: Platform, report_id: int) -> str:
    return next(a.reference for a in alerts_of(platform) if a.report_id == report_id)


def banner_forms(html: str) -> list[str]:
    return re.findall(r'<form method="post" action="(/alerts/\d+/acknowledge)">', html.split('<main', 1)[0])


def test_danger_now_report_raises_one_alert_banner_and_a_mail_without_case_content(
        client: TestClient, platform: Platform, centre: dict[str, Any]) -> None:
    inbox = Inbox()
    with smtp_server(inbox) as port:
        configure(platform, smtp_url=f"smtp://127.0.0.1:{port}")
        calm = post_report(client, centre["token"], report_body())  # P2, no escalation: no alert
        rid = danger_report(client, centre["token"])
        alerts = alerts_of(platform)
        assert [(a.report_id, a.band, a.reason) for a in alerts] == [(rid, "P0", "p0_danger_now")]
        assert calm not in {a.report_id for a in alerts}
        reference = alerts[0].reference
        assert reference.startswith("JIG-")

        # Re-scoring the same report (e.g. a bank match) does not raise a second alert.
        with session_of(platform) as session:
            assert service.raise_alerts(session, [rid]) == []
            session.commit()
        assert len(alerts_of(platform)) == 1

        done = run_due_work(platform)
        assert (done.delivery.sent, done.delivery.retrying, done.escalated) == (1, 0, 0)
        assert len(inbox.received) == 1
        got = inbox.received[0]
        assert got.rcpt_tos == [DUTY] and got.mail_from == "jigsaw@centre.example"
        assert reference in got.message["Subject"]
        assert reference in got.text and "Band: P0" in got.text and f"{BASE_URL}/reports/{rid}" in got.text
        for content in (SUMMARY, ESCALATION, "Oakfield", "shadowfox", "outside"):
            assert content not in got.text and content not in got.message["Subject"]
        with session_of(platform) as session:
            row = session.scalar(select(OutboxMail))
            assert row is not None and row.status == MailStatus.SENT and row.sent_at is not None
            assert got.message["Message-ID"] == row.message_id

        # Running again sends nothing twice.
        assert run_due_work(platform).delivery.sent == 0
        assert len(inbox.received) == 1

    # The banner is on every staff page of analysts and supervisors, with the button and the link.
    login(client, platform, centre["analyst"])
    for page in ("/queue", "/networks", f"/reports/{calm}"):
        html = client.get(page).text
        assert f"Duty alert: {reference}" in html, page
        assert banner_forms(html) == [f"/alerts/{alerts[0].id}/acknowledge"], page
        assert f'href="/reports/{rid}"' in html.split("<main", 1)[0]
    client.cookies.clear()
    login(client, platform, centre["supervisor"])
    assert f"Duty alert: {reference}" in client.get("/triage/monitor").text
    client.cookies.clear()
    login(client, platform, centre["admin"])
    assert "Duty alert" not in client.get("/admin").text  # not a case worker: no case references


def test_no_smtp_url_keeps_mail_queued(client: TestClient, platform: Platform, centre: dict[str, Any]) -> None:
    danger_report(client, centre["token"])
    done = run_due_work(platform)
    assert (done.delivery.sent, done.delivery.waiting) == (0, 1)
    with session_of(platform) as session:
        row = session.scalar(select(OutboxMail))
        assert row is not None and (row.status, row.attempts, row.recipients) == (MailStatus.QUEUED, 0, [DUTY])


def test_no_duty_address_still_raises_the_banner(client: TestClient, platform: Platform,
                                                 centre: dict[str, Any]) -> None:
    configure(platform, duty_email=None)
    rid = danger_report(client, centre["token"])
    assert [a.report_id for a in alerts_of(platform)] == [rid]
    with session_of(platform) as session:
        assert session.scalar(select(func.count()).select_from(OutboxMail)) == 0


def test_mail_server_down_loses_nothing_and_sends_once_when_it_is_back(
        client: TestClient, platform: Platform, centre: dict[str, Any]) -> None:
    from tests.alerts.smtp import free_port

    port = free_port()  # nothing listens here yet
    configure(platform, smtp_url=f"smtp://127.0.0.1:{port}")
    danger_report(client, centre["token"])
    now = datetime.now(UTC)
    first = run_due_work(platform, now=now)
    assert (first.delivery.sent, first.delivery.retrying) == (0, 1)
    with session_of(platform) as session:
        row = session.scalar(select(OutboxMail))
        assert row is not None and row.status == MailStatus.QUEUED and row.attempts == 1
        assert row.last_error and "Connection" in row.last_error
        assert row.next_attempt_at > now
    # Not due yet: nothing is attempted before the back-off ends.
    assert run_due_work(platform, now=now + timedelta(seconds=5)).delivery.retrying == 0

    inbox = Inbox()
    with smtp_server(inbox, port=port):
        later = now + timedelta(minutes=2)
        assert run_due_work(platform, now=later).delivery.sent == 1
        assert run_due_work(platform, now=later + timedelta(minutes=10)).delivery.sent == 0
    assert len(inbox.received) == 1 and inbox.received[0].rcpt_tos == [DUTY]
    with session_of(platform) as session:
        row = session.scalar(select(OutboxMail))
        assert row is not None and (row.status, row.attempts) == (MailStatus.SENT, 2)


def _acknowledge_from_banner(client: TestClient, page: str) -> Any:
    html = client.get(page).text
    (action,) = banner_forms(html)
    return client.post(action, data={"csrf_token": csrf_from(html), "next": page}, follow_redirects=False)


def test_acknowledging_from_the_banner_removes_it_and_is_audited(
        client: TestClient, platform: Platform, centre: dict[str, Any]) -> None:
    rid = danger_report(client, centre["token"])
    (alert,) = alerts_of(platform)
    login(client, platform, centre["analyst"])
    # Without the form's CSRF token: refused, nothing recorded.
    refused = client.post(f"/alerts/{alert.id}/acknowledge", data={"next": "/queue"}, follow_redirects=False)
    assert refused.status_code == 403
    assert alerts_of(platform)[0].acknowledged_at is None

    response = _acknowledge_from_banner(client, "/queue")
    assert response.status_code == 303 and response.headers["location"] == "/queue"
    after = client.get("/queue").text
    assert banner_forms(after) == [] and f"Duty alert: {alert.reference}" not in after
    assert f"Duty alert for {alert.reference} acknowledged." in after  # the flash notice
    (done,) = alerts_of(platform)
    assert done.acknowledged_by == centre["analyst"].email and done.acknowledged_at is not None
    assert done.acknowledged_by_user_id == centre["analyst"].id
    with session_of(platform) as session:
        entries = list(session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "duty_alert",
                                                                AuditEvent.actor == f"user:{centre['analyst'].id}")))
        assert len(entries) == 1 and entries[0].detail["event"] == "acknowledged"
        assert entries[0].detail["report_id"] == rid
    # The list page shows who acknowledged it.
    page = client.get("/alerts").text
    assert centre["analyst"].email in page and "every alert has been acknowledged" in page


def test_redirect_after_acknowledging_stays_on_this_site(client: TestClient, platform: Platform,
                                                         centre: dict[str, Any]) -> None:
    danger_report(client, centre["token"])
    (alert,) = alerts_of(platform)
    login(client, platform, centre["analyst"])
    html = client.get("/queue").text
    response = client.post(f"/alerts/{alert.id}/acknowledge",
                           data={"csrf_token": csrf_from(html), "next": "//evil.example/x"}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/queue"


def test_acknowledging_through_the_api(client: TestClient, platform: Platform, centre: dict[str, Any]) -> None:
    rid = danger_report(client, centre["token"])
    login(client, platform, centre["supervisor"])
    listed = client.get("/api/v1/alerts").json()["alerts"]
    assert [(a["report_id"], a["band"], a["acknowledged_at"]) for a in listed] == [(rid, "P0", None)]
    assert "summary" not in listed[0] and SUMMARY not in str(listed)
    alert_id = listed[0]["id"]

    first = client.post(f"/api/v1/alerts/{alert_id}/acknowledge")
    assert first.status_code == 200, first.text
    assert first.json()["acknowledged_by"] == centre["supervisor"].email
    assert client.get("/api/v1/alerts").json()["alerts"] == []
    assert banner_forms(client.get("/queue").text) == []

    # A second person acknowledging changes nothing: the first acknowledgement stands.
    client.cookies.clear()
    login(client, platform, centre["analyst"])
    again = client.post(f"/api/v1/alerts/{alert_id}/acknowledge")
    assert again.status_code == 200 and again.json()["acknowledged_by"] == centre["supervisor"].email
    assert client.post("/api/v1/alerts/999999/acknowledge").status_code == 404
    with session_of(platform) as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.entity_type == "duty_alert", AuditEvent.actor.like("user:%"))) == 1
    paths = client.get("/openapi.json").json()["paths"]
    assert "/api/v1/alerts" in paths and "/api/v1/alerts/{alert_id}/acknowledge" in paths


@pytest.mark.parametrize("role", ["admin", "auditor"])
def test_other_roles_cannot_see_or_acknowledge_alerts(client: TestClient, platform: Platform,
                                                      centre: dict[str, Any], role: str) -> None:
    danger_report(client, centre["token"])
    (alert,) = alerts_of(platform)
    anonymous = client.post(f"/api/v1/alerts/{alert.id}/acknowledge")
    assert anonymous.status_code == 401
    assert client.post(f"/alerts/{alert.id}/acknowledge", follow_redirects=False).status_code == 303  # to login
    token = client.post(f"/api/v1/alerts/{alert.id}/acknowledge",
                        headers={"Authorization": f"Bearer {centre['token']}"})
    assert token.status_code == 403  # an organisation's token is nobody: it cannot acknowledge
    login(client, platform, centre[role])
    assert client.get("/api/v1/alerts").status_code == 403
    assert client.post(f"/api/v1/alerts/{alert.id}/acknowledge").status_code == 403
    assert client.post(f"/alerts/{alert.id}/acknowledge", data={"csrf_token": "x"},
                       follow_redirects=False).status_code == 403
    assert alerts_of(platform)[0].acknowledged_at is None


def test_unacknowledged_alert_escalates_to_active_supervisors_once(
        client: TestClient, platform: Platform, centre: dict[str, Any]) -> None:
    inbox = Inbox()
    with smtp_server(inbox) as port:
        configure(platform, smtp_url=f"smtp://127.0.0.1:{port}")
        raised = datetime.now(UTC)
        rid = danger_report(client, centre["token"])
        handled = danger_report(client, centre["token"], platform="OtherApp")
        reference = reference_of(platform, rid)
        login(client, platform, centre["analyst"])
        client.post(f"/api/v1/alerts/{next(a.id for a in alerts_of(platform) if a.report_id == handled)}/acknowledge")

        early = run_due_work(platform, now=raised + timedelta(minutes=14))
        assert early.escalated == 0 and early.delivery.sent == 2  # the two duty mails
        late = raised + timedelta(minutes=16)
        escalation = run_due_work(platform, now=late)
        assert escalation.escalated == 1 and escalation.delivery.sent == 2
        assert run_due_work(platform, now=late + timedelta(minutes=30)).escalated == 0
        assert run_due_work(platform, now=late + timedelta(hours=3)).delivery.sent == 0

    supervisors = [centre["supervisor"].email, centre["supervisor2"].email]
    escalated = [r for r in inbox.received if r.rcpt_tos != [DUTY]]
    assert sorted(r.rcpt_tos[0] for r in escalated) == sorted(supervisors)  # not the retired one, nor analysts
    for mail in escalated:
        assert "ESCALATED" in mail.message["Subject"] and reference in mail.message["Subject"]
        assert f"{BASE_URL}/reports/{rid}" in mail.text and SUMMARY not in mail.text and ESCALATION not in mail.text
    (alert,) = [a for a in alerts_of(platform) if a.report_id == rid]
    assert alert.escalated_at == late
    assert "escalated to supervisors" in client.get("/queue").text
    assert [a.escalated_at for a in alerts_of(platform) if a.report_id == handled] == [None]


def test_serve_thread_runs_the_work_and_stops(client: TestClient, platform: Platform,
                                              centre: dict[str, Any]) -> None:
    inbox = Inbox()
    with smtp_server(inbox) as port:
        configure(platform, smtp_url=f"smtp://127.0.0.1:{port}")
        danger_report(client, centre["token"])
        worker = DueWorkThread(platform, interval=0.05)
        worker.start()
        try:
            deadline = datetime.now(UTC) + timedelta(seconds=10)
            while not inbox.received and datetime.now(UTC) < deadline:
                worker.join(0.05)
        finally:
            worker.stop()
        assert worker.daemon and not worker.is_alive()
    assert len(inbox.received) == 1


def test_a_band_raised_to_p0_by_hand_raises_the_alert_and_moves_the_case(
    client: TestClient, platform: Platform, centre: dict[str, Any],
) -> None:
    """An analyst who judges a quiet report dangerous sets P0: the duty officer hears, the queue follows."""
    from jigsaw.casework.models import Case
    from jigsaw.triage.models import TriageState

    report_id = post_report(client, centre["token"], report_body(summary="Asked for a selfie once."))
    with session_of(platform) as session:
        state = session.get(TriageState, report_id)
        assert state is not None and state.band != "P0"
    assert alerts_of(platform) == []
    login(client, platform, centre["analyst"])
    page = client.get(f"/reports/{report_id}")
    response = client.post(f"/reports/{report_id}/triage/override", data={
        "to_band": "P0", "reason_code": "risk_higher_than_scored",
        "reason_text": "The child told the advisor by phone he has her address.", "csrf_token": csrf_from(page.text),
    }, follow_redirects=False)
    assert response.status_code == 303
    (alert,) = alerts_of(platform)
    assert (alert.report_id, alert.band) == (report_id, "P0")
    with session_of(platform) as session:
        (case,) = session.scalars(select(Case)).all()
        assert case.band == "P0"
