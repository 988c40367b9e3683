"""Checking one outcome a force submits (pure: no web, database or OS).

A force keys outcomes by hand or sends them from its own systems, so everything is checked
here, every failing field named at once (one 422, not a round trip per mistake), and the record
is normalised before it is stored: the same submission sent twice, however its dates or
booleans were written, has the same digest, which is what makes a resubmission harmless.

What each kind carries (fields that do not apply to a kind are refused, so a mis-keyed form is
caught rather than half stored):

* warrant: ``warrant_stage``, moving the (package, suspect) warrant along its lifecycle
  (planned/applied → granted | refused → executed | no trace), each stage dated no earlier than
  the one before;
* arrest, voluntary interview: the suspect, and the registered-sex-offender and
  position-of-trust flags where known;
* charge: ``offence`` and ``charge_count``; the crime's Home Office outcome (1, or 0 not yet);
* conviction: ``offence``, ``contact_offence`` (a contact conviction raises later triage),
  ``sentence`` once passed;
* devices: ``devices_seized`` and ``devices_examined`` (no more examined than seized);
* child safeguarded: ``category``, ``count`` children, the age band and the victim subject or
  image series where known: counts, not names;
* offender located: ``high_risk``;
* no further action, or the Home Office outcome on its own: the outcome type 0-22 (0 "not yet
  assigned" is shown, never counted).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from jigsaw.errors import FieldErrors, InvalidInput
from jigsaw.outcomes.kinds import (
    CHILD_AGE_BANDS,
    HOME_OFFICE_OUTCOMES,
    NOT_YET_ASSIGNED,
    ChildCategory,
    OutcomeKind,
    WarrantStage,
    next_warrant_stage,
)

MAX_REFERENCE = 64
MAX_TEXT = 2_000
MAX_COUNT = 10_000  # more than this in one record is a typing mistake
CLOCK_SKEW = timedelta(minutes=10)  # a force's clock a little ahead of ours is not "the future"
CHARGED = 1

SUSPECT_KINDS = frozenset({OutcomeKind.WARRANT, OutcomeKind.ARREST, OutcomeKind.VOLUNTARY_INTERVIEW,
                           OutcomeKind.CHARGE, OutcomeKind.CONVICTION, OutcomeKind.OFFENDER_LOCATED})
"""Kinds that are about one suspect: the subject is required (or implied when the package has one)."""

# The optional fields each kind may carry beyond reference, kind, occurred_at, subject_id, count, note.
_FIELDS: dict[OutcomeKind, frozenset[str]] = {
    OutcomeKind.WARRANT: frozenset({"warrant_stage"}),
    OutcomeKind.ARREST: frozenset({"registered_sex_offender", "position_of_trust"}),
    OutcomeKind.VOLUNTARY_INTERVIEW: frozenset({"registered_sex_offender", "position_of_trust"}),
    OutcomeKind.CHARGE: frozenset({"offence", "charge_count", "home_office_outcome"}),
    OutcomeKind.CONVICTION: frozenset({"offence", "sentence", "contact_offence"}),
    OutcomeKind.DEVICES: frozenset({"devices_seized", "devices_examined"}),
    OutcomeKind.CHILD_SAFEGUARDED: frozenset({"category", "age_band", "victim_subject_id", "series_id"}),
    OutcomeKind.OFFENDER_LOCATED: frozenset({"high_risk", "registered_sex_offender", "position_of_trust"}),
    OutcomeKind.NO_FURTHER_ACTION: frozenset({"home_office_outcome"}),
    OutcomeKind.HOME_OFFICE_OUTCOME: frozenset({"home_office_outcome"}),
}
_COMMON = frozenset({"reference", "kind", "occurred_at", "subject_id", "count", "note"})
ALL_FIELDS = _COMMON | frozenset().union(*_FIELDS.values())

_REQUIRED: dict[OutcomeKind, tuple[str, ...]] = {
    OutcomeKind.WARRANT: ("warrant_stage",),
    OutcomeKind.CHARGE: ("offence", "charge_count"),
    OutcomeKind.CONVICTION: ("offence", "contact_offence"),
    OutcomeKind.DEVICES: ("devices_seized",),
    OutcomeKind.CHILD_SAFEGUARDED: ("category",),
    OutcomeKind.HOME_OFFICE_OUTCOME: ("home_office_outcome",),
}

_KIND_WORDS = {OutcomeKind.ARREST: "an arrest", OutcomeKind.VOLUNTARY_INTERVIEW: "a voluntary interview",
               OutcomeKind.OFFENDER_LOCATED: "an offender located", OutcomeKind.HOME_OFFICE_OUTCOME:
               "a Home Office outcome", OutcomeKind.NO_FURTHER_ACTION: "no further action"}


class OutcomeInputError(FieldErrors):
    """An outcome that cannot be accepted as given; ``fields`` says why, by field (never echoing the value)."""


@dataclass(frozen=True)
class WarrantState:
    """Where one suspect's warrant on a package stands: its latest stage and when that happened."""

    stage: WarrantStage
    occurred_at: datetime
    outcome_id: int


