"""Pure hash-chain logic for the audit log.

Each entry's hash covers its own fields and the previous entry's hash, so altering,
removing or reordering any row breaks every hash after it. Truncating the newest rows
cannot be seen from the chain alone; :func:`verify_chain` therefore accepts the head an
operator recorded elsewhere (``jigsaw audit head``) and checks the log still reaches it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

GENESIS_HASH = "0" * 64


class AuditAction(StrEnum):
    # The six kinds of processing that s.62 requires to be logged.
    COLLECTION = "collection"
    ALTERATION = "alteration"
    CONSULTATION = "consultation"
    DISCLOSURE = "disclosure"
    COMBINATION = "combination"
    ERASURE = "erasure"
    # Security events that an auditor needs beside them.
    AUTHENTICATION = "authentication"
    ADMINISTRATION = "administration"


# Reads and disclosures must say why (s.62(2)); disclosures must say to whom (s.62(3)).
PURPOSE_REQUIRED = frozenset({AuditAction.CONSULTATION, AuditAction.DISCLOSURE})


@dataclass(frozen=True)
class ChainFields:
    """The part of an audit entry that its hash covers."""

    seq: int
    occurred_at: str
    actor: str
    organisation_id: int | None
    action: str
    entity_type: str
    entity_id: str | None
    purpose: str | None
    recipient: str | None
    detail: Mapping[str, Any]

    def canonical(self) -> bytes:
        body = {
            "seq": self.seq,
            "occurred_at": self.occurred_at,
            "actor": self.actor,
            "organisation_id": self.organisation_id,
            "action": self.action,
            "entity_type": self.entity_type,
            "entity_id": self.entity_id,
            "purpose": self.purpose,
            "recipient": self.recipient,
            "detail": dict(self.detail),
        }
        return json.dumps(body, sort_keys=True, separators=(",", ":"), default=str).encode()


def entry_hash(prev_hash: str, fields: ChainFields) -> str:
    return hashlib.sha256(prev_hash.encode() + b"\n" + fields.canonical()).hexdigest()


@dataclass(frozen=True)
class StoredEntry:
    fields: ChainFields
    prev_hash: str
    entry_hash: str


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    entries: int
    first_bad_seq: int | None = None
    reason: str | None = None
    head_seq: int = 0
    head_hash: str = GENESIS_HASH


def verify_chain(entries: Iterable[StoredEntry], expect_head: tuple[int, str] | None = None) -> VerifyResult:
    """Walk entries in stored order; report the first one that breaks the chain."""
    prev_hash, expected_seq, count = GENESIS_HASH, 1, 0
    head_seq = 0
    for entry in entries:
        seq = entry.fields.seq
        if seq != expected_seq:
            return VerifyResult(False, count, seq, f"expected entry {expected_seq} here, found {seq}")
        if entry.prev_hash != prev_hash:
            return VerifyResult(False, count, seq, "does not follow the previous entry")
        if entry_hash(prev_hash, entry.fields) != entry.entry_hash:
            return VerifyResult(False, count, seq, "content does not match its hash (altered)")
        prev_hash, expected_seq, head_seq = entry.entry_hash, expected_seq + 1, seq
        count += 1
    if expect_head is not None:
        want_seq, want_hash = expect_head
        if head_seq < want_seq:
            reason = f"log ends at {head_seq}; entries up to {want_seq} were recorded"
            return VerifyResult(False, count, head_seq + 1, reason)
        found = _hash_at(entries, want_seq) if head_seq != want_seq else prev_hash
        if found != want_hash:
            return VerifyResult(False, count, want_seq, "entry does not match the recorded head")
    return VerifyResult(True, count, head_seq=head_seq, head_hash=prev_hash)


def _hash_at(entries: Iterable[StoredEntry], seq: int) -> str | None:
    for entry in entries:
        if entry.fields.seq == seq:
            return entry.entry_hash
    return None
