"""Response bodies of the networks and series API (they shape the OpenAPI document).

They describe the dicts :mod:`jigsaw.linking.queries` builds, and forbid unknown keys, so a key
added there without being described here fails the tests rather than going undocumented.
Times are ISO 8601 strings, exactly as the queries format them.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LinkedIdentifier(_Out):
    id: int
    type: str
    value: str
    platform: str | None


class CappedIdentifier(LinkedIdentifier):
    """A value that does not join subjects: known to be shared, or held by too many."""

    subjects: int = Field(description="How many subjects hold it.")
    reason: str = Field(description="Why it does not join (known shared, or over the fan-out cap).")


class ReportRef(_Out):
    id: int
    reference: str
    received_at: str = Field(description="ISO 8601.")


class LinkedSubject(_Out):
    id: int
    report_id: int
    report_reference: str
    role: str
    identifiers: list[LinkedIdentifier]


class NetworkSubject(LinkedSubject):
    community: int | None = Field(description="Leiden community inside a large network, if computed.")


class Network(_Out):
    id: int
    size: int = Field(description="Subjects in the network.")
    subjects: list[NetworkSubject]
    reports: list[ReportRef]
    media: int
    capped_identifiers: list[CappedIdentifier] = Field(description="Values held here that do not join.")


class NetworkPage(_Out):
    total: int
    networks: list[Network] = Field(description="Largest first.")
    capped_identifiers: list[CappedIdentifier]


class Series(_Out):
    id: int
    names: list[str] = Field(description="Series names from banks or from the source.")
    status: Literal["known", "possible_new_series"]
    victim_identified: bool | None
    first_seen: str = Field(description="ISO 8601.")
    last_seen: str = Field(description="ISO 8601.")
    media: int
    image_groups: int
    reports: list[ReportRef]
    subjects: list[LinkedSubject]


class SeriesPage(_Out):
    total: int
    series: list[Series] = Field(description="Known series first, then by number of reports.")
