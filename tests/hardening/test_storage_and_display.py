"""Issue 15, item 11: bounded annotations, no reporter address in clear, owner-only files,
Secure cookies off loopback, bidirectional controls isolated, Retry-After on every 429."""

from __future__ import annotations

import logging
import os
import stat
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from jigsaw.accounts.roles import OrgKind
from jigsaw.audit.models import AuditEvent
from jigsaw.bootstrap import open_platform
from jigsaw.config import serving_settings
from jigsaw.formats.text import isolate_bidi
from jigsaw.http.access_log import ACCESS_LOGGER, AccessLogPrivacy
from jigsaw.http.security import SlidingWindowLimiter
from jigsaw.http.templating import build_templates
from jigsaw.intake.domain import InvalidReport, MediaDraft, ReportDraft, prepare
from jigsaw.platform import Platform
from jigsaw.web.app import create_app
from tests.conftest import make_settings
from tests.factories import csrf_from, make_org, make_token, report_body, session_of
from tests.intake.test_public_form import CHILD, Journey

RLO, PDF, LRE, FSI, PDI = "\u202e", "\u202c", "\u202a", "\u2068", "\u2069"


# --- bounded annotations -------------------------------------------------------------------

def test_api_annotations_are_short_flags(client: TestClient, platform: Platform) -> None:
    org = make_org(platform, "PixelPlay", OrgKind.PLATFORM)
    headers = {"Authorization": f"Bearer {make_token(platform, org, 'reports:submit')}"}
    for body in (report_body(annotations=["x" * 100_000]),
                 report_body(annotations=[f"flag_{i}" for i in range(33)]),
                 report_body(media=[{"md5": "0" * 32, "file_annotations": ["y" * 100_000]}])):
        response = client.post("/api/v1/reports", headers=headers, json=body)
        assert response.status_code == 422, response.text
        assert "xxxx" not in response.text and "yyyy" not in response.text
    ok = client.post("/api/v1/reports", headers=headers, json=report_body(annotations=["sextortion"]))
    assert ok.status_code == 201


def test_imported_annotations_are_bounded_too() -> None:
    base = ReportDraft(source="platform", incident_type="other", summary="s")
    with pytest.raises(InvalidReport, match=r"annotations\.0: is 101 characters"):
        prepare(replace(base, annotations=("a" * 101,)))
    with pytest.raises(InvalidReport, match="at most 32 annotations"):
        prepare(replace(base, annotations=tuple(f"f{i}" for i in range(33))))
    huge = MediaDraft(md5="0" * 32, annotations={"exif": "z" * 70_000})
    with pytest.raises(InvalidReport, match=r"media.0.annotations: are \d+ bytes"):
        prepare(replace(base, media=(huge,)))
    prepare(replace(base, annotations=("sextortion",), media=(replace(huge, annotations={"exif": "ok"}),)))


# --- the reporter's address ------------------------------------------------------------------

def test_the_reporters_address_is_never_stored_in_clear(client: TestClient, platform: Platform) -> None:
    journey = Journey(client)
    journey.answer_all(CHILD)
    journey.send()
    with session_of(platform) as session:
        actors = set(session.scalars(select(AuditEvent.actor)))
        details = " ".join(str(d) for d in session.scalars(select(AuditEvent.detail)))
    public = {a for a in actors if a.startswith("public:")}
    assert public and all(a.startswith("public:ip-") and len(a) == len("public:ip-") + 32 for a in public)
    assert not any("testclient" in a for a in actors) and "testclient" not in details


def test_the_public_form_leaves_no_access_log_line(client: TestClient) -> None:
    del client  # building the app installs the filter from the capabilities' declarations
    logger = logging.getLogger(ACCESS_LOGGER)
    (keep,) = [f for f in logger.filters if isinstance(f, AccessLogPrivacy)]

    def line(path: str) -> logging.LogRecord:
        return logging.LogRecord(ACCESS_LOGGER, logging.INFO, "", 0, '%s - "%s %s HTTP/%s" %d',
                                 ("203.0.113.9:5000", "POST", path, "1.1", 303), None)

    assert not keep.filter(line("/report/check")) and not keep.filter(line("/report"))
    assert not keep.filter(line("/report?x=1"))
    assert keep.filter(line("/reports/12")) and keep.filter(line("/api/v1/reports"))


# --- files -----------------------------------------------------------------------------------

def test_the_data_folder_and_database_files_are_the_owners_alone(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        data = tmp_path / "data"
        opened = open_platform(make_settings(data))
        with opened.session() as session:
            session.execute(select(1))
        opened.close()
    finally:
        os.umask(old)
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    files = [p for p in data.iterdir() if p.name.startswith("jigsaw.db")]
    assert files and all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in files), \
        {p.name: oct(p.stat().st_mode) for p in files}


# --- cookies ---------------------------------------------------------------------------------

ALL_INTERFACES = "0.0.0.0"  # noqa: S104 (a host name to judge, nothing binds to it)


