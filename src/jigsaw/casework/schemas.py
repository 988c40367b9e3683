"""The case-work API's bodies and answers (``/api/v1/cases``), as they appear in ``/openapi.json``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from jigsaw.casework.lifecycle import CaseStatus, CloseReason


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AssignIn(_In):
    assignee_id: int | None = Field(description="The analyst or supervisor to assign; null unassigns.")


class StatusIn(_In):
    status: CaseStatus


class CloseIn(_In):
    reason: CloseReason
    explanation: str = Field("", max_length=20_000, description="Required for no_further_action.")
    duplicate_of: str = Field("", max_length=20, description="The other case's reference, for duplicate.")


class ReopenIn(_In):
    reason: str = Field("", max_length=20_000)


class MergeIn(_In):
    into: str = Field(min_length=1, max_length=20, description="The target case's reference (or id).")
    reason: str = Field(min_length=1, max_length=20_000)


class SplitIn(_In):
    report_ids: list[int] = Field(min_length=1)
    reason: str = Field(min_length=1, max_length=20_000)


class ActionIn(BaseModel):
    """An entry in the actions log. ``kind`` is one of note, reporter_contact, enquiry
    (``system``: police_systems or open_source), preservation_request (``platform``, ``what``,
    ``expires_on``), comms_data_request (``reference``, ``purpose``, ``necessity``,
    ``proportionality``, ``identifier``, ``seen_at`` in UTC, ``status``, ``result``) or
    information_request (``asked_of``); other fields are that kind's details."""

    model_config = ConfigDict(extra="allow")
    kind: str
    text: str | None = None


class CommsUpdateIn(_In):
    status: str
    result: str | None = Field(None, max_length=2_000, description="The subscriber address, once approved.")
    text: str | None = Field(None, max_length=20_000)


class ActionOut(BaseModel):
    id: int
    kind: str
    at: datetime
    by: str
    by_user_id: int | None
    text: str | None
    details: dict[str, Any]
    status: str | None
    expires_at: datetime | None
    superseded_by_id: int | None


class CaseSummary(BaseModel):
    id: int
    reference: str
    status: CaseStatus
    band: str | None
    due_at: datetime | None
    overdue: bool
    escalated: bool
    assignee_id: int | None
    assignee: str | None
    opened_at: datetime
    updated_at: datetime
    new_information: bool
    report_count: int
    report_ids: list[int]
    preservation_warning: str | None


class CaseList(BaseModel):
    cases: list[CaseSummary]
    total: int
    page: int
    pages: int
    unassigned_p0_p1: int


class CaseOut(BaseModel):
    id: int
    reference: str
    status: CaseStatus
    band: str | None
    due_at: datetime | None
    escalated: bool
    assignee_id: int | None
    assignee: str | None
    opened_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    close_reason: str | None
    close_explanation: str | None
    duplicate_of_id: int | None
    merged_into_id: int | None
    new_information: bool
    report_ids: list[int]
    actions: list[ActionOut]
    preservation_warnings: list[dict[str, Any]]
