"""Migrations as an operator meets them: ``jigsaw db current|check|upgrade|revision``, read-only
commands that refuse a database behind head, and concurrent upgrades on PostgreSQL."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from jigsaw.bootstrap import import_tables
from jigsaw.cli import main
from jigsaw.cli.app import app
from jigsaw.db import migrate
from jigsaw.db.base import Base
from jigsaw.db.engine import make_engine

HEAD = migrate.head_revisions()[0]


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    from jigsaw.config import get_settings

    data = tmp_path / "data"
    monkeypatch.setenv("JIGSAW_DATA_DIR", str(data))
    monkeypatch.delenv("JIGSAW_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield data
    get_settings.cache_clear()


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    raised = result.exception
    return result.exit_code, result.output + ("" if raised is None or isinstance(raised, SystemExit) else str(raised))


def test_current_and_check_follow_the_upgrade(cli_env: Path) -> None:
    assert run("db", "current") == (0, "none\n")
    code, out = run("db", "check")
    assert code == 1 and "none (empty database)" in out and "jigsaw db upgrade" in out

    assert run("db", "upgrade")[0] == 0
    assert run("db", "current") == (0, f"{HEAD}\n")
    code, out = run("db", "check")
    assert code == 0 and "matches the models" in out


def test_check_names_a_schema_that_differs_from_the_models(cli_env: Path) -> None:
    assert run("db", "upgrade")[0] == 0
    with sqlite3.connect(cli_env / "jigsaw.db") as db:
        db.execute("CREATE TABLE stray (id INTEGER PRIMARY KEY)")  # made by hand, in no migration
    code, out = run("db", "check")
    assert code == 1 and "models and migrations differ" in out and "stray" in out


@pytest.mark.parametrize("command", [
    ("orgs", "list"), ("users", "list"), ("tokens", "list"), ("audit", "verify"), ("audit", "head"),
    ("networks",), ("series",), ("bank", "list"), ("triage", "config", "list"), ("triage", "digest"),
    ("triage", "atrs"),
])
def test_read_only_commands_never_migrate(cli_env: Path, command: tuple[str, ...]) -> None:
    code, out = run(*command)
    assert code != 0 and "run `jigsaw db upgrade`" in out
    assert run("db", "current") == (0, "none\n")  # still empty: nothing was migrated


def test_the_console_script_prints_the_advice_not_a_traceback(cli_env: Path, monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "argv", ["jigsaw", "orgs", "list"])
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code == 3  # ReturnCode.UNAVAILABLE: the schema cannot be used as it is
    err = capsys.readouterr().err
    assert err.startswith("error: the database is at revision none") and "run `jigsaw db upgrade`" in err
    assert "Traceback" not in err


@pytest.fixture
def scratch_migrations(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A copy of the migrations folder that ``db revision`` may write into."""
    folder = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS_DIR, folder, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(migrate, "MIGRATIONS_DIR", folder)
    migrate._script.cache_clear()
    yield folder / "versions"
    migrate._script.cache_clear()


def test_revision_writes_the_next_numbered_file(cli_env: Path, scratch_migrations: Path) -> None:
    code, out = run("db", "revision", "-m", "Add a widget table")
    assert code == 0, out
    written = scratch_migrations / f"{int(HEAD) + 1:04d}_add_a_widget_table.py"
    assert written.exists()
    source = written.read_text()
    assert f"revision = '{int(HEAD) + 1:04d}'" in source and f"down_revision = '{HEAD}'" in source
    assert migrate.head_revisions() == (f"{int(HEAD) + 1:04d}",)


def test_autogenerate_needs_a_database_at_head_and_finds_nothing_to_add(cli_env: Path,
                                                                        scratch_migrations: Path) -> None:
    code, out = run("db", "revision", "-m", "nothing", "--autogenerate")
    assert code != 0 and "run `jigsaw db upgrade`" in out
    assert run("db", "upgrade")[0] == 0
    code, out = run("db", "revision", "-m", "nothing", "--autogenerate")
    assert code == 0, out
    body = (scratch_migrations / f"{int(HEAD) + 1:04d}_nothing.py").read_text()
    assert "op." not in body.split("def upgrade", 1)[1]  # the models add nothing to the migrations


_UPGRADE = "import sys; from jigsaw.db.engine import make_engine; from jigsaw.db.migrate import upgrade; " \
           "upgrade(make_engine(sys.argv[1]))"


@pytest.mark.postgres
def test_concurrent_upgrades_on_postgres_take_turns(empty_pg_database: str) -> None:
    racers = [subprocess.Popen([sys.executable, "-c", _UPGRADE, empty_pg_database], stderr=subprocess.PIPE)
              for _ in range(2)]
    errors = [racer.communicate(timeout=120)[1].decode() for racer in racers]
    assert [racer.returncode for racer in racers] == [0, 0], errors

    engine = make_engine(empty_pg_database)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == [HEAD]
            # The lock went with the migrating sessions: a new session can take it at once.
            assert conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": migrate.MIGRATION_LOCK_KEY}).scalar()
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": migrate.MIGRATION_LOCK_KEY})
        import_tables()
        assert migrate.check(engine, Base.metadata) == []
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_an_upgrade_waits_for_the_process_holding_the_lock(empty_pg_database: str) -> None:
    dsn = empty_pg_database.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(dsn, autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", (migrate.MIGRATION_LOCK_KEY,))
        waiting = subprocess.Popen([sys.executable, "-c", _UPGRADE, empty_pg_database], stderr=subprocess.PIPE)
        for _ in range(600):  # until the upgrade is queued behind the lock (it starts in a second or so)
            if holder.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                              " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
                              ).fetchone() == (1,):
                break
            assert waiting.poll() is None, waiting.communicate()[1].decode()
            time.sleep(0.1)
        else:
            pytest.fail("the upgrade never asked for the migration lock")
        assert holder.execute("SELECT to_regclass('alembic_version')").fetchone() == (None,)
        holder.execute("SELECT pg_advisory_unlock(%s)", (migrate.MIGRATION_LOCK_KEY,))
        assert waiting.wait(timeout=120) == 0, waiting.communicate()[1].decode()
    engine = make_engine(empty_pg_database)
    try:
        assert migrate.current_revisions(engine) == (HEAD,)
    finally:
        engine.dispose()
