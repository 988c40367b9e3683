"""The rules of an operation, pure (no web, database or OS): its statuses and moves, its time
window, the figures its board counts and how a frozen sitrep is compared with the record now.

An operation (Ore, Notarise, Tharsley: research §2.3) is many forces acting on their targets in a
window. Its figures are counted from the outcomes the forces record, never typed in; a sitrep
freezes them at a cut-off, and anything recorded or withdrawn later that changes a frozen figure
is a *revision* logged against that sitrep ("arrests 76 → 78").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from jigsaw.errors import Conflict, FieldErrors
from jigsaw.outcomes.interfaces import CATEGORY_LABELS, WARRANT_OPEN, ChildCategory, WarrantStage

MAX_NAME = 120
MAX_OBJECTIVES = 8_000
MAX_WINDOW = timedelta(days=366)  # Notarise ran six months; a window over a year is a typing slip


class OperationStatus(StrEnum):
    PLANNING = "planning"
    LIVE = "live"
    CLOSED = "closed"


STATUS_LABELS: dict[str, str] = {OperationStatus.PLANNING: "Planning", OperationStatus.LIVE: "Live",
                                 OperationStatus.CLOSED: "Closed"}

_NEXT: dict[OperationStatus, frozenset[OperationStatus]] = {
    OperationStatus.PLANNING: frozenset({OperationStatus.LIVE}),
    OperationStatus.LIVE: frozenset({OperationStatus.CLOSED}),
    OperationStatus.CLOSED: frozenset(),
}

EDITABLE = frozenset({OperationStatus.PLANNING, OperationStatus.LIVE})
"""Targets and forces may be added while planning and live (late packages join a live operation)."""


class OperationRefused(FieldErrors):
    """An operation given wrongly; ``fields`` names each field and what is wrong with it (never the value)."""


class MoveRefused(Conflict):
    """A status move the operation's current status does not allow."""


def next_status(current: str, proposed: str) -> OperationStatus:
    """The status after ``proposed``: planning → live → closed, nothing else."""
    try:
        to = OperationStatus(proposed)
    except ValueError:
        raise OperationRefused({"status": "planning, live or closed"}) from None
    now = OperationStatus(current)
    if to not in _NEXT[now]:
        allowed = ", ".join(sorted(s.value for s in _NEXT[now])) or "nothing (the operation is closed)"
        raise MoveRefused(f"status: an operation that is {now.value} can move to {allowed}")
    return to


def next_statuses(current: str) -> list[str]:
    """The statuses the operation may move to next (the board offers them)."""
    return sorted(s.value for s in _NEXT[OperationStatus(current)])


def check_operation(name: str, starts_at: datetime | None, ends_at: datetime | None,
                    objectives: str) -> dict[str, str]:
    """What is wrong with an operation's details, by field (empty when nothing is)."""
    problems: dict[str, str] = {}
    if not name.strip():
        problems["name"] = "an operation has a name"
    elif len(name.strip()) > MAX_NAME:
        problems["name"] = f"at most {MAX_NAME} characters"
    if starts_at is None:
        problems["starts_at"] = "when the operation starts (YYYY-MM-DDTHH:MM, UTC)"
    if ends_at is None:
        problems["ends_at"] = "when the operation ends (YYYY-MM-DDTHH:MM, UTC)"
    if starts_at is not None and ends_at is not None:
        if ends_at <= starts_at:
            problems["ends_at"] = "the end comes after the start"
        elif ends_at - starts_at > MAX_WINDOW:
            problems["ends_at"] = "an operation's window is at most a year"
    if len(objectives) > MAX_OBJECTIVES:
        problems["objectives"] = f"at most {MAX_OBJECTIVES:,} characters"
    return problems


def target_due(action_by: datetime | None, operation_ends_at: datetime) -> datetime:
    """When a target's warrant must be done: its own action-by, or the operation's end."""
    return action_by or operation_ends_at


# --- the figures --------------------------------------------------------------------------------------

WARRANT_STAGES: tuple[str, ...] = tuple(s.value for s in WarrantStage)
CHILD_CATEGORIES: tuple[str, ...] = tuple(c.value for c in ChildCategory)
OPEN_STAGES: frozenset[str] = frozenset(s.value for s in WARRANT_OPEN)

