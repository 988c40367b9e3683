"""The keyed audit chain (issue 15, item 8): a forged entry is found even when its hash was
recomputed, old unkeyed chains still verify up to the switch-over, checkpoints are signed
and checked, and a rewrite is named at the first recorded entry that differs."""

from __future__ import annotations

import base64
import dataclasses
import json
import shutil
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import insert, select, text
from typer.testing import CliRunner

from jigsaw.audit import checkpoints
from jigsaw.audit.chain import (
    GENESIS_HASH,
    AuditAction,
    ChainFields,
    StoredEntry,
    entry_hash,
    key_id,
    switch_over_detail,
    verify_chain,
)
from jigsaw.audit.models import AuditEvent
from jigsaw.audit.service import Actor, AuditKeyMissing, record, verify
from jigsaw.bootstrap import open_platform
from jigsaw.config import AuditKeyError, Settings
from jigsaw.platform import Platform
from tests.conftest import make_settings

KEY = b"k" * 32
OTHER_KEY = b"o" * 32
KEY_B64 = base64.b64encode(KEY).decode()


# --- the pure chain ----------------------------------------------------------------------


def _fields(seq: int, **overrides: object) -> ChainFields:
    base = ChainFields(seq, f"2026-11-22T10:00:{seq % 60:02d}+00:00", f"user:{seq % 3}", 1, "consultation",
                       "report", str(seq), "assessment", None, {"n": seq})
    return dataclasses.replace(base, **overrides)  # type: ignore[arg-type]


def chain(n: int, *, keyed_from: int | None = 1, key: bytes = KEY) -> list[StoredEntry]:
    """``n`` entries; from ``keyed_from`` on (a switch-over entry there) hashed with ``key``."""
    entries: list[StoredEntry] = []
    prev = GENESIS_HASH
    for seq in range(1, n + 1):
        fields = _fields(seq)
        if seq == keyed_from:
            fields = _fields(seq, action="administration", entity_type="audit_chain", entity_id="keyed",
                             purpose=None, detail=switch_over_detail(key))
        digest = entry_hash(prev, fields, key if keyed_from is not None and seq >= keyed_from else None)
        entries.append(StoredEntry(fields, prev, digest))
        prev = digest
    return entries


def recompute_from(entries: list[StoredEntry], i: int, **change: object) -> list[StoredEntry]:
    """What an attacker without the key does: change entry ``i`` and recompute every hash after it."""
    out = entries[:i]
    prev = out[-1].entry_hash if out else GENESIS_HASH
    for j, entry in enumerate(entries[i:], start=i):
        fields = dataclasses.replace(entry.fields, **change) if j == i else entry.fields  # type: ignore[arg-type]
        digest = entry_hash(prev, fields)  # SHA-256: the only rule the attacker can compute
        out.append(StoredEntry(fields, prev, digest))
        prev = digest
    return out


def test_a_keyed_chain_verifies_only_with_its_key() -> None:
    entries = chain(12)
    assert verify_chain(entries, key=KEY).ok
    assert verify_chain(entries, key=KEY).keyed_from == 1
    without = verify_chain(entries)
    assert not without.ok and without.first_bad_seq == 1 and "needs the audit key" in (without.reason or "")
    other = verify_chain(entries, key=OTHER_KEY)
    assert not other.ok and key_id(KEY) in (other.reason or "")


@given(st.integers(min_value=3, max_value=25), st.data())
def test_a_forged_entry_with_a_recomputed_hash_is_named(n: int, data: st.DataObject) -> None:
    entries = chain(n)
    i = data.draw(st.integers(min_value=1, max_value=n - 1))  # any entry after the switch-over
    forged = recompute_from(entries, i, actor="intruder")
    head = (n, entries[-1].entry_hash)
    result = verify_chain(forged, head, key=KEY)
    assert not result.ok and result.first_bad_seq == i + 1 and "forged" in (result.reason or "")


def test_an_appended_forgery_past_the_recorded_head_is_named() -> None:
    entries = chain(10)
    head = (10, entries[-1].entry_hash)
    fields = _fields(11, actor="intruder")
    forged = [*entries, StoredEntry(fields, entries[-1].entry_hash, entry_hash(entries[-1].entry_hash, fields))]
    assert verify_chain(forged, head).ok is False  # keyed entries need the key even to be read back
    result = verify_chain(forged, head, key=KEY)
    assert not result.ok and result.first_bad_seq == 11


