"""The vocabulary of a case's life: statuses, the moves between them, close reasons, action kinds.

Pure: no storage. The service applies these rules; pages and the API only offer what they allow.
"""

from __future__ import annotations

from enum import StrEnum


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
