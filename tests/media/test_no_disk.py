"""Proof that hashing writes nothing: no media bytes, frames or pixels reach the disk.

An audit hook (PEP 578) sees every ``open()``/``os.open()`` made from Python, including
those made by ``tempfile``; we fail on any that could write or create a file, and on any
tempfile/rename/remove event. Native libraries (libjpeg, FFmpeg) do not raise audit
events, so we also compare the temporary directory and the working directory before and
after. Inputs are synthetic files written *before* auditing starts.

The hashing calls are made once before auditing so that one-off, media-independent
writes (Python bytecode caches for lazily imported Pillow plugins) are not mistaken for
the hasher writing media.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from jigsaw.media import hash_bytes, hash_file

from .corpus import encode, moving_shapes_frames, photo_like, photo_like_jpeg, video_bytes

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
_AUDITING: list[list[tuple[str, Any]]] = []


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if not _AUDITING:
        return
    seen = _AUDITING[-1]
    if event == "open":
        path, mode, flags = args
        if path is None:
            return
        writes = bool(flags & _WRITE_FLAGS) if isinstance(flags, int) else False
        if isinstance(mode, str) and any(c in mode for c in "wax+"):
            writes = True
        if writes:
            seen.append((event, args))
    elif event.startswith(("tempfile.", "shutil.")) or event in (
        "os.rename", "os.remove", "os.mkdir", "os.truncate", "os.symlink", "os.link",
    ):  # fmt: skip
        seen.append((event, args))


sys.addaudithook(_hook)  # hooks cannot be removed; it is inert outside `audited()`


@contextmanager
def audited() -> Iterator[list[tuple[str, Any]]]:
    events: list[tuple[str, Any]] = []
    _AUDITING.append(events)
    try:
        yield events
    finally:
        _AUDITING.pop()


def _listing(folder: Path) -> set[str]:
    return {str(p) for p in folder.rglob("*")} if folder.exists() else set()


@pytest.fixture
def inputs(tmp_path: Path) -> list[Path]:
    files = {
        "photo.jpg": photo_like_jpeg(1920, 1080, seed=1),
        "small.jpg": photo_like_jpeg(200, 150, seed=2),
        "alpha.png": encode(Image.fromarray(photo_like(400, 300, 3)).convert("RGBA"), "PNG"),
        "palette.gif": encode(Image.fromarray(photo_like(300, 200, 4)).quantize(64), "GIF"),
        "clip.mp4": video_bytes(list(moving_shapes_frames(30, seed=5)), fps=10),
        "clip.webm": video_bytes(
            list(moving_shapes_frames(20, seed=6)), fps=10, container="webm", codec="libvpx-vp9"
        ),
        "broken.jpg": photo_like_jpeg(300, 200, seed=7)[:2000],
        "notes.txt": b"benign\n",
    }
    paths = []
    for name, data in files.items():
        path = tmp_path / name
        path.write_bytes(data)
        paths.append(path)
    return paths


def test_hashing_writes_nothing(inputs: list[Path], monkeypatch: pytest.MonkeyPatch) -> None:
    # A private working directory and temporary directory (TMPDIR and tempfile's cache),
    # so other processes using the shared /tmp cannot disturb the before/after listing.
    watch_dir = inputs[0].parent / "cwd"
    temp_root = inputs[0].parent / "tmp"
    watch_dir.mkdir()
    temp_root.mkdir()
    monkeypatch.chdir(watch_dir)
    monkeypatch.setenv("TMPDIR", str(temp_root))
    monkeypatch.setattr(tempfile, "tempdir", str(temp_root))
    assert tempfile.gettempdir() == str(temp_root)
    for path in inputs:  # warm-up: lazy imports, numba compilation
        hash_file(path, dihedral=True)
    before = (_listing(temp_root), _listing(watch_dir))
    with audited() as events:
        results = [hash_file(path, dihedral=True, fps=5) for path in inputs]
        results += [hash_bytes(path.read_bytes(), name=path.name) for path in inputs]
    after = (_listing(temp_root), _listing(watch_dir))
    assert events == []
    assert after == before == (set(), set())
    kinds = {Path(r.path or "").name: r.kind for r in results}
    assert kinds["photo.jpg"] == "image" and kinds["clip.webm"] == "video"
    assert sum(r.error is not None for r in results) == 2  # broken.jpg, twice


def test_the_audit_hook_would_notice_a_write(tmp_path: Path) -> None:
    with audited() as events:
        with tempfile.TemporaryFile() as fh:
            fh.write(b"x")
        (tmp_path / "leak.bin").write_bytes(b"x")
    assert len(events) >= 2
