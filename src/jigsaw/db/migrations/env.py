"""Alembic environment: runs against the engine handed over in ``config.attributes``."""

from alembic import context

from jigsaw.bootstrap import import_tables
from jigsaw.db.base import Base

import_tables()  # every capability's tables on Base.metadata

config = context.config
engine = config.attributes["engine"]

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
