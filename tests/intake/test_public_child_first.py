"""The public form, child first: the child it happened to reaches triage, contact is safe, wording fits.

A 13-year-old's own sextortion report must land at P0 end to end: the form records them as
the victim with their age, and the shipped rule "active sextortion of an identified child"
reads exactly that. These tests go through HTTP and the real triage subscriber.
"""

from __future__ import annotations

import ipaddress
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from starlette.requests import Request

from jigsaw.accounts.roles import Role
from jigsaw.config import parse_proxy_header, parse_trusted_proxies
from jigsaw.http.security import client_key, real_client
from jigsaw.intake.models import Report
from jigsaw.platform import Platform
from jigsaw.triage.interfaces import api_triage, triage_view
from tests.factories import login, make_org, make_staff, session_of
from tests.intake.test_public_form import CHILD, PARENT, Journey, stored


@pytest.fixture
def journey(client: TestClient) -> Journey:
    return Journey(client)


# A 13-year-old, about themself, with nobody in danger right now: no escalation to lift the band.
CHILD_SEXTORTION = {**CHILD, "danger": {"danger": "no"}}
del CHILD_SEXTORTION["danger-now"]


def band_of(platform: Platform, report_id: int) -> tuple[str, list[str]]:
    with session_of(platform) as session:
        triage = api_triage(triage_view(session, report_id))
    assert triage is not None
    fired = [rule["id"] for rule in triage["explanation"]["rules"]]
    return triage["band"], fired


def test_a_13_year_olds_own_sextortion_report_lands_at_p0(journey: Journey, platform: Platform) -> None:
    journey.answer_all(CHILD_SEXTORTION)
    report = stored(platform, journey.send())
    assert report.escalation is None
    (victim,) = [s for s in report.subjects if s.role == "victim"]
    assert (victim.name, victim.age) == ("Sam", 13)
    band, fired = band_of(platform, report.id)
    assert band == "P0", fired
    assert "active_sextortion" in fired


def test_without_the_childs_age_or_name_the_same_report_is_not_p0(journey: Journey, platform: Platform) -> None:
    """The counterfactual: the victim subject is what lifts it (a friend's report, nothing known)."""
    answers = {**CHILD_SEXTORTION, "who-it-happened-to": {"happened_to": "someone_else"},
               "age": {"victim_name": "", "victim_age": ""}}
    journey.answer_all(answers)
    report = stored(platform, journey.send())
    assert [s.role for s in report.subjects] == ["suspect"]
    assert band_of(platform, report.id)[0] != "P0"


def test_a_parent_reporting_an_11_year_old_records_the_child(journey: Journey, platform: Platform) -> None:
    journey.answer_all(PARENT)
    assert "About your child" in journey.pages["/report/age"]
    assert "How old is your child?" in journey.pages["/report/age"]
    report = stored(platform, journey.send())
    (child,) = [s for s in report.subjects if s.role == "victim"]
    assert (child.name, child.age) == ("Maya", 11)
    assert report.source_data["reporter_is_victim"] is False


def test_a_young_person_must_give_their_age(journey: Journey) -> None:
    journey.answer_all({k: CHILD[k] for k in ("who", "who-it-happened-to")})
    response = journey.post("/report/age", {"victim_age": ""})
    assert response.status_code == 400 and "Enter your age, like 13" in response.text
    assert 'inputmode="numeric"' in response.text


# --- contacting the reporter safely ----------------------------------------------------------

def test_safe_contact_is_shown_to_the_analyst_and_encrypted_at_rest(
    journey: Journey, client: TestClient, platform: Platform,
) -> None:
    journey.answer_all(CHILD)
    check = journey.open("/report/check").text
    assert "After 4pm, not at weekends" in check and 'href="/report/safe-to-contact?change=1"' in check
    report = stored(platform, journey.send())
    assert report.source_data["safe_contact"] == {
        "how": "email", "when": "After 4pm, not at weekends", "leave_message": False}
    with session_of(platform) as session:
        (raw,) = session.execute(text("SELECT source_data FROM reports WHERE id = :i"), {"i": report.id}).one()
    assert b"After 4pm" not in bytes(raw) and b"safe_contact" not in bytes(raw) and b"leave_message" not in bytes(raw)

    centre = make_org(platform, "Centre")
    login(client, platform, make_staff(platform, "analyst@centre.example", Role.ANALYST, centre))
    page = client.get(f"/reports/{report.id}").text
    block = page[page.index('id="safe-contact"'):]
    block = block[:block.index("</section>")]
    assert page.index("sam.child@example.com") < page.index('id="safe-contact"')  # beside the contact details
    assert "Contacting the reporter safely" in block and "The reporter is the child it happened to" in block
    assert "Email" in block and "After 4pm, not at weekends" in block
    assert "do not leave a message" in block


# --- the done page keeps the reporter's wording ----------------------------------------------

def test_a_child_is_not_told_that_adults_can_call_101(journey: Journey) -> None:
    journey.answer_all(CHILD)
    journey.send()
    done = journey.pages["/report/done"]
    assert "tel:101" not in done and "Adults can call" not in done
    assert 'href="tel:999"' in done and "Childline" in done and "0800 1111" in done
    assert "adult you trust" in done


