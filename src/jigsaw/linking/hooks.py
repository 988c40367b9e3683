"""Linking's reactions: each new report joins networks and series as it is stored, and media that
later match a bank entry naming a series join that series."""

from __future__ import annotations

from contextlib import AbstractContextManager

from sqlalchemy.orm import Session

from jigsaw.audit.service import Actor
from jigsaw.events import HandlerSwitch, MediaMatched, ReportsStored, ReportStored
from jigsaw.linking.actions import link_report, link_reports
from jigsaw.linking.report_links import adopt_bank_series
from jigsaw.linking.store import matching_bank_lookup

LINKER = Actor("system:linking")
_paused = HandlerSwitch("jigsaw_linking_paused")
_one_by_one = HandlerSwitch("jigsaw_linking_one_by_one")


def one_report_at_a_time() -> AbstractContextManager[None]:
    """Link a batch's reports one after the other (:func:`link_report`), as before set-based
    batches: the reference the batch path is compared with (tests, benchmarks)."""
    return _one_by_one.on()


def paused() -> AbstractContextManager[None]:
    """Store reports without linking them as they arrive, in this thread or task only.

    For callers that link by hand (with their own config or bank lookup: tests, benchmarks) or
    that load many reports and then run one ``networks rebuild``. Reports stored meanwhile are
    unlinked until one of those happens.
    """
    return _paused.on()


def on_report_stored(session: Session, event: ReportStored) -> None:
    if _paused.is_on:
        return
    link_report(session, event.report_id, LINKER, banks=matching_bank_lookup(session))


def on_reports_stored(session: Session, event: ReportsStored) -> None:
    """A batch, linked set-based (:func:`link_reports`) with one bank lookup."""
    if _paused.is_on or not event.report_ids:
        return
    banks = matching_bank_lookup(session)
    if _one_by_one.is_on:
        for report_id in event.report_ids:
            link_report(session, report_id, LINKER, banks=banks)
        return
    link_reports(session, event.report_ids, LINKER, banks=banks)


def on_media_matched(session: Session, event: MediaMatched) -> None:
    """A stored report's media gained bank hits (a bank grew): series named by them join."""
    if _paused.is_on:
        return
    adopt_bank_series(session, event.report_id)
