"""Fixtures: a fresh platform per test, on SQLite and on PostgreSQL (127.0.0.1:5432).

The PostgreSQL database is created and dropped by the fixture itself. Set
``JIGSAW_TEST_PG_URL`` to point at another server (default: user postgres, trust auth).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient

from jigsaw.bootstrap import open_platform
from jigsaw.config import Settings
from jigsaw.platform import Platform

PG_ADMIN_URL = os.environ.get("JIGSAW_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def _sqlalchemy_url(conninfo: str, dbname: str) -> str:
    base = conninfo.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    return f"{base}/{dbname}"


@pytest.fixture
def pg_database() -> Iterator[str]:
    name = f"jigsaw_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = _sqlalchemy_url(PG_ADMIN_URL, name)
    try:
        yield url
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def make_settings(data_dir: Path, database_url: str | None = None) -> Settings:
    return Settings(data_dir=data_dir, database_url=database_url or f"sqlite:///{data_dir / 'jigsaw.db'}",
                    public_form_rate_limit=1000)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def platform(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Platform]:
    """An opened platform (migrated, keys installed) on each backend."""
    url = request.getfixturevalue("pg_database") if request.param == "postgresql" else None
    opened = open_platform(make_settings(tmp_path / "data", url))
    yield opened
    opened.close()


@pytest.fixture
def sqlite_platform(tmp_path: Path) -> Iterator[Platform]:
    opened = open_platform(make_settings(tmp_path / "data"))
    yield opened
    opened.close()


@pytest.fixture
def client(platform: Platform) -> Iterator[TestClient]:
    from jigsaw.web.app import create_app

    with TestClient(create_app(platform=platform), base_url="http://testserver") as test_client:
        yield test_client
