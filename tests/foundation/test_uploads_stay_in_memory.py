"""No request body is spooled to disk: uploads may carry media, and media never touches disk."""

from __future__ import annotations

import os
import sys
import tempfile
from typing import Any

from fastapi.testclient import TestClient

from jigsaw.accounts.roles import OrgKind
from jigsaw.http.security import MAX_REQUEST_BODY_BYTES
from jigsaw.platform import Platform
from tests.factories import make_org, make_token

_watching = False
_temp_writes: list[str] = []


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if not _watching:
        return
    if event == "tempfile.mkstemp" or event == "tempfile.mkdtemp":
        _temp_writes.append(f"{event} {args}")
    elif event == "open" and isinstance(args[0], str) and args[0].startswith(tempfile.gettempdir()):
        mode = args[1] if len(args) > 1 and isinstance(args[1], str) else ""
        flags = args[2] if len(args) > 2 and isinstance(args[2], int) else 0
        if any(c in mode for c in "wax+") or flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            _temp_writes.append(f"open {args[0]}")


sys.addaudithook(_hook)


def test_a_large_upload_is_parsed_without_a_temp_file(client: TestClient, platform: Platform) -> None:
    global _watching
    org = make_org(platform, "PixelPlay", OrgKind.PLATFORM)
    auth = {"Authorization": f"Bearer {make_token(platform, org, 'reports:submit')}"}
    payload = b"<report>" + os.urandom(3 * 1024 * 1024).hex().encode()[:3 * 1024 * 1024] + b"</report>"
    _temp_writes.clear()
    _watching = True
    try:
        response = client.post("/api/v1/imports", headers=auth, data={"format": "cybertip"},
                               files={"file": ("123.xml", payload, "application/xml")})
    finally:
        _watching = False
    assert response.status_code == 200, response.text  # parsed and answered (the document is refused)
    assert _temp_writes == []


def test_an_oversized_body_is_refused(client: TestClient) -> None:
    response = client.post("/api/v1/reports", content=b"x",
                           headers={"content-length": str(MAX_REQUEST_BODY_BYTES + 1)})
    assert response.status_code == 413
