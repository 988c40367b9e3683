"""The programme's own rules for its records (pure: no web, database or OS).

Modelled on ThinkUKnow: trained deliverers (network members and ambassadors) whose status the
centre may suspend or end; sessions for groups and classrooms, never assemblies (the programme
says its materials are "not suitable … in assemblies"); audiences counted by age band, with
parents and professionals apart; surveys that carry their instrument, fieldwork dates, sample
and caveats beside every result. Children reached (a child at two sessions counts twice) and
settings reached (distinct schools and groups) are reported separately, never added together.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from jigsaw.errors import FieldErrors


class DelivererStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    ENDED = "ended"


class DelivererRole(StrEnum):
    NETWORK_MEMBER = "network_member"
    AMBASSADOR = "ambassador"


class SettingType(StrEnum):
    PRIMARY_SCHOOL = "primary_school"
    SECONDARY_SCHOOL = "secondary_school"
    SPECIAL_SCHOOL = "special_school"
    COLLEGE = "college"
    YOUTH_GROUP = "youth_group"
    COMMUNITY = "community"
    OTHER = "other"


class SessionFormat(StrEnum):
    CLASSROOM = "classroom"
    SMALL_GROUP = "small_group"
    PARENTS = "parents_session"
    PROFESSIONALS = "professionals_training"
    ASSEMBLY = "assembly"  # recorded only to be refused


AGE_BANDS = ("4-7", "8-10", "11-13", "14-18")
"""The programme's age bands (its resources are written for these ages)."""

ASSEMBLY_REFUSED = "the programme's materials are for groups and classrooms, not assemblies"
MAX_AUDIENCE = 2_000  # a single session larger than this is a typing mistake, not a class


class RecordRefused(FieldErrors):
    """A record the programme's rules refuse; ``fields`` says why, by field."""


# Which moves a deliverer's status may make: suspended may return to active; ended is final.
_MOVES = {DelivererStatus.ACTIVE: {DelivererStatus.SUSPENDED, DelivererStatus.ENDED},
          DelivererStatus.SUSPENDED: {DelivererStatus.ACTIVE, DelivererStatus.ENDED},
          DelivererStatus.ENDED: set()}


def check_status_move(current: DelivererStatus, target: DelivererStatus, reason: str) -> None:
    if target not in _MOVES[current]:
        raise RecordRefused({"status": f"a deliverer who is {current.value} cannot become {target.value}"})
    if target is not DelivererStatus.ACTIVE and not reason.strip():
        raise RecordRefused({"reason": "say why the status changes"})


def check_deliverer(name: str, course: str, trained_on: date | None, today: date) -> dict[str, str]:
    problems = {}
    if not name.strip():
        problems["name"] = "the deliverer's name"
    if not course.strip():
        problems["course"] = "the course they were trained on"
    if trained_on is None:
        problems["trained_on"] = "when they were trained"
    elif trained_on > today:
        problems["trained_on"] = "a training date that has happened"
    return problems


@dataclass(frozen=True)
class Audience:
    children: Mapping[str, int]  # by age band
    parents: int
    professionals: int

    @property
    def children_total(self) -> int:
        return sum(self.children.values())


def audience(children: Mapping[str, Any], parents: Any, professionals: Any) -> tuple[Audience, dict[str, str]]:
    problems: dict[str, str] = {}

    def count(value: Any, key: str) -> int:
        if value in (None, ""):
            return 0
        try:
            n = int(str(value).strip())
        except ValueError:
            problems[key] = "a whole number"
            return 0
        if not 0 <= n <= MAX_AUDIENCE:
            problems[key] = f"between 0 and {MAX_AUDIENCE}"
        return n

    unknown = sorted(set(children) - set(AGE_BANDS))
    if unknown:
        problems["children"] = f"age bands are {', '.join(AGE_BANDS)} (not {', '.join(unknown)})"
    bands = {band: count(children.get(band), f"children_{band}") for band in AGE_BANDS}
    result = Audience({b: n for b, n in bands.items() if n}, count(parents, "parents"),
                      count(professionals, "professionals"))
    if not problems and not (result.children_total or result.parents or result.professionals):
        problems["audience"] = "a session had an audience: count the children, parents or professionals"
    return result, problems


def check_session(*, format_: str, setting_type: str, setting_name: str, area: str, held_on: date | None,
                  today: date, resource: str, resource_version: str, deliverer_status: str | None,
                  areas: Iterable[str]) -> dict[str, str]:
    """The problems with recording a session this way (empty when it may be recorded)."""
    problems: dict[str, str] = {}
    if format_ == SessionFormat.ASSEMBLY:
        problems["format"] = ASSEMBLY_REFUSED
    elif format_ not in {f.value for f in SessionFormat}:
        problems["format"] = "classroom, small group, parents' session or professionals' training"
    if setting_type not in {s.value for s in SettingType}:
        problems["setting_type"] = "the kind of setting"
    if not setting_name.strip():
        problems["setting_name"] = "the school or group's name"
    if area not in set(areas):
        problems["area"] = "one of the listed areas"
    if held_on is None:
        problems["held_on"] = "the date it was held"
    elif held_on > today:
        problems["held_on"] = "a session is recorded once it has been held"
    if not resource.strip() or not resource_version.strip():
        problems["resource"] = "the resource used and its version"
    if deliverer_status is None:
        problems["deliverer_id"] = "a deliverer known to the programme"
    elif deliverer_status != DelivererStatus.ACTIVE:
        problems["deliverer_id"] = f"the deliverer is {deliverer_status}: only active deliverers deliver sessions"
    return problems


def check_survey(*, instrument: str, fieldwork_start: date | None, fieldwork_end: date | None, sample_size: Any,
                 results: list[Mapping[str, Any]], caveats: str) -> dict[str, str]:
    problems: dict[str, str] = {}
    if not instrument.strip():
        problems["instrument"] = "the questionnaire or method used"
    if fieldwork_start is None or fieldwork_end is None:
        problems["fieldwork"] = "the fieldwork's first and last days"
    elif fieldwork_end < fieldwork_start:
        problems["fieldwork"] = "the fieldwork ends after it starts"
    try:
        if int(sample_size) < 1:
            problems["sample_size"] = "at least one respondent"
    except (TypeError, ValueError):
        problems["sample_size"] = "a whole number of respondents"
    if not caveats.strip():
        problems["caveats"] = "every survey states its caveats (sample, wording, what it does not show)"
    if not results:
        problems["results"] = "at least one result"
    for i, result in enumerate(results):
        if not str(result.get("measure", "")).strip():
            problems[f"results_{i}"] = "each result names what it measures"
        share = result.get("share")
        if share is not None and not 0 <= float(share) <= 1:
            problems[f"results_{i}"] = "a share is between 0 and 1"
    return problems


def settings_key(setting_urn: str | None, setting_name: str, area: str) -> str:
    """What makes two sessions the same setting: its school number when known, else name and area."""
    if setting_urn and setting_urn.strip():
        return f"urn:{setting_urn.strip()}"
    return f"name:{' '.join(setting_name.casefold().split())}|{area}"
