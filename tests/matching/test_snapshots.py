"""Index snapshots: a restarted matcher maps saved indexes, then pulls only later changes."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from jigsaw.cli.app import app
from jigsaw.config import get_settings
from jigsaw.db.engine import session_scope
from jigsaw.matching import snapshots
from jigsaw.matching.banks import make_entry
from jigsaw.matching.service import MatchingService
from jigsaw.matching.storage import add_entry, create_bank, get_bank, import_entries, remove_entries
from jigsaw.platform import Platform
from tests.matching.test_banks_service import near, pdq_hex


def _fill(platform: Platform, hashes: list[str]) -> None:
    with session_scope(platform.engine) as s:
        bank = create_bank(s, "KNOWN")
        import_entries(s, bank, [make_entry("pdq", h, series=f"S{i % 3}") for i, h in enumerate(hashes)],
                       source="t", fmt="lines")
        add_entry(s, bank, make_entry("md5", "cd" * 16))


def _answers(service: MatchingService, queries: list[str]) -> list[list[tuple[str, int, int]]]:
    return [[(m.bank, m.entry_id, m.distance) for m in hits] for hits in service.lookup("pdq", queries)]


def test_restart_opens_the_snapshot_and_pulls_only_later_changes(platform: Platform, tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    hashes = [pdq_hex(rng) for _ in range(3000)]
    _fill(platform, hashes)
    folder = tmp_path / "index"
    first = MatchingService(platform.engine, snapshot_dir=folder)
    queries = [near(h, 12) for h in hashes[:50]] + [pdq_hex(rng) for _ in range(50)]
    before = _answers(first, queries)
    assert first.pulled_entries == 3001
    saved = first.save_snapshot()
    assert saved is not None and (saved / "manifest.json").exists()

    # after the snapshot: one entry added, one removed
    extra = pdq_hex(rng)
    with session_scope(platform.engine) as s:
        added, _ = add_entry(s, get_bank(s, "KNOWN"), make_entry("pdq", extra))
        added_id = added.id
        removed_id = before[0][0][1]
        remove_entries(s, [removed_id])

    restarted = MatchingService(platform.engine, snapshot_dir=folder)
    after = _answers(restarted, queries)
    assert restarted.pulled_entries < 3001 - 2000  # only the look-back window and the new entry
    assert after[0] == [hit for hit in before[0] if hit[1] != removed_id]
    assert after[1:] == before[1:]
    assert [hit[1] for hit in _answers(restarted, [extra])[0]] == [added_id]
    assert restarted.lookup("md5", ["CD" * 16])[0][0].value == "cd" * 16


def test_snapshot_of_another_database_is_ignored(platform: Platform, tmp_path: Path) -> None:
    rng = np.random.default_rng(8)
    hashes = [pdq_hex(rng) for _ in range(200)]
    _fill(platform, hashes)
    folder = tmp_path / "index"
    service = MatchingService(platform.engine, snapshot_dir=folder)
    service.refresh()
    service.save_snapshot()
    manifest = next(folder.glob("gen-*/manifest.json"))
    manifest.write_text(manifest.read_text().replace('"database": "', '"database": "0'))
    fresh = MatchingService(platform.engine, snapshot_dir=folder)
    assert _answers(fresh, [hashes[5]])[0][0][2] == 0
    assert fresh.pulled_entries == 201  # built from the database instead


def test_snapshot_whose_newest_entry_is_gone_is_ignored(platform: Platform, tmp_path: Path) -> None:
    rng = np.random.default_rng(9)
    hashes = [pdq_hex(rng) for _ in range(100)]
    _fill(platform, hashes)
    folder = tmp_path / "index"
    MatchingService(platform.engine, snapshot_dir=folder).save_snapshot()
    (folder / "CURRENT").write_text("gen-missing")  # a dangling pointer is not an error either
    fresh = MatchingService(platform.engine, snapshot_dir=folder)
    assert _answers(fresh, [hashes[1]])[0][0][2] == 0 and fresh.pulled_entries == 101


def test_matcher_saves_by_itself_after_many_changes(platform: Platform, tmp_path: Path) -> None:
    rng = np.random.default_rng(10)
    _fill(platform, [pdq_hex(rng) for _ in range(500)])
    folder = tmp_path / "index"
    service = MatchingService(platform.engine, snapshot_dir=folder, snapshot_after=400)
    service.refresh()
    generations = list(folder.glob("gen-*"))
    assert len(generations) == 1 and (folder / "CURRENT").read_text() == generations[0].name
    service.save_snapshot()  # a newer generation replaces the old one
    assert [g.name for g in folder.glob("gen-*")] == [(folder / "CURRENT").read_text()]


def test_cli_snapshot_writes_into_the_data_folder(sqlite_platform: Platform,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(11)
    _fill(sqlite_platform, [pdq_hex(rng) for _ in range(50)])
    monkeypatch.setenv("JIGSAW_DATA_DIR", str(sqlite_platform.settings.data_dir))
    monkeypatch.setenv("JIGSAW_DATABASE_URL", sqlite_platform.settings.database_url)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["bank", "snapshot"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "Saved 51 indexed entries" in result.output
    assert (sqlite_platform.settings.data_dir / "index" / "CURRENT").exists()


def test_concurrent_writers_leave_one_complete_current_generation(tmp_path: Path) -> None:
    folder = tmp_path / "index"
    (folder / ".gen-1-1.tmp").mkdir(parents=True)  # a crashed writer's staging folder

    def writer(number: int) -> None:
        def files(staging: Path) -> None:
            time.sleep(0.02)
            (staging / "bank1-pdq.idx").write_bytes(bytes([number]))
        snapshots.write_generation(folder, snapshots.Manifest("db", number, [], 0, None), files)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    current, manifest = snapshots.current_generation(folder, "db")
    assert sorted(p.name for p in folder.iterdir() if p.is_dir()) == [current.name]
    assert (current / "bank1-pdq.idx").read_bytes() == bytes([manifest.last_entry])


def test_cli_warm_readies_the_matcher(sqlite_platform: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(12)
    _fill(sqlite_platform, [pdq_hex(rng) for _ in range(20)])
    monkeypatch.setenv("JIGSAW_DATA_DIR", str(sqlite_platform.settings.data_dir))
    monkeypatch.setenv("JIGSAW_DATABASE_URL", sqlite_platform.settings.database_url)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["bank", "warm"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "Matcher ready in" in result.output