@pytest.mark.parametrize(("host", "secure"), [(ALL_INTERFACES, True), ("10.1.2.3", True), ("jigsaw.example", True),
                                              ("127.0.0.1", False), ("localhost", False), ("::1", False)])
def test_cookies_are_secure_unless_serving_on_loopback(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                       host: str, secure: bool) -> None:
    monkeypatch.setenv("JIGSAW_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("JIGSAW_COOKIE_SECURE", raising=False)
    assert serving_settings(host).cookie_secure is secure
    monkeypatch.setenv("JIGSAW_COOKIE_SECURE", "0")
    assert serving_settings(host).cookie_secure is False
    monkeypatch.setenv("JIGSAW_COOKIE_SECURE", "1")
    assert serving_settings(host).cookie_secure is True


@pytest.mark.parametrize(("host", "port", "base"), [
    ("127.0.0.1", 8000, "http://127.0.0.1:8000"), ("127.0.0.1", 9123, "http://127.0.0.1:9123"),
    ("jigsaw.example", 8443, "http://jigsaw.example:8443"), ("::1", 9000, "http://[::1]:9000"),
    (ALL_INTERFACES, 9001, "http://127.0.0.1:9001"), ("::", 9002, "http://[::1]:9002")])
def test_links_point_at_the_address_served_unless_a_base_url_is_set(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, host: str, port: int, base: str) -> None:
    monkeypatch.setenv("JIGSAW_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("JIGSAW_BASE_URL", raising=False)
    assert serving_settings(host, port).base_url == base
    monkeypatch.setenv("JIGSAW_BASE_URL", "https://jigsaw.centre.example/")
    assert serving_settings(host, port).base_url == "https://jigsaw.centre.example"


# --- bidirectional controls ------------------------------------------------------------------

def test_user_text_with_bidi_controls_is_isolated_in_every_template(sqlite_platform: Platform) -> None:
    env = build_templates(sqlite_platform.capabilities).env
    page = env.from_string("<p>File: {{ name }} (reported)</p>")
    shown = page.render(name=f"holiday{RLO}gpj.exe")
    assert shown == f"<p>File: {FSI}holiday{RLO}gpj.exe{PDF}{PDI} (reported)</p>"
    assert page.render(name="plain") == "<p>File: plain (reported)</p>"
    assert env.from_string("{{ x|e }}").render(x="<b>") == "&lt;b&gt;"  # escaping still happens


def test_a_report_page_shows_an_override_isolated(client: TestClient, platform: Platform) -> None:
    journey = Journey(client)
    answers = {**CHILD, "tell-us": {"summary": f"He sent a file called invoice{RLO}fdp.exe to me"}}
    journey.answer_all(answers)
    check = journey.open("/report/check").text
    assert f"{FSI}He sent a file called invoice{RLO}fdp.exe to me{PDF}{PDI}" in check


def _leaks(text: str) -> bool:
    """Whether an embedding, override or isolate opened in ``text`` is still open at its end."""
    stack: list[str] = []
    for char in text:
        if char in "\u202a\u202b\u202d\u202e":
            stack.append(PDF)
        elif char in "\u2066\u2067\u2068":
            stack.append(PDI)
        elif char == PDF and stack and stack[-1] == PDF:
            stack.pop()
        elif char == PDI and PDI in stack:
            while stack.pop() != PDI:
                pass
    return bool(stack)


@given(st.text(alphabet=st.sampled_from(["a", " ", RLO, PDF, LRE, FSI, PDI, "\u2067", "\u200f"]), max_size=30))
def test_isolated_text_never_leaks_and_isolating_twice_changes_nothing(text: str) -> None:
    once = isolate_bidi(text)
    assert not _leaks(once) and isolate_bidi(once) == once
    visible = [c for c in text if c not in (PDF, PDI)]
    assert [c for c in once if c not in (PDF, PDI, FSI)] == [c for c in visible if c != FSI]  # nothing else lost


# --- Retry-After -----------------------------------------------------------------------------

def test_every_429_says_when_to_come_back(client: TestClient, platform: Platform) -> None:
    client.app.state.login_limiter = SlidingWindowLimiter(limit=0, window=300)  # type: ignore[attr-defined]
    page = client.get("/login")
    assert page.status_code == 200
    refused = client.post("/login", data={"email": "a@b.example", "password": "x", "code": "1",
                                          "csrf_token": csrf_from(page.text), "next": "/"})
    assert refused.status_code == 429 and 1 <= int(refused.headers["retry-after"]) <= 300
    limited = replace(platform, settings=replace(platform.settings, public_form_rate_limit=1))
    public = TestClient(create_app(platform=limited), base_url="http://testserver")
    Journey(public).answer_all({"who": CHILD["who"]})  # takes the hour's one place
    form = TestClient(public.app, base_url="http://testserver").get("/report/who")
    assert form.status_code == 429 and 3500 <= int(form.headers["retry-after"]) <= 3600
