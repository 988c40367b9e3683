"""The outcomes API's bodies. Types are checked here; what each kind needs is checked by
:mod:`jigsaw.outcomes.rules`, which names every failing field in one 422."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from jigsaw.outcomes.kinds import ChildCategory, NetworkEffect, OutcomeKind, WarrantStage


class OutcomeIn(BaseModel):
    """One thing the force did or found. ``reference`` is the force's own: sending the same body
    under it again changes nothing (200 with the stored record); a different body is 409."""

    model_config = ConfigDict(extra="forbid")

    reference: str = Field(max_length=200, description="Your own reference for this record (unique in your force).")
    kind: OutcomeKind
    occurred_at: datetime = Field(description="When it happened (UTC unless a zone is given).")
    subject_id: int | None = Field(None, description="The suspect (one of the package's); implied if it has one.")
    count: int | None = Field(None, description="How many (children safeguarded, arrests); default 1.")
    note: str | None = Field(None, max_length=4000)
    warrant_stage: WarrantStage | None = None
    category: ChildCategory | None = Field(None, description="For a child safeguarded.")
    age_band: str | None = None
    victim_subject_id: int | None = None
    series_id: int | None = None
    home_office_outcome: int | None = Field(None, description="0-22; 0 (not yet assigned) is shown, never counted.")
    offence: str | None = Field(None, max_length=4000)
    charge_count: int | None = None
    sentence: str | None = Field(None, max_length=4000)
    contact_offence: bool | None = None
    devices_seized: int | None = None
    devices_examined: int | None = None
    registered_sex_offender: bool | None = None
    position_of_trust: bool | None = None
    high_risk: bool | None = None


class WithdrawIn(BaseModel):
    reason: str = Field(max_length=4000, description="Why the record is withdrawn (for example, mis-keyed).")


class OutcomeOut(BaseModel):
    id: int
    package_id: int
    reference: str
    kind: str
    occurred_at: datetime
    subject_id: int | None
    count: int
    warrant_stage: str | None
    category: str | None
    age_band: str | None
    victim_subject_id: int | None
    series_id: int | None
    home_office_outcome: int | None
    home_office_outcome_label: str | None
    home_office_outcome_counted: bool | None = Field(
        description="Whether its outcome type counts in totals: type 0 (not yet assigned) and withdrawn "
                    "records never do.")
    offence: str | None
    charge_count: int | None
    sentence: str | None
    contact_offence: bool | None
    devices_seized: int | None
    devices_examined: int | None
    registered_sex_offender: bool | None
    position_of_trust: bool | None
    high_risk: bool | None
    note: str | None
    recorded_at: datetime
    recorded_by: str | None
    withdrawn_at: datetime | None
    withdrawn_reason: str | None


class WarrantOut(BaseModel):
    subject_id: int
    stage: str
    open: bool
    history: list[tuple[str, datetime]]


class PackageOutcomesOut(BaseModel):
    package_id: int
    reference: str
    outcomes: list[OutcomeOut]
    warrants: list[WarrantOut]


class DisruptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    effect: NetworkEffect
    occurred_at: datetime
    evidence: str = Field(max_length=4000, description="What shows it: arrests, charges, accounts closed.")
    package_id: int | None = None


class DisruptionOut(BaseModel):
    id: int
    reference: str
    anchor_subject_id: int
    network_label: int
    subject_count: int
    effect: str
    occurred_at: datetime
    package_id: int | None
    evidence: str
    recorded_at: datetime


class DisruptionList(BaseModel):
    disruptions: list[DisruptionOut]
