"""Scanning seized media: hash every file (and zip member) on Dask, match, summarise.

One code path: a :class:`dask.distributed.Client` on a ``LocalCluster`` of processes by default,
or on an existing scheduler when one is named (its workers must see the same paths). Tasks carry
**paths only**; each worker reads its files into memory, hashes them with
:func:`jigsaw.media.hash_bytes` and drops the bytes, and only hashes and metadata travel back.
Nothing a worker reads is written anywhere. Matching happens in the driver, which holds the
bank indexes, as results stream in.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jigsaw.matching.archives import ZipLimits, iter_members, looks_like_zip

MAX_FILE_BYTES = 4 * 1024 * 1024 * 1024
BATCH_FILES = 16


def walk(root: str | Path) -> Iterator[str]:
    """Every regular file under ``root`` (symlinks are not followed), in a stable order."""
    root = Path(root)
    if root.is_file():
        yield str(root)
        return
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames.sort()
        for f in sorted(filenames):
            p = Path(dirpath) / f
            if p.is_file() and not p.is_symlink():
                yield str(p)


def _hash_one(data: bytes, name: str, dihedral: bool) -> dict[str, Any]:
    from jigsaw.media import hash_bytes

    try:
        result: dict[str, Any] = hash_bytes(data, name=name, dihedral=dihedral).to_json_dict()
    except Exception as exc:  # one bad file must not stop a scan
        result = {"path": name, "size": len(data), "error": f"{type(exc).__name__}: {exc}"}
    result["path"] = name
    return result


def hash_paths(paths: Sequence[str], dihedral: bool, limits: ZipLimits) -> list[dict[str, Any]]:
    """Worker task: hash files and the members of any zip among them. Bytes stay in memory."""
    out: list[dict[str, Any]] = []
    for path in paths:
        try:
            size = os.path.getsize(path)
            if size > MAX_FILE_BYTES:
                out.append({"path": path, "size": size, "error": "file too large to hash"})
                continue
            with open(path, "rb") as f:
                data = f.read()
        except OSError as exc:
            out.append({"path": path, "error": f"unreadable: {exc.strerror or exc}"})
            continue
        out.append(_hash_one(data, path, dihedral))
        if looks_like_zip(data):
            for member_path, member, reason in iter_members(data, path, limits):
                if member is None:
                    out.append({"path": member_path, "error": reason})
                else:
                    out.append(_hash_one(member, member_path, dihedral))
                del member
        del data
    return out


@dataclass
class ScanReport:
    """Per-file hashes and matches, plus the summary an analyst reads first."""

    root: str
    banks: list[str]
    files: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        by_uk: Counter[str] = Counter()
        by_vics: Counter[str] = Counter()
        by_series: Counter[str] = Counter()
        by_bank: Counter[str] = Counter()
        matched = unmatched_media = 0
        errors = []
        for f in self.files:
            if f.get("error"):
                errors.append({"path": f["path"], "error": f["error"]})
            ms = f.get("matches") or []
            if ms:
                matched += 1
                # count each file once per category / series, however many entries hit it
                by_uk.update({m["uk_category"] for m in ms if m.get("uk_category")})
                by_vics.update({str(m["vics_category"]) for m in ms
                                if m.get("vics_category") is not None})
                by_series.update({m["series"] for m in ms if m.get("series")})
                by_bank.update({m["bank"] for m in ms})
            elif f.get("kind") in ("image", "video"):
                unmatched_media += 1
        return {
            "files": len(self.files), "matched_files": matched,
            "unmatched_media": unmatched_media, "errors": len(errors),
            "by_uk_category": dict(sorted(by_uk.items())),
            "by_vics_category": dict(sorted(by_vics.items())),
            "by_series": dict(by_series.most_common()), "by_bank": dict(sorted(by_bank.items())),
            "error_list": errors,
        }

    def to_json_dict(self) -> dict[str, Any]:
        return {"root": self.root, "banks": self.banks, "summary": self.summary(),
                "files": self.files}


Matcher = Callable[[list[dict[str, Any]]], None]
Progress = Callable[[int, int], None]


def run_scan(
    root: str | Path, matcher: Matcher, *, banks: Sequence[str], dihedral: bool = False,
    scheduler: str | None = None, n_workers: int | None = None, limits: ZipLimits | None = None,
    progress: Progress | None = None, batch_files: int = BATCH_FILES,
) -> ScanReport:
    """Hash every file under ``root`` on Dask and match the results as they arrive.

    ``matcher`` receives each batch of result dicts and adds a ``matches`` list to each.
    ``progress(done, total)`` is called as files complete (total = files found on disk;
    zip members add to the report but not to the total)."""
    from dask.distributed import Client, LocalCluster, as_completed

    limits = limits or ZipLimits()
    paths = list(walk(root))
    batches = [paths[i:i + batch_files] for i in range(0, len(paths), batch_files)]
    report = ScanReport(root=str(root), banks=list(banks))
    done = 0
    if progress:
        progress(0, len(paths))
    with ExitStack() as stack:
        if scheduler:
            client = stack.enter_context(Client(scheduler))
        else:
            cluster = stack.enter_context(LocalCluster(
                n_workers=n_workers or max(os.cpu_count() or 1, 1), threads_per_worker=1,
                processes=True, dashboard_address=None))
            client = stack.enter_context(Client(cluster))
        futures = client.map(hash_paths, batches, dihedral=dihedral, limits=limits, pure=False)
        sizes = {f.key: len(b) for f, b in zip(futures, batches, strict=True)}
        for future, results in as_completed(futures, with_results=True):
            matcher(results)
            report.files.extend(results)
            done += sizes[future.key]
            if progress:
                progress(done, len(paths))
            future.release()
    report.files.sort(key=lambda f: f["path"])
    return report


def service_matcher(service: Any, banks: Sequence[str], threshold: int | None) -> Matcher:
    """A :data:`Matcher` backed by a :class:`~jigsaw.matching.service.MatchingService`:
    exact digests plus PDQ (every dihedral variant and video frame present in the result)."""

    def match(results: list[dict[str, Any]]) -> None:
        queries: dict[str, list[tuple[int, str, dict[str, Any]]]] = {}
        for i, r in enumerate(results):
            r["matches"] = []
            for st in ("md5", "sha1", "sha256"):
                if r.get(st):
                    queries.setdefault(st, []).append((i, r[st], {"via": st}))
            if r.get("pdq"):
                queries.setdefault("pdq", []).append((i, r["pdq"], {"via": "pdq"}))
            for k, h in enumerate(r.get("pdq_dihedral") or []):
                if k and h:  # variant 0 is the original orientation, already queried
                    queries.setdefault("pdq", []).append((i, h, {"via": f"pdq_dihedral_{k}"}))
            for fr in r.get("frames") or []:
                if fr.get("pdq"):
                    queries.setdefault("pdq", []).append(
                        (i, fr["pdq"], {"via": "frame", "timestamp": fr.get("timestamp")}))
        best: dict[tuple[int, int], dict[str, Any]] = {}
        for st, qs in queries.items():
            described = service.lookup(st, [q[1] for q in qs], banks=banks,
                                       threshold=threshold if st == "pdq" else None)
            for (i, _, via), matches in zip(qs, described, strict=True):
                for m in matches:
                    key = (i, m.entry_id)
                    if key not in best or m.distance < best[key]["distance"]:
                        best[key] = {**m.as_dict(), **via}
        for (i, _), m in sorted(best.items(), key=lambda kv: (kv[0][0], kv[1]["distance"])):
            results[i]["matches"].append(m)

    return match