@dataclass(frozen=True)
class PackageFacts:
    """What the checks need to know about the package, read by the service beforehand."""

    suspect_ids: tuple[int, ...]
    victim_ids: frozenset[int] = frozenset()  # victim subjects of the package's reports
    series_ids: frozenset[int] = frozenset()  # image series of the package's reports' media
    warrants: Mapping[int, WarrantState] = field(default_factory=dict)  # by suspect
    now: datetime = field(default_factory=lambda: datetime.now(UTC))


@dataclass(frozen=True)
class CheckedOutcome:
    """An outcome as it will be stored: every field normalised, those that do not apply None."""

    reference: str
    kind: OutcomeKind
    occurred_at: datetime
    subject_id: int | None
    count: int
    warrant_stage: WarrantStage | None = None
    category: ChildCategory | None = None
    age_band: str | None = None
    victim_subject_id: int | None = None
    series_id: int | None = None
    home_office_outcome: int | None = None
    charge_count: int | None = None
    contact_offence: bool | None = None
    devices_seized: int | None = None
    devices_examined: int | None = None
    registered_sex_offender: bool | None = None
    position_of_trust: bool | None = None
    high_risk: bool | None = None
    offence: str | None = None
    sentence: str | None = None
    note: str | None = None

    @property
    def details(self) -> dict[str, str]:
        """The free text, stored encrypted."""
        return {k: v for k, v in (("offence", self.offence), ("sentence", self.sentence), ("note", self.note)) if v}

    @property
    def columns(self) -> dict[str, Any]:
        """The clear columns of the stored row."""
        values = asdict(self)
        for text in ("offence", "sentence", "note"):
            values.pop(text)
        for enum_field in ("kind", "warrant_stage", "category"):
            values[enum_field] = values[enum_field].value if values[enum_field] is not None else None
        return values

    @property
    def digest(self) -> str:
        """SHA-256 of everything but the reference: the same reference with the same digest is a resubmission."""
        values = {k: v for k, v in self.columns.items() if k != "reference"}
        values["occurred_at"] = self.occurred_at.astimezone(UTC).isoformat()
        values.update(self.details)
        canonical = json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
        return hashlib.sha256(canonical.encode()).hexdigest()


# --- parsing values as a form (strings) or JSON (typed) sends them ---------------------------------


class _Bad(InvalidInput, ValueError):
    """One value that cannot be read; :func:`check` gathers these into one :class:`OutcomeInputError`."""


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _int(value: Any, *, low: int, high: int, what: str = "a whole number") -> int:
    if isinstance(value, bool):
        raise _Bad(f"must be {what}")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.strip().lstrip("-").isdigit() and len(value.strip()) <= 12:
        number = int(value.strip())
    else:
        raise _Bad(f"must be {what}")
    if not low <= number <= high:
        raise _Bad(f"must be from {low} to {high}")
    return number


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in {"true", "yes", "on", "1"}:
        return True
    if isinstance(value, str) and value.strip().lower() in {"false", "no", "off", "0"}:
        return False
    raise _Bad("must be true or false")


