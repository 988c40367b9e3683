"""3x5x2 intelligence grading (College of Policing APP, intelligence management), pure.

- Source evaluation: 1 reliable · 2 untested · 3 not reliable.
- Intelligence assessment: A known directly to the source · B known indirectly, corroborated ·
  C known indirectly · D not known · E suspected to be false.
- Handling: P lawful sharing permitted · C lawful sharing permitted with conditions, which must
  then be written down.

A grade is written ``2C P`` in the usual short form. Intelligence still graded under the legacy
5x5x5 scheme (e.g. ``B35``) can be kept beside it for reference, never in its place.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from jigsaw.errors import InvalidInput

MAX_ITEM_TEXT = 4000
MAX_CONDITIONS = 1000


class GradingError(InvalidInput, ValueError):
    """One or more fields of an intelligence item are wrong; ``problems`` maps field to problem."""

    def __init__(self, problems: Mapping[str, str]) -> None:
        self.problems = dict(problems)
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.problems.items()))


class SourceEvaluation(StrEnum):
    RELIABLE = "1"
    UNTESTED = "2"
    NOT_RELIABLE = "3"


class Assessment(StrEnum):
    KNOWN_DIRECTLY = "A"
    KNOWN_INDIRECTLY_CORROBORATED = "B"
    KNOWN_INDIRECTLY = "C"
    NOT_KNOWN = "D"
    SUSPECTED_FALSE = "E"


class Handling(StrEnum):
    PERMITTED = "P"
    CONDITIONS = "C"


SOURCE_LABELS = {SourceEvaluation.RELIABLE: "reliable", SourceEvaluation.UNTESTED: "untested",
                 SourceEvaluation.NOT_RELIABLE: "not reliable"}
ASSESSMENT_LABELS = {
    Assessment.KNOWN_DIRECTLY: "known directly to the source",
    Assessment.KNOWN_INDIRECTLY_CORROBORATED: "known indirectly to the source, corroborated",
    Assessment.KNOWN_INDIRECTLY: "known indirectly to the source",
    Assessment.NOT_KNOWN: "not known",
    Assessment.SUSPECTED_FALSE: "suspected to be false",
}
HANDLING_LABELS = {Handling.PERMITTED: "lawful sharing permitted",
                   Handling.CONDITIONS: "lawful sharing permitted with conditions"}

_LEGACY = re.compile(r"^[A-E][1-5][1-5]$")


@dataclass(frozen=True)
class Grade:
    source: SourceEvaluation
    assessment: Assessment
    handling: Handling
    conditions: str | None = None

    @property
    def short(self) -> str:
        return f"{self.source.value}{self.assessment.value} {self.handling.value}"

    @property
    def words(self) -> str:
        text = (f"source {SOURCE_LABELS[self.source]}; {ASSESSMENT_LABELS[self.assessment]}; "
                f"{HANDLING_LABELS[self.handling]}")
        return text + (f": {self.conditions}" if self.conditions else "")


@dataclass(frozen=True)
class Item:
    """One graded piece of intelligence in a package."""

    text: str
    grade: Grade
    legacy_5x5x5: str | None = None


DEFAULT_GRADE = Grade(SourceEvaluation.UNTESTED, Assessment.KNOWN_INDIRECTLY, Handling.PERMITTED)
"""What an item is graded when its author does not say: an untested source, known to it indirectly,
lawful sharing permitted (a platform's referral, typically); the author or a supervisor regrades."""


def grade(source: Any, assessment: Any, handling: Any, conditions: Any = None) -> Grade:
    """A grade from its three parts; raises :class:`GradingError` naming every wrong part."""
    problems: dict[str, str] = {}
    s = a = h = None
    try:
        s = SourceEvaluation(str(source).strip())
    except ValueError:
        problems["source_evaluation"] = "must be 1 (reliable), 2 (untested) or 3 (not reliable)"
    try:
        a = Assessment(str(assessment).strip().upper())
    except ValueError:
        problems["assessment"] = "must be A, B, C, D or E"
    try:
        h = Handling(str(handling).strip().upper())
    except ValueError:
        problems["handling"] = "must be P (sharing permitted) or C (permitted with conditions)"
    text = " ".join(str(conditions or "").split())
    if h is Handling.CONDITIONS and not text:
        problems["conditions"] = "handling code C needs its conditions written down"
    if h is Handling.PERMITTED and text:
        problems["conditions"] = "conditions belong with handling code C"
    if len(text) > MAX_CONDITIONS:
        problems["conditions"] = f"is longer than {MAX_CONDITIONS} characters"
    if problems:
        raise GradingError(problems)
    assert s is not None and a is not None and h is not None
    return Grade(s, a, h, text or None)


def item(text: Any, source: Any = None, assessment: Any = None, handling: Any = None, conditions: Any = None,
         legacy_5x5x5: Any = None) -> Item:
    """An item, its grade defaulting to :data:`DEFAULT_GRADE` when no part is given."""
    body = str(text or "").strip()
    problems: dict[str, str] = {}
    if not body:
        problems["text"] = "is required"
    elif len(body) > MAX_ITEM_TEXT:
        problems["text"] = f"is longer than {MAX_ITEM_TEXT} characters"
    legacy = str(legacy_5x5x5 or "").strip().upper() or None
    if legacy and not _LEGACY.match(legacy):
        problems["legacy_5x5x5"] = "a 5x5x5 grade is a letter A-E and two digits 1-5, e.g. B35"
    if all(v in (None, "") for v in (source, assessment, handling)):
        g: Grade | None = DEFAULT_GRADE
    else:
        try:
            g = grade(source, assessment, handling, conditions)
        except GradingError as exc:
            problems.update(exc.problems)
            g = None
    if problems:
        raise GradingError(problems)
    assert g is not None
    return Item(body, g, legacy)


def rests_only_on_suspected_false(items: Sequence[Item]) -> bool:
    """Every item is assessed E: such a package cannot be P0 (it is rechecked first)."""
    return bool(items) and all(i.grade.assessment is Assessment.SUSPECTED_FALSE for i in items)
