"""The running platform: one object that owns what would otherwise be process-wide state.

A :class:`Platform` holds the settings, its own database engine, the field cipher and the
other secrets (read once), its event bus, the composed capabilities and their per-platform
services (the matcher and its indexes, configuration caches). Two platforms opened in one
process share none of these.

Code that only has a database session finds its platform with :func:`platform_for`: each
platform creates its own engine, and the engine is the key. :func:`publish` sends a domain
event to the bus of the session's platform.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from sqlalchemy import Engine
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from jigsaw.capability import Capability
from jigsaw.config import Settings
from jigsaw.db.engine import session_scope
from jigsaw.events import EventBus
from jigsaw.security.fieldcrypt import FieldCipher

T = TypeVar("T")

_by_engine: weakref.WeakKeyDictionary[Engine, Platform] = weakref.WeakKeyDictionary()


@dataclass(eq=False)
class Platform:
    """An opened platform. Build it with :func:`jigsaw.bootstrap.open_platform`."""

    settings: Settings
    engine: Engine
    cipher: FieldCipher
    session_key: bytes = field(repr=False)
    audit_key: bytes | None = field(default=None, repr=False)  # the audit chain's HMAC key, if keyed
    capabilities: tuple[Capability, ...] = ()
    events: EventBus = field(default_factory=EventBus)
    _services: dict[type, Any] = field(default_factory=dict, repr=False)

    def register(self, kind: type[T], service: T) -> None:
        """Make ``service`` the platform's one ``kind`` (e.g. its matcher)."""
        self._services[kind] = service

    def find(self, kind: type[T]) -> T:
        """The platform's ``kind`` service; a missing one is a composition error, said plainly."""
        try:
            return cast(T, self._services[kind])
        except KeyError:
            raise LookupError(f"no {kind.__name__} is registered on this platform") from None

    def landing_page(self, role: str) -> str:
        """Where a user with ``role`` lands after signing in."""
        for cap in self.capabilities:
            if role in cap.landing:
                return cap.landing[role]
        return "/"

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on any error."""
        with session_scope(self.engine) as session:
            yield session

    def close(self) -> None:
        """Release the database connections (the platform is unusable afterwards)."""
        self.engine.dispose()


def own_engine(platform: Platform) -> None:
    """Record ``platform`` as the owner of its engine (done once, when it opens)."""
    if platform.engine in _by_engine:
        raise ValueError("this engine already belongs to an opened platform")
    _by_engine[platform.engine] = platform


def platform_for(bind: Session | Connection | Engine) -> Platform:
    """The platform that owns ``bind``'s engine."""
    if isinstance(bind, Session):
        bind = bind.get_bind()
    engine = bind.engine if isinstance(bind, Connection) else bind
    try:
        return _by_engine[engine]
    except KeyError:
        raise LookupError("this database session does not belong to an opened platform") from None


def publish(session: Session, event: object) -> None:
    """Publish ``event`` to the bus of the platform that owns ``session``."""
    platform_for(session).events.publish(session, event)
