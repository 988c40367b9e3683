"""A platform's Report Abuse button: signed links into the public form, on SQLite and PostgreSQL.

A trusted link pre-fills the platform and the reported account; any other link opens the same
form with nothing filled in. The report records the route it came by, and the statistics count it.
"""

from __future__ import annotations

import subprocess
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from typer.testing import CliRunner

from jigsaw.accounts.button_keys import decode_key, issue_button_key
from jigsaw.accounts.button_link import link_query
from jigsaw.accounts.models import ButtonKey, Organisation
from jigsaw.accounts.roles import OrgKind, Role
from jigsaw.audit.models import AuditEvent
from jigsaw.cli.app import app as cli_app
from jigsaw.db.engine import session_scope
from jigsaw.intake import public
from jigsaw.platform import Platform
from tests.accounts.helpers import bearer, personal_token
from tests.factories import ACTOR, csrf_from, login, make_org, make_staff, make_token
from tests.intake.test_public_form import CHILD, Journey, stored


def issue_key(platform: Platform, org_id: int) -> bytes:
    with session_scope(platform.engine) as session:
        org = session.get(Organisation, org_id)
        assert org is not None
        return decode_key(issue_button_key(session, ACTOR, org).key)


def button_link(key: bytes, org_id: int, account: str | None, ts: int | None = None) -> str:
    query = link_query(key, org_id, account, int(time.time()) if ts is None else ts)
    return f"/report/from/{org_id}?{urlencode(query)}"


@pytest.fixture
def pixelplay(platform: Platform) -> tuple[int, bytes]:
    org_id = make_org(platform, "PixelPlay", OrgKind.PLATFORM)
    return org_id, issue_key(platform, org_id)


def child_answers_through(journey: Journey, where_expected: dict[str, str], *,
                          prefilled: bool = True) -> dict[str, dict[str, str]]:
    """Answer up to the "where" page, which must show ``where_expected`` already filled in (when
    ``prefilled``), and send it; the answers still to give."""
    answers = dict(CHILD)
    answers.pop("where")
    for slug in list(answers)[: list(CHILD).index("where")]:
        assert journey.post(f"/report/{slug}", answers.pop(slug)).status_code == 303
    where = journey.open("/report/where").text
    for value in where_expected.values():
        assert (f'value="{value}"' in where) is prefilled, where
    assert journey.post("/report/where", where_expected).status_code == 303
    return answers


def test_a_child_follows_a_signed_link_and_the_report_names_the_platform_and_account(
    client: TestClient, platform: Platform, pixelplay: tuple[int, bytes],
) -> None:
    org_id, key = pixelplay
    journey = Journey(client)
    opened = client.get(button_link(key, org_id, "darktide_77"), follow_redirects=False)
    assert (opened.status_code, opened.headers["location"]) == (303, "/report")
    start = journey.open("/report").text
    assert "You pressed Report on PixelPlay" in start and "not to PixelPlay" in start
    rest = child_answers_through(journey, {"platform": "PixelPlay", "username": "darktide_77"})
    assert "filled this in from PixelPlay" in journey.pages["/report/where"]
    journey.answer_all(rest)
    report = stored(platform, journey.send())

    assert (report.channel, report.entry_route, report.entry_org_id) == ("public_form", "button", org_id)
    assert report.platform == "PixelPlay"
    suspect = next(s for s in report.subjects if s.role == "suspect")
    (observation,) = suspect.observations
    assert (observation.identifier.type, observation.identifier.platform, observation.identifier.value) == \
        ("username", "pixelplay", "darktide_77")
    assert client.cookies.get(public.BUTTON_COOKIE) is None  # the draft held it; the report has it now

    analyst = make_staff(platform, "analyst@centre.test", Role.ANALYST, make_org(platform, "Centre"))
    login(client, platform, analyst)
    page = client.get(f"/reports/{report.id}").text
    assert "via PixelPlay's Report Abuse button" in page and "darktide_77" in page


@pytest.mark.parametrize("spoil", ["tampered account", "tampered signature", "other platform", "expired",
                                   "unsigned", "not a platform", "no such organisation"])
