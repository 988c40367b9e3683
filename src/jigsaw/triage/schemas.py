"""Triage's API bodies: the ``triage`` object of a report, and the ATRS record (they shape the OpenAPI document).

:class:`TriageOut` is what ``GET /api/v1/reports/{id}`` carries for the centre's case-workers;
:class:`AtrsRecord` is ``GET /api/v1/triage/atrs`` as JSON. They describe the dicts that
``triage.service.api_triage`` and :func:`jigsaw.triage.atrs.atrs_record` build.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TriageOut(BaseModel):
    """The report's current triage: advisory, explained, and decided on by a person."""

    band: str = Field(description="P0 Immediate, P1 High, P2 Medium or P3 Low (after any override in force).")
    model_band: str = Field(description="The band the model gave, before any person's override.")
    due_at: datetime = Field(description="When a person must have acted on it.")
    overdue: bool
    score: int = Field(description="Weighted score 0-100.")
    actionability: int = Field(description="0-100; orders cases within a band, never changes the band.")
    config_version: str
    assessed_at: datetime
    overridden: bool
    override_pending: bool
    explanation: dict[str, Any] = Field(description="Rules fired, items with points and evidence, unknowns, "
                                                    "worst case, next steps.")


# -- the ATRS record --------------------------------------------------------------------------

class AtrsTier1(_Out):
    name: str
    description: str
    purpose: str
    how_it_works: str
    human_oversight: str
    contact: str


class AtrsBand(_Out):
    band: str
    label: str
    act_within_hours: int
    reached_by: str


class AtrsRule(_Out):
    id: str
    label: str
    band: str
    condition: str = Field(description="The rule's condition in words.")


class AtrsItem(_Out):
    id: str
    label: str
    points: int


class AtrsScoreGroup(_Out):
    id: str
    label: str
    cap: int
    items: list[AtrsItem]


class AtrsActionability(_Out):
    note: str
    base: int
    factors: list[AtrsItem]


class AtrsDecisionProcess(_Out):
    bands: list[AtrsBand]
    rules: list[AtrsRule]
    score_groups: list[AtrsScoreGroup]
    actionability: AtrsActionability


class AtrsRisk(_Out):
    risk: str
    mitigation: str


class AtrsTier2(_Out):
    owner_and_responsibility: dict[str, str]
    model_version: str
    configuration_sha256: str
    description_and_rationale: str
    decision_process: AtrsDecisionProcess
    human_oversight: dict[str, str]
    data: dict[str, Any] = Field(description="Inputs used, items analysts record, and what is never used.")
    impact_assessments: str
    risks_and_mitigations: list[AtrsRisk]


class AtrsRecord(_Out):
    """The UK Algorithmic Transparency Recording Standard record (tiers 1 and 2) of the live model."""

    standard: str
    tier_1: AtrsTier1
    tier_2: AtrsTier2
