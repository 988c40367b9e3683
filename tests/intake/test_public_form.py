"""The public Report Abuse pages through HTTP, on SQLite and PostgreSQL.

Each test walks the pages the way a browser without JavaScript would: GET a page, read
its CSRF token, POST the answers, follow the 303 to the next page.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text, update

from jigsaw.audit.models import AuditEvent
from jigsaw.http.security import anon_csrf_token
from jigsaw.intake import drafts, public
from jigsaw.intake.domain import InvalidReport, Problem
from jigsaw.intake.models import PublicDraft, Report
from jigsaw.intake.public_flow import FlowState, applicable_steps
from jigsaw.platform import Platform
from jigsaw.web.app import create_app
from tests.factories import csrf_from, session_of

CHILD = {
    "who": {"audience": "young_person"},
    "who-it-happened-to": {"happened_to": "me"},
    "age": {"victim_age": "13"},
    "what-happened": {"incident": "sextortion"},
    "tell-us": {"summary": "He said he would send my photos to my friends\r\nunless I sent more."},
    "where": {"platform": "Snapchat", "username": "@Bad_Guy99"},
    "when": {"when_day": "3", "when_month": "6", "when_year": "2025"},
    "danger": {"danger": "yes"},
    "danger-now": {"danger_details": "He says he is waiting outside my school."},
    "contact": {"name": "Sam", "email": "Sam.Child@Example.com", "phone": ""},
    "safe-to-contact": {"contact_how": "email", "contact_when": "After 4pm, not at weekends",
                        "leave_message": "no"},
}

PARENT = {
    "who": {"audience": "parent"},
    "age": {"victim_name": "Maya", "victim_age": "11"},
    "what-happened": {"incident": "image_request"},
    "tell-us": {"summary": "A man on a game keeps asking my daughter for photos."},
    "where": {"platform": "", "username": "xX_gamer_Xx"},
    "when": {"when_day": "", "when_month": "", "when_year": ""},
    "danger": {"danger": "no"},
    "contact": {"name": "Alex Parent", "email": "", "phone": "07700 900982"},
    "safe-to-contact": {"contact_how": "text", "contact_when": "", "leave_message": "yes"},
}


class Journey:
    """A reporter moving through the pages; keeps every page it saw."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.pages: dict[str, str] = {}

    def open(self, path: str) -> httpx.Response:
        response = self.client.get(path, follow_redirects=False)
        if response.status_code == 200:
            self.pages[path] = response.text
        return response

    def post(self, path: str, data: dict[str, str], *, csrf: bool = True) -> httpx.Response:
        page = self.open(path)
        assert page.status_code == 200, (path, page.status_code, page.headers.get("location"))
        body = {"csrf_token": csrf_from(page.text), **data} if csrf else dict(data)
        response = self.client.post(path, data=body, follow_redirects=False)
        if response.status_code != 303:
            self.pages[f"POST {path}"] = response.text
        return response

    def answer_all(self, answers: dict[str, dict[str, str]]) -> None:
        for slug, data in answers.items():
            response = self.post(f"/report/{slug}", data)
            assert response.status_code == 303, (slug, response.text[:2000])

    def send(self) -> str:
        response = self.post("/report/check", {})
        assert response.status_code == 303 and response.headers["location"] == "/report/done"
        done = self.open("/report/done")
        assert done.status_code == 200
        match = re.search(r"data-reference>(JIG-[0-9A-Z]{4}-[0-9A-Z]{4})<", done.text)
        assert match, done.text
        return match.group(1)


@pytest.fixture
def journey(client: TestClient) -> Journey:
    return Journey(client)


def stored(platform: Platform, reference: str) -> Report:
    with session_of(platform) as session:
        report = session.scalar(select(Report).where(Report.reference == reference))
        assert report is not None
        for subject in report.subjects:
            for observation in subject.observations:
                _ = observation.identifier
        return report


def draft_count(platform: Platform) -> int:
    with session_of(platform) as session:
        return session.scalar(select(func.count(PublicDraft.id))) or 0


# --- full journeys ----------------------------------------------------------------------

