"""Signed checkpoints of the audit chain's head, exported off the box as it runs.

A checkpoint is the head (``seq`` and hash), when it was taken, and where the chain's keyed
part begins, signed with a subkey of the audit key (:class:`jigsaw.audit.chain.Checkpoint`).
``jigsaw serve`` writes one to ``JIGSAW_AUDIT_CHECKPOINT_DIR`` every
``JIGSAW_AUDIT_CHECKPOINT_MINUTES`` when the head has moved (``jigsaw audit checkpoint`` does it
once, for cron). That folder belongs on other storage (a mounted archive or a folder another
machine collects from): whoever rewrites or truncates the database afterwards cannot change
what the checkpoints recorded, and ``jigsaw audit verify`` checks the chain against every one.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jigsaw.audit.chain import SWITCH_OVER_ID, SWITCH_OVER_TYPE, Checkpoint, VerifyResult, key_id
from jigsaw.audit.models import AuditEvent
from jigsaw.audit.service import verify
from jigsaw.errors import Unavailable
from jigsaw.platform import Platform

log = logging.getLogger("jigsaw.audit")
_PREFIX = "audit-checkpoint-"


class CheckpointError(Unavailable, RuntimeError):
    """Checkpoints cannot be written or read as configured."""


def checkpoint_dir(platform: Platform) -> Path | None:
    """The configured folder, refused if it sits in the data folder (it would not be off the box)."""
    folder = platform.settings.audit_checkpoint_dir
    if folder is None:
        return None
    folder = folder.expanduser().resolve()
    if folder.is_relative_to(platform.settings.data_dir.resolve()):
        raise CheckpointError(f"JIGSAW_AUDIT_CHECKPOINT_DIR ({folder}) is inside the data folder; checkpoints "
                              "must be written off the box")
    return folder


def current(session: Session, key: bytes) -> Checkpoint | None:
    """A signed checkpoint of the chain's head now; None for an empty log."""
    head = session.execute(select(AuditEvent.seq, AuditEvent.entry_hash).order_by(AuditEvent.seq.desc())
                           .limit(1)).first()
    if head is None:
        return None
    keyed_from = session.scalar(select(func.min(AuditEvent.seq)).where(
        AuditEvent.entity_id == SWITCH_OVER_ID, AuditEvent.entity_type == SWITCH_OVER_TYPE))
    return Checkpoint(int(head[0]), str(head[1]), datetime.now(UTC).isoformat(), key_id(key),
                      None if keyed_from is None else int(keyed_from)).signed(key)


def write_checkpoint(platform: Platform) -> Path | None:
    """Write a checkpoint if the head moved since the last one; the file written, or None."""
    folder, key = checkpoint_dir(platform), platform.audit_key
    if folder is None or key is None:
        return None
    with platform.session() as session:
        checkpoint = current(session, key)
    if checkpoint is None:
        return None
    path = folder / f"{_PREFIX}{checkpoint.seq:012d}.json"
    if path.exists():
        return None
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / f".{path.name}.{os.getpid()}.partial"
    partial.write_text(json.dumps(checkpoint.as_dict(), indent=1, sort_keys=True) + "\n")
    os.replace(partial, path)  # a reader never sees half a checkpoint
    return path


@dataclass(frozen=True)
class Checkpoints:
    valid: list[Checkpoint]
    problems: list[str]  # files that are not genuine checkpoints under this key


def read_checkpoints(folder: Path, key: bytes) -> Checkpoints:
    valid: list[Checkpoint] = []
    problems: list[str] = []
    for path in sorted(folder.glob(f"{_PREFIX}*.json")):
        try:
            checkpoint = Checkpoint.from_dict(json.loads(path.read_text()))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            problems.append(f"{path.name}: unreadable ({exc})")
            continue
        if not checkpoint.signature_ok(key):
            problems.append(f"{path.name}: its signature does not verify under the audit key (forged or altered)")
            continue
        valid.append(checkpoint)
    return Checkpoints(valid, problems)


def verify_with_checkpoints(platform: Platform, session: Session, expect_head: tuple[int, str] | None = None,
                            folder: Path | None = None) -> tuple[VerifyResult, Checkpoints]:
    """Verify the chain against ``expect_head`` and every checkpoint in ``folder`` (default: the configured one)."""
    folder = folder or checkpoint_dir(platform)
    found = Checkpoints([], [])
    if folder is not None and folder.exists():
        if platform.audit_key is None:
            found = Checkpoints([], ["checkpoints need the audit key to be checked (JIGSAW_AUDIT_KEY)"])
        else:
            found = read_checkpoints(folder, platform.audit_key)
    result = verify(session, expect_head, checkpoints=[(c.seq, c.entry_hash) for c in found.valid])
    if result.ok:
        for checkpoint in found.valid:
            if checkpoint.keyed_from is not None and checkpoint.keyed_from != result.keyed_from:
                result = VerifyResult(False, result.entries, checkpoint.keyed_from,
                                      f"a checkpoint recorded the chain keyed from entry {checkpoint.keyed_from}; it "
                                      f"is now keyed from {result.keyed_from}", result.head_seq, result.head_hash,
                                      result.keyed_from, result.checkpoints)
                break
    return result, found


class CheckpointThread(threading.Thread):
    """Writes a checkpoint every ``minutes`` while ``jigsaw serve`` runs (daemon; failures logged)."""

    def __init__(self, platform: Platform) -> None:
        super().__init__(name="jigsaw-audit-checkpoints", daemon=True)
        self.platform = platform
        self.interval = max(1, platform.settings.audit_checkpoint_minutes) * 60.0
        self._stopping = threading.Event()

    def run(self) -> None:
        while not self._stopping.is_set():
            try:
                written = write_checkpoint(self.platform)
                if written is not None:
                    log.info("audit checkpoint written: %s", written)
            except Exception:
                log.exception("writing the audit checkpoint failed; trying again in %s s", self.interval)
            self._stopping.wait(self.interval)

    def stop(self, timeout: float | None = 10.0) -> None:
        self._stopping.set()
        if self.is_alive():
            self.join(timeout)
