"""Issue 15, item 4: ``/h/hash`` must not decode on the event loop or accept pixel bombs.

The attack: a 97 KB PNG declaring 9999 x 9999 (under the CLI's 100 MP cap) took the server to
1.3 GB and stalled every route for 1.35 s per upload. Uploads now have a lower pixel cap, are
decoded on a worker thread a few at a time, answer a refused or corrupt file with ``error`` (as
``jigsaw hash`` does), and each caller is limited.
"""

from __future__ import annotations

import asyncio
import struct
import threading
import time
import zlib
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient

from jigsaw.accounts.roles import OrgKind
from jigsaw.http.security import SlidingWindowLimiter
from jigsaw.matching import routes
from jigsaw.media import DEFAULT_LIMITS
from jigsaw.platform import Platform
from jigsaw.web.app import create_app
from tests.factories import make_org, make_token
from tests.matching.test_routes import png_bytes


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def pixel_bomb(side: int = 9999) -> bytes:
    """A valid greyscale PNG of ``side`` x ``side`` black pixels: about 100 KB on the wire."""
    packer = zlib.compressobj(9)
    row = bytes(side + 1)  # filter byte 0, then the pixels
    idat = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


@pytest.fixture
def hashing(sqlite_platform: Platform) -> tuple[TestClient, dict[str, str]]:
    org = make_org(sqlite_platform, "Platform", OrgKind.PLATFORM)
    headers = {"Authorization": f"Bearer {make_token(sqlite_platform, org, 'hashes:read')}"}
    return TestClient(create_app(platform=sqlite_platform)), headers


def test_a_pixel_bomb_under_the_cli_cap_is_refused_with_an_error(hashing: tuple[TestClient, dict[str, str]]) -> None:
    client, headers = hashing
    bomb = pixel_bomb()
    assert len(bomb) < 200_000 and DEFAULT_LIMITS.max_pixels > 9999 * 9999  # the CLI would decode it
    r = client.post("/h/hash", files={"photo": ("big.png", bomb, "image/png")}, headers=headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert "pdq" not in body and "MP limit" in body["error"]
    assert len(body["md5"]) == 32 and len(body["sha256"]) == 64  # exact hashes still stand


def test_a_corrupt_file_answers_with_an_error(hashing: tuple[TestClient, dict[str, str]]) -> None:
    client, headers = hashing
    truncated = png_bytes(1)[:200]
    r = client.post("/h/hash", files={"photo": ("cut.png", truncated, "image/png")}, headers=headers)
    assert r.status_code == 200 and r.json()["error"] and "pdq" not in r.json()
    renamed = client.post("/h/hash", files={"photo": ("x.jpg", b"not an image at all", "image/jpeg")},
                          headers=headers)
    assert "not a recognised image" in renamed.json()["error"]
    good = client.post("/h/hash", files={"photo": ("ok.png", png_bytes(2), "image/png")}, headers=headers)
    assert "error" not in good.json() and len(good.json()["pdq"]) == 64


def test_hashing_runs_off_the_event_loop_with_bounded_concurrency(
        hashing: tuple[TestClient, dict[str, str]], monkeypatch: pytest.MonkeyPatch) -> None:
    client, headers = hashing
    running, most, on_loop = 0, 0, []
    lock = threading.Lock()
    real = routes._hash

    def slow_hash(data: bytes, name: str | None):  # type: ignore[no-untyped-def]
        nonlocal running, most
        try:
            asyncio.get_running_loop()
            on_loop.append(True)
        except RuntimeError:
            on_loop.append(False)
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.3)
        with lock:
            running -= 1
        return real(data, name)

    monkeypatch.setattr(routes, "_hash", slow_hash)
    with client, ThreadPoolExecutor(6) as pool:
        uploads = [pool.submit(client.post, "/h/hash", files={"photo": ("a.png", png_bytes(i), "image/png")},
                               headers=headers) for i in range(6)]
        time.sleep(0.1)
        assert client.get("/healthz").status_code == 200
        still_hashing = sum(1 for u in uploads if not u.done())  # other routes did not wait
        assert all(u.result().status_code == 200 for u in uploads)
    assert on_loop == [False] * 6
    assert most == routes.HASH_CONCURRENCY
    assert still_hashing >= 2


def test_each_caller_is_rate_limited_with_retry_after(hashing: tuple[TestClient, dict[str, str]],
                                                      sqlite_platform: Platform) -> None:
    client, headers = hashing
    client.app.state.hash_limiter = SlidingWindowLimiter(limit=2, window=60)  # type: ignore[attr-defined]
    files = {"photo": ("a.png", png_bytes(3), "image/png")}
    assert [client.post("/h/hash", files=files, headers=headers).status_code for _ in range(2)] == [200, 200]
    refused = client.post("/h/hash", files=files, headers=headers)
    assert refused.status_code == 429 and 1 <= int(refused.headers["retry-after"]) <= 60
    other = make_org(sqlite_platform, "Other platform", OrgKind.PLATFORM)
    other_headers = {"Authorization": f"Bearer {make_token(sqlite_platform, other, 'hashes:read')}"}
    assert client.post("/h/hash", files=files, headers=other_headers).status_code == 200