def _datetime(value: Any) -> datetime:
    """A moment in UTC: a datetime, an ISO 8601 string (a time without a zone is UTC), or a date (midday UTC,
    so a date alone never falls on the day before in any UK time)."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time(12, 0))
    elif isinstance(value, str) and 8 <= len(value.strip()) <= 40:
        text = value.strip().replace("Z", "+00:00")
        try:
            moment = datetime.fromisoformat(text) if ("T" in text or " " in text) else \
                datetime.combine(date.fromisoformat(text), time(12, 0))
        except ValueError:
            raise _Bad("must be a date and time, YYYY-MM-DDTHH:MM (UTC unless a zone is given)") from None
    else:
        raise _Bad("must be a date and time, YYYY-MM-DDTHH:MM (UTC unless a zone is given)")
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def _text(value: Any, limit: int = MAX_TEXT) -> str:
    if not isinstance(value, str):
        raise _Bad("must be text")
    cleaned = " ".join("".join(ch if ch.isprintable() else " " for ch in value).split())
    if len(cleaned) > limit:
        raise _Bad(f"is longer than {limit} characters")
    return cleaned


def _reference(value: Any) -> str:
    text = _text(value, MAX_REFERENCE) if not _blank(value) else ""
    if not text:
        raise _Bad("is required: your own reference for this record, so sending it again changes nothing")
    return text


# --- the check ---------------------------------------------------------------------------------------


def check(raw: Mapping[str, Any], facts: PackageFacts, *, lifecycle: bool = True) -> CheckedOutcome:
    """The outcome ``raw`` describes, checked against the package; :class:`OutcomeInputError` naming
    every failing field otherwise. ``lifecycle=False`` leaves out the warrant's move from where it
    stands now (a resubmission is compared with what was stored, whatever followed it)."""
    problems: dict[str, str] = {}
    given = {k: v for k, v in raw.items() if not _blank(v)}

    def take(name: str, parse: Any) -> Any:
        if name not in given:
            return None
        try:
            return parse(given[name])
        except _Bad as exc:
            problems[name] = str(exc)
            return None

    for unknown in sorted(set(given) - ALL_FIELDS):
        problems[unknown] = "is not a field of an outcome"
    reference = None
    try:
        reference = _reference(raw.get("reference"))
    except _Bad as exc:
        problems["reference"] = str(exc)
    kind: OutcomeKind | None = None
    try:
        kind = OutcomeKind(str(raw.get("kind") or "").strip())
    except ValueError:
        problems["kind"] = "must be one of " + ", ".join(k.value for k in OutcomeKind)
    occurred_at = take("occurred_at", _datetime)
    if "occurred_at" not in given:
        problems["occurred_at"] = "is required: when it happened"
    elif occurred_at is not None and occurred_at > facts.now + CLOCK_SKEW:
        problems["occurred_at"] = "is in the future"
    count = take("count", lambda v: _int(v, low=1, high=MAX_COUNT))
    note = take("note", _text)
    subject_id = take("subject_id", lambda v: _int(v, low=1, high=2**62, what="a subject id"))
    if kind is None:
        raise OutcomeInputError(problems)

    allowed = _COMMON | _FIELDS[kind]
    for name in sorted((set(given) & ALL_FIELDS) - allowed):
        problems[name] = f"does not apply to {_KIND_WORDS.get(kind, 'a ' + kind.value.replace('_', ' '))}"
    for name in _REQUIRED.get(kind, ()):
        if name not in given:
            problems[name] = f"is required for {_KIND_WORDS.get(kind, 'a ' + kind.value.replace('_', ' '))}"

    if subject_id is not None and subject_id not in facts.suspect_ids:
        problems["subject_id"] = "is not a suspect in this package"
        subject_id = None
    elif subject_id is None and "subject_id" not in given and kind in SUSPECT_KINDS:
        if len(facts.suspect_ids) == 1:
            subject_id = facts.suspect_ids[0]  # the package's only suspect
        else:
            problems["subject_id"] = "is required: say which of the package's suspects this is about"

    out: dict[str, Any] = {}
    if "warrant_stage" in allowed and "warrant_stage" in given and not lifecycle:
        try:
            out["warrant_stage"] = WarrantStage(str(given["warrant_stage"]).strip())
        except ValueError:
            problems["warrant_stage"] = "must be one of " + ", ".join(w.value for w in WarrantStage)
    elif "warrant_stage" in allowed and "warrant_stage" in given:
        current = facts.warrants.get(subject_id) if subject_id is not None else None
        try:
            out["warrant_stage"] = next_warrant_stage(current.stage if current else None,
                                                      str(given["warrant_stage"]).strip())
        except InvalidInput as exc:
            problems["warrant_stage"] = str(exc).removeprefix("warrant_stage: ")
        else:
            if current is not None and occurred_at is not None and occurred_at < current.occurred_at:
                problems["occurred_at"] = (f"is before the warrant was {current.stage.value.replace('_', ' ')} "
                                           f"({current.occurred_at:%Y-%m-%d %H:%M} UTC)")
        if count not in (None, 1):
            problems["count"] = "a warrant stage is recorded for one suspect at a time"
    if "category" in allowed and "category" in given:
        try:
            out["category"] = ChildCategory(str(given["category"]).strip())
        except ValueError:
            problems["category"] = "must be one of " + ", ".join(c.value for c in ChildCategory)
    if "age_band" in allowed and "age_band" in given:
        band = str(given["age_band"]).strip()
        if band in CHILD_AGE_BANDS:
            out["age_band"] = band
        else:
            problems["age_band"] = "must be one of " + ", ".join(CHILD_AGE_BANDS)
    for name, known, what in (("victim_subject_id", facts.victim_ids, "a victim subject in this package's reports"),
                              ("series_id", facts.series_ids, "an image series of this package's reports")):
        if name in allowed and name in given:
            value = take(name, lambda v: _int(v, low=1, high=2**62, what="an id"))
            if value is not None and value not in known:
                problems[name] = f"is not {what}"
            else:
                out[name] = value
    if "home_office_outcome" in allowed and "home_office_outcome" in given:
        outcome_type = take("home_office_outcome", lambda v: _int(v, low=0, high=max(HOME_OFFICE_OUTCOMES)))
        if outcome_type is not None:
            if kind is OutcomeKind.CHARGE and outcome_type not in (NOT_YET_ASSIGNED, CHARGED):
                problems["home_office_outcome"] = ("a charge is outcome type 1 (charged or summonsed), "
                                                   "or 0 until assigned")
            elif kind is OutcomeKind.NO_FURTHER_ACTION and outcome_type == CHARGED:
                problems["home_office_outcome"] = "no further action cannot be outcome type 1 (charged or summonsed)"
            else:
                out["home_office_outcome"] = outcome_type
    for name in ("charge_count", "devices_seized", "devices_examined"):
        if name in allowed and name in given:
            low = 0 if name.startswith("devices") else 1
            out[name] = take(name, lambda v, low=low: _int(v, low=low, high=MAX_COUNT))
    if out.get("devices_examined") is not None and out.get("devices_seized") is not None \
            and out["devices_examined"] > out["devices_seized"]:
        problems["devices_examined"] = "cannot be more than the devices seized"
    for name in ("contact_offence", "registered_sex_offender", "position_of_trust", "high_risk"):
        if name in allowed and name in given:
            out[name] = take(name, _bool)
    for name in ("offence", "sentence"):
        if name in allowed and name in given:
            out[name] = take(name, _text)
    if problems:
        raise OutcomeInputError(problems)
    assert reference is not None and occurred_at is not None
    return CheckedOutcome(reference=reference, kind=kind, occurred_at=occurred_at, subject_id=subject_id,
                          count=count or 1, note=note or None, **out)


def reference_of(raw: Mapping[str, Any]) -> str | None:
    """The force's reference as it is stored (spaces collapsed), or None if it cannot be one."""
    try:
        return _reference(raw.get("reference"))
    except _Bad:
        return None


