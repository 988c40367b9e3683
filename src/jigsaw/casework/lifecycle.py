"""The vocabulary of a case's life: statuses, the moves between them, close reasons, action kinds.

Pure: no storage. The service applies these rules; pages and the API only offer what they allow.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

from jigsaw.errors import InvalidInput


class CaseStatus(StrEnum):
    NEW = "new"
    IN_PROGRESS = "in_progress"
    AWAITING_INFORMATION = "awaiting_information"
    READY_FOR_DISSEMINATION = "ready_for_dissemination"
    DISSEMINATED = "disseminated"
    CLOSED = "closed"


OPEN_STATUSES = frozenset(CaseStatus) - {CaseStatus.CLOSED}
"""Statuses in which a case is still worked (new reports about its subjects join it)."""


class CloseReason(StrEnum):
    DISSEMINATED = "disseminated"
    NO_FURTHER_ACTION = "no_further_action"  # needs an explanation
    DUPLICATE = "duplicate"  # of another case
    NOT_IN_REMIT = "not_in_remit"
    REFERRED_TO_ANOTHER_AGENCY = "referred_to_another_agency"
    OUTCOME_RECORDED = "outcome_recorded"  # the force recorded what came of the case's package


class ActionKind(StrEnum):
    NOTE = "note"
    REPORTER_CONTACT = "reporter_contact"
    ENQUIRY = "enquiry"  # police systems, open source
    PRESERVATION_REQUEST = "preservation_request"  # to a platform, with an expiry date
    COMMS_DATA_REQUEST = "comms_data_request"  # Investigatory Powers Act 2016 Part 3
    INFORMATION_REQUEST = "information_request"
    # Written by the service itself, never chosen from the form:
    STATUS_CHANGE = "status_change"
    ASSIGNMENT = "assignment"
    NEW_INFORMATION = "new_information"
    MERGE = "merge"
    SPLIT = "split"


AUTHORED_KINDS = (ActionKind.NOTE, ActionKind.REPORTER_CONTACT, ActionKind.ENQUIRY, ActionKind.PRESERVATION_REQUEST,
                  ActionKind.COMMS_DATA_REQUEST, ActionKind.INFORMATION_REQUEST)
"""The kinds an analyst writes in the actions log (the others are written by the service)."""

STATUS_LABELS = {
    CaseStatus.NEW: "New", CaseStatus.IN_PROGRESS: "In progress",
    CaseStatus.AWAITING_INFORMATION: "Awaiting information",
    CaseStatus.READY_FOR_DISSEMINATION: "Ready for dissemination", CaseStatus.DISSEMINATED: "Disseminated",
    CaseStatus.CLOSED: "Closed",
}

CLOSE_REASON_LABELS = {
    CloseReason.DISSEMINATED: "Disseminated", CloseReason.NO_FURTHER_ACTION: "No further action",
    CloseReason.DUPLICATE: "Duplicate of another case", CloseReason.NOT_IN_REMIT: "Not in remit",
    CloseReason.REFERRED_TO_ANOTHER_AGENCY: "Referred to another agency",
    CloseReason.OUTCOME_RECORDED: "Outcome recorded by the force",
}

# The moves a person may make with "change status". Closing has its own step (it needs a
# reason) and so has reopening; nothing here happens by itself.
_MOVES: dict[CaseStatus, frozenset[CaseStatus]] = {
    CaseStatus.NEW: frozenset({CaseStatus.IN_PROGRESS, CaseStatus.AWAITING_INFORMATION,
                               CaseStatus.READY_FOR_DISSEMINATION}),
    CaseStatus.IN_PROGRESS: frozenset({CaseStatus.AWAITING_INFORMATION, CaseStatus.READY_FOR_DISSEMINATION}),
    CaseStatus.AWAITING_INFORMATION: frozenset({CaseStatus.IN_PROGRESS, CaseStatus.READY_FOR_DISSEMINATION}),
    CaseStatus.READY_FOR_DISSEMINATION: frozenset({CaseStatus.IN_PROGRESS, CaseStatus.AWAITING_INFORMATION,
                                                   CaseStatus.DISSEMINATED}),
    CaseStatus.DISSEMINATED: frozenset({CaseStatus.IN_PROGRESS}),
    CaseStatus.CLOSED: frozenset(),
}


class TransitionRefused(InvalidInput, ValueError):
    """A status move the lifecycle does not allow; the message says which moves are allowed."""


def next_statuses(current: CaseStatus) -> frozenset[CaseStatus]:
    """Where ``change status`` may take a case now (closing and reopening are separate steps)."""
    return _MOVES[current]


def check_move(current: CaseStatus, target: CaseStatus) -> None:
    if target is CaseStatus.CLOSED:
        raise TransitionRefused("a case is closed with a reason: use close")
    if current is CaseStatus.CLOSED:
        raise TransitionRefused("a closed case is reopened first")
    if target not in _MOVES[current]:
        allowed = ", ".join(sorted(s.value for s in _MOVES[current])) or "none"
        raise TransitionRefused(f"a {current.value} case cannot move to {target.value} (allowed: {allowed})")


def check_close(current: CaseStatus, reason: CloseReason, explanation: str, duplicate_of: str) -> dict[str, str]:
    """The problems with closing a case this way, by field (empty when it may close)."""
    problems: dict[str, str] = {}
    if current is CaseStatus.CLOSED:
        problems["status"] = "the case is already closed"
    if reason is CloseReason.NO_FURTHER_ACTION and not explanation.strip():
        problems["explanation"] = "no further action needs an explanation"
    if reason is CloseReason.DUPLICATE and not duplicate_of.strip():
        problems["duplicate_of"] = "a duplicate names the other case's reference"
    return problems


def check_reopen(current: CaseStatus) -> None:
    if current is not CaseStatus.CLOSED:
        raise TransitionRefused("only a closed case is reopened")


REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: references are read aloud


def make_reference(random_index: Callable[[int], int]) -> str:
    """A case reference ``CASE-XXXX-XXXX``; ``random_index(n)`` returns a random int below n."""
    chars = "".join(REFERENCE_ALPHABET[random_index(len(REFERENCE_ALPHABET))] for _ in range(8))
    return f"CASE-{chars[:4]}-{chars[4:]}"