def test_an_adult_is_told_about_101_on_the_done_page(journey: Journey) -> None:
    journey.answer_all(PARENT)
    journey.send()
    done = journey.pages["/report/done"]
    assert 'href="tel:101"' in done and 'href="tel:999"' in done and "NSPCC" in done


# --- the client's real address ----------------------------------------------------------------

TRUSTED = parse_trusted_proxies("10.0.0.0/8, 2001:db8::1")


def request_from(peer: str, headers: dict[str, str], trusted: str = "10.0.0.0/8",
                 header: str = "x-forwarded-for") -> Request:
    settings = SimpleNamespace(trusted_proxies=parse_trusted_proxies(trusted), proxy_header=header)
    app = SimpleNamespace(state=SimpleNamespace(platform=SimpleNamespace(settings=settings)))
    return Request({"type": "http", "method": "GET", "path": "/", "app": app, "client": (peer, 5000),
                    "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()]})


def test_an_untrusted_peers_forwarded_header_is_ignored() -> None:
    assert client_key(request_from("203.0.113.9", {"X-Forwarded-For": "198.51.100.1"})) == "203.0.113.9"
    assert client_key(request_from("203.0.113.9", {"Forwarded": "for=198.51.100.1"}, header="forwarded")) \
        == "203.0.113.9"
    # No proxies configured: the header is ignored even from a private address.
    assert client_key(request_from("10.0.0.2", {"X-Forwarded-For": "198.51.100.1"}, trusted="")) == "10.0.0.2"


def test_a_trusted_proxys_header_gives_the_right_most_untrusted_address() -> None:
    assert client_key(request_from("10.0.0.2", {"X-Forwarded-For": "198.51.100.1"})) == "198.51.100.1"
    # The client wrote the left-most entry itself; our own proxies are skipped from the right.
    spoofed = {"X-Forwarded-For": "1.1.1.1, 198.51.100.7, 10.0.0.3"}
    assert client_key(request_from("10.0.0.2", spoofed)) == "198.51.100.7"
    assert client_key(request_from("10.0.0.2", {"Forwarded": 'for=1.1.1.1, for="198.51.100.7:4711";proto=https'},
                                   header="forwarded")) == "198.51.100.7"
    assert client_key(request_from("10.0.0.2", {"Forwarded": 'for="[2001:db8::7]:80"'}, header="forwarded")) \
        == "2001:db8::7"
    # Only the configured header is read: a proxy setting X-Forwarded-For passes Forwarded through.
    assert client_key(request_from("10.0.0.2", {"Forwarded": "for=1.1.1.1"})) == "10.0.0.2"


def test_the_walk_stops_at_garbage_and_handles_chains_of_proxies() -> None:
    assert real_client("10.0.0.2", ["nonsense", "10.0.0.4"], TRUSTED) == "10.0.0.4"
    assert real_client("10.0.0.2", ["10.0.0.9"], TRUSTED) == "10.0.0.9"  # all trusted: the farthest
    assert real_client("2001:db8::1", ["198.51.100.3"], TRUSTED) == "198.51.100.3"
    assert real_client("10.0.0.2", [], TRUSTED) == "10.0.0.2"


def test_bad_proxy_settings_stop_start_up() -> None:
    assert parse_trusted_proxies("") == ()
    assert parse_trusted_proxies("10.1.2.3") == (ipaddress.ip_network("10.1.2.3/32"),)
    with pytest.raises(ValueError, match="JIGSAW_TRUSTED_PROXIES"):
        parse_trusted_proxies("10.0.0.0/8, proxy.internal")
    assert parse_proxy_header(" Forwarded ") == "forwarded"
    with pytest.raises(ValueError, match="JIGSAW_PROXY_HEADER"):
        parse_proxy_header("x-real-ip")


def test_the_form_limit_keys_on_the_forwarded_client_behind_a_trusted_proxy(platform: Platform) -> None:
    """Two children behind the same proxy do not share one limit; a spoofed header from outside does nothing."""
    from dataclasses import replace

    from jigsaw.web.app import create_app

    settings = replace(platform.settings, public_form_rate_limit=1, trusted_proxies=parse_trusted_proxies("127.0.0.1"))
    app = create_app(platform=replace(platform, settings=settings))

    def browser(forwarded_for: str | None, peer: str = "127.0.0.1") -> Journey:
        test_client = TestClient(app, base_url="http://testserver", client=(peer, 5000))
        if forwarded_for:
            test_client.headers["X-Forwarded-For"] = forwarded_for
        return Journey(test_client)

    first = browser("198.51.100.1")
    first.answer_all({"who": CHILD["who"]})
    assert browser("198.51.100.1").open("/report/who").status_code == 429
    assert browser("198.51.100.2").open("/report/who").status_code == 200
    outsider = browser("198.51.100.3", peer="203.0.113.5")
    outsider.answer_all({"who": CHILD["who"]})
    assert browser("198.51.100.4", peer="203.0.113.5").open("/report/who").status_code == 429
    with session_of(platform) as session:
        assert session.scalar(select(Report.id)) is None
