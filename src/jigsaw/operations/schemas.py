"""The operations API's bodies and answers (``/api/v1/operations``). Times are ISO 8601 with a zone."""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OperationIn(_In):
    name: str = Field(max_length=120, description="The operation's name (e.g. Tharsley)")
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    objectives: str = Field("", max_length=8_000, description="Stored encrypted")
    lead_id: int | None = Field(None, description="A centre analyst or supervisor; default: the caller")
    force_ids: list[int] = Field(default_factory=list, max_length=200, description="Participating forces")


class FromBatchIn(_In):
    batch_id: int = Field(description="An approved package batch: its dispatched packages become targets")
    name: str = Field(max_length=120)
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    objectives: str = Field("", max_length=8_000)
    lead_id: int | None = None


class StatusIn(_In):
    status: str = Field(description="live (from planning) or closed (from live)")


class ForcesIn(_In):
    org_ids: list[int] = Field(min_length=1, max_length=200)


class TargetIn(_In):
    package_id: int
    subject_id: int | None = Field(None, description="One suspect of the package; default: the whole package")
    org_id: int | None = Field(None, description="The force it is allocated to; default: the package's recipient")
    action_by: AwareDatetime | None = Field(None, description="Due by; default: the operation's end")


class TargetsIn(_In):
    targets: list[TargetIn] = Field(min_length=1, max_length=5_000)


class SitrepIn(_In):
    cutoff_at: AwareDatetime | None = Field(None, description="Default: now; never in the future")


class ForceForces(BaseModel):
    org_id: int
    name: str


class OperationOut(BaseModel):
    id: int
    reference: str
    name: str
    status: str
    lead_id: int
    coordinating_org_id: int
    starts_at: datetime
    ends_at: datetime
    objectives: str | None = Field(description="Shown to the centre only")
    batch_id: int | None
    forces: list[ForceForces]
    targets: int


class OperationSummaryOut(BaseModel):
    id: int
    reference: str
    name: str
    status: str
    starts_at: datetime
    ends_at: datetime
    forces: int
    targets: int


class TargetsAddedOut(BaseModel):
    added: int
    skipped: dict[str, str] = Field(description="Package id → why it did not become a target")


class FromBatchOut(BaseModel):
    operation: OperationOut
    added: TargetsAddedOut


class RowOut(BaseModel):
    org_id: int | None = Field(description="None for the grand total")
    force: str
    figures: dict[str, int] = Field(description="targets, warrants by stage, arrests, voluntary_interviews, "
                                                "devices_seized, children by category, overdue counts")


class OverdueOut(BaseModel):
    target_id: int
    package_id: int
    package_reference: str
    subject_id: int | None
    org_id: int
    force: str
    due: datetime
    warrant_stage: str | None = Field(description="None: nothing recorded for the target")


class RevisionOut(BaseModel):
    sitrep: int | None = None
    org_id: int | None
    force: str
    figure: str
    frozen: int
    now: int
    detected_at: datetime
    line: str


class SitrepSummaryOut(BaseModel):
    number: int
    cutoff_at: datetime
    created_at: datetime


class BoardOut(BaseModel):
    operation_id: int
    reference: str
    name: str
    status: str
    at: datetime
    own_rows_only: bool
    rows: list[RowOut]
    total: RowOut | None = Field(description="All forces; None for a participating force (it sees its own row)")
    overdue: list[OverdueOut]
    overdue_count: int
    sitreps: list[SitrepSummaryOut]
    revisions: list[RevisionOut] = Field(description="Figures of the latest sitrep revised since its cut-off")


class SitrepOut(BaseModel):
    operation_id: int
    reference: str
    name: str
    number: int
    cutoff_at: datetime
    created_at: datetime
    rows: list[RowOut]
    revisions: list[RevisionOut]
