"""The composition root: the one list of capabilities, and opening a platform from it.

``CAPABILITIES`` is the only place that names them. Each entry is a package under
``jigsaw/`` with a ``manifest.py`` declaring a :class:`~jigsaw.capability.Capability`; the
web app, the CLI, the templates, the staff navigation, the tables seen by the migrations and
the event handlers are all built from that list, in its order.
"""

from __future__ import annotations

import importlib
from functools import cache

from jigsaw.capability import Capability, handler_order
from jigsaw.config import Settings, get_settings
from jigsaw.db.engine import make_engine
from jigsaw.db.migrate import ensure_at_head, upgrade
from jigsaw.platform import Platform, own_engine
from jigsaw.security.fieldcrypt import FieldCipher, bind_cipher

CAPABILITIES: tuple[str, ...] = (
    "accounts",
    "audit",
    "intake",
    "imports",
    "media",
    "matching",
    "linking",
    "triage",
    "casework",
    "search",
    "mail",
    "alerts",
    "routing",
    "dissemination",
    "outcomes",
    "operations",
    "appeals",
    "education",
    "statistics",
    "publications",
)


@cache
def capabilities() -> tuple[Capability, ...]:
    """Every composed capability's manifest, in the list's order."""
    found = []
    for name in CAPABILITIES:
        manifest = importlib.import_module(f"jigsaw.{name}.manifest")
        cap: Capability = manifest.CAPABILITY
        if cap.name != name:
            raise ValueError(f"jigsaw.{name}.manifest declares itself as {cap.name!r}")
        found.append(cap)
    return tuple(found)


def import_tables() -> None:
    """Import every capability's table modules, so ``Base.metadata`` (and Alembic) sees them all."""
    for cap in capabilities():
        for module in cap.tables:
            importlib.import_module(module)


def open_platform(settings: Settings | None = None, *, migrate: bool = True) -> Platform:
    """Create the data folder, load or create the keys, bring the schema up to date, and compose
    the capabilities on a new platform.

    With ``migrate=False`` (read-only commands) the schema is left alone and must already be
    at head: :class:`jigsaw.db.migrate.SchemaNotCurrentError` says to run ``jigsaw db upgrade``.
    """
    settings = settings or get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    settings.data_dir.chmod(0o700)  # keys, the database and snapshots: the service account's alone
    cipher = FieldCipher(settings.field_key())
    engine = make_engine(settings.database_url, lock_timeout=settings.pg_lock_timeout,
                         idle_in_transaction_timeout=settings.pg_idle_in_transaction_timeout)
    bind_cipher(engine, cipher)
    if migrate:
        upgrade(engine)
    else:
        ensure_at_head(engine)
    composed = capabilities()
    platform = Platform(settings=settings, engine=engine, cipher=cipher, session_key=settings.session_key(),
                        audit_key=settings.audit_key(), capabilities=composed)
    own_engine(platform)
    for cap in handler_order(composed):
        for sub in cap.subscriptions:
            platform.events.subscribe(sub.event, sub.handler)
    for cap in composed:
        if cap.open is not None:
            cap.open(platform)
    return platform
