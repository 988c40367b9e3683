"""Database helpers for the hot and bulk paths: Core without the ORM, chunked ``IN`` lists, and
reads and writes on the raw DB-API cursor.

Linking runs on every stored report and rebuilds networks over millions of rows; the bulk import
writes thousands of reports a second. On those paths the ORM's unit of work and SQLAlchemy's
per-row parameter handling cost more than the database's own work, so they go through here.

Every function takes a :class:`~sqlalchemy.orm.Session` or a :class:`~sqlalchemy.Connection`
and runs in its transaction. SQL text given to the cursor helpers is built only from fixed table
and column names; values are always bound.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import lru_cache
from typing import Any, TypeVar

import numpy as np
from sqlalchemy import Connection, DateTime, Dialect, LargeBinary, Table
from sqlalchemy.orm import Session

CHUNK = 900
"""Values per ``IN (...)`` list: under SQLite's bound-variable limit on every version."""

ROW_CHUNK = 200_000
"""Rows fetched from a cursor at a time: enough to amortise the call, few enough not to pile up."""

WRITE_BATCH = 50_000
"""Rows per ``executemany``: bounds the memory a generator of rows can make the driver hold."""

PAIR_BASE = 1 << 32
"""Two non-negative ids under 2**32 packed into one int64 as ``high * PAIR_BASE + low``."""

Executor = Session | Connection
T = TypeVar("T")


def connection(on: Executor) -> Connection:
    """The connection a session or connection runs on (a session's, for its transaction)."""
    return on.connection() if isinstance(on, Session) else on


def execute(on: Executor, stmt: Any, params: Any = None) -> Any:
    """Run a Core statement on the connection: no ORM bookkeeping or autoflush, which dominate the
    cost of the dozen small indexed queries a stored report needs."""
    conn = connection(on)
    return conn.execute(stmt) if params is None else conn.execute(stmt, params)


def scalars(on: Executor, stmt: Any) -> Any:
    """The first column of a Core statement's rows (see :func:`execute`)."""
    return execute(on, stmt).scalars()


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    """``items`` in consecutive slices of at most ``size``, for ``IN`` lists of bounded length."""
    for i in range(0, len(items), size):
        yield items[i:i + size]


def row_chunks(on: Executor, sql: str, size: int = ROW_CHUNK) -> Iterator[Sequence[Any]]:
    """The rows of ``sql`` from the DB-API cursor, ``size`` at a time (no tuples piling up)."""
    cursor = connection(on).connection.cursor()
    try:
        cursor.execute(sql)
        while chunk := cursor.fetchmany(size):
            yield chunk
    finally:
        cursor.close()


def fetch_columns(on: Executor, sql: str, cols: int) -> list[np.ndarray]:
    """Integer columns of a query as int64 numpy arrays, one per column, read in chunks (millions
    of rows without the driver's tuples piling up)."""
    parts = [np.asarray(chunk, dtype=np.int64).reshape(-1, cols) for chunk in row_chunks(on, sql)]
    arr = np.concatenate(parts) if parts else np.zeros((0, cols), np.int64)
    return [arr[:, i] for i in range(cols)]


def fetch_pairs(on: Executor, table: str, high: str, low: str, where: str = "") -> tuple[np.ndarray, np.ndarray]:
    """Two non-negative integer columns (database ``Integer``, so under 2**31) read packed into one
    int64 per row by the database: a 1-tuple per row costs the driver about half a 2-tuple, and
    millions of rows are read this way on every rebuild. ``where`` is a fixed clause or empty."""
    sql = f"SELECT CAST({high} AS BIGINT) * {PAIR_BASE} + {low} FROM {table} {where}"  # noqa: S608 - fixed names
    parts = [np.fromiter((r[0] for r in chunk), np.int64, len(chunk)) for chunk in row_chunks(on, sql)]
    packed = np.concatenate(parts) if parts else np.zeros(0, np.int64)
    return packed >> 32, packed & (PAIR_BASE - 1)


def bulk_execute(on: Executor, sql: str, rows: Iterable[tuple[Any, ...]], batch: int = WRITE_BATCH) -> int:
    """``executemany`` on the DB-API cursor in batches; returns the number of rows sent.

    ``?`` marks in ``sql`` are turned into the driver's (``%s`` where it is not qmark). No ORM or
    SQLAlchemy parameter processing happens per row, so values must already be what the driver
    binds (the bulk import applies the columns' own bind processors first).
    """
    conn = connection(on)
    if conn.dialect.paramstyle != "qmark":
        sql = sql.replace("?", "%s")
    pending: list[tuple[Any, ...]] = []
    done = 0
    cursor = conn.connection.cursor()
    try:
        for row in rows:
            pending.append(row)
            if len(pending) >= batch:
                cursor.executemany(sql, pending)
                done += len(pending)
                pending = []
        if pending:
            cursor.executemany(sql, pending)
            done += len(pending)
    finally:
        cursor.close()
    return done


