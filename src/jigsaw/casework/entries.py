"""What each kind of actions-log entry must say, checked before anything is stored.

Pure: the service stores what :func:`validate_entry` returns. Every problem is reported by
field name at once, so a form can show them all beside their fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from jigsaw.casework.lifecycle import AUTHORED_KINDS, ActionKind
from jigsaw.errors import InvalidInput

MAX_TEXT = 20_000
MAX_FIELD = 2_000
PRESERVATION_WARNING = timedelta(days=7)
"""A preservation request this close to its expiry (or past it) is flagged on the case and the queue."""


class EnquirySystem(StrEnum):
    POLICE_SYSTEMS = "police_systems"
    OPEN_SOURCE = "open_source"


class CommsStatus(StrEnum):
    """Where an IPA 2016 Part 3 communications-data request stands."""

    DRAFTED = "drafted"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    RETURNED = "returned"
    REFUSED = "refused"


# Moves of a comms-data request: approved ones gain a result; refused ones are finished.
COMMS_MOVES: dict[CommsStatus, frozenset[CommsStatus]] = {
    CommsStatus.DRAFTED: frozenset({CommsStatus.DRAFTED, CommsStatus.SUBMITTED}),
    CommsStatus.SUBMITTED: frozenset({CommsStatus.APPROVED, CommsStatus.RETURNED, CommsStatus.REFUSED}),
    CommsStatus.RETURNED: frozenset({CommsStatus.DRAFTED, CommsStatus.SUBMITTED}),
    CommsStatus.APPROVED: frozenset({CommsStatus.APPROVED}),
    CommsStatus.REFUSED: frozenset(),
}

KIND_LABELS = {
    ActionKind.NOTE: "Note", ActionKind.REPORTER_CONTACT: "Contact with the reporter",
    ActionKind.ENQUIRY: "Enquiry", ActionKind.PRESERVATION_REQUEST: "Data-preservation request",
    ActionKind.COMMS_DATA_REQUEST: "Communications-data request (IPA 2016 Part 3)",
    ActionKind.INFORMATION_REQUEST: "Request for more information", ActionKind.STATUS_CHANGE: "Status change",
    ActionKind.ASSIGNMENT: "Assignment", ActionKind.NEW_INFORMATION: "New information", ActionKind.MERGE: "Merge",
    ActionKind.SPLIT: "Split",
}

COMMS_FIELDS = ("reference", "purpose", "necessity", "proportionality", "identifier")


class EntryInvalid(InvalidInput, ValueError):
    """One or more fields of an entry are wrong; ``problems`` maps each field to what is wrong."""

    def __init__(self, problems: Mapping[str, str]) -> None:
        self.problems = dict(problems)
        super().__init__("; ".join(f"{name}: {problem}" for name, problem in self.problems.items()))


@dataclass(frozen=True)
class ValidEntry:
    kind: ActionKind
    text: str | None
    details: dict[str, Any] = field(default_factory=dict)
    expires_at: datetime | None = None
    status: str | None = None


def _text(values: Mapping[str, Any], name: str, problems: dict[str, str], *, required: bool,
          limit: int = MAX_FIELD) -> str:
    raw = values.get(name)
    value = "" if raw is None else str(raw).strip()
    if required and not value:
        problems[name] = "is required"
    elif len(value) > limit:
        problems[name] = f"is longer than {limit} characters"
    return value


def parse_utc(value: Any) -> datetime:
    """An ISO 8601 time as UTC; a time without a zone is read as UTC (the form says so)."""
    text = None if isinstance(value, datetime) else str(value).strip().replace("Z", "+00:00")
    parsed = value if text is None else datetime.fromisoformat(text)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def parse_day(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value).strip()[:10])


def validate_entry(kind: str, text: str | None, details: Mapping[str, Any]) -> ValidEntry:
    """Check an analyst's entry of ``kind``; raises :class:`EntryInvalid` listing every problem."""
    problems: dict[str, str] = {}
    try:
        action = ActionKind(kind)
    except ValueError:
        action = None
    if action not in AUTHORED_KINDS:
        raise EntryInvalid({"kind": f"must be one of {', '.join(k.value for k in AUTHORED_KINDS)}"})
    assert action is not None
    body = {**details, "text": text}
    out: dict[str, Any] = {}
    expires_at: datetime | None = None
    status: str | None = None
    needs_text = action in (ActionKind.NOTE, ActionKind.REPORTER_CONTACT, ActionKind.ENQUIRY,
                            ActionKind.INFORMATION_REQUEST)
    note = _text(body, "text", problems, required=needs_text, limit=MAX_TEXT)
    if action is ActionKind.REPORTER_CONTACT:
        out["method"] = _text(body, "method", problems, required=False)
    elif action is ActionKind.ENQUIRY:
        system = _text(body, "system", problems, required=True)
        if system and system not in set(EnquirySystem):
            problems["system"] = "must be police_systems or open_source"
        out["system"] = system
    elif action is ActionKind.INFORMATION_REQUEST:
        out["asked_of"] = _text(body, "asked_of", problems, required=False)
    elif action is ActionKind.PRESERVATION_REQUEST:
        out["platform"] = _text(body, "platform", problems, required=True)
        out["what"] = _text(body, "what", problems, required=True)
        out["reference"] = _text(body, "reference", problems, required=False)
        raw = body.get("expires_on")
        if raw in (None, ""):
            problems["expires_on"] = "is required (the date the platform stops preserving)"
        else:
            try:
                day = parse_day(raw)
                out["expires_on"] = day.isoformat()
                expires_at = datetime.combine(day, time(23, 59, 59), tzinfo=UTC)
            except ValueError:
                problems["expires_on"] = "must be a date (YYYY-MM-DD)"
        status = "active"
    elif action is ActionKind.COMMS_DATA_REQUEST:
        for name in COMMS_FIELDS:
            out[name] = _text(body, name, problems, required=True)
        raw = body.get("seen_at")
        if raw in (None, ""):
            problems["seen_at"] = "is required (the UTC time the identifier was seen)"
        else:
            try:
                out["seen_at"] = parse_utc(raw).isoformat()
            except ValueError:
                problems["seen_at"] = "must be a date and time (ISO 8601, UTC)"
        status_raw = _text(body, "status", problems, required=False) or CommsStatus.DRAFTED.value
        if status_raw not in set(CommsStatus):
            problems["status"] = f"must be one of {', '.join(s.value for s in CommsStatus)}"
        status = status_raw
        result = _text(body, "result", problems, required=False)
        if result and status_raw != CommsStatus.APPROVED:
            problems["result"] = "is recorded once the request is approved"
        if result:
            out["result"] = result
    if problems:
        raise EntryInvalid(problems)
    return ValidEntry(action, note or None, {k: v for k, v in out.items() if v != ""}, expires_at, status)


