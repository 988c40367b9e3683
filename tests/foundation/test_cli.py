"""The CLI as an operator uses it: orgs, users, tokens, audit verify, demo."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jigsaw.cli.app import app


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from jigsaw.config import get_settings

    data = tmp_path / "data"
    monkeypatch.setenv("JIGSAW_DATA_DIR", str(data))
    monkeypatch.delenv("JIGSAW_DATABASE_URL", raising=False)
    monkeypatch.setenv("JIGSAW_NEW_PASSWORD", "a long enough password")
    get_settings.cache_clear()
    yield data
    get_settings.cache_clear()


@pytest.fixture
def migrated_cli_env(cli_env: Path, sqlite_template: Path) -> Path:
    """``cli_env`` whose database is already at head (a copy of the session's template)."""
    cli_env.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(sqlite_template, cli_env / "jigsaw.db")
    return cli_env


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def test_operator_sets_up_orgs_users_and_tokens(cli_env: Path) -> None:
    assert run("db", "upgrade")[0] == 0
    assert run("orgs", "add", "Centre", "--kind", "centre")[0] == 0
    assert run("orgs", "add", "PixelPlay", "--kind", "platform")[0] == 0
    code, out = run("orgs", "add", "Centre", "--kind", "centre")
    assert code == 2 and "already exists" in out

    code, out = run("users", "add", "a@centre.example", "--role", "analyst", "--org", "Centre")
    assert code == 0 and "otpauth://totp/Jigsaw:a%40centre.example?secret=" in out
    code, out = run("users", "add", "b@pp.example", "--role", "analyst", "--org", "PixelPlay")
    assert code == 2 and "cannot have analyst users" in out

    code, out = run("tokens", "create", "--org", "PixelPlay", "--scope", "reports:submit", "--scope", "reports:read")
    assert code == 0
    token = out.strip().splitlines()[-1]
    assert token.startswith("jgs_") and " " not in token
    code, out = run("tokens", "create", "--org", "PixelPlay", "--scope", "banks:write")
    assert code == 2 and "cannot hold scope" in out
    assert run("tokens", "revoke", "1")[0] == 0


def test_audit_verify_detects_tampering(migrated_cli_env: Path) -> None:
    cli_env = migrated_cli_env
    assert run("demo", "--reports", "3")[0] == 0
    code, out = run("audit", "verify")
    assert code == 0 and "intact" in out
    assert run("audit", "head")[0] == 0

    db = sqlite3.connect(cli_env / "jigsaw.db")
    db.execute("DROP TRIGGER audit_events_no_update")  # an intruder with file access
    db.execute("DROP TRIGGER audit_events_no_delete")
    db.execute("UPDATE audit_events SET actor = 'someone-else' WHERE seq = 4")
    db.commit()
    code, out = run("audit", "verify")
    assert code == 1 and "entry 4" in out



def test_audit_verify_detects_a_removed_entry(migrated_cli_env: Path) -> None:
    cli_env = migrated_cli_env
    assert run("demo", "--reports", "3")[0] == 0
    db = sqlite3.connect(cli_env / "jigsaw.db")
    db.execute("DROP TRIGGER audit_events_no_delete")
    db.execute("DELETE FROM audit_events WHERE seq = 6")
    db.commit()
    code, out = run("audit", "verify")
    assert code == 1 and "entry 7" in out


def test_truncation_is_caught_with_the_recorded_head(migrated_cli_env: Path) -> None:
    cli_env = migrated_cli_env
    assert run("demo", "--reports", "2")[0] == 0
    head = run("audit", "head")[1].strip()
    db = sqlite3.connect(cli_env / "jigsaw.db")
    db.execute("DROP TRIGGER audit_events_no_delete")
    db.execute("DELETE FROM audit_events WHERE seq = (SELECT max(seq) FROM audit_events)")
    db.commit()
    assert run("audit", "verify")[0] == 0  # the chain alone cannot see a cut at the end
    code, out = run("audit", "verify", "--expect-head", head)
    assert code == 1 and "log ends at" in out


def test_demo_is_idempotent(cli_env: Path) -> None:
    from jigsaw.demo.story import story

    code, out = run("demo", "--reports", "5")
    assert code == 0 and f"{len(story(everyday=5).reports)} new reports" in out and "analyst@demo.example" in out
    code, out = run("demo", "--reports", "5")
    assert code == 0 and "0 new reports" in out
    assert (cli_env / "demo-credentials.json").stat().st_mode & 0o077 == 0
