"""The partner API's request and response bodies (they shape the OpenAPI document)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from jigsaw.identifiers import MAX_IDENTIFIER_LENGTH, IdentifierType
from jigsaw.intake.domain import (
    MAX_IDENTIFIERS_PER_SUBJECT,
    MAX_MEDIA,
    MAX_SHORT_TEXT,
    MAX_SUBJECTS,
    MAX_SUMMARY_CHARS,
    NCMEC_INCIDENT_TYPES,
    IncidentType,
    Source,
    SubjectRole,
    ncmec_incident,
)
from jigsaw.triage.interfaces import TriageOut

ShortText = Field(default=None, max_length=MAX_SHORT_TEXT)
Flag = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]{0,63}$")
MAX_FLAGS = 32


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class IdentifierIn(_Strict):
    type: IdentifierType
    value: str = Field(min_length=1, max_length=MAX_IDENTIFIER_LENGTH)
    platform: str | None = Field(default=None, max_length=200,
                                 description="Required for username and esp_user_id.")
    seen_at: AwareDatetime | None = Field(default=None, description="When it was seen (IP addresses especially).")
    port: int | None = Field(default=None, ge=0, le=65535)


class SubjectIn(_Strict):
    role: SubjectRole
    name: str | None = ShortText
    description: str | None = Field(default=None, max_length=MAX_SUMMARY_CHARS)
    age: int | None = Field(default=None, ge=0, le=120)
    identifiers: list[IdentifierIn] = Field(default_factory=list, max_length=MAX_IDENTIFIERS_PER_SUBJECT)


class MediaIn(_Strict):
    md5: str | None = Field(default=None, pattern=r"^[0-9a-fA-F]{32}$")
    sha1: str | None = Field(default=None, pattern=r"^[0-9a-fA-F]{40}$")
    sha256: str | None = Field(default=None, pattern=r"^[0-9a-fA-F]{64}$")
    pdq: str | None = Field(default=None, pattern=r"^[0-9a-fA-F]{64}$")
    filename: str | None = ShortText
    size: int | None = Field(default=None, ge=0)
    media_type: str | None = Field(default=None, max_length=100)
    uk_category: Literal["A", "B", "C"] | None = Field(default=None, description="Sentencing Council category.")
    vics_category: int | None = Field(default=None, ge=0, le=4)
    industry_classification: Literal["A1", "A2", "B1", "B2"] | None = Field(
        default=None, description="Tech Coalition industry classification, as in NCMEC reports.")
    file_annotations: list[Annotated[str, Flag]] = Field(
        default_factory=list, max_length=MAX_FLAGS,
        description="NCMEC-style file flags, e.g. live_streaming, infant, possible_self_production, potential_meme.")


class ReporterIn(_Strict):
    name: str | None = ShortText
    email: str | None = Field(default=None, max_length=320)
    phone: str | None = Field(default=None, max_length=50)


def _alias_list() -> str:
    return "; ".join(f"`{name}` → `{kind.value}`" for name, kind in NCMEC_INCIDENT_TYPES.items())


INCIDENT_TYPE_HELP = (
    "Jigsaw's incident type, or NCMEC's CyberTipline name for it (any case and spacing), mapped "
    "exactly as the CyberTipline importer maps it: " + _alias_list() + ". Online enticement with "
    "the `sextortion` annotation is `sextortion`."
)


def with_ncmec_incident_type(data: Any) -> Any:
    """Replace an NCMEC incident-type name in a raw body by Jigsaw's type (what the importer does)."""
    if isinstance(data, dict) and isinstance(data.get("incident_type"), str):
        name = data["incident_type"]
        if name not in IncidentType.__members__.values():
            raw = data.get("annotations")
            flags = [a for a in raw if isinstance(a, str)] if isinstance(raw, list) else []
            found = ncmec_incident(name, flags) if len(name) <= 200 else None
            if found is not None:
                return {**data, "incident_type": found.value}
    return data


class ReportIn(_Strict):
    source: Source
    incident_type: IncidentType = Field(description=INCIDENT_TYPE_HELP)
    incident_at: AwareDatetime | None = None
    platform: str | None = ShortText
    summary: str = Field(min_length=1, max_length=MAX_SUMMARY_CHARS)
    escalation: str | None = Field(default=None, max_length=MAX_SUMMARY_CHARS,
                                   description="Free text when someone is in danger now.")
    reporter: ReporterIn | None = None
    subjects: list[SubjectIn] = Field(default_factory=list, max_length=MAX_SUBJECTS)
    media: list[MediaIn] = Field(default_factory=list, max_length=MAX_MEDIA)
    external_id: str | None = Field(
        default=None, max_length=200,
        description="Your own id. Resubmitting the same body with it returns the first report (200); "
                    "a different body with it is refused (409, naming that report).")
    annotations: list[Annotated[str, Flag]] = Field(
        default_factory=list, max_length=MAX_FLAGS,
        description="Structured report flags, e.g. escalate_high_priority, sextortion, csam_solicitation.")

    @model_validator(mode="before")
    @classmethod
    def _ncmec_names(cls, data: Any) -> Any:
        return with_ncmec_incident_type(data)


class ReportCreated(BaseModel):
    id: int
    reference: str
    created: bool = Field(description="False when this external_id was already submitted.")


class IdentifierOut(BaseModel):
    type: str
    value: str
    platform: str | None
    seen_at: datetime | None
    port: int | None


class SubjectOut(BaseModel):
    id: int
    role: str
    name: str | None
    description: str | None
    age: int | None
    identifiers: list[IdentifierOut]


class MediaOut(BaseModel):
    id: int
    md5: str | None
    sha1: str | None
    sha256: str | None
    pdq: str | None
    size: int | None
    media_type: str | None


class ReporterOut(BaseModel):
    name: str | None
    email: str | None
    phone: str | None


class ReportOut(BaseModel):
    id: int
    reference: str
    source: str
    channel: str
    status: str
    received_at: datetime
    incident_type: str
    incident_at: datetime | None
    platform: str | None
    summary: str
    escalation: str | None
    reporter: ReporterOut
    subjects: list[SubjectOut]
    media: list[MediaOut]
    triage: TriageOut | None = None


class ReportListItem(BaseModel):
    id: int
    reference: str
    received_at: datetime
    source: str
    incident_type: str


class ReportPage(BaseModel):
    total: int
    items: list[ReportListItem]
