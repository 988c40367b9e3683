"""The education API's bodies and answers (``/api/v1/education``)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DelivererIn(_In):
    name: str = Field(min_length=1, max_length=200)
    email: str | None = Field(None, max_length=320)
    organisation: str = Field("", max_length=200)
    role: str = Field(description="network_member or ambassador")
    course: str = Field(min_length=1, max_length=200)
    trained_on: date
    conduct_accepted: bool = Field(description="The programme's code of conduct, accepted before delivering.")


class StatusIn(_In):
    status: str = Field(description="active, suspended or ended (ended is final)")
    reason: str = Field("", max_length=2_000)


class DelivererOut(BaseModel):
    id: int
    name: str
    email: str | None
    organisation: str
    role: str
    course: str
    trained_on: date
    status: str
    status_reason: str | None
    status_changed_at: datetime


class SessionIn(_In):
    deliverer_id: int
    setting_name: str = Field(min_length=1, max_length=200)
    setting_type: str
    setting_urn: str | None = Field(None, max_length=20, description="The school's number (e.g. DfE URN) if any.")
    area: str
    held_on: date
    format: str = Field(description="classroom, small_group, parents_session or professionals_training "
                                    "(assemblies are refused)")
    children: dict[str, int] = Field(default_factory=dict, description="Children by age band: 4-7, 8-10, 11-13, 14-18")
    parents: int = 0
    professionals: int = 0
    resource: str = Field(min_length=1, max_length=200)
    resource_version: str = Field(min_length=1, max_length=40)


class SessionOut(BaseModel):
    id: int
    deliverer_id: int
    setting_name: str
    setting_type: str
    setting_urn: str | None
    area: str
    held_on: date
    format: str
    children: dict[str, int]
    children_total: int
    parents: int
    professionals: int
    resource: str
    resource_version: str


class SurveyResultIn(_In):
    measure: str = Field(min_length=1, max_length=500)
    wording: str = Field("", max_length=2_000, description="The question as asked.")
    count: int | None = None
    base: int | None = None
    share: float | None = Field(None, ge=0, le=1)


class SurveyIn(_In):
    title: str = Field(min_length=1, max_length=200)
    instrument: str = Field(min_length=1, max_length=5_000)
    fieldwork_start: date
    fieldwork_end: date
    population: str = Field("", max_length=200)
    sample_size: int = Field(ge=1)
    results: list[SurveyResultIn] = Field(min_length=1)
    caveats: str = Field(min_length=1, max_length=5_000)


class SurveyOut(BaseModel):
    id: int
    title: str
    instrument: str
    fieldwork_start: date
    fieldwork_end: date
    population: str
    sample_size: int
    results: list[dict[str, object]]
    caveats: str


class ReachOut(BaseModel):
    start: date | None
    end: date | None
    sessions: int
    children_reached: int = Field(description="Attendances: a child at two sessions counts twice.")
    children_by_band: dict[str, int]
    settings_reached: int = Field(description="Distinct schools and groups.")
    parents_reached: int
    professionals_reached: int
