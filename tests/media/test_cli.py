"""``jigsaw hash`` through Typer's CliRunner, on a fresh app (the composition root is not
ours to edit). Inputs are synthetic files written to tmp_path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from PIL import Image
from typer.testing import CliRunner

from jigsaw.media import pdq
from jigsaw.media.cli import register

from .corpus import encode, photo_like, photo_like_jpeg


@pytest.fixture
def app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """Test root (a callback keeps ``hash`` a subcommand)."""

    register(app)
    return app


@pytest.fixture
def media_dir(tmp_path: Path, clip_mp4: bytes) -> Path:
    root = tmp_path / "seized"
    (root / "sub" / "deeper").mkdir(parents=True)
    (root / "a.jpg").write_bytes(photo_like_jpeg(640, 480, seed=1))
    (root / "sub" / "b.png").write_bytes(encode(Image.fromarray(photo_like(300, 200, 2)), "PNG"))
    (root / "sub" / "deeper" / "clip.mp4").write_bytes(clip_mp4)
    (root / "notes.txt").write_text("benign notes\n")
    return root


def _lines(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def test_json_lines(app: typer.Typer, media_dir: Path) -> None:
    result = CliRunner().invoke(app, ["hash", str(media_dir), "--json"])
    assert result.exit_code == 0, result.output
    docs = {Path(d["path"]).name: d for d in _lines(result.output)}
    assert set(docs) == {"a.jpg", "b.png", "clip.mp4", "notes.txt"}
    photo = docs["a.jpg"]
    for key in ("path", "size", "md5", "sha1", "sha256", "pdq", "pdq_quality"):
        assert key in photo
    assert pdq.is_valid_hex(photo["pdq"]) and photo["pdq_quality"] == 100
    assert len(photo["md5"]) == 32 and len(photo["sha1"]) == 40 and len(photo["sha256"]) == 64
    assert "pdq_dihedral" not in photo and "frames" not in photo
    assert photo["error"] is None
    assert docs["notes.txt"]["kind"] == "other" and docs["notes.txt"]["pdq"] is None
    video = docs["clip.mp4"]
    assert video["kind"] == "video" and len(video["frames"]) == 12
    assert set(video["frames"][0]) == {"timestamp", "quality", "pdq"}


def test_dihedral_and_fps(app: typer.Typer, media_dir: Path) -> None:
    result = CliRunner().invoke(
        app, ["hash", str(media_dir / "a.jpg"), str(media_dir / "sub"), "--json",
              "--dihedral", "--fps", "2"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    docs = {Path(d["path"]).name: d for d in _lines(result.output)}
    assert list(docs) == ["a.jpg", "b.png", "clip.mp4"]  # given order; folders top-down, sorted
    variants = docs["a.jpg"]["pdq_dihedral"]
    assert len(variants) == 8 and variants[0] == docs["a.jpg"]["pdq"]
    assert len(docs["clip.mp4"]["frames"]) == 24


def test_failures_are_reported_and_the_run_continues(app: typer.Typer, media_dir: Path) -> None:
    good = (media_dir / "a.jpg").read_bytes()
    (media_dir / "broken.jpg").write_bytes(good[: len(good) // 3])
    missing = media_dir / "missing.png"
    result = CliRunner().invoke(app, ["hash", str(media_dir), str(missing), "--json"])
    assert result.exit_code == 1
    docs = {Path(d["path"]).name: d for d in _lines(result.output)}
    assert len(docs) == 6
    assert "truncated" in docs["broken.jpg"]["error"]
    assert "cannot read" in docs["missing.png"]["error"]
    assert docs["a.jpg"]["error"] is None and pdq.is_valid_hex(docs["a.jpg"]["pdq"])


def test_table_output(app: typer.Typer, media_dir: Path) -> None:
    result = CliRunner().invoke(app, ["hash", str(media_dir)], env={"COLUMNS": "300"})
    assert result.exit_code == 0, result.output
    assert "a.jpg" in result.output and "12 frame hashes" in result.output
    assert "ok" in result.output


def test_bad_fps_is_a_usage_error(app: typer.Typer, media_dir: Path) -> None:
    result = CliRunner().invoke(app, ["hash", str(media_dir), "--fps", "0"])
    assert result.exit_code == 2
