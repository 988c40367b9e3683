"""Request and response bodies of the matching routes (they shape the OpenAPI document).

The ``/h``, ``/m`` and ``/c`` bodies follow Hasher-Matcher-Actioner 2.x, so HMA clients keep
working: distances are strings there, as in HMA. Response models forbid unknown keys, so a key a
route adds without describing it here fails the tests rather than going undocumented.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, RootModel

MAX_BATCH = 10_000


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- requests -------------------------------------------------------------------------------

class HashQuery(BaseModel):
    signal_type: str = Field(examples=["pdq"])
    value: str


class MatchRequest(BaseModel):
    hashes: list[HashQuery] = Field(max_length=MAX_BATCH)
    banks: list[str] | None = None
    threshold: int | None = Field(default=None, ge=0, le=128,
                                  description="PDQ distance, at most the banks' own (a wider one "
                                              "is refused); default: each bank's own")


class BankCreate(BaseModel):
    name: str
    enabled: bool = True
    enabled_ratio: float | None = Field(default=None, ge=0, le=1)
    description: str = Field(default="", max_length=500)
    source: str = Field(default="", max_length=200)
    pdq_threshold: int | None = Field(default=None, ge=0, le=128)


# -- /h -------------------------------------------------------------------------------------

class HashesOut(_Out):
    """The hashes of one upload; a hash that does not apply to the file is left out."""

    pdq: str | None = Field(default=None, description="Images (and video frames): 64 hex digits.")
    md5: str | None = None
    sha1: str | None = None
    sha256: str | None = None
    video_md5: str | None = Field(default=None, description="Videos: the MD5 of the file, as HMA names it.")
    error: str | None = Field(default=None, description="Why the file got no perceptual hash (refused as too "
                                                        "large, or not decodable); its exact hashes still stand.")


# -- /m -------------------------------------------------------------------------------------

class ContentDistance(_Out):
    bank_content_id: int
    distance: str = Field(description="The distance, as a decimal string (as in HMA).")


class RawLookupOut(_Out):
    matches: list[int] | list[ContentDistance] = Field(
        description="Matching bank content ids; with include_distance, objects with the distance.")


class LookupOut(RootModel[dict[str, list[ContentDistance]]]):
    """Matches per bank name."""


class BankMatch(_Out):
    """One bank entry that matched, with the metadata an analyst needs."""

    bank: str
    entry_id: int
    signal_type: str
    hash: str
    distance: int
    uk_category: str | None
    vics_category: int | None
    series: str | None = Field(description="Shown to the centre only (null for partners).")
    victim_identified: bool | None = Field(description="Shown to the centre only (null for partners).")
    tags: list[str] = Field(description="Shown to the centre only (empty for partners).")


class HashResult(_Out):
    signal_type: str
    value: str
    matches: list[BankMatch] = Field(description="The nearest matches, at most 20.")
    truncated: bool = Field(description="Whether more entries matched than are listed.")


class MatchResults(_Out):
    results: list[HashResult] = Field(description="One per hash asked for, in the same order.")
    matched: int = Field(description="How many of the hashes matched at least one entry.")


# -- /c -------------------------------------------------------------------------------------

class BankOut(_Out):
    name: str
    matching_enabled_ratio: float
    description: str
    source: str
    pdq_threshold: int | None
    created_at: str = Field(description="ISO 8601.")
    entries: dict[str, int] | None = Field(default=None, description="Entries per signal type (listing only).")


class SignalsAdded(_Out):
    id: int = Field(description="The first entry created (HMA's single id).")
    ids: dict[str, int] = Field(description="The entry id per signal type.")
    signals: dict[str, str] = Field(description="The normalised hash per signal type.")
