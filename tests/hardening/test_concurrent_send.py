"""Issue 15, item 10: six concurrent "Send" clicks on one public-form draft.

Before: one report and five 500s. Now: one report, and every other click lands on the done page.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from jigsaw.intake.models import PublicDraft, Report
from jigsaw.platform import Platform
from tests.factories import csrf_from, session_of
from tests.intake.test_public_form import CHILD, Journey


def test_six_concurrent_sends_make_one_report_and_six_done_pages(client: TestClient, platform: Platform) -> None:
    journey = Journey(client)
    journey.answer_all(CHILD)
    token = csrf_from(journey.open("/report/check").text)
    cookies = dict(client.cookies)
    clicks = [TestClient(client.app, base_url="http://testserver", raise_server_exceptions=False)
              for _ in range(6)]
    for other in clicks:
        for name, value in cookies.items():
            other.cookies.set(name, value)
    start = threading.Barrier(len(clicks))

    def click(other: TestClient) -> httpx.Response:
        start.wait()
        return other.post("/report/check", data={"csrf_token": token}, follow_redirects=False)

    with ThreadPoolExecutor(len(clicks)) as pool:
        answers = list(pool.map(click, clicks))
    assert [a.status_code for a in answers] == [303] * 6, [a.text[:300] for a in answers if a.status_code != 303]
    assert {a.headers["location"] for a in answers} == {"/report/done"}
    with session_of(platform) as session:
        assert session.scalar(select(func.count(Report.id))) == 1
        assert session.scalar(select(func.count(PublicDraft.id))) == 0
