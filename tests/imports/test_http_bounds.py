"""Issue 15, item 5: zip uploads through ``POST /api/v1/imports`` are bounded.

The fault: an 8 MB zip raised the server by 660 MB, because every member was expanded into a
list before any was parsed, an upload could expand to 2 GiB, and any number of imports could run
at once. Now HTTP uploads expand to at most 64 MiB, VICS members are parsed one at a time as
they are expanded, and at most two imports run at once (429 with Retry-After beyond that).
"""

from __future__ import annotations

import io
import json
import threading
import zipfile
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient

from jigsaw.accounts.roles import OrgKind
from jigsaw.imports import routes, service, sources, vics
from jigsaw.imports.limits import DEFAULT_LIMITS, HTTP_LIMITS
from jigsaw.platform import Platform
from tests.factories import make_org, make_token


def _auth(platform: Platform) -> dict[str, str]:
    org = make_org(platform, "PixelPlay", OrgKind.PLATFORM)
    return {"Authorization": f"Bearer {make_token(platform, org, 'reports:submit')}"}


def _case(n: int) -> bytes:
    return json.dumps({"value": [{"CaseID": f"case-{n}", "Media": [
        {"MediaID": 1, "Category": 1, "MD5": f"{n:032x}"}]}]}).encode()


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buf.getvalue()


def test_an_upload_that_expands_past_the_http_cap_is_refused(client: TestClient, platform: Platform) -> None:
    member = HTTP_LIMITS.max_total_bytes // 4 + 1  # each under the per-document limit
    assert member < DEFAULT_LIMITS.max_document_bytes
    bomb = _zip({f"{i}.json": b" " * member for i in range(5)})
    assert len(bomb) < 1_000_000 and 5 * member < DEFAULT_LIMITS.max_total_bytes  # the CLI would read it
    r = client.post("/api/v1/imports", headers=_auth(platform), data={"format": "vics"},
                    files={"file": ("bomb.zip", bomb, "application/zip")})
    assert r.status_code == 422, r.text
    assert "expands to" in r.json()["detail"] and str(HTTP_LIMITS.max_total_bytes) in r.json()["detail"]


def test_vics_members_are_parsed_as_they_are_expanded(client: TestClient, platform: Platform,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    events: list[str] = []
    real_read, real_parse = sources.read_zip, vics.parse_case_export

    def read_zip(*args: Any, **kwargs: Any) -> Any:
        for item in real_read(*args, **kwargs):
            events.append(f"expand {getattr(item, 'name', '?')}")
            yield item

    def parse(name: str, data: bytes, **kwargs: Any) -> Any:
        events.append(f"parse {name}")
        return real_parse(name, data, **kwargs)

    monkeypatch.setattr(routes, "read_zip", read_zip)
    monkeypatch.setattr(vics, "parse_case_export", parse)
    batch = _zip({f"c{i}.json": _case(i) for i in range(3)})
    r = client.post("/api/v1/imports", headers=_auth(platform), data={"format": "vics"},
                    files={"file": ("cases.zip", batch, "application/zip")})
    assert r.status_code == 200, r.text
    assert r.json()["imported"] == 3 and r.json()["documents"] == 3
    assert events == ["expand c0.json", "parse c0.json", "expand c1.json", "parse c1.json",
                      "expand c2.json", "parse c2.json"]


def test_at_most_two_imports_run_at_once(client: TestClient, platform: Platform,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    headers = _auth(platform)
    started, release = threading.Semaphore(0), threading.Event()
    real = service.import_vics

    def slow(*args: Any, **kwargs: Any) -> Any:
        started.release()
        release.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr(service, "import_vics", slow)

    def send(n: int) -> Any:
        return client.post("/api/v1/imports", headers=headers, data={"format": "vics"},
                           files={"file": (f"c{n}.json", _case(n), "application/json")})

    with ThreadPoolExecutor(2) as pool:
        running = [pool.submit(send, n) for n in range(routes.MAX_CONCURRENT_IMPORTS)]
        for _ in running:
            assert started.acquire(timeout=10)
        refused = send(99)
        release.set()
        assert [f.result().status_code for f in running] == [200, 200]
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
    assert send(100).status_code == 200  # the slots are given back