def test_an_old_unkeyed_chain_verifies_by_the_old_rule_up_to_the_switch_over() -> None:
    entries = chain(20, keyed_from=8)
    result = verify_chain(entries, key=KEY)
    assert result.ok and result.keyed_from == 8
    tampered = list(entries)
    tampered[3] = dataclasses.replace(tampered[3], fields=dataclasses.replace(tampered[3].fields, actor="x"))
    assert verify_chain(tampered, key=KEY).first_bad_seq == 4
    # An unkeyed chain under a configured key is not accepted: the keyed part was dropped or never written.
    assert not verify_chain(chain(5, keyed_from=None), key=KEY).ok


def test_a_rewritten_unkeyed_part_is_named_against_checkpoints() -> None:
    """Before the switch-over a rewrite can be recomputed; checkpoints bound where it begins."""
    entries = chain(30, keyed_from=None)
    recorded = [(5, entries[4].entry_hash), (12, entries[11].entry_hash), (20, entries[19].entry_hash)]
    rewritten = recompute_from(entries, 9, purpose="something else")  # entry 10 changed, hashes recomputed
    assert verify_chain(rewritten).ok  # internally consistent: the unkeyed rule cannot tell
    result = verify_chain(rewritten, checkpoints=recorded)
    assert not result.ok and result.first_bad_seq == 12
    assert "matched at entry 5" in (result.reason or "")


def test_checkpoints_are_signed() -> None:
    point = checkpoints.Checkpoint(10, "ab" * 32, datetime.now(UTC).isoformat(), key_id(KEY), 1).signed(KEY)
    assert point.signature_ok(KEY) and not point.signature_ok(OTHER_KEY)
    moved = dataclasses.replace(point, seq=9)
    assert not moved.signature_ok(KEY)
    assert checkpoints.Checkpoint.from_dict(point.as_dict()) == point


# --- in the database ---------------------------------------------------------------------


def _keyed(platform: Platform, key_b64: str | None = KEY_B64, **changes: object) -> Platform:
    """The same database and data folder, opened with ``key_b64`` as JIGSAW_AUDIT_KEY."""
    settings: Settings = dataclasses.replace(platform.settings, audit_key_b64=key_b64, **changes)  # type: ignore[arg-type]
    return open_platform(settings, migrate=False)


@pytest.fixture
def keyed(platform: Platform) -> Iterator[Platform]:
    opened = _keyed(platform)
    yield opened
    opened.close()


def _log(platform: Platform, n: int, actor: str = "user:1") -> None:
    with platform.session() as session:
        for i in range(n):
            record(session, Actor(actor, 1), AuditAction.CONSULTATION, "report", i, purpose="assessment")


def _forge_unkeyed(platform: Platform) -> int:
    """Append a row as someone with only the database would: fields and a recomputed SHA-256."""
    with platform.session() as session:
        last = session.execute(select(AuditEvent.seq, AuditEvent.entry_hash).order_by(AuditEvent.seq.desc())
                               .limit(1)).one()
        now = datetime.now(UTC)
        fields = ChainFields(last.seq + 1, now.isoformat(), "user:1", 1, "consultation", "report", "99",
                             "routine", None, {})
        session.execute(insert(AuditEvent).values(
            seq=fields.seq, occurred_at=now, actor=fields.actor, organisation_id=1, action=fields.action,
            entity_type="report", entity_id="99", purpose="routine", recipient=None, detail={},
            prev_hash=last.entry_hash, entry_hash=entry_hash(last.entry_hash, fields)))
        return fields.seq


def test_the_forgery_of_the_issue_is_caught_in_the_database(keyed: Platform) -> None:
    _log(keyed, 3)
    with keyed.session() as session:
        before = verify(session)
    assert before.ok and before.keyed_from == 1  # a fresh log is keyed from its first entry
    forged = _forge_unkeyed(keyed)
    with keyed.session() as session:
        result = verify(session, (before.head_seq, before.head_hash))
    assert not result.ok and result.first_bad_seq == forged


def test_an_existing_unkeyed_log_switches_over_and_stays_verifiable(platform: Platform) -> None:
    _log(platform, 4)  # written before any key was configured
    keyed = _keyed(platform)
    try:
        _log(keyed, 2)
        with keyed.session() as session:
            result = verify(session)
            switch = session.scalar(select(AuditEvent).where(AuditEvent.seq == 5))
        assert result.ok and result.keyed_from == 5 and result.entries == 7
        assert switch is not None and switch.detail == {"op": "keyed", "scheme": "hmac-sha256", "key_id": key_id(KEY)}
        # A process without the key may neither append (it would break the chain) nor call it intact.
        with pytest.raises(AuditKeyMissing):
            _log(platform, 1)
        with platform.session() as session:
            assert not verify(session).ok
        # Nor may one with another key.
        other = _keyed(platform, base64.b64encode(OTHER_KEY).decode())
        try:
            with pytest.raises(AuditKeyMissing):
                _log(other, 1)
        finally:
            other.close()
    finally:
        keyed.close()