def test_a_link_we_cannot_trust_opens_the_plain_form(
    client: TestClient, platform: Platform, pixelplay: tuple[int, bytes], spoil: str,
) -> None:
    org_id, key = pixelplay
    other_id = make_org(platform, "ChatterBox", OrgKind.PLATFORM)
    issue_key(platform, other_id)
    charity = make_org(platform, "A charity", OrgKind.CHARITY)
    good = button_link(key, org_id, "darktide_77")
    link = {
        "tampered account": good.replace("darktide_77", "innocent_user"),
        "tampered signature": good[:-1] + ("0" if good[-1] != "0" else "1"),
        "other platform": good.replace(f"/from/{org_id}?", f"/from/{other_id}?"),
        "expired": button_link(key, org_id, "darktide_77", ts=int(time.time()) - 31 * 86400),
        "unsigned": f"/report/from/{org_id}?account=darktide_77",
        "not a platform": button_link(key, charity, "darktide_77"),
        "no such organisation": button_link(key, 99999999999, "darktide_77"),
    }[spoil]
    opened = client.get(link, follow_redirects=False)
    assert (opened.status_code, opened.headers["location"]) == (303, "/report")
    journey = Journey(client)
    start = journey.open("/report").text
    assert "You pressed Report" not in start and "PixelPlay" not in start
    rest = child_answers_through(journey, {"platform": "Snapchat", "username": "someone_else"}, prefilled=False)
    assert 'value="darktide_77"' not in journey.pages["/report/where"]
    journey.answer_all(rest)
    report = stored(platform, journey.send())
    assert (report.entry_route, report.entry_org_id, report.platform) == ("web_form", None, "Snapchat")


def test_a_rotated_key_works_through_its_grace_period_only(
    client: TestClient, platform: Platform, pixelplay: tuple[int, bytes],
) -> None:
    org_id, old_key = pixelplay
    new_key = issue_key(platform, org_id)
    for key in (old_key, new_key):
        client.cookies.clear()
        client.get(button_link(key, org_id, "darktide_77"), follow_redirects=False)
        assert "You pressed Report on PixelPlay" in client.get("/report").text
    with session_scope(platform.engine) as session:
        session.execute(update(ButtonKey).where(ButtonKey.valid_until.is_not(None))
                        .values(valid_until=datetime.now(UTC) - timedelta(seconds=1)))
    client.cookies.clear()
    client.get(button_link(old_key, org_id, "darktide_77"), follow_redirects=False)
    assert "You pressed Report" not in client.get("/report").text


def test_a_forged_button_cookie_is_ignored(client: TestClient, platform: Platform,
                                           pixelplay: tuple[int, bytes]) -> None:
    org_id, key = pixelplay
    client.get(button_link(key, org_id, "darktide_77"), follow_redirects=False)
    value = client.cookies[public.BUTTON_COOKIE]
    client.cookies.set(public.BUTTON_COOKIE, value.replace(value.split("|")[1], str(int(time.time()) + 10**6)),
                       path="/report")
    assert "You pressed Report" not in client.get("/report").text


def test_exit_forgets_the_button(client: TestClient, platform: Platform, pixelplay: tuple[int, bytes]) -> None:
    org_id, key = pixelplay
    client.get(button_link(key, org_id, "darktide_77"), follow_redirects=False)
    assert client.cookies.get(public.BUTTON_COOKIE)
    client.get("/report/exit", follow_redirects=False)
    assert client.cookies.get(public.BUTTON_COOKIE) is None


def test_statistics_count_reports_by_entry_route_and_platform(
    client: TestClient, platform: Platform, pixelplay: tuple[int, bytes],
) -> None:
    org_id, key = pixelplay
    for link in (button_link(key, org_id, "darktide_77"), button_link(key, org_id, None), None):
        client.cookies.clear()
        if link:
            client.get(link, follow_redirects=False)
        journey = Journey(client)
        expected = {"platform": "PixelPlay", "username": "darktide_77"} if link and "account" in link else \
            {"platform": "PixelPlay"} if link else {"platform": "Snapchat", "username": "x"}
        journey.answer_all(child_answers_through(journey, expected, prefilled=link is not None))
        journey.send()
    client.cookies.clear()
    supervisor = make_staff(platform, "sup@centre.test", Role.SUPERVISOR, make_org(platform, "Centre"))
    _, token = personal_token(platform, supervisor)
    stats = client.get("/api/v1/statistics/entry-routes", headers=bearer(token)).json()
    assert stats["total"] == 3 and stats["by_route"] == {"button": 2, "web_form": 1}
    assert stats["buttons"] == [{"platform": "PixelPlay", "reports": 2, "from_young_people": 2}]
    login(client, platform, supervisor)
    page = client.get("/statistics/entry-routes").text
    assert "Report Abuse button" in page and "PixelPlay" in page
    refused = client.get("/api/v1/statistics/entry-routes?since=2026-02-01&until=2026-01-01", headers=bearer(token))
    assert refused.status_code in (400, 422) and "since" in refused.text


