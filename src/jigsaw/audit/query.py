"""Finding audit entries: by action, actor, record, reference and London date range.

The page, the CSV export and the API all filter through :func:`select_events`, so an
export holds exactly the entries the auditor saw listed.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, false, or_, select
from sqlalchemy.orm import Session

from jigsaw.audit.chain import AuditAction
from jigsaw.audit.models import AuditEvent
from jigsaw.audit.names import Found, Names, find_reference
from jigsaw.errors import InvalidInput

LONDON = ZoneInfo("Europe/London")
READS = (AuditAction.CONSULTATION.value, AuditAction.DISCLOSURE.value)


@dataclass(frozen=True)
class AuditFilter:
    """What an auditor asked for; empty strings mean "any". Dates are Europe/London days."""

    action: str = ""
    actor: str = ""
    entity_type: str = ""
    entity_id: str = ""
    reference: str = ""
    date_from: str = ""
    date_to: str = ""

    def cleaned(self) -> AuditFilter:
        return AuditFilter(*(v.strip()[:200] for v in asdict(self).values()))

    def as_dict(self) -> dict[str, str]:
        return asdict(self)

    def query_string(self) -> dict[str, str]:
        """The filters as URL parameters (the page's form names)."""
        d = self.as_dict()
        return {"action": d["action"], "actor": d["actor"], "entity_type": d["entity_type"],
                "entity_id": d["entity_id"], "reference": d["reference"], "from": d["date_from"],
                "to": d["date_to"]}


def london_day_start(value: str, field: str) -> datetime:
    """The UTC instant a Europe/London calendar day (``YYYY-MM-DD``) begins."""
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{field}: expected a date as YYYY-MM-DD") from None
    return datetime.combine(day, time(), LONDON).astimezone(UTC)


@dataclass(frozen=True)
class Selection:
    query: Select[AuditEvent]
    found: Found | None  # what ``reference`` named, if it named something
    unresolved: bool = False  # a reference was given and names nothing: nothing matches


def select_events(session: Session, wanted: AuditFilter) -> Selection:
    f = wanted.cleaned()
    query = select(AuditEvent)
    if f.action:
        query = query.where(AuditEvent.action == f.action)
    if f.actor:
        query = query.where(AuditEvent.actor == f.actor)
    if f.entity_type:
        query = query.where(AuditEvent.entity_type == f.entity_type)
    if f.entity_id:
        query = query.where(AuditEvent.entity_id == f.entity_id)
    if f.date_from:
        query = query.where(AuditEvent.occurred_at >= london_day_start(f.date_from, "from"))
    if f.date_to:
        end = london_day_start(f.date_to, "to")
        # The day after, at London midnight (a DST change makes the day 23 or 25 hours).
        next_day = datetime.combine(end.astimezone(LONDON).date() + timedelta(days=1), time(), LONDON)
        query = query.where(AuditEvent.occurred_at < next_day.astimezone(UTC))
    found: Found | None = None
    if f.reference:
        found = find_reference(session, f.reference)
        if found is None:
            return Selection(query.where(false()), None, unresolved=True)
        about = and_(AuditEvent.entity_type == found.entity_type, AuditEvent.entity_id == found.entity_id)
        # A person's entries: what they did, and what was done to their account.
        query = query.where(or_(about, AuditEvent.actor == f"user:{found.entity_id}") if found.is_person else about)
    return Selection(query, found)


def who_opened(session: Session, found: Found, limit: int = 1000) -> Sequence[AuditEvent]:
    """Every read and disclosure of a record, oldest first: who, when, why and to whom."""
    return session.scalars(
        select(AuditEvent).where(AuditEvent.entity_type == found.entity_type, AuditEvent.entity_id == found.entity_id,
                                 AuditEvent.action.in_(READS)).order_by(AuditEvent.seq).limit(limit)).all()


def entry_json(event: AuditEvent, names: Names) -> dict[str, Any]:
    return {"seq": event.seq, "occurred_at": event.occurred_at.astimezone(UTC).isoformat(),
            "actor": event.actor, "actor_name": names.actor(event), "organisation_id": event.organisation_id,
            "action": event.action, "entity_type": event.entity_type, "entity_id": event.entity_id,
            "record": names.record(event), "purpose": event.purpose, "recipient": event.recipient,
            "detail": event.detail or {}, "entry_hash": event.entry_hash}


CSV_COLUMNS = ("seq", "occurred_at", "occurred_at_london", "actor", "actor_name", "organisation_id", "action",
               "entity_type", "entity_id", "record", "purpose", "recipient", "detail", "entry_hash")


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    # A spreadsheet runs a cell starting with = + - @ as a formula: keep it text.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def to_csv(events: Sequence[AuditEvent], names: Names) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for event in events:
        row = entry_json(event, names)
        london = event.occurred_at.astimezone(LONDON)
        row["occurred_at_london"] = f"{london:%Y-%m-%d %H:%M:%S} {london.tzname()}"
        row["detail"] = json.dumps(row["detail"], sort_keys=True, default=str)
        writer.writerow([_cell(row[c]) for c in CSV_COLUMNS])
    return out.getvalue()