def test_checkpoints_are_written_off_the_box_and_catch_a_truncation(platform: Platform, tmp_path: Path) -> None:
    outbox = tmp_path / "offbox"
    keyed = _keyed(platform, audit_checkpoint_dir=outbox)
    try:
        _log(keyed, 3)
        first = checkpoints.write_checkpoint(keyed)
        assert first is not None and checkpoints.write_checkpoint(keyed) is None  # head unchanged: nothing new
        _log(keyed, 2)
        second = checkpoints.write_checkpoint(keyed)
        assert second is not None
        saved = json.loads(second.read_text())
        assert saved["seq"] == 6 and saved["key_id"] == key_id(KEY) and saved["keyed_from"] == 1
        with keyed.session() as session:
            result, found = checkpoints.verify_with_checkpoints(keyed, session)
        assert result.ok and result.checkpoints == 2 and not found.problems

        # A checkpoint altered by whoever can write the folder is refused.
        forged = outbox / "audit-checkpoint-000000000099.json"
        forged.write_text(json.dumps({**saved, "seq": 99}))
        with keyed.session() as session:
            _, found = checkpoints.verify_with_checkpoints(keyed, session)
        assert found.problems and "signature" in found.problems[0]
        forged.unlink()

        # The newest entries removed (by someone who can get past the triggers) are missed at once.
        with keyed.session() as session:
            if session.get_bind().dialect.name == "postgresql":
                session.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
                session.execute(text("DELETE FROM audit_events WHERE seq > 4"))
                session.execute(text("ALTER TABLE audit_events ENABLE TRIGGER USER"))
            else:
                triggers = session.execute(text(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_events'")).all()
                for name, _sql in triggers:
                    session.execute(text(f'DROP TRIGGER "{name}"'))
                session.execute(text("DELETE FROM audit_events WHERE seq > 4"))
                for _name, sql in triggers:
                    session.execute(text(sql))
        with keyed.session() as session:
            result, _ = checkpoints.verify_with_checkpoints(keyed, session)
        assert not result.ok and result.first_bad_seq == 5
    finally:
        keyed.close()


def test_the_key_and_the_checkpoints_stay_out_of_the_data_folder(tmp_path: Path) -> None:
    data = tmp_path / "data"
    inside = data / "secrets" / "audit.key"
    inside.parent.mkdir(parents=True)
    inside.write_text(KEY_B64)
    with pytest.raises(AuditKeyError, match="inside the data folder"):
        dataclasses.replace(make_settings(data), audit_key_file=inside).audit_key()
    outside = tmp_path / "keys" / "audit.key"
    outside.parent.mkdir()
    shutil.copyfile(inside, outside)
    assert dataclasses.replace(make_settings(data), audit_key_file=outside).audit_key() == KEY
    with pytest.raises(AuditKeyError, match="at least 32 bytes"):
        dataclasses.replace(make_settings(data), audit_key_b64=base64.b64encode(b"short").decode()).audit_key()


def test_concurrent_appends_never_fork_the_chain(keyed: Platform) -> None:
    """Many sessions logging at once (reads with nothing else written first): on SQLite the head
    used to be read outside the write transaction, so two appends took the same ``seq``."""
    writers = 8
    barrier = threading.Barrier(writers)

    def consult(n: int) -> None:
        with keyed.session() as session:
            barrier.wait()
            record(session, Actor(f"user:{n}", 1), AuditAction.CONSULTATION, "report", n, purpose="assessment")

    with ThreadPoolExecutor(writers) as pool:
        for future in [pool.submit(consult, n) for n in range(writers)]:
            future.result()
    with keyed.session() as session:
        result = verify(session)
    assert result.ok and result.entries == writers + 1  # and the switch-over


def test_verify_on_the_command_line_names_the_forged_entry(
    sqlite_platform: Platform, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from jigsaw.cli.app import app
    from jigsaw.config import get_settings

    keyed = _keyed(sqlite_platform)
    try:
        _log(keyed, 2)
        with keyed.session() as session:
            head = verify(session)
        forged = _forge_unkeyed(keyed)
    finally:
        keyed.close()
    monkeypatch.setenv("JIGSAW_DATA_DIR", str(sqlite_platform.settings.data_dir))
    monkeypatch.delenv("JIGSAW_DATABASE_URL", raising=False)
    monkeypatch.setenv("JIGSAW_AUDIT_KEY", KEY_B64)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["audit", "verify", "--expect-head", f"{head.head_seq}:{head.head_hash}"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 1
    assert f"broken at entry {forged}" in result.output and "forged" in result.output