def test_a_young_person_reports_and_the_report_is_stored(journey: Journey, platform: Platform) -> None:
    assert journey.open("/report").status_code == 200
    journey.answer_all(CHILD)
    check = journey.open("/report/check").text
    assert "Someone is threatening to share pictures of me" in check
    assert "3 June 2025" in check and "@Bad_Guy99" in check
    reference = journey.send()

    report = stored(platform, reference)
    assert (report.source, report.channel, report.incident_type) == ("young_person", "public_form", "sextortion")
    assert report.summary == "He said he would send my photos to my friends\nunless I sent more."
    assert report.escalation == "He says he is waiting outside my school."
    assert report.platform == "Snapchat"
    assert report.incident_at is not None and report.incident_at.date().isoformat() == "2025-06-03"
    reporter = (report.reporter_name, report.reporter_email, report.reporter_phone)
    assert reporter == ("Sam", "sam.child@example.com", None)
    suspect, victim = sorted(report.subjects, key=lambda s: s.role != "suspect")
    assert (victim.role, victim.name, victim.age) == ("victim", "Sam", 13)  # the reporter is the child
    (observation,) = suspect.observations
    assert suspect.role == "suspect"
    assert (observation.identifier.type, observation.identifier.platform, observation.identifier.value) == \
        ("username", "snapchat", "bad_guy99")
    assert draft_count(platform) == 0
    assert journey.client.cookies.get(public.DRAFT_COOKIE) is None


def test_reporter_fields_and_drafts_are_encrypted_at_rest(journey: Journey, platform: Platform) -> None:
    journey.answer_all(CHILD)
    with session_of(platform) as session:
        (raw_draft,) = session.execute(text("SELECT answers FROM public_drafts")).one()
    assert b"waiting outside" not in bytes(raw_draft) and b"Sam.Child" not in bytes(raw_draft)
    reference = journey.send()
    with session_of(platform) as session:
        row = session.execute(text(
            "SELECT reporter_name, reporter_email, summary, escalation FROM reports WHERE reference = :r"),
            {"r": reference}).one()
    for value, plain in zip(row, (b"Sam", b"sam.child@example.com", b"my photos", b"waiting outside"), strict=True):
        assert plain not in bytes(value)


def test_the_submission_is_audited_as_collection_by_a_public_actor(journey: Journey, platform: Platform) -> None:
    journey.answer_all(CHILD)
    reference = journey.send()
    report = stored(platform, reference)
    with session_of(platform) as session:
        event = session.scalar(select(AuditEvent).where(
            AuditEvent.action == "collection", AuditEvent.entity_type == "report",
            AuditEvent.entity_id == str(report.id)))
    # The reporter's address is never stored in clear: the actor is a keyed hash of it (issue 15).
    assert event is not None and event.actor.startswith("public:ip-") and "testclient" not in event.actor
    assert "Sam" not in str(event.detail) and "photos" not in str(event.detail)


def test_a_parent_is_asked_about_their_child_and_can_give_a_phone_only(journey: Journey, platform: Platform) -> None:
    journey.answer_all(PARENT)
    assert "What happened to your child?" in journey.pages["/report/what-happened"]
    assert "Someone asked my child to send nude or sexual pictures" in journey.pages["/report/what-happened"]
    assert "Is your child or anyone else in danger right now?" in journey.pages["/report/danger"]
    assert "call <a href=\"tel:101\">101</a>" in journey.pages["/report/danger"]  # adults are told about 101
    reference = journey.send()
    report = stored(platform, reference)
    assert (report.source, report.incident_type, report.escalation) == ("parent", "image_request", None)
    assert report.reporter_phone == "+447700900982" and report.reporter_email is None
    suspect, child = sorted(report.subjects, key=lambda s: s.role != "suspect")
    assert (child.role, child.name, child.age) == ("victim", "Maya", 11)  # the child, not the parent
    assert report.reporter_name == "Alex Parent"
    assert report.source_data["safe_contact"] == {"how": "text", "when": None, "leave_message": True}
    assert suspect.observations == [] and suspect.description and "xX_gamer_Xx" in suspect.description
    assert report.platform is None and report.incident_at is None


@pytest.mark.parametrize(("audience", "source"), [("professional", "professional"), ("other_adult", "public")])
def test_adults_map_to_their_source(journey: Journey, platform: Platform, audience: str, source: str) -> None:
    journey.answer_all({**PARENT, "who": {"audience": audience}})
    assert stored(platform, journey.send()).source == source


def test_no_danger_skips_the_danger_page(journey: Journey) -> None:
    journey.answer_all({k: v for k, v in PARENT.items() if k not in ("contact", "safe-to-contact")})
    assert journey.open("/report/danger-now").headers["location"] == "/report/contact"


