"""The appeals API's bodies and answers (``/api/v1/appeals``), as they appear in ``/openapi.json``."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from jigsaw.appeals.lifecycle import AppealReason, AppealStatus, RiskLevel


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PublicFieldsIn(_In):
    """The only fields that are ever shown to the public (never conviction or victim details)."""

    name: str = Field(min_length=1, max_length=200)
    aliases: list[str] = Field(default_factory=list, max_length=10)
    age: int | None = Field(None, ge=18, le=110, description="An appeal is only ever about an adult.")
    description: str = Field("", max_length=2_000)
    area_last_seen: str = Field("", max_length=200)
    caution: str = Field("", max_length=2_000)


class RiskIn(_In):
    level: RiskLevel
    assessment: str = Field(min_length=1, max_length=2_000)


class RisksIn(_In):
    family: RiskIn | None = None
    vigilante: RiskIn | None = None
    rehabilitation: RiskIn | None = None


class JustificationIn(_In):
    legal_basis: str = Field("", max_length=2_000)
    necessity: str = Field("", max_length=2_000)
    proportionality: str = Field("", max_length=2_000)
    risks: RisksIn = Field(default_factory=lambda: RisksIn())


class AppealIn(_In):
    subject_id: int = Field(description="The intake subject (a suspect, an adult) the appeal is about.")
    reason: AppealReason
    owning_force_id: int = Field(description="The UK police force leading the search (an organisation).")
    region: str = Field(description="One of the regions listed by the public filter.")
    public: PublicFieldsIn
    justification: JustificationIn = Field(default_factory=lambda: JustificationIn.model_validate({}))
    review_by: date | None = Field(None, description="Default: 28 days after today (at most 28 once published).")


class AppealUpdateIn(_In):
    public: PublicFieldsIn | None = None
    justification: JustificationIn | None = None
    region: str | None = None
    owning_force_id: int | None = None
    review_by: date | None = None


class NoteIn(_In):
    note: str = Field("", max_length=2_000)


class ReasonIn(_In):
    reason: str = Field(min_length=1, max_length=2_000)


class ReviewIn(_In):
    review_by: date
    note: str = Field(min_length=1, max_length=2_000)


class ApprovalOut(BaseModel):
    approver: str
    approved_at: datetime
    note: str | None


class EventOut(BaseModel):
    kind: str
    at: datetime
    by: str
    note: str | None


class AppealOut(BaseModel):
    id: int
    reference: str
    slug: str
    status: AppealStatus
    reason: AppealReason
    subject_id: int | None
    owning_force_id: int
    owning_force: str
    region: str
    public: PublicFieldsIn
    justification: dict[str, object]
    review_by: date
    review_flagged: bool
    author: str
    approvals: list[ApprovalOut]
    has_photo: bool
    tips: int
    created_at: datetime
    published_at: datetime | None
    ended_at: datetime | None
    history: list[EventOut]


class AppealSummary(BaseModel):
    id: int
    reference: str
    status: AppealStatus
    name: str
    region: str
    owning_force: str
    review_by: date
    review_flagged: bool
    approvals: int
    updated_at: datetime


class AppealList(BaseModel):
    appeals: list[AppealSummary]


class PhotoOut(BaseModel):
    width: int
    height: int
    bytes: int
    sha256: str
    media_type: str


class TipOut(BaseModel):
    id: int
    reference: str
    appeal_id: int
    appeal_reference: str
    owning_force_id: int
    status: str
    received_at: datetime
    report_ids: list[int]


class TipList(BaseModel):
    tips: list[TipOut]
