"""Index snapshots on disk, so a restarted matcher opens its banks in milliseconds.

Building a 10M-entry bank's index from the database means reading every entry (minutes);
opening a saved index is a memory map (milliseconds). A snapshot is one *generation*: a
folder holding each bank's index files plus a manifest with the high-water marks of the
entries and removals it contains, so the matcher then pulls only what changed since.

A generation is written in full under a temporary name, renamed into place, and only then
named in ``CURRENT`` (written and renamed, so readers never see half of it). Older
generations are deleted afterwards; a process still mapping one keeps its pages (POSIX
unlink semantics). Writers (several server processes may each save) take an exclusive lock
on the folder, so one never deletes a generation another is about to name. Snapshots hold
hashes and ids only, never media or personal data.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jigsaw.errors import Unavailable

_CURRENT = "CURRENT"
_LOCK = ".lock"
_MANIFEST = "manifest.json"
_VERSION = 1


class SnapshotUnusable(Unavailable):
    """No snapshot, or one that does not belong to this database; build from the database."""


@dataclass
class Manifest:
    """What a generation contains and up to where in the database it is current."""

    database: str  # fingerprint of the database it was built from (see database_fingerprint)
    last_entry: int  # highest bank entry id applied
    recent: list[int]  # entry ids applied near the high-water mark (late-commit look-back)
    last_removal: int  # highest removal-log id applied
    probe: tuple[int, str] | None  # (entry id, value) that must still be in the database
    files: dict[str, dict[str, str]] = field(default_factory=dict)  # bank id → signal type → file

    def as_json(self) -> dict[str, Any]:
        return {"version": _VERSION, "database": self.database, "last_entry": self.last_entry,
                "recent": self.recent, "last_removal": self.last_removal,
                "probe": list(self.probe) if self.probe else None, "files": self.files}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Manifest:
        if data.get("version") != _VERSION:
            raise SnapshotUnusable(f"snapshot format {data.get('version')!r} is not {_VERSION}")
        probe = data.get("probe")
        return cls(str(data["database"]), int(data["last_entry"]), [int(i) for i in data["recent"]],
                   int(data["last_removal"]), (int(probe[0]), str(probe[1])) if probe else None,
                   {str(b): {str(s): str(f) for s, f in files.items()} for b, files in data["files"].items()})


def database_fingerprint(url: str) -> str:
    """A stable name for a database that does not reveal its address or credentials."""
    return hashlib.sha256(url.encode()).hexdigest()[:16]


def index_file_name(bank_id: int, signal_type: str) -> str:
    return f"bank{bank_id}-{signal_type}.idx"


@contextmanager
def _writer_lock(directory: Path) -> Iterator[None]:
    with open(directory / _LOCK, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def write_generation(directory: Path, manifest: Manifest, write_files: Callable[[Path], None]) -> Path:
    """Write a new generation: ``write_files(folder)`` saves the index files into ``folder``.

    Returns the generation folder once ``CURRENT`` names it; older generations are removed.
    """
    directory.mkdir(parents=True, exist_ok=True)
    with _writer_lock(directory):
        return _write_locked(directory, manifest, write_files)


def _write_locked(directory: Path, manifest: Manifest, write_files: Callable[[Path], None]) -> Path:
    name = f"gen-{time.time_ns()}-{os.getpid()}"
    staging = directory / f".{name}.tmp"
    staging.mkdir()
    try:
        write_files(staging)
        (staging / _MANIFEST).write_text(json.dumps(manifest.as_json()))
        final = directory / name
        staging.rename(final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    pointer = directory / f".{_CURRENT}.{os.getpid()}.tmp"
    pointer.write_text(name)
    os.replace(pointer, directory / _CURRENT)
    for old in directory.iterdir():  # older generations, and staging left by a writer that crashed
        stale = old.name.startswith("gen-") or (old.name.startswith(".gen-") and old.name.endswith(".tmp"))
        if old.is_dir() and stale and old.name != name:
            shutil.rmtree(old, ignore_errors=True)
    return final


def current_generation(directory: Path, database: str) -> tuple[Path, Manifest]:
    """The generation ``CURRENT`` names, if it was built from ``database``."""
    try:
        name = (directory / _CURRENT).read_text().strip()
        folder = directory / name
        manifest = Manifest.from_json(json.loads((folder / _MANIFEST).read_text()))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SnapshotUnusable(f"no readable snapshot in {directory}: {exc}") from None
    if manifest.database != database:
        raise SnapshotUnusable("the snapshot was built from another database")
    return folder, manifest
