"""Engines and sessions. SQLite runs in WAL mode with foreign keys enforced."""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

# PostgreSQL limits on every application connection (``JIGSAW_PG_LOCK_TIMEOUT``,
# ``JIGSAW_PG_IDLE_IN_TRANSACTION_TIMEOUT``): a transaction whose client died or hung is ended
# by the server, and a statement waiting on a lock (the audit chain's included) gives up with
# an error rather than freezing intake behind it. Migrations lift both (``db.migrate.upgrade``).
DEFAULT_PG_LOCK_TIMEOUT = "10s"
DEFAULT_PG_IDLE_IN_TRANSACTION_TIMEOUT = "60s"
_PG_DURATION = re.compile(r"\d{1,9}(ms|s|min|h)?")


def make_engine(url: str, *, lock_timeout: str = DEFAULT_PG_LOCK_TIMEOUT,
                idle_in_transaction_timeout: str = DEFAULT_PG_IDLE_IN_TRANSACTION_TIMEOUT) -> Engine:
    """Create an engine for ``url``; for SQLite, create its folder and turn on WAL.

    On PostgreSQL every connection gets ``lock_timeout`` and ``idle_in_transaction_session_timeout``
    (PostgreSQL durations such as ``10s``; ``0`` turns one off). Each platform creates its own
    engine (engines are not cached by URL), so platforms share no pool."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            owner_only(Path(parsed.database))
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _configure_sqlite)
        return engine
    for name, value in (("lock_timeout", lock_timeout), ("idle_in_transaction_timeout", idle_in_transaction_timeout)):
        if not _PG_DURATION.fullmatch(value):
            raise ValueError(f"{name} must be a PostgreSQL duration such as 10s or 500ms, not {value!r}")
    options = f"-c lock_timeout={lock_timeout} -c idle_in_transaction_session_timeout={idle_in_transaction_timeout}"
    return create_engine(url, pool_pre_ping=True, connect_args={"options": options})


def owner_only(database: Path) -> None:
    """Make the SQLite file (and its WAL and shared-memory files) readable by their owner only.

    An absent file is created empty with mode 0600 first: SQLite then gives the ``-wal`` and
    ``-shm`` files it makes the database file's own permissions."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    for path in (database, database.with_name(database.name + "-wal"), database.with_name(database.name + "-shm")):
        with contextlib.suppress(FileNotFoundError):
            os.chmod(path, 0o600)


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # The default page cache is 2 MB: a large store's indexes (random blind-index keys) then go
    # to the OS for nearly every page a batch touches. Up to 64 MB per connection, as used.
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.close()


def begin_write(conn: Connection) -> None:
    """On SQLite, take the database's write lock now, if this transaction does not hold it yet.

    Python's sqlite3 opens a transaction only at the first INSERT/UPDATE/DELETE, so a read
    before it sees whatever was committed at that moment: read-then-write sequences that must
    not interleave (the audit chain's "last entry, then the next one") would race. ``BEGIN
    IMMEDIATE`` waits for other writers (the busy timeout) and then holds them off until
    commit. PostgreSQL needs no such thing (its callers lock what they read).
    """
    if conn.dialect.name != "sqlite":
        return
    raw = conn.connection.dbapi_connection
    if raw is not None and not raw.in_transaction:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error: no half-written records."""
    session = session_factory(engine)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