FIGURE_LABELS: dict[str, str] = {
    "targets": "targets",
    "warrants": "warrants",
    **{f"warrants_{s}": f"warrants {s.replace('_', ' ')}" for s in WARRANT_STAGES},
    "arrests": "arrests",
    "voluntary_interviews": "voluntary interviews",
    "devices_seized": "devices seized",
    "children_safeguarded": "children safeguarded",
    **{f"children_{c}": f"children {CATEGORY_LABELS[c].lower()}" for c in CHILD_CATEGORIES},
    "overdue_warrants": "open warrants past due",
    "nothing_recorded": "targets with nothing recorded",
}
"""Every figure a board counts and a sitrep freezes, in the order they are shown and exported."""

FROZEN_FIGURES: tuple[str, ...] = tuple(k for k in FIGURE_LABELS if k not in ("overdue_warrants",
                                                                              "nothing_recorded"))
"""The figures compared for revisions: counts of what happened (what is overdue depends on the
time it is read, so it is frozen for the record but never "revised")."""


@dataclass
class ForceFigures:
    """One force's row of the board (or the grand total): counts only, no names."""

    org_id: int | None
    name: str
    targets: int = 0
    warrants: dict[str, int] = field(default_factory=lambda: dict.fromkeys(WARRANT_STAGES, 0))
    arrests: int = 0
    voluntary_interviews: int = 0
    devices_seized: int = 0
    children: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CHILD_CATEGORIES, 0))
    overdue_warrants: int = 0
    nothing_recorded: int = 0

    @property
    def warrants_total(self) -> int:
        return sum(self.warrants.values())

    @property
    def children_total(self) -> int:
        return sum(self.children.values())

    def flat(self) -> dict[str, int]:
        """The row as ``{figure: count}`` in :data:`FIGURE_LABELS` order (sitreps, CSV, revisions)."""
        return {"targets": self.targets, "warrants": self.warrants_total,
                **{f"warrants_{s}": self.warrants.get(s, 0) for s in WARRANT_STAGES},
                "arrests": self.arrests, "voluntary_interviews": self.voluntary_interviews,
                "devices_seized": self.devices_seized, "children_safeguarded": self.children_total,
                **{f"children_{c}": self.children.get(c, 0) for c in CHILD_CATEGORIES},
                "overdue_warrants": self.overdue_warrants, "nothing_recorded": self.nothing_recorded}

    def add(self, other: ForceFigures) -> None:
        self.targets += other.targets
        self.arrests += other.arrests
        self.voluntary_interviews += other.voluntary_interviews
        self.devices_seized += other.devices_seized
        self.overdue_warrants += other.overdue_warrants
        self.nothing_recorded += other.nothing_recorded
        for s, n in other.warrants.items():
            self.warrants[s] = self.warrants.get(s, 0) + n
        for c, n in other.children.items():
            self.children[c] = self.children.get(c, 0) + n


def grand_total(rows: Iterable[ForceFigures]) -> ForceFigures:
    total = ForceFigures(None, "All forces")
    for row in rows:
        total.add(row)
    return total


TOTAL_KEY = "total"
"""The key of the grand total among a sitrep's frozen rows (forces are keyed by their id)."""


@dataclass(frozen=True)
class Change:
    """A frozen figure that the record now says differently."""

    row: str  # a force's id, or TOTAL_KEY
    figure: str
    before: int  # the last value logged (the frozen one at first)
    after: int


def changes(frozen: Mapping[str, Mapping[str, int]], last_logged: Mapping[tuple[str, str], int],
            now: Mapping[str, Mapping[str, int]]) -> list[Change]:
    """The figures of ``now`` that differ from what the sitrep last said of them: its frozen value,
    or the latest revision already logged. Only :data:`FROZEN_FIGURES` are compared, and only the
    rows the sitrep froze (a force that joined later has no frozen figure to revise)."""
    found = []
    for row, figures in frozen.items():
        current = now.get(row, {})
        for figure in FROZEN_FIGURES:
            before = last_logged.get((row, figure), int(figures.get(figure, 0)))
            after = int(current.get(figure, 0))
            if after != before:
                found.append(Change(row, figure, before, after))
    return found


def revision_line(figure: str, frozen: int, now: int, sitrep_number: int) -> str:
    """How a revision reads on the board: ``revised since sitrep 2: arrests 76 → 78``."""
    return f"revised since sitrep {sitrep_number}: {FIGURE_LABELS.get(figure, figure)} {frozen} → {now}"
