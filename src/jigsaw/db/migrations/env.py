"""Alembic environment: runs on the connection or engine handed over in ``config.attributes``.

``jigsaw.db.migrate.upgrade`` hands over the connection that holds the PostgreSQL migration
lock, so the revisions run inside that lock; other commands hand over the engine.
"""

from alembic import context
from sqlalchemy import Connection

from jigsaw.bootstrap import import_tables
from jigsaw.db.base import Base

import_tables()  # every capability's tables on Base.metadata

config = context.config


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()


shared = config.attributes.get("connection")
if shared is not None:
    _run(shared)
else:
    with config.attributes["engine"].connect() as own:
        _run(own)
