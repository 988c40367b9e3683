"""The Most Wanted photo is the one image Jigsaw keeps: the only routes that take an image to keep
are the appeal photo's (staff only), the upload never touches a temp file, what is stored carries
no EXIF, and after images are sent to every route that takes files, no table but the appeal
photos holds anything that looks like an image."""

from __future__ import annotations

import io
import os
import sys
import tempfile
from typing import Any

from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import LargeBinary, select, text

from jigsaw.bootstrap import import_tables
from jigsaw.db.base import Base
from jigsaw.db.engine import session_scope
from jigsaw.platform import Platform
from tests.appeals.helpers import create, make_world, synthetic_jpeg
from tests.factories import make_org, make_token
from tests.foundation.test_route_access import api_routes

IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG", b"RIFF", b"GIF8")
# Routes that declare a file field, and why. Only the appeal photo's keep what they are sent.
FILE_ROUTES = {
    "/api/v1/imports": "a referral document (XML, JSON, CSV or zip), parsed in memory, never kept",
    "/appeals/{appeal_id}/photo": "the Most Wanted photo (staff page)",
    "/api/v1/appeals/{appeal_id}/photo": "the Most Wanted photo (staff API)",
}
_watching = False
_temp_writes: list[str] = []


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if not _watching:
        return
    if event in ("tempfile.mkstemp", "tempfile.mkdtemp"):
        _temp_writes.append(f"{event} {args}")
    elif event == "open" and isinstance(args[0], str) and args[0].startswith(tempfile.gettempdir()):
        mode = args[1] if len(args) > 1 and isinstance(args[1], str) else ""
        flags = args[2] if len(args) > 2 and isinstance(args[2], int) else 0
        if any(c in mode for c in "wax+") or flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            _temp_writes.append(f"open {args[0]}")


sys.addaudithook(_hook)


def test_only_known_routes_declare_files(client: TestClient) -> None:
    declared = set()
    for path, route in api_routes(client.app.routes):  # type: ignore[attr-defined]
        for param in route.dependant.body_params:
            if type(param.field_info).__name__ == "File":
                declared.add(path)
    assert declared == set(FILE_ROUTES)


def test_the_photo_is_kept_clean_in_the_database_and_nothing_else_keeps_an_image(client: TestClient,
                                                                                 platform: Platform) -> None:
    global _watching
    world = make_world(platform)
    appeal = create(client, world)
    upload = synthetic_jpeg((1600, 1200))
    _temp_writes.clear()
    _watching = True
    try:
        stored = client.put(f"/api/v1/appeals/{appeal['id']}/photo", headers=world.auth("analyst"),
                            files={"photo": ("p.jpg", upload, "image/jpeg")})
    finally:
        _watching = False
    assert stored.status_code == 200, stored.text
    assert _temp_writes == []

    # The same picture sent to every other route that takes files or uploads: none keeps it.
    org = make_org(platform, "Partner platform", "platform")  # type: ignore[arg-type]
    partner = {"Authorization": f"Bearer {make_token(platform, org, 'reports:submit', 'hashes:read')}"}
    assert client.post("/api/v1/imports", headers=partner, data={"format": "vics"},
                       files={"file": ("p.jpg", upload, "image/jpeg")}).status_code in (200, 400, 413, 415, 422)
    hashed = client.post("/h/hash", headers=partner, files={"photo": ("p.jpg", upload, "image/jpeg")})
    assert hashed.status_code == 200
    for url in ("/report/check", f"/most-wanted/{appeal['slug']}/sighting", "/most-wanted/subscribe",
                "/most-wanted/follow-up"):
        refused = client.post(url, files={"file": ("p.jpg", upload, "image/jpeg")})
        assert refused.status_code in (303, 403, 415), (url, refused.status_code)

    import_tables()
    found = []
    with session_scope(platform.engine) as session:
        for table in Base.metadata.sorted_tables:
            for column in table.columns:
                if not isinstance(column.type, LargeBinary) and not isinstance(
                        getattr(column.type, "impl", None), LargeBinary):
                    continue
                raw = text(f'SELECT "{column.name}" FROM "{table.name}"')  # names from the metadata
                for value in session.execute(raw).scalars():  # the stored bytes, not decrypted
                    if value is not None and bytes(value[:4]).startswith(IMAGE_MAGIC):
                        found.append(f"{table.name}.{column.name}")
        photo = bytes(session.execute(select(Base.metadata.tables["appeal_photos"].c.data)).scalar_one())
    assert found == ["appeal_photos.data"]
    with Image.open(io.BytesIO(photo)) as image:
        assert len(image.getexif()) == 0 and "exif" not in image.info
    assert b"SecretCam" not in photo and b"Acacia" not in photo
