"""The vocabulary of outcomes (pure: no web, database or OS).

A receiving force reports what it did with a package as a stream of dated records, each under
the force's own reference so a resubmission changes nothing. The kinds, the Home Office outcome
types, the children-safeguarded categories and the warrant lifecycle live here so that recording,
operations boards and the centre's statistics all count with the same words.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from jigsaw.errors import InvalidInput


class OutcomeKind(StrEnum):
    WARRANT = "warrant"
    ARREST = "arrest"
    VOLUNTARY_INTERVIEW = "voluntary_interview"
    CHARGE = "charge"
    CONVICTION = "conviction"
    DEVICES = "devices"  # devices seized and examined
    CHILD_SAFEGUARDED = "child_safeguarded"
    OFFENDER_LOCATED = "offender_located"
    NO_FURTHER_ACTION = "no_further_action"
    HOME_OFFICE_OUTCOME = "home_office_outcome"  # the crime's outcome type assigned on its own


KIND_LABELS: dict[str, str] = {
    OutcomeKind.WARRANT: "Warrant",
    OutcomeKind.ARREST: "Arrest",
    OutcomeKind.VOLUNTARY_INTERVIEW: "Voluntary interview",
    OutcomeKind.CHARGE: "Charge",
    OutcomeKind.CONVICTION: "Conviction",
    OutcomeKind.DEVICES: "Devices seized",
    OutcomeKind.CHILD_SAFEGUARDED: "Child safeguarded",
    OutcomeKind.OFFENDER_LOCATED: "Offender located",
    OutcomeKind.NO_FURTHER_ACTION: "No further action",
    OutcomeKind.HOME_OFFICE_OUTCOME: "Home Office outcome",
}


class ChildCategory(StrEnum):
    """What "safeguarded or protected" includes, counted separately (research §2.2)."""

    REMOVED_FROM_HARM = "removed_from_harm"
    PROTECTIVE_MEASURE = "protective_measure"  # bail conditions, warnings to parents, a protection plan
    IDENTIFIED_FROM_IMAGERY = "identified_from_imagery"


CATEGORY_LABELS: dict[str, str] = {
    ChildCategory.REMOVED_FROM_HARM: "Removed from harm",
    ChildCategory.PROTECTIVE_MEASURE: "Protective measure",
    ChildCategory.IDENTIFIED_FROM_IMAGERY: "Identified from imagery",
}

CHILD_AGE_BANDS: tuple[str, ...] = ("0-3", "4-7", "8-11", "12-15", "16-17", "unknown")


HOME_OFFICE_OUTCOMES: dict[int, str] = {
    0: "Not yet assigned",
    1: "Charged or summonsed",
    2: "Caution, youths",
    3: "Caution, adults",
    4: "Taken into consideration (TIC)",
    5: "Offender died",
    6: "Penalty notice for disorder",
    7: "Cannabis or khat warning",
    8: "Community resolution",
    9: "Not in the public interest (CPS)",
    10: "Not in the public interest (police)",
    11: "Prosecution prevented: suspect under age",
    12: "Prosecution prevented: suspect too ill",
    13: "Prosecution prevented: victim or key witness dead or too ill",
    14: "Evidential difficulties: suspect not identified, victim does not support",
    15: "Evidential difficulties: suspect identified, victim supports",
    16: "Evidential difficulties: suspect identified, victim does not support",
    17: "Prosecution time limit expired",
    18: "Investigation complete, no suspect identified",
    19: "NFIB fraud",
    20: "Passed to another body",
    21: "Further investigation not in the public interest (police decision)",
    22: "Diversionary, educational or intervention activity",
}

NOT_YET_ASSIGNED = 0
"""Shown in every table of outcome types, never counted in a total."""


def counted_outcome_types(types: Iterable[int | None]) -> list[int]:
    """The outcome types that count towards totals: 1-22, never 0 or a missing one."""
    return [t for t in types if t is not None and t != NOT_YET_ASSIGNED]


class WarrantStage(StrEnum):
    PLANNED = "planned"
    APPLIED = "applied"
    GRANTED = "granted"
    REFUSED = "refused"
    EXECUTED = "executed"
    NO_TRACE = "no_trace"  # executed at the address, the suspect not found there


WARRANT_NEXT: dict[WarrantStage | None, frozenset[WarrantStage]] = {
    None: frozenset({WarrantStage.PLANNED, WarrantStage.APPLIED}),
    WarrantStage.PLANNED: frozenset({WarrantStage.APPLIED}),
    WarrantStage.APPLIED: frozenset({WarrantStage.GRANTED, WarrantStage.REFUSED}),
    WarrantStage.GRANTED: frozenset({WarrantStage.EXECUTED, WarrantStage.NO_TRACE}),
    WarrantStage.REFUSED: frozenset({WarrantStage.APPLIED}),  # a fresh application
    WarrantStage.EXECUTED: frozenset(),
    WarrantStage.NO_TRACE: frozenset(),
}

WARRANT_OPEN: frozenset[WarrantStage] = frozenset({WarrantStage.PLANNED, WarrantStage.APPLIED,
                                                   WarrantStage.GRANTED})
"""Stages in which a warrant still needs something done: what an operation board shows as overdue."""


def next_warrant_stage(current: WarrantStage | None, proposed: str) -> WarrantStage:
    """The warrant's stage after ``proposed``, or InvalidInput saying which steps may come next."""
    try:
        stage = WarrantStage(proposed)
    except ValueError:
        choices = ", ".join(s.value for s in WarrantStage)
        raise InvalidInput(f"warrant_stage must be one of {choices}") from None
    allowed = WARRANT_NEXT[current]
    if stage not in allowed:
        after = f"after {current.value}" if current else "first"
        can = ", ".join(sorted(s.value for s in allowed)) or "nothing (the warrant is finished)"
        raise InvalidInput(f"warrant_stage: {stage.value} cannot come {after}; next may be: {can}")
    return stage


class NetworkEffect(StrEnum):
    DISRUPTED = "disrupted"
    DISMANTLED = "dismantled"
