"""Reading zip archives found in seized media, in memory, with limits against zip bombs.

Members are read into memory only (never extracted to disk) and every limit is enforced on the
bytes actually inflated, not on the sizes the archive declares, since those can lie.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from jigsaw.errors import InvalidInput


@dataclass(frozen=True)
class ZipLimits:
    """Limits per top-level archive (nested archives count against their outermost one)."""

    max_member_bytes: int = 256 * 1024 * 1024
    max_total_bytes: int = 2 * 1024 * 1024 * 1024
    max_ratio: float = 200.0
    max_depth: int = 3
    max_members: int = 20_000


class ArchiveLimitError(InvalidInput):
    """A member or an archive broke a limit; the reason says which."""


@dataclass
class _Budget:
    total: int = 0
    members: int = 0


def looks_like_zip(data: bytes) -> bool:
    return data[:4] in (b"PK\x03\x04", b"PK\x05\x06")


def _read_capped(zf: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int) -> bytes:
    with zf.open(info) as f:
        data = f.read(cap + 1)
    if len(data) > cap:
        raise ArchiveLimitError(f"member inflates beyond {cap} bytes")
    return data


def iter_members(
    data: bytes, name: str, limits: ZipLimits, *, depth: int = 1,
    budget: _Budget | None = None,
) -> Iterator[tuple[str, bytes | None, str | None]]:
    """Yield ``(path, bytes, None)`` per file member, or ``(path, None, reason)`` for one that
    was refused or unreadable. Nested zips are expanded up to ``limits.max_depth``; the nested
    archive itself is yielded too, so it can be matched by its own digests."""
    budget = budget or _Budget()
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        yield name, None, f"unreadable zip: {exc}"
        return
    with zf:
        for info in zf.infolist():
            if info.is_dir():
                continue
            path = f"{name}!{info.filename}"
            budget.members += 1
            if budget.members > limits.max_members:
                yield path, None, f"archive has more than {limits.max_members} members"
                return
            if info.file_size > limits.max_member_bytes:
                yield path, None, f"member larger than {limits.max_member_bytes} bytes"
                continue
            if info.compress_size and info.file_size / info.compress_size > limits.max_ratio:
                yield path, None, f"compression ratio above {limits.max_ratio:g}"
                continue
            remaining = limits.max_total_bytes - budget.total
            if remaining <= 0:
                yield path, None, f"archive inflates beyond {limits.max_total_bytes} bytes"
                return
            try:
                member = _read_capped(zf, info, min(limits.max_member_bytes, remaining))
            except ArchiveLimitError as exc:
                yield path, None, str(exc)
                continue
            except (zipfile.BadZipFile, RuntimeError, OSError, EOFError, ValueError) as exc:
                yield path, None, f"unreadable member: {exc}"  # e.g. encrypted, corrupt
                continue
            budget.total += len(member)
            yield path, member, None
            if looks_like_zip(member):
                if depth >= limits.max_depth:
                    yield path + "!", None, f"nested deeper than {limits.max_depth} archives"
                else:
                    yield from iter_members(member, path, limits, depth=depth + 1,
                                            budget=budget)
            del member