def required_text(value: Any, name: str, missing: str) -> str:
    """Free text that must be given (a reason, evidence), cleaned; :class:`OutcomeInputError` otherwise."""
    try:
        text = _text(value if value is not None else "", MAX_TEXT)
    except _Bad as exc:
        raise OutcomeInputError({name: str(exc)}) from None
    if not text:
        raise OutcomeInputError({name: missing})
    return text


def moment(value: Any, now: datetime, name: str = "occurred_at") -> datetime:
    """When something happened, in UTC and not in the future; :class:`OutcomeInputError` otherwise."""
    if _blank(value):
        raise OutcomeInputError({name: "is required: when it happened"})
    try:
        parsed = _datetime(value)
    except _Bad as exc:
        raise OutcomeInputError({name: str(exc)}) from None
    if parsed > now + CLOCK_SKEW:
        raise OutcomeInputError({name: "is in the future"})
    return parsed


def withdrawal_reason(reason: str | None) -> str:
    """The reason a record is withdrawn (mis-keyed, duplicated): required, so the record says why."""
    return required_text(reason, "reason", "say why the record is withdrawn (for example, keyed on the wrong package)")


def check_withdrawal(kind: str, stage: str | None, subject_id: int | None, outcome_id: int,
                     warrants: Mapping[int, WarrantState]) -> None:
    """A warrant stage is withdrawn from the latest back, so the lifecycle left behind stays valid."""
    if kind != OutcomeKind.WARRANT or subject_id is None or stage is None:
        return
    latest = warrants.get(subject_id)
    if latest is not None and latest.outcome_id != outcome_id:
        raise OutcomeInputError({"outcome": f"withdraw the later warrant stage first ({latest.stage.value}, "
                                            f"record {latest.outcome_id})"})


def warrant_states(rows: list[tuple[int, int | None, str | None, datetime]]) -> dict[int, WarrantState]:
    """Each suspect's latest warrant stage from (outcome id, subject, stage, occurred_at) rows in recording order."""
    states: dict[int, WarrantState] = {}
    for outcome_id, subject_id, stage, at in rows:
        if subject_id is not None and stage:
            states[subject_id] = WarrantState(WarrantStage(stage), at, outcome_id)
    return states


def median_hours(durations: list[timedelta]) -> float | None:
    """The median of ``durations`` in hours (None for none)."""
    if not durations:
        return None
    ordered = sorted(d.total_seconds() / 3600 for d in durations)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def describe_hours(hours: float | None) -> str:
    """A duration as the monitor shows it: hours under two days, days beyond."""
    if hours is None:
        return "—"
    return f"{hours:.1f} hours" if hours < 48 else f"{hours / 24:.1f} days"
