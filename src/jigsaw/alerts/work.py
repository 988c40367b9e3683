"""The alerts' periodic work: escalate what nobody acknowledged, then deliver the outbox.

``jigsaw serve`` runs :func:`run_due_work` every :data:`INTERVAL_SECONDS` on a background thread
(:class:`DueWorkThread`); ``jigsaw alerts check`` runs it once, for cron. Both are safe to run
together: escalation claims each alert with a conditional update, and the outbox claims each
mail (see :mod:`jigsaw.mail.sender`).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime

from jigsaw.alerts.service import escalate_due
from jigsaw.mail import interfaces as mail
from jigsaw.platform import Platform

INTERVAL_SECONDS = 30.0
log = logging.getLogger("jigsaw.alerts")


@dataclass(frozen=True)
class WorkDone:
    escalated: int
    delivery: mail.DeliveryResult
    others: dict[str, dict[str, int]] = field(default_factory=dict)  # each capability's due work


def run_due_work(platform: Platform, *, now: datetime | None = None) -> WorkDone:
    """Escalate the overdue alerts and run every capability's ``due_work`` (each committed first, so
    its mail is queued), then send due mail."""
    now = now or datetime.now(UTC)
    with platform.session() as session:
        escalated = len(escalate_due(session, platform.settings, now=now))
    others: dict[str, dict[str, int]] = {}
    for cap in platform.capabilities:
        if cap.due_work is not None:
            try:
                others[cap.name] = dict(cap.due_work(platform, now))
            except Exception:  # one capability's failure must not stop the duty alerts' mail
                log.exception("due work of %s failed; trying again next round", cap.name)
    delivery = mail.deliver_pending(platform.engine, platform.settings, now=now)
    return WorkDone(escalated, delivery, others)


class DueWorkThread(threading.Thread):
    """Runs :func:`run_due_work` every ``interval`` seconds until :meth:`stop` (a daemon thread, so
    it never keeps the process alive; a failure is logged and the next round tries again)."""

    def __init__(self, platform: Platform, interval: float = INTERVAL_SECONDS) -> None:
        super().__init__(name="jigsaw-due-work", daemon=True)
        self.platform = platform
        self.interval = interval
        self._stopping = threading.Event()

    def run(self) -> None:
        while not self._stopping.is_set():
            try:
                done = run_due_work(self.platform)
                if done.escalated or done.delivery.sent or done.delivery.retrying or done.delivery.failed:
                    log.info("due work: %d alert(s) escalated; mail sent %d, retrying %d, failed %d", done.escalated,
                             done.delivery.sent, done.delivery.retrying, done.delivery.failed)
            except Exception:
                log.exception("due work failed; trying again in %s s", self.interval)
            self._stopping.wait(self.interval)

    def stop(self, timeout: float | None = 10.0) -> None:
        """Ask the thread to finish after its current round and wait for it (up to ``timeout``)."""
        self._stopping.set()
        if self.is_alive():
            self.join(timeout)
