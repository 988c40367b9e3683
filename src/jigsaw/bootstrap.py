"""Opening the platform: one place that turns settings into a ready database and keys."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from jigsaw.config import Settings, get_settings
from jigsaw.db.engine import get_engine
from jigsaw.db.migrate import ensure_at_head, upgrade
from jigsaw.security.fieldcrypt import FieldCipher, install_cipher


@dataclass(frozen=True)
class Platform:
    settings: Settings
    engine: Engine
    cipher: FieldCipher


def open_platform(settings: Settings | None = None, *, migrate: bool = True) -> Platform:
    """Create the data folder, load or create the keys, and bring the schema up to date.

    With ``migrate=False`` (read-only commands) the schema is left alone and must already be
    at head: :class:`jigsaw.db.migrate.SchemaNotCurrentError` says to run ``jigsaw db upgrade``.
    """
    settings = settings or get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    cipher = FieldCipher(settings.field_key())
    install_cipher(cipher)
    engine = get_engine(settings.database_url)
    if migrate:
        upgrade(engine)
    else:
        ensure_at_head(engine)
    from jigsaw.matching.service import keep_snapshots

    keep_snapshots(engine, settings.data_dir / "index")
    install_reactions()
    return Platform(settings, engine, cipher)


def install_reactions() -> None:
    """Wire capabilities to each other's events. Order matters: linking first, since triage
    reads network membership and bank matches when it scores."""
    from jigsaw.linking import hooks as linking_hooks
    from jigsaw.triage import service as triage_service

    linking_hooks.install()
    triage_service.install()