def test_the_admin_issues_a_key_once_and_the_page_documents_signing(
    client: TestClient, platform: Platform,
) -> None:
    centre = make_org(platform, "Centre")
    org_id = make_org(platform, "PixelPlay", OrgKind.PLATFORM)
    admin = make_staff(platform, "admin@centre.test", Role.ADMIN, centre)
    login(client, platform, admin)
    page = client.get(f"/admin/organisations/{org_id}/button").text
    assert "No key issued yet" in page and "{ACCOUNT}" in page and "openssl dgst" in page
    issued = client.post(f"/admin/organisations/{org_id}/button-key", data={"csrf_token": csrf_from(page)})
    assert issued.status_code == 200 and issued.headers["cache-control"] == "no-store"
    with session_scope(platform.engine) as session:
        (row,) = session.scalars(select(ButtonKey)).all()
        assert row.key in issued.text  # shown once, on this page
        audit = session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "button_key")).all()
        assert [a.detail["op"] for a in audit] == ["issue"]
    assert row.key not in client.get(f"/admin/organisations/{org_id}/button").text
    assert "Current key issued" in client.get(f"/admin/organisations/{org_id}/button").text
    # Only platforms have buttons.
    assert client.get(f"/admin/organisations/{centre}/button", follow_redirects=False).status_code == 303


def test_the_worked_example_is_what_openssl_computes(client: TestClient, platform: Platform) -> None:
    """The page's shell example, run as a platform engineer would, gives the page's signature."""
    org_id = make_org(platform, "PixelPlay", OrgKind.PLATFORM)
    token = make_token(platform, org_id, "reports:submit")
    button = client.get("/api/v1/button", headers=bearer(token)).json()
    example = button["example"]
    out = subprocess.run(
        ["openssl", "dgst", "-sha256", "-mac", "HMAC", "-macopt", f"hexkey:{example['key_hex']}"],
        input=f"v1\n{org_id}\n{example['account']}\n{example['ts']}".encode(), capture_output=True, check=True)
    assert out.stdout.decode().split()[-1] == example["signature"]
    assert button["form_url"].endswith(f"/report/from/{org_id}") and "{SIG}" in button["snippet_html"]


def test_the_api_issues_keys_for_admins_and_shows_platforms_their_button(
    client: TestClient, platform: Platform,
) -> None:
    centre = make_org(platform, "Centre")
    org_id = make_org(platform, "PixelPlay", OrgKind.PLATFORM)
    _, admin_token = personal_token(platform, make_staff(platform, "admin@centre.test", Role.ADMIN, centre))
    made = client.post(f"/api/v1/admin/organisations/{org_id}/button-key", headers=bearer(admin_token))
    assert made.status_code == 201 and len(made.json()["key_hex"]) == 64
    again = client.post(f"/api/v1/admin/organisations/{org_id}/button-key", headers=bearer(admin_token)).json()
    assert again["key_hex"] != made.json()["key_hex"] and again["previous_keys_valid_until"]
    assert client.post(f"/api/v1/admin/organisations/{centre}/button-key",
                       headers=bearer(admin_token)).status_code in (400, 422)
    platform_token = make_token(platform, org_id, "reports:submit")
    mine = client.get("/api/v1/button", headers=bearer(platform_token)).json()
    assert mine["organisation_id"] == org_id and mine["key_issued_at"]
    assert made.json()["key_hex"] not in str(mine) and again["key_hex"] not in str(mine)
    centre_token = make_token(platform, centre, "reports:submit")
    assert client.get("/api/v1/button", headers=bearer(centre_token)).status_code == 403


def test_the_cli_prints_the_key_alone_on_the_last_line(platform: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    make_org(platform, "PixelPlay", OrgKind.PLATFORM)
    monkeypatch.setenv("JIGSAW_DATA_DIR", str(platform.settings.data_dir))
    monkeypatch.setenv("JIGSAW_DATABASE_URL", platform.settings.database_url)
    runner = CliRunner()
    first = runner.invoke(cli_app, ["orgs", "button-key", "PixelPlay"])
    second = runner.invoke(cli_app, ["orgs", "button-key", "PixelPlay"])
    assert first.exit_code == 0 and second.exit_code == 0, first.output
    keys = [r.output.strip().splitlines()[-1] for r in (first, second)]
    assert all(len(k) == 64 and bytes.fromhex(k) for k in keys) and keys[0] != keys[1]
    assert "Rotated" in second.output
    assert runner.invoke(cli_app, ["orgs", "button-key", "Nobody"]).exit_code != 0