def bulk_insert(on: Executor, table: str, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> int:
    """Positional ``rows`` (in ``columns`` order) inserted with :func:`bulk_execute`."""
    marks = ", ".join(["?"] * len(columns))
    return bulk_execute(on, f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)  # noqa: S608


# (position, processor, memoise): datetime values repeat across a batch (the write time,
# capture times), and formatting them is most of what binding costs, so those are memoised.
Processors = tuple[tuple[int, Callable[[Any], Any], bool], ...]


@lru_cache(maxsize=64)
def _sqlite_statement(dialect: Dialect, table: Table, columns: tuple[str, ...]) -> tuple[str, Processors]:
    """``INSERT … VALUES (?, …)`` for ``columns`` and the bind processors of the columns that have one.

    The processors are the ones SQLAlchemy itself would apply to these column types
    (datetime text, JSON, booleans, binary), so the stored values do not depend on the path.
    """
    quote = dialect.identifier_preparer.quote
    # Names come from our own table definitions, quoted by the dialect; values are always bound.
    names, marks = ", ".join(quote(c) for c in columns), ", ".join("?" for _ in columns)
    sql = f"INSERT INTO {quote(table.name)} ({names}) VALUES ({marks})"  # noqa: S608
    processors = []
    for position, name in enumerate(columns):
        column_type = table.c[name].type
        if isinstance(column_type, LargeBinary) and dialect.dbapi is not None and dialect.dbapi.Binary is memoryview:
            # sqlite3 binds bytes as a BLOB exactly as it binds the memoryview that
            # LargeBinary's processor wraps them in; skipping the wrapper saves a call per value.
            continue
        processor = column_type.dialect_impl(dialect).bind_processor(dialect)
        if processor is not None:
            processors.append((position, processor, isinstance(getattr(column_type, "impl_instance", column_type),
                                                                DateTime)))
    return sql, tuple(processors)


def _bound(rows: Sequence[tuple[Any, ...]], processors: Processors) -> list[tuple[Any, ...]]:
    """Rows with the column processors applied (the driver takes tuples only)."""
    if not processors:
        return list(rows)
    memo: dict[Any, Any] = {}
    out = []
    for row in rows:
        values = list(row)
        for position, processor, memoise in processors:
            value = values[position]
            if memoise:
                bound = memo.get(value, memo)
                if bound is memo:
                    bound = memo[value] = processor(value)
                values[position] = bound
            else:
                values[position] = processor(value)
        out.append(tuple(values))
    return out


def insert_rows(conn: Connection, table: Table, columns: tuple[str, ...], rows: Sequence[tuple[Any, ...]]) -> None:
    """One executemany of positional ``rows`` (``columns`` order) into ``table``."""
    if not rows:
        return
    if conn.dialect.name == "sqlite":
        sql, processors = _sqlite_statement(conn.dialect, table, columns)
        bulk_execute(conn, sql, _bound(rows, processors))
    else:
        conn.execute(table.insert(), [dict(zip(columns, row, strict=True)) for row in rows])


def insert_returning_ids(conn: Connection, table: Table, columns: tuple[str, ...],
                          rows: Sequence[tuple[Any, ...]]) -> list[int]:
    """Insert ``rows`` and return their new ids in the same order.

    SQLite cannot return ids of a multi-row insert in parameter order, and row-at-a-time
    inserts are slow, so there the first row is inserted alone (which takes the database's
    write lock for the rest of the transaction and yields max(id)+1) and the others get the
    ids after it explicitly: no other writer can take them while the lock is held.
    Elsewhere ``INSERT … RETURNING`` with ``sort_by_parameter_order`` does it in one go.
    """
    if not rows:
        return []
    if conn.dialect.name == "sqlite":
        sql, processors = _sqlite_statement(conn.dialect, table, columns)
        first = conn.exec_driver_sql(f"{sql} RETURNING id", _bound(rows[:1], processors)[0]).scalar_one()
        ids = list(range(first, first + len(rows)))
        if len(rows) > 1:
            insert_rows(conn, table, ("id", *columns), [(row_id, *row) for row_id, row in zip(ids[1:], rows[1:],
                                                                                          strict=True)])
        return ids
    result = conn.execute(table.insert().returning(table.c.id, sort_by_parameter_order=True),
                          [dict(zip(columns, row, strict=True)) for row in rows])
    return [row[0] for row in result]
