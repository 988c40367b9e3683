"""Pure hash-chain logic for the audit log.

Each entry's hash covers its own fields and the previous entry's hash, so altering,
removing or reordering any row breaks every hash after it. Truncating the newest rows
cannot be seen from the chain alone; :func:`verify_chain` therefore accepts the head an
operator recorded elsewhere (``jigsaw audit head``) and signed checkpoints exported off the
box, and checks the log still reaches them.

An unkeyed chain (SHA-256) can be rewritten by anyone who can write the table: they
recompute the hashes. So the chain is keyed, as HashiCorp Vault's audit devices are:
each hash is an HMAC-SHA256 under a key kept outside the database and the data folder.
A chain begun before keying stays verifiable: its entries up to the *switch-over* entry
(``entity_type="audit_chain"``, ``detail.op="keyed"``, itself the first keyed entry, naming the
key's id) are checked by the old rule, every entry from it on by the keyed rule.
"""

from __future__ import annotations

import hashlib
import hmac
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


KEYED_SCHEME = "hmac-sha256"
SWITCH_OVER_TYPE = "audit_chain"
SWITCH_OVER_ID = "keyed"
MIN_KEY_BYTES = 32


def entry_hash(prev_hash: str, fields: ChainFields, key: bytes | None = None) -> str:
    """The entry's link: SHA-256 of the previous hash and its fields, or with ``key`` their HMAC."""
    message = prev_hash.encode() + b"\n" + fields.canonical()
    if key is None:
        return hashlib.sha256(message).hexdigest()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def key_id(key: bytes) -> str:
    """A public name for ``key`` (recorded in the chain and checkpoints; reveals nothing of it)."""
    return hashlib.sha256(b"jigsaw audit key id\n" + key).hexdigest()[:16]


def is_switch_over(fields: ChainFields) -> bool:
    return fields.entity_type == SWITCH_OVER_TYPE and fields.entity_id == SWITCH_OVER_ID \
        and fields.detail.get("op") == "keyed"


def switch_over_detail(key: bytes) -> dict[str, str]:
    return {"op": "keyed", "scheme": KEYED_SCHEME, "key_id": key_id(key)}


# --- checkpoints: the head, signed, exported off the box -----------------------------------


@dataclass(frozen=True)
class Checkpoint:
    """The chain's head at one moment, signed with the audit key (a subkey of it).

    Written outside the box (a mounted archive, an outbox), checkpoints pin what the log said
    then: a truncation, a rewrite or an unkeyed chain replacing a keyed one is found against
    them, and one cannot be forged or altered without the key.
    """

    seq: int
    entry_hash: str
    written_at: str
    key_id: str
    keyed_from: int | None
    signature: str = ""

    def body(self) -> bytes:
        return json.dumps({"seq": self.seq, "entry_hash": self.entry_hash, "written_at": self.written_at,
                           "key_id": self.key_id, "keyed_from": self.keyed_from},
                          sort_keys=True, separators=(",", ":")).encode()

    def signed(self, key: bytes) -> Checkpoint:
        return Checkpoint(self.seq, self.entry_hash, self.written_at, self.key_id, self.keyed_from,
                          _checkpoint_mac(key, self.body()))

    def signature_ok(self, key: bytes) -> bool:
        return self.key_id == key_id(key) and hmac.compare_digest(self.signature, _checkpoint_mac(key, self.body()))

    def as_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "entry_hash": self.entry_hash, "written_at": self.written_at,
                "key_id": self.key_id, "keyed_from": self.keyed_from, "signature": self.signature}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Checkpoint:
        keyed_from = data.get("keyed_from")
        return cls(int(data["seq"]), str(data["entry_hash"]), str(data["written_at"]), str(data["key_id"]),
                   None if keyed_from is None else int(keyed_from), str(data.get("signature", "")))


