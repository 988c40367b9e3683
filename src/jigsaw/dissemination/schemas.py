"""The dissemination API's bodies and answers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ItemIn(_In):
    text: str = Field(max_length=4000)
    source_evaluation: str | None = Field(None, description="3x5x2 source evaluation: 1 reliable, 2 untested, "
                                                            "3 not reliable")
    assessment: str | None = Field(None, description="A known directly … E suspected false")
    handling: str | None = Field(None, description="P lawful sharing permitted, C with conditions")
    conditions: str | None = Field(None, description="Required with handling C")
    legacy_5x5x5: str | None = Field(None, description="A legacy grade kept beside it, e.g. B35")


class PackageIn(_In):
    report_ids: list[int] = Field(min_length=1, max_length=500)
    subject_ids: list[int] = Field(default_factory=list, description="Default: the reports' suspects")
    recipient_org_id: int | None = Field(None, description="Default: the routing's choice, if the clues agree")
    route_reason: str | None = Field(None, max_length=1000, description="Why, when the recipient is chosen by hand")
    summary: str = Field(max_length=20000)
    classification: str = Field("OFFICIAL-SENSITIVE", description="OFFICIAL or OFFICIAL-SENSITIVE")
    descriptor: str | None = Field(None, description="With OFFICIAL-SENSITIVE: PERSONAL (default), COMMERCIAL, "
                                                     "LOCSEN")
    tlp: str | None = Field(None, description="TLP 2.0: clear, green, amber, amber+strict, red")
    handling: str | None = Field(None, max_length=1000, description="Handling instructions")
    items: list[ItemIn] = Field(default_factory=list, description="Graded items (default: the summary, 2C P)")


class PackageEditIn(_In):
    summary: str | None = Field(None, max_length=20000)
    recipient_org_id: int | None = None
    clear_recipient: bool = False
    route_reason: str | None = Field(None, max_length=1000)
    classification: str | None = None
    descriptor: str | None = None
    tlp: str | None = None
    handling: str | None = Field(None, max_length=1000)
    marking_reason: str | None = Field(None, max_length=1000, description="Required to lower a marking "
                                                                           "(supervisors only)")
    items: list[ItemIn] | None = None


class CommentIn(_In):
    comment: str | None = Field(None, max_length=4000)


class ReasonIn(_In):
    reason: str = Field(max_length=4000)


class MarkingIn(_In):
    classification: str | None = None
    descriptor: str | None = None
    tlp: str | None = None
    reason: str = Field(max_length=1000)


class RerouteIn(_In):
    recipient_org_id: int | None = None
    reason: str | None = Field(None, max_length=1000)


class MessageIn(_In):
    text: str = Field(max_length=4000)


class BatchIn(_In):
    report_ids: list[int] = Field(min_length=1, max_length=5000)
    summary: str | None = Field(None, max_length=20000)
    classification: str | None = None
    tlp: str | None = None


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class ProposalOut(_Out):
    recipient_org_id: int
    name: str
    ons_code: str | None
    basis: str
    reason: str
    share: float | None = None


class RecipientOut(_Out):
    org_id: int
    name: str
    kind: str
    ons_code: str | None
    country: str | None
    max_classification: str
    max_tlp: str
    international: bool
    accepts_stix: bool


class ItemOut(_Out):
    id: int
    text: str
    grade: str = Field(description="Short form, e.g. 2C P")
    source_evaluation: str
    assessment: str
    handling: str
    conditions: str | None
    legacy_5x5x5: str | None


class EventOut(_Out):
    id: int
    at: datetime
    kind: str
    by: str
    comment: str | None
    details: dict[str, Any]


class MessageOut(_Out):
    id: int
    at: datetime
    by: str
    organisation: str | None
    text: str


class PackageOut(_Out):
    id: int
    reference: str
    status: str
    band: str
    version: int
    classification: str
    descriptor: str | None
    tlp: str | None
    handling: str
    banner: str = Field(description="The marking as printed at the top and bottom of every page")
    recipient: RecipientOut | None
    route_basis: str | None
    route_reason: str | None
    routing_proposals: list[ProposalOut]
    needs: list[str] = Field(description="What stops it being sent now")
    summary: str
    items: list[ItemOut]
    evidence: dict[str, Any]
    created_at: datetime
    created_by: str
    approved_by: str | None
    approved_at: datetime | None
    dispatched_at: datetime | None
    action_by: datetime | None
    review_by: datetime | None
    acknowledge_by: datetime | None
    acknowledged_at: datetime | None
    responded_at: datetime | None
    response_reason: str | None
    escalated_at: datetime | None
    batch_id: int | None
    rerouted_from_id: int | None
    report_ids: list[int] | None = Field(None, description="The centre's reports (not shown to recipients)")
    subject_ids: list[int] | None = None
    available_actions: list[str]
    events: list[EventOut]
    messages: list[MessageOut]


class PackageSummaryOut(_Out):
    id: int
    reference: str
    status: str
    band: str
    recipient_org_id: int | None
    recipient: str | None
    created_at: datetime
    dispatched_at: datetime | None
    action_by: datetime | None
    acknowledge_by: datetime | None
    acknowledged_at: datetime | None
    escalated: bool
    past_action_by: bool
    batch_id: int | None
    classification: str
    tlp: str | None


class PackageList(_Out):
    packages: list[PackageSummaryOut]
    counts: dict[str, int]


class StixBundleOut(BaseModel):
    """A STIX 2.1 bundle (served as ``application/stix+json;version=2.1``)."""

    type: str = Field(description="Always bundle")
    id: str
    objects: list[dict[str, Any]] = Field(description="Identities, observables, relationships, the report, the "
                                                      "OASIS TLP 2.0 and GSC statement marking definitions")


class BatchOut(_Out):
    id: int
    reference: str
    created_at: datetime
    approved_at: datetime | None
    packages: list[PackageSummaryOut]
    not_ready: dict[str, list[str]] = Field(default_factory=dict)
