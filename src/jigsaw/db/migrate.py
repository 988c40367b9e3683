"""Running Alembic migrations from code, with no alembic.ini to carry around.

``upgrade`` is the only function that changes the schema. On PostgreSQL it holds a
session-level advisory lock for the whole upgrade, so several processes started at once
(server workers, a deploy hook, ``jigsaw db upgrade``) migrate one after the other: the
first applies the revisions, the others find the schema at head and do nothing.

Commands that only read open the platform without migrating and call
:func:`ensure_at_head`, which refuses with "run `jigsaw db upgrade`" rather than touching
the schema. How to write a migration: ``src/jigsaw/db/migrations/README.md``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, MetaData, text

from jigsaw.errors import Unavailable

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
VERSIONS_DIR = MIGRATIONS_DIR / "versions"

# pg_advisory_lock key for "a process is migrating this database" (any fixed 64-bit value;
# this one is the ASCII bytes of "jigsawdb").
MIGRATION_LOCK_KEY = 0x6A69677361776462


class SchemaNotCurrentError(Unavailable, RuntimeError):
    """The database schema is not at the revision this code expects."""


def alembic_config(engine: Engine | None = None, connection: Connection | None = None) -> Config:
    """A Config for the migrations folder; ``env.py`` runs on ``connection`` if given, else ``engine``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    config.attributes["connection"] = connection
    return config


@lru_cache(maxsize=1)
def _script() -> ScriptDirectory:
    """The revision graph, parsed once per process (the files do not change while it runs)."""
    return ScriptDirectory.from_config(alembic_config())


def head_revisions() -> tuple[str, ...]:
    """The head revision(s) of the migrations shipped with this code."""
    return tuple(_script().get_heads())


def current_revisions(engine: Engine) -> tuple[str, ...]:
    """The revision(s) the database is at; empty for a database never migrated."""
    with engine.connect() as conn:
        return tuple(MigrationContext.configure(conn).get_current_heads())


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to ``revision``; a no-op when it is already there.

    On PostgreSQL the upgrade runs under ``pg_advisory_lock``: a second process waits for
    the first to finish, then finds nothing to do.
    """
    with engine.connect() as conn:
        postgres = conn.dialect.name == "postgresql"
        if postgres:
            # A migration may wait its turn and hold locks as long as it needs: lift the app's limits.
            conn.execute(text("SET lock_timeout = 0"))
            conn.execute(text("SET idle_in_transaction_session_timeout = 0"))
            conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
            conn.commit()  # the lock is session-level: it outlives this transaction
        try:
            command.upgrade(alembic_config(engine, conn), revision)
        finally:
            if postgres:
                conn.rollback()
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY})
                conn.commit()


def pending_revisions(engine: Engine) -> list[str]:
    """Revisions not yet applied (empty when the database is current)."""
    script = _script()
    current = set(current_revisions(engine))
    pending: list[str] = []
    for head in script.get_revisions("heads"):
        if head is None:
            continue
        for rev in script.iterate_revisions(head.revision, "base"):
            if rev is None or rev.revision in current:
                break
            pending.append(rev.revision)
    return pending


def ensure_at_head(engine: Engine) -> None:
    """Raise :class:`SchemaNotCurrentError` unless the database is at the code's head revision."""
    current, heads = current_revisions(engine), head_revisions()
    if set(current) != set(heads):
        raise SchemaNotCurrentError(
            f"the database is at revision {_names(current)} but this code expects {_names(heads)}: "
            "run `jigsaw db upgrade`")


def model_differences(engine: Engine, metadata: MetaData) -> list[Any]:
    """What Alembic's autogenerate would write to make the database match the models
    (``metadata`` holds every composed capability's tables: :func:`jigsaw.bootstrap.import_tables`)."""
    with engine.connect() as conn:
        return list(compare_metadata(MigrationContext.configure(conn), metadata))


def check(engine: Engine, metadata: MetaData) -> list[str]:
    """Every reason the database and the code disagree; empty when it is at head and
    the migrations produce exactly the models' schema."""
    problems: list[str] = []
    current, heads = current_revisions(engine), head_revisions()
    if set(current) != set(heads):
        problems.append(f"the database is at revision {_names(current)}, the head is {_names(heads)}"
                        " (run `jigsaw db upgrade`)")
        return problems  # the model comparison would only list the missing revisions' tables
    problems.extend(f"models and migrations differ: {diff}" for diff in model_differences(engine, metadata))
    return problems


def next_revision_id() -> str:
    """The next four-digit revision id (``0005`` after ``0004``): files sort in apply order."""
    numbers = [int(rev.revision) for rev in _script().walk_revisions() if re.fullmatch(r"\d+", rev.revision)]
    return f"{max(numbers, default=0) + 1:04d}"


def new_revision(message: str, engine: Engine | None = None) -> Path:
    """Write a new revision file after the current head and return its path.

    With ``engine`` (a database at head), the body is autogenerated from the difference
    between that database and the models; without, the body is empty.
    """
    config = alembic_config(engine)
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    if engine is not None:
        ensure_at_head(engine)
    result = command.revision(config, message=message, autogenerate=engine is not None,
                              rev_id=next_revision_id())
    _script.cache_clear()
    scripts = result if isinstance(result, list) else [result]
    return Path(scripts[0].path) if scripts and scripts[0] is not None else VERSIONS_DIR


def _names(revisions: tuple[str, ...]) -> str:
    return ", ".join(revisions) if revisions else "none (empty database)"
