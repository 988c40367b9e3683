"""The shipped least-privilege set-up for PostgreSQL (issue 15, item 8): with it, the app's own
login can append to and read the audit log, and run the whole application, but can neither
rewrite the log nor switch its triggers off (it was a superuser that could do both)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from psycopg import sql

from jigsaw.accounts.roles import OrgKind
from jigsaw.audit.service import verify
from jigsaw.bootstrap import open_platform
from jigsaw.web.app import create_app
from tests.conftest import PG_ADMIN_URL, make_settings
from tests.factories import make_org, make_token, report_body

DEPLOY = Path(__file__).resolve().parents[2] / "docs" / "deploy"


def statements(script: Path, **roles: str) -> list[sql.Composed]:
    """The script's statements with its psql variables (``:"name"``) bound as identifiers, as psql does."""
    text = "\n".join(line for line in script.read_text().splitlines() if not line.lstrip().startswith("--"))
    out = []
    for statement in (part.strip() for part in text.split(";")):
        if not statement:
            continue
        pieces = re.split(r':"(\w+)"', statement)
        composed: list[sql.Composable] = []
        for i, piece in enumerate(pieces):
            composed.append(sql.Identifier(roles[piece]) if i % 2 else sql.SQL(piece))  # type: ignore[arg-type]
        out.append(sql.Composed(composed))
    return out


def _plain(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


@pytest.fixture
def app_role(pg_database: str) -> Iterator[str]:
    """A fresh owner and app role (cluster-wide, so uniquely named), dropped after the test."""
    tag = uuid.uuid4().hex[:8]
    owner, app = f"jigsaw_owner_{tag}", f"jigsaw_app_{tag}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        for statement in statements(DEPLOY / "postgresql-roles.sql", owner_role=owner, app_role=app):
            admin.execute(statement)
    try:
        with psycopg.connect(_plain(pg_database), autocommit=True) as conn:
            # The test database's tables belong to the bootstrap superuser: it plays the owner here.
            for statement in statements(DEPLOY / "postgresql-grants.sql", owner_role="postgres", app_role=app):
                conn.execute(statement)
        yield app
    finally:
        with psycopg.connect(_plain(pg_database), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP OWNED BY {}, {}").format(sql.Identifier(app), sql.Identifier(owner)))
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            for role in (app, owner):
                admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


@pytest.mark.postgres
def test_the_app_role_appends_and_reads_the_log_but_cannot_rewrite_it(
    pg_database: str, app_role: str, tmp_path: Path,
) -> None:
    as_app = pg_database.replace("://postgres@", f"://{app_role}@", 1)
    assert as_app != pg_database
    platform = open_platform(make_settings(tmp_path / "data", as_app), migrate=False)
    try:
        token = make_token(platform, make_org(platform, "PixelPlay", OrgKind.PLATFORM), "reports:submit")
        with TestClient(create_app(platform=platform)) as client:
            answer = client.post("/api/v1/reports", json=report_body(), headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 201, answer.text
        with platform.session() as session:
            assert verify(session).ok
    finally:
        platform.close()
    with psycopg.connect(_plain(as_app), autocommit=True) as conn:
        assert conn.execute("SELECT current_user").fetchone() == (app_role,)
        for attack in ("UPDATE audit_events SET actor = 'nobody'", "DELETE FROM audit_events",
                       "TRUNCATE audit_events", "ALTER TABLE audit_events DISABLE TRIGGER USER",
                       "ALTER TABLE audit_events DISABLE TRIGGER ALL", "DROP TABLE audit_events",
                       "UPDATE alembic_version SET version_num = '0001'", "CREATE TABLE audit_shadow (id int)"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(attack)  # type: ignore[call-overload]
        settings = dict(conn.execute("SELECT name, setting FROM pg_settings WHERE name IN "
                                     "('lock_timeout', 'idle_in_transaction_session_timeout')").fetchall())
    assert settings == {"lock_timeout": "10000", "idle_in_transaction_session_timeout": "60000"}