def test_change_links_return_to_check_answers(journey: Journey, platform: Platform) -> None:
    journey.answer_all(PARENT)
    check = journey.open("/report/check").text
    assert 'href="/report/where?change=1"' in check
    page = journey.open("/report/where?change=1").text
    assert 'name="changing" value="1"' in page and 'href="/report/check"' in page
    response = journey.client.post("/report/where", data={
        "csrf_token": csrf_from(page), "changing": "1", "platform": "Roblox", "username": "xX_gamer_Xx"},
        follow_redirects=False)
    assert response.headers["location"] == "/report/check"
    # Saying someone is now in danger opens the page that asks what is happening, then back to check.
    response = journey.post("/report/danger?change=1", {"danger": "yes", "changing": "1"})
    assert response.headers["location"] == "/report/danger-now?change=1"
    response = journey.post("/report/danger-now?change=1", {"danger_details": "Now!", "changing": "1"})
    assert response.headers["location"] == "/report/check"
    report = stored(platform, journey.send())
    (suspect,) = [s for s in report.subjects if s.role == "suspect"]
    assert report.escalation == "Now!" and suspect.observations[0].identifier.platform == "roblox"


# --- errors keep what was typed ---------------------------------------------------------

def test_an_over_long_answer_is_refused_and_kept(journey: Journey) -> None:
    journey.answer_all({k: CHILD[k] for k in ("who", "who-it-happened-to", "age", "what-happened")})
    typed = "It started on Monday. " * 250  # 5,500 characters
    response = journey.post("/report/tell-us", {"summary": typed})
    assert response.status_code == 400
    page = response.text
    assert "<title>Error: " in page
    assert 'class="error-summary" role="alert"' in page and 'href="#summary"' in page
    assert 'id="summary-error"' in page and 'aria-describedby="summary-hint summary-count summary-error"' in page
    assert typed.strip() in page
    assert "Make it 5,000 characters or fewer" in page


def test_a_bad_email_is_refused_and_kept(journey: Journey) -> None:
    journey.answer_all({k: v for k, v in CHILD.items() if k not in ("contact", "safe-to-contact")})
    response = journey.post("/report/contact", {"name": "Sam", "email": "sam at example", "phone": ""})
    assert response.status_code == 400
    assert 'value="sam at example"' in response.text and 'value="Sam"' in response.text
    assert "Enter an email address in the right format" in response.text
    response = journey.post("/report/contact", {"name": "Sam", "email": "", "phone": ""})
    assert "Enter an email address or a phone number" in response.text


def test_problems_found_when_storing_send_the_reporter_back(
    journey: Journey, platform: Platform, monkeypatch: pytest.MonkeyPatch,
) -> None:
    journey.answer_all(CHILD)

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise InvalidReport([Problem(("reporter", "email"), "not an email address")])

    monkeypatch.setattr(public, "submit_report", refuse)
    response = journey.post("/report/check", {})
    assert response.headers["location"] == "/report/contact?change=1"
    page = journey.open("/report/contact?change=1").text
    assert "Enter an email address in the right format" in page and 'value="Sam.Child@Example.com"' in page
    assert draft_count(platform) == 1  # nothing lost
    monkeypatch.undo()
    response = journey.post("/report/contact?change=1", {**CHILD["contact"], "changing": "1"})
    assert response.headers["location"] == "/report/check"
    assert journey.send().startswith("JIG-")


# --- safety -----------------------------------------------------------------------------

def test_a_post_without_the_csrf_token_is_refused_and_saves_nothing(journey: Journey, platform: Platform) -> None:
    response = journey.post("/report/who", {"audience": "young_person"}, csrf=False)
    assert response.status_code == 400 and "timed out" in response.text
    assert draft_count(platform) == 0
    journey.answer_all({"who": CHILD["who"]})
    response = journey.post("/report/who-it-happened-to", {"happened_to": "me", "csrf_token": "forged"},
                            csrf=False)
    assert response.status_code == 400 and 'value="me" checked' in response.text
    assert journey.open("/report/tell-us").headers["location"] == "/report/who-it-happened-to"


def test_sending_without_the_csrf_token_is_refused(journey: Journey, platform: Platform) -> None:
    journey.answer_all(CHILD)
    response = journey.client.post("/report/check", data={}, follow_redirects=False)
    assert response.status_code == 400
    with session_of(platform) as session:
        assert session.scalar(select(func.count(Report.id))) == 0
    assert draft_count(platform) == 1


