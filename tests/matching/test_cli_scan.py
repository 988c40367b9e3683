"""``jigsaw bank ...`` and ``jigsaw scan`` through Typer's CliRunner, on a temporary SQLite
database and a real Dask LocalCluster (2 worker processes). Images are generated here."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import typer
from PIL import Image
from typer.testing import CliRunner

from jigsaw.config import get_settings
from jigsaw.matching.cli import _write_report, register
from jigsaw.matching.scan import ScanReport
from jigsaw.media import hash_bytes


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[typer.Typer]:
    monkeypatch.setenv("JIGSAW_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("JIGSAW_DATABASE_URL", f"sqlite:///{tmp_path / 'data' / 'j.db'}")
    get_settings.cache_clear()
    app = typer.Typer()
    register(app)
    yield app
    get_settings.cache_clear()


def synthetic_png(seed: int, size: int = 128) -> bytes:
    """A blurred random pattern (high PDQ quality), generated, never a real photo. (Very smooth
    patterns are avoided: their PDQ bits sit near the median and flip under re-encoding.)"""
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, (12, 12, 3), dtype=np.uint8)
    img = Image.fromarray(small).resize((size, size), Image.Resampling.BICUBIC)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def run(runner: CliRunner, app: typer.Typer, *args: str) -> str:
    result = runner.invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_bank_commands_and_scan(cli: typer.Typer, tmp_path: Path) -> None:
    runner = CliRunner()
    known = [synthetic_png(i) for i in range(3)]
    hashes = [hash_bytes(b, name="x.png") for b in known]
    assert all(h.pdq for h in hashes)
    csv_text = "signal_type,hash,uk_category,vics_category,series\n"
    csv_text += f"pdq,{hashes[0].pdq},A,1,SERIES_ONE\n"
    csv_text += f"md5,{hashes[1].md5},B,1,SERIES_TWO\n"
    csv_text += "pdq,not-a-hash,A,,\n"
    bank_file = tmp_path / "bank.csv"
    bank_file.write_text(csv_text)

    run(runner, cli, "bank", "create", "TEST_BANK", "--source", "unit test")
    out = run(runner, cli, "bank", "import", "TEST_BANK", str(bank_file))
    assert "added 2, updated 0, unchanged 0, errors 1" in out
    assert "line 4" in out
    out = run(runner, cli, "bank", "import", "TEST_BANK", str(bank_file))
    assert "added 0, updated 0, unchanged 2, errors 1" in out
    assert "TEST_BANK" in run(runner, cli, "bank", "list")
    export = tmp_path / "export.json"
    run(runner, cli, "bank", "export", "TEST_BANK", str(export), "--format", "vics")
    assert len(json.loads(export.read_text())["value"]) == 2
    assert runner.invoke(cli, ["bank", "create", "bad name"]).exit_code == 2

    # seized media: the known image re-encoded (near match), an exact copy of another,
    # an unknown image, a non-media file, and a zip holding a known image plus a "bomb"
    media = tmp_path / "seized"
    (media / "sub").mkdir(parents=True)
    Image.open(io.BytesIO(known[0])).save(media / "a.jpg", quality=80)
    (media / "sub" / "b.png").write_bytes(known[1])
    (media / "c.png").write_bytes(synthetic_png(99))
    (media / "notes.txt").write_text("hello")
    with zipfile.ZipFile(media / "archive.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("inner/known.png", known[0])
        zf.writestr("bomb.bin", b"\0" * (2 * 1024 * 1024))
    report = tmp_path / "report.json"
    out = run(runner, cli, "scan", str(media), "--bank", "TEST_BANK", "--out", str(report),
              "--workers", "2")
    data = json.loads(report.read_text())
    files = {Path(f["path"]).name if "!" not in f["path"] else f["path"].split("!", 1)[1]: f
             for f in data["files"]}
    assert files["a.jpg"]["matches"][0]["series"] == "SERIES_ONE"
    assert files["a.jpg"]["matches"][0]["distance"] <= 31
    assert files["b.png"]["matches"][0]["via"] == "md5"
    assert files["inner/known.png"]["matches"][0]["distance"] == 0
    assert files["c.png"]["matches"] == [] and files["notes.txt"]["kind"] == "other"
    assert "compression ratio" in files["bomb.bin"]["error"]
    s = data["summary"]
    assert s["matched_files"] == 3 and s["by_uk_category"] == {"A": 2, "B": 1}
    assert s["by_series"] == {"SERIES_ONE": 2, "SERIES_TWO": 1}
    assert s["unmatched_media"] == 1 and s["errors"] >= 1
    # the CSV form of the same report: one row per (file, match)
    csv_report = tmp_path / "report.csv"
    _write_report(ScanReport(str(media), ["TEST_BANK"], data["files"]), csv_report)
    rows = csv_report.read_text().splitlines()
    assert len(rows) == 1 + len(data["files"]) and sum("SERIES_" in r for r in rows) == 3
