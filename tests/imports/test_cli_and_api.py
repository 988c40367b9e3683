"""The operator's CLI (on a fresh Typer app) and the partner API route, with a token."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from jigsaw.accounts.roles import OrgKind
from jigsaw.imports import synthetic
from jigsaw.imports.cli import register
from jigsaw.imports.routes import router
from jigsaw.platform import Platform
from tests.factories import make_org, make_token
from tests.imports.test_parsers import CSV, MAPPING


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sqlite_template: Path) -> Iterator[Path]:
    from jigsaw.config import get_settings

    (tmp_path / "data").mkdir()
    shutil.copyfile(sqlite_template, tmp_path / "data" / "jigsaw.db")  # at head: the upgrade on open is a no-op
    monkeypatch.setenv("JIGSAW_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("JIGSAW_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def cli(*args: str) -> tuple[int, str]:
    app = typer.Typer()
    register(app)

    @app.callback()
    def main() -> None:  # a group, as in jigsaw.cli.app
        pass

    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def test_cli_imports_a_batch_and_reports_json(cli_env: Path) -> None:
    docs = synthetic.documents(800001, 4, files_per_report=1)
    docs["broken.xml"] = b"<report>"
    batch = synthetic.write_directory(cli_env / "batch", docs)
    code, out = cli("import", "cybertip", str(batch), "--json", "--workers", "1", "--batch-size", "2")
    assert code == 1  # one document refused
    summary = json.loads(out)
    assert summary["imported"] == 4 and summary["duplicates"] == 0 and summary["organisation"] == "NCMEC"
    assert summary["documents"] == 9 and summary["file_details"] == 4  # 4 reports, their 4 files, broken.xml
    assert summary["errors"] == [{"file": "broken.xml", "reason": summary["errors"][0]["reason"], "line": 1}]
    code, out = cli("import", "cybertip", str(batch / "800001.xml"), "--json")  # the report without its file
    assert code == 0 and len(json.loads(out)["changed"]) == 1
    code, out = cli("import", "cybertip", str(batch), "--org", "No Such Org")
    assert code == 1 and "no organisation named" in out
    (batch / "broken.xml").unlink()
    code, out = cli("import", "cybertip", str(batch))
    assert code == 0 and "4 already present" in out
    assert "8 documents (4 of them file details, read into their reports)" in " ".join(out.split())
    code, out = cli("import", "cybertip", str(batch), "--batch-size", "0")
    assert code == 2 and "--batch-size" in out


def test_cli_csv_and_vics(cli_env: Path) -> None:
    (cli_env / "refs.csv").write_bytes(CSV)
    (cli_env / "map.yaml").write_text(MAPPING)
    code, out = cli("import", "csv", str(cli_env / "refs.csv"), "--mapping", str(cli_env / "map.yaml"), "--json")
    summary = json.loads(out)
    assert code == 1 and summary["imported"] == 2 and summary["errors"][0]["line"] == 4
    (cli_env / "case.json").write_text(json.dumps({"value": [{"CaseID": "c-9", "Media": [
        {"MediaID": 1, "Category": 1, "MD5": "0123456789abcdef0123456789abcdef"}]}]}))
    code, out = cli("import", "vics", str(cli_env / "case.json"), "--uk-map", "1=A", "--json")
    assert code == 0 and json.loads(out)["imported"] == 1
    code, out = cli("import", "vics", str(cli_env / "case.json"), "--uk-map", "9=Z")
    assert code == 2


def api_client(client: TestClient) -> TestClient:
    client.app.include_router(router)  # type: ignore[attr-defined]  # a no-op when web/app.py mounts it
    return client


def test_api_imports_for_the_tokens_organisation(client: TestClient, platform: Platform) -> None:
    api = api_client(client)
    org = make_org(platform, "PixelPlay", OrgKind.PLATFORM)
    token = make_token(platform, org, "reports:submit")
    headers = {"Authorization": f"Bearer {token}"}
    batch = synthetic.zip_bytes(synthetic.documents(810001, 3, files_per_report=2, full=True))
    response = api.post("/api/v1/imports", headers=headers, data={"format": "cybertip"},
                        files={"file": ("batch.zip", batch, "application/zip")})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["imported"] == 3 and body["errors"] == [] and body["organisation"] == "PixelPlay"
    again = api.post("/api/v1/imports", headers=headers, data={"format": "cybertip"},
                     files={"file": ("batch.zip", batch, "application/zip")}).json()
    assert again["imported"] == 0 and again["duplicates"] == 3
    csv = api.post("/api/v1/imports", headers=headers, data={"format": "csv"},
                   files={"file": ("refs.csv", CSV, "text/csv"),
                          "mapping": ("map.yaml", MAPPING.encode(), "text/yaml")})
    assert csv.status_code == 200 and csv.json()["imported"] == 2
    hostile = api.post("/api/v1/imports", headers=headers, data={"format": "cybertip"},
                       files={"file": ("1.xml", b'<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>')})
    assert hostile.status_code == 200 and "DTDForbidden" in hostile.json()["errors"][0]["reason"]


def test_api_refuses_without_scope_or_token(client: TestClient, platform: Platform) -> None:
    api = api_client(client)
    org = make_org(platform, "ReadOnly", OrgKind.PLATFORM)
    token = make_token(platform, org, "reports:read")
    files = {"file": ("1.xml", synthetic.report_xml(1))}
    assert api.post("/api/v1/imports", data={"format": "cybertip"}, files=files).status_code == 401
    assert api.post("/api/v1/imports", headers={"Authorization": f"Bearer {token}"}, data={"format": "cybertip"},
                    files=files).status_code == 403
    writer = make_token(platform, org, "reports:submit")
    bad = api.post("/api/v1/imports", headers={"Authorization": f"Bearer {writer}"}, data={"format": "pdf"},
                   files=files)
    assert bad.status_code == 422