def _checkpoint_mac(key: bytes, body: bytes) -> str:
    subkey = hmac.new(key, b"jigsaw audit checkpoint", hashlib.sha256).digest()  # never the chain's own key
    return hmac.new(subkey, body, hashlib.sha256).hexdigest()


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
    keyed_from: int | None = None  # the switch-over entry; None: the chain is not keyed
    checkpoints: int = 0  # recorded heads and checkpoints the chain was checked against


def verify_chain(
    entries: Iterable[StoredEntry], expect_head: tuple[int, str] | None = None, *, key: bytes | None = None,
    checkpoints: Iterable[tuple[int, str]] = (),
) -> VerifyResult:
    """Walk entries in stored order; report the first one that breaks the chain.

    Entries before the switch-over are checked by SHA-256, the rest by HMAC under ``key``: a
    forged entry whose hash was recomputed without the key is named. ``expect_head`` and
    ``checkpoints`` are ``(seq, hash)`` pairs recorded earlier; the chain must still reach
    each with the same hash, and where one differs the answer names the first recorded entry
    that differs and the last one that still matched.
    """
    wanted = dict(checkpoints)
    if expect_head is not None:
        wanted[expect_head[0]] = expect_head[1]
    found: dict[int, str] = {}
    prev_hash, expected_seq, count, head_seq = GENESIS_HASH, 1, 0, 0
    keyed_from: int | None = None
    for entry in entries:
        seq = entry.fields.seq
        if seq != expected_seq:
            return VerifyResult(False, count, seq, f"expected entry {expected_seq} here, found {seq}",
                                keyed_from=keyed_from)
        if entry.prev_hash != prev_hash:
            return VerifyResult(False, count, seq, "does not follow the previous entry", keyed_from=keyed_from)
        if is_switch_over(entry.fields):
            recorded = entry.fields.detail.get("key_id")
            if key is None:
                return VerifyResult(False, count, seq, "the chain is keyed from this entry on: verifying it needs "
                                    "the audit key (JIGSAW_AUDIT_KEY or JIGSAW_AUDIT_KEY_FILE)", keyed_from=seq)
            if recorded != key_id(key):
                return VerifyResult(False, count, seq, f"keyed here with key {recorded}, not the configured key "
                                    f"{key_id(key)}", keyed_from=seq)
            keyed_from = keyed_from or seq
        if entry_hash(prev_hash, entry.fields, key if keyed_from else None) != entry.entry_hash:
            what = "forged or altered: its hash is not the keyed hash" if keyed_from else \
                "content does not match its hash (altered)"
            return VerifyResult(False, count, seq, what, keyed_from=keyed_from)
        if seq in wanted:
            found[seq] = entry.entry_hash
        prev_hash, expected_seq, head_seq = entry.entry_hash, expected_seq + 1, seq
        count += 1
    matched = 0
    for want_seq in sorted(wanted):
        if want_seq > head_seq:
            reason = f"log ends at {head_seq}; entries up to {want_seq} were recorded"
            return VerifyResult(False, count, head_seq + 1, reason, keyed_from=keyed_from,
                                checkpoints=len(wanted))
        if found.get(want_seq) != wanted[want_seq]:
            since = f"; it still matched at entry {matched}, so an entry after that was changed" if matched else ""
            reason = f"entry {want_seq} differs from the one recorded (the chain was rewritten){since}"
            return VerifyResult(False, count, want_seq, reason, keyed_from=keyed_from,
                                checkpoints=len(wanted))
        matched = want_seq
    if key is not None and count and keyed_from is None:
        return VerifyResult(False, count, None, "no entry is keyed with the configured audit key: the keyed entries "
                            "were removed or the chain rewritten (or nothing was logged since the key was set)",
                            head_seq=head_seq, head_hash=prev_hash, checkpoints=len(wanted))
    return VerifyResult(True, count, head_seq=head_seq, head_hash=prev_hash, keyed_from=keyed_from,
                        checkpoints=len(wanted))