def test_exit_deletes_the_draft_and_goes_to_a_neutral_site(journey: Journey, platform: Platform) -> None:
    journey.answer_all({k: CHILD[k] for k in ("who", "who-it-happened-to", "age", "what-happened", "tell-us")})
    assert draft_count(platform) == 1
    response = journey.client.get("/report/exit", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == public.EXIT_URL
    cleared = [c for c in response.headers.get_list("set-cookie") if c.startswith(f"{public.DRAFT_COOKIE}=")]
    assert cleared and ("Max-Age=0" in cleared[0] or "expires=" in cleared[0].lower())
    assert draft_count(platform) == 0
    assert journey.client.cookies.get(public.DRAFT_COOKIE) is None
    assert journey.open("/report/tell-us").headers["location"] == "/report"


def test_a_double_click_on_send_makes_one_report(journey: Journey, platform: Platform) -> None:
    journey.answer_all(CHILD)
    token = csrf_from(journey.open("/report/check").text)
    cookies = dict(journey.client.cookies)
    first = journey.client.post("/report/check", data={"csrf_token": token}, follow_redirects=False)
    journey.client.cookies.clear()
    for name, value in cookies.items():  # the second click carries the cookies from before the first answer
        journey.client.cookies.set(name, value)
    second = journey.client.post("/report/check", data={"csrf_token": token}, follow_redirects=False)
    assert first.headers["location"] == second.headers["location"] == "/report/done"
    with session_of(platform) as session:
        assert session.scalar(select(func.count(Report.id))) == 1


def test_draft_cookie_is_http_only_strict_and_holds_no_answers(journey: Journey) -> None:
    page = journey.open("/report/who")
    response = journey.client.post("/report/who", data={
        "csrf_token": csrf_from(page.text), "audience": "young_person"}, follow_redirects=False)
    (cookie,) = [c for c in response.headers.get_list("set-cookie") if c.startswith(f"{public.DRAFT_COOKIE}=")]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    assert "Path=/report" in cookie and "young" not in cookie


def test_nothing_typed_appears_in_a_url(journey: Journey) -> None:
    locations = []
    for slug, data in CHILD.items():
        response = journey.post(f"/report/{slug}", data)
        locations.append(response.headers["location"])
    typed = [v for answers in CHILD.values() for v in answers.values() if len(v) > 3]
    assert all(t not in loc for loc in locations for t in typed)
    assert all(re.fullmatch(r"/report/[a-z-]+", loc) for loc in locations)


def test_an_expired_draft_is_gone_and_purged(journey: Journey, platform: Platform) -> None:
    journey.answer_all({k: CHILD[k] for k in ("who", "who-it-happened-to")})
    with session_of(platform) as session:
        session.execute(update(PublicDraft).values(expires_at=PublicDraft.created_at))
        session.commit()
    assert journey.open("/report/age").headers["location"] == "/report/session-ended"
    assert "we delete your answers" in journey.open("/report/session-ended").text
    Journey(journey.client).answer_all({"who": CHILD["who"]})  # saving anything purges expired drafts
    assert draft_count(platform) == 1


def test_pages_cannot_be_skipped_or_reached_without_a_draft(journey: Journey) -> None:
    assert journey.open("/report/check").headers["location"] == "/report"
    assert journey.open("/report/done").headers["location"] == "/report"
    journey.answer_all({"who": CHILD["who"]})
    assert journey.open("/report/contact").headers["location"] == "/report/who-it-happened-to"
    assert journey.open("/report/check").headers["location"] == "/report/who-it-happened-to"
    assert journey.open("/report/nonsense").status_code == 404


def test_files_and_huge_forms_are_refused(client: TestClient, journey: Journey) -> None:
    token = csrf_from(journey.open("/report/who").text)
    upload = client.post("/report/who", data={"csrf_token": token, "audience": "young_person"},
                         files={"picture": ("a.png", b"\x89PNG....", "image/png")}, follow_redirects=False)
    assert upload.status_code == 415 and "never accept pictures" in upload.text
    huge = client.post("/report/who", data={"csrf_token": token, "audience": "x" * 70_000}, follow_redirects=False)
    assert huge.status_code == 413


def test_every_page_has_the_banner_the_exit_and_no_file_input(journey: Journey) -> None:
    journey.open("/report")
    journey.answer_all(CHILD)
    journey.open("/report/check")
    journey.post("/report/contact", {"email": "bad"})  # an error page too
    journey.send()
    journey.open("/report/session-ended")
    journey.open("/report/nope")
    assert len(journey.pages) >= 12
    for path, page in journey.pages.items():
        assert "If you or someone else is in danger right now, call <a href=\"tel:999\">999</a>" in page, path
        assert 'href="/report/exit"' in page and "Exit this page" in page, path
        assert 'src="/static/intake/public.js"' in page, path
        assert '<html lang="en-GB">' in page, path
        assert 'type="file"' not in page and "multipart" not in page, path
        assert " on" + "click=" not in page.lower() and "<script>" not in page, path
        assert "Childline" in page and "0800 1111" in page, path


def test_every_input_has_a_label(journey: Journey) -> None:
    journey.answer_all(CHILD)
    for path, page in journey.pages.items():
        for input_id in re.findall(r'<(?:input|textarea)[^>]*\bid="([^"]+)"', page):
            assert f'for="{input_id}"' in page, (path, input_id)


def test_the_confirmation_says_what_happens_next(journey: Journey) -> None:
    journey.answer_all(CHILD)
    journey.send()
    page = journey.pages["/report/done"]
    for words in ("Child Protection Advisor", "never your fault", "999", "0800 1111", 'href="/report/exit"'):
        assert words in page


def test_public_pages_send_the_security_headers(client: TestClient) -> None:
    for path in ("/report", "/report/who", "/report/exit"):
        response = client.get(path, follow_redirects=False)
        assert "script-src 'self'" in response.headers["content-security-policy"]
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["x-content-type-options"] == "nosniff"


# --- rate limit -------------------------------------------------------------------------

@pytest.fixture
def strict_client(platform: Platform) -> Iterator[TestClient]:
    """An app that allows one submission per client per hour."""
    limited = replace(platform, settings=replace(platform.settings, public_form_rate_limit=1))
    with TestClient(create_app(platform=limited), base_url="http://testserver") as test_client:
        yield test_client


def test_the_limit_is_checked_when_the_form_starts_with_999_and_childline(
    strict_client: TestClient, platform: Platform,
) -> None:
    first = Journey(strict_client)
    first.answer_all(CHILD)
    first.send()
    second = Journey(strict_client)
    refused = second.open("/report/who")  # told at the first question, before answering anything
    assert refused.status_code == 429
    for words in ("try again", 'href="tel:999"', "Childline", "0800 1111"):
        assert words in refused.text
    token = anon_csrf_token(platform.session_key, strict_client.cookies["jigsaw_csrf"])  # a form kept open
    posted = strict_client.post("/report/who", data={"csrf_token": token, "audience": "young_person"},
                                follow_redirects=False)
    assert posted.status_code == 429 and "0800 1111" in posted.text
    assert draft_count(platform) == 0
    with session_of(platform) as session:
        assert session.scalar(select(func.count(Report.id))) == 1


def test_a_child_who_was_allowed_to_start_can_always_finish(strict_client: TestClient, platform: Platform) -> None:
    started = Journey(strict_client)
    started.answer_all({"who": CHILD["who"]})  # takes the one place this hour
    another_browser = TestClient(strict_client.app, base_url="http://testserver")
    assert Journey(another_browser).open("/report/who").status_code == 429  # nobody else can start now
    started.answer_all({k: v for k, v in CHILD.items() if k != "who"})
    assert started.send().startswith("JIG-")
    with session_of(platform) as session:
        assert session.scalar(select(func.count(Report.id))) == 1


def test_sending_still_checks_the_limit_for_a_draft_that_holds_no_place(
    strict_client: TestClient, platform: Platform,
) -> None:
    Journey(strict_client).answer_all({"who": CHILD["who"]})  # uses the hour's one place
    answers = {k: v for page in CHILD.values() for k, v in page.items() if v}
    unreserved = FlowState(answers, frozenset(applicable_steps(answers)))
    secret = drafts.new_secret()
    with session_of(platform) as session:
        drafts.save_draft(session, secret, unreserved.to_dict(), datetime.now(UTC))
        session.commit()
    strict_client.cookies.set(public.DRAFT_COOKIE, secret, path="/report")
    response = Journey(strict_client).post("/report/check", {})
    assert response.status_code == 429 and "0800 1111" in response.text
    with session_of(platform) as session:
        assert session.scalar(select(func.count(Report.id))) == 0
