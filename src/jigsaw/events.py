"""In-process domain events, so capabilities react to each other without importing each other.

Intake publishes :class:`ReportStored` after it writes a report; linking and triage
subscribe through their manifests when a platform opens (see :mod:`jigsaw.bootstrap`);
each platform has its own :class:`EventBus`, reached from a session with
:func:`jigsaw.platform.publish`. Handlers run
synchronously inside the publisher's transaction: if one fails, the whole write rolls
back, so no report is ever stored without its links and its triage.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy.orm import Session


@dataclass(frozen=True)
class ReportStored:
    report_id: int


@dataclass(frozen=True)
class ReportsStored:
    """A batch of reports stored together (bulk import): handlers do per-batch work once."""

    report_ids: tuple[int, ...]


@dataclass(frozen=True)
class BankEntriesAdded:
    """New hashes joined a bank: media already stored may now match them."""

    entry_ids: tuple[int, ...]


@dataclass(frozen=True)
class MediaMatched:
    """One or more of a report's media items matched bank entries (``cause`` says what led to it)."""

    report_id: int
    cause: str = "media_matched"


@dataclass(frozen=True)
class SubjectInformationAdded:
    """An analyst recorded something about a subject (e.g. a triage item)."""

    subject_id: int


@dataclass(frozen=True)
class BandOverridden:
    """A person's override set a report's band (a raise at once, a lowering once approved)."""

    report_id: int
    band: str


@dataclass(frozen=True)
class ContactConvictionRecorded:
    """A force recorded a conviction for a contact offence against a suspect (subject): it becomes
    part of the subject's history, so triage's floor for prior contact offending applies."""

    subject_id: int
    outcome_id: int
    package_reference: str
    force: str


@dataclass(frozen=True)
class ContactConvictionWithdrawn:
    """A contact-offence conviction record was withdrawn (mis-keyed): what it added is taken back."""

    subject_id: int
    outcome_id: int


E = TypeVar("E")
Handler = Callable[[Session, Any], None]


class EventBus:
    """One platform's subscriptions. Handlers run in the order they were subscribed, which the
    composition root sets from the capabilities' declared ``after`` dependencies."""

    def __init__(self) -> None:
        self._handlers: dict[type, list[Handler]] = defaultdict(list)

    def subscribe(self, event_type: type[E], handler: Callable[[Session, E], None]) -> None:
        """Register ``handler`` once (re-registering the same function is a no-op)."""
        if handler not in self._handlers[event_type]:
            self._handlers[event_type].append(handler)

    def publish(self, session: Session, event: object) -> None:
        for handler in list(self._handlers[type(event)]):
            handler(session, event)

    def handlers(self, event_type: type) -> tuple[Handler, ...]:
        return tuple(self._handlers[event_type])


class HandlerSwitch:
    """A flag that changes how a handler reacts, for the current thread or asyncio task only.

    Held in a :class:`~contextvars.ContextVar` so that a test or a loader turning it on does not
    change what concurrent requests in the same process do.
    """

    def __init__(self, name: str) -> None:
        self._flag: ContextVar[bool] = ContextVar(name, default=False)

    @property
    def is_on(self) -> bool:
        return self._flag.get()

    @contextmanager
    def on(self) -> Iterator[None]:
        """Turn the switch on until the block ends (nesting restores the outer state)."""
        token = self._flag.set(True)
        try:
            yield
        finally:
            self._flag.reset(token)
