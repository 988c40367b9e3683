"""Reading a batch: one file, a directory tree, or a zip archive, within :class:`Limits`.

Nothing is extracted to disk: zip members are read into memory one at a time, their
declared and actual sizes checked, and member names are only ever used as labels (a name
that tries to climb out of the archive is refused so it cannot mislead a later tool).
"""

from __future__ import annotations

import io
import os
import stat
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from jigsaw.errors import InvalidInput
from jigsaw.imports.limits import DEFAULT_LIMITS, Limits
from jigsaw.imports.summary import Issue


@dataclass(frozen=True)
class Document:
    """One document of a batch: its label (relative path) and its bytes."""

    name: str
    data: bytes


class BatchRefused(InvalidInput, ValueError):
    """The batch as a whole cannot be read (e.g. a zip bomb); nothing of it is imported."""


ZIP_MAGIC = b"PK\x03\x04"


def is_zip(data: bytes) -> bool:
    return data[:4] == ZIP_MAGIC


def _unsafe_member(name: str) -> str | None:
    if "\\" in name or name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return "absolute or Windows-style path"
    if any(part == ".." for part in PurePosixPath(name).parts):
        return "path traversal ('..')"
    if "\x00" in name:
        return "NUL in the name"
    return None


def read_zip(data: bytes | BinaryIO, label: str, suffixes: tuple[str, ...], limits: Limits = DEFAULT_LIMITS,
             ) -> Iterator[Document | Issue]:
    """Yield the members of a zip archive with a wanted suffix, refusing bombs and odd names.

    Members are expanded one at a time, as they are asked for: a caller that handles each
    document before asking for the next holds one expanded member at a time. ``data`` may be a
    seekable file object (an upload kept in memory), which is read in place, not copied."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data) if isinstance(data, bytes) else data)
    except (zipfile.BadZipFile, ValueError) as exc:
        raise BatchRefused(f"{label}: not a readable zip archive ({exc})") from None
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        if len(members) > limits.max_members:
            raise BatchRefused(f"{label}: {len(members)} members; the limit is {limits.max_members}")
        declared = sum(m.file_size for m in members)
        if declared > limits.max_total_bytes:
            raise BatchRefused(f"{label}: expands to {declared} bytes; the limit is {limits.max_total_bytes}")
        total = 0
        for member in members:
            where = f"{label}!{member.filename}"
            problem = _unsafe_member(member.filename)
            if problem:
                yield Issue(where, f"refused zip member: {problem}")
                continue
            base = PurePosixPath(member.filename).name
            if base.startswith(".") or member.filename.startswith("__MACOSX/"):
                continue
            if not base.lower().endswith(suffixes):
                yield Issue(where, f"skipped: not a {'/'.join(suffixes)} file")
                continue
            if member.file_size > limits.max_document_bytes:
                yield Issue(where, f"member is {member.file_size} bytes; the limit is {limits.max_document_bytes}")
                continue
            if member.compress_size and member.file_size / member.compress_size > limits.max_ratio:
                yield Issue(where, f"refused zip member: compression ratio above {limits.max_ratio} (zip bomb?)")
                continue
            try:
                with archive.open(member) as handle:
                    content = handle.read(limits.max_document_bytes + 1)
            except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError) as exc:
                yield Issue(where, f"unreadable zip member: {exc}")
                continue
            if len(content) > limits.max_document_bytes:  # the header lied about the size
                yield Issue(where, "member larger than declared; refused")
                continue
            total += len(content)
            if total > limits.max_total_bytes:
                raise BatchRefused(f"{label}: expands past {limits.max_total_bytes} bytes")
            yield Document(member.filename, content)


def read_path(path: Path, suffixes: tuple[str, ...], limits: Limits = DEFAULT_LIMITS,
              ) -> Iterator[Document | Issue]:
    """Documents under ``path``: a file, a zip archive, or a directory (recursively, sorted).

    Symbolic links are not followed, so a batch cannot pull in files from elsewhere.
    """
    info = path.lstat()
    if stat.S_ISDIR(info.st_mode):
        yield from _read_directory(path, suffixes, limits)
        return
    if not stat.S_ISREG(info.st_mode):
        raise BatchRefused(f"{path}: not a regular file or directory")
    if path.suffix.lower() == ".zip":
        if info.st_size > limits.max_total_bytes:
            raise BatchRefused(f"{path}: archive larger than {limits.max_total_bytes} bytes")
        yield from read_zip(path.read_bytes(), path.name, suffixes, limits)
        return
    yield from _read_file(path, path.name, limits)


def _read_file(path: Path, label: str, limits: Limits) -> Iterator[Document | Issue]:
    size = path.lstat().st_size
    if size > limits.max_document_bytes:
        yield Issue(label, f"file is {size} bytes; the limit is {limits.max_document_bytes}")
        return
    yield Document(label, path.read_bytes())


def _read_directory(root: Path, suffixes: tuple[str, ...], limits: Limits) -> Iterator[Document | Issue]:
    # One lstat and one open per file (no pathlib objects): reading is done by the importing
    # process before any parsing can start, so it is on the import's serial path.
    count = 0
    total = 0
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        folder = Path(dirpath).relative_to(root).as_posix()
        prefix = "" if folder == "." else f"{folder}/"
        for filename in sorted(filenames):
            if filename.startswith("."):
                continue
            full = os.path.join(dirpath, filename)
            label = prefix + filename
            info = os.lstat(full)
            if stat.S_ISLNK(info.st_mode):
                yield Issue(label, "skipped: symbolic link")
                continue
            if not filename.lower().endswith(suffixes):
                continue
            count += 1
            if count > limits.max_members:
                raise BatchRefused(f"{root}: more than {limits.max_members} documents")
            total += info.st_size
            if total > limits.max_total_bytes:
                raise BatchRefused(f"{root}: more than {limits.max_total_bytes} bytes")
            if info.st_size > limits.max_document_bytes:
                yield Issue(label, f"file is {info.st_size} bytes; the limit is {limits.max_document_bytes}")
                continue
            with open(full, "rb") as handle:
                data = handle.read()
            yield Document(label, data)