def validate_comms_update(current: str, status: str, result: str | None) -> tuple[CommsStatus, str | None]:
    """Check a move of a comms-data request (and its result: a subscriber address, once approved)."""
    problems: dict[str, str] = {}
    try:
        now = CommsStatus(current)
    except ValueError:
        now = CommsStatus.DRAFTED
    try:
        target = CommsStatus(status)
    except ValueError:
        raise EntryInvalid({"status": f"must be one of {', '.join(s.value for s in CommsStatus)}"}) from None
    if target not in COMMS_MOVES[now]:
        problems["status"] = f"a {now.value} request cannot become {target.value}"
    clean = (result or "").strip() or None
    if clean and target is not CommsStatus.APPROVED:
        problems["result"] = "is recorded once the request is approved"
    if clean and len(clean) > MAX_FIELD:
        problems["result"] = f"is longer than {MAX_FIELD} characters"
    if problems:
        raise EntryInvalid(problems)
    return target, clean


def preservation_state(expires_at: datetime | None, now: datetime) -> str | None:
    """``"lapsed"``, ``"expiring"`` (within a week) or ``None`` for a preservation request's expiry."""
    if expires_at is None:
        return None
    if expires_at < now:
        return "lapsed"
    if expires_at - now <= PRESERVATION_WARNING:
        return "expiring"
    return None
