"""The strategic threat assessment's rules (pure: no web, database or OS): the threat areas an
incident falls in, trends year on year, emerging platforms, the sections an analyst writes, and
the draft → submitted → approved lifecycle with four eyes.

CEOP's first assessment (2010) named online chat the most reported area, grooming the most
reported activity, and gaming and mobile social networks as emerging. The same questions are
asked of the record here: what is reported most, what is growing fastest, and where.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from jigsaw.errors import InvalidInput, NotAllowed

THREAT_AREAS: tuple[tuple[str, str], ...] = (
    ("grooming", "Grooming"),
    ("sextortion", "Sextortion"),
    ("self_generated", "Self-generated imagery"),
    ("livestreaming", "Live-streaming"),
    ("indecent_imagery", "Indecent imagery"),
    ("contact_abuse", "Contact abuse"),
    ("other", "Other"),
)
AREA_LABELS = dict(THREAT_AREAS)

_BY_INCIDENT = {
    "online_grooming": "grooming", "sexual_communication": "grooming", "meeting_arranged": "grooming",
    "sextortion": "sextortion", "image_request": "self_generated", "livestreaming": "livestreaming",
    "indecent_images": "indecent_imagery", "contact_abuse": "contact_abuse", "other": "other",
}

AREA_RULE_ID = "JS-PUB-THREAT-AREAS-1"
AREA_RULE = (
    "Each report is counted in one threat area, from its incident type: grooming (online grooming, sexual "
    "communication with a child, a meeting arranged); sextortion (threats or blackmail, or any report flagged "
    "'sextortion'); self-generated imagery (a child asked for nude or sexual images of themselves, or a report "
    "flagged 'minor_to_minor'); live-streaming; indecent imagery; contact abuse; other. A flag outranks the "
    "incident type it came with.")


def threat_area(incident_type: str, annotations: Iterable[str] = ()) -> str:
    """The one threat area a report is counted in, by :data:`AREA_RULE`."""
    flags = set(annotations or ())
    if "sextortion" in flags:
        return "sextortion"
    if "minor_to_minor" in flags:
        return "self_generated"
    return _BY_INCIDENT.get(incident_type, "other")


AGE_BANDS: tuple[str, ...] = ("0-3", "4-7", "8-11", "12-15", "16-17", "unknown")
"""The same bands as outcomes' children safeguarded, so the two can be read side by side."""


def age_band(age: int | None) -> str:
    if age is None or age < 0 or age > 17:
        return "unknown"
    for band in AGE_BANDS[:-1]:
        low, high = (int(x) for x in band.split("-"))
        if low <= age <= high:
            return band
    return "unknown"


MIN_BASE = 10
"""An emerging platform needs at least this many reports in the earlier period: without a base,
one report becomes "+100%"."""


@dataclass(frozen=True)
class Trend:
    key: str
    label: str
    now: int
    before: int

    @property
    def change(self) -> int:
        return self.now - self.before

    @property
    def change_pct(self) -> float | None:
        return None if self.before == 0 else 100.0 * self.change / self.before

    @property
    def change_text(self) -> str:
        pct = self.change_pct
        return f"{self.change:+,}" + (f" ({pct:+.0f}%)" if pct is not None else " (none before)")

    def as_dict(self) -> dict[str, object]:
        return {"key": self.key, "label": self.label, "now": self.now, "before": self.before,
                "change": self.change, "change_pct": None if self.change_pct is None else round(self.change_pct, 1)}


def trends(now: Mapping[str, int], before: Mapping[str, int], labels: Mapping[str, str] | None = None,
           order: Iterable[str] | None = None) -> list[Trend]:
    """Every key seen in either period, in ``order`` if given, else the most reported first."""
    keys = list(order) if order is not None else sorted(set(now) | set(before),
                                                        key=lambda k: (-now.get(k, 0), -before.get(k, 0), k))
    labels = labels or {}
    return [Trend(k, labels.get(k, k), int(now.get(k, 0)), int(before.get(k, 0))) for k in keys]


def emerging(now: Mapping[str, int], before: Mapping[str, int], *, min_base: int = MIN_BASE,
             limit: int = 5) -> list[Trend]:
    """Platforms growing fastest (by percentage) among those with at least ``min_base`` reports
    before, growing; then platforms new this period with at least ``min_base`` reports, largest first."""
    grown = [t for t in trends(now, before) if t.before >= min_base and t.now > t.before]
    grown.sort(key=lambda t: (-(t.change_pct or 0.0), -t.now, t.key))
    new = [t for t in trends(now, before) if t.before == 0 and t.now >= min_base]
    return (grown + new)[:limit]


SECTIONS: tuple[tuple[str, str], ...] = (
    ("summary", "Key judgements"),
    ("platforms", "Platforms"),
    ("incident_types", "Threat areas"),
    ("victims", "Victims by age"),
    ("emerging", "Emerging platforms"),
    ("outlook", "Outlook and intelligence gaps"),
)
SECTION_KEYS = tuple(k for k, _ in SECTIONS)
MAX_SECTION_CHARS = 20_000


def check_sections(sections: Mapping[str, str]) -> dict[str, str]:
    """The analyst's text per section, trimmed; unknown sections and overlong text are refused by name."""
    unknown = sorted(set(sections) - set(SECTION_KEYS))
    if unknown:
        raise InvalidInput(f"sections: unknown section(s); the sections are {', '.join(SECTION_KEYS)}")
    out: dict[str, str] = {}
    for key in SECTION_KEYS:
        text = (sections.get(key) or "").strip()
        if len(text) > MAX_SECTION_CHARS:
            raise InvalidInput(f"sections.{key}: at most {MAX_SECTION_CHARS:,} characters")
        out[key] = text
    return out


class Status(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    SUPERSEDED = "superseded"  # an approved version later edited: the edit is a new version


STATUS_LABELS = {Status.DRAFT: "Draft", Status.SUBMITTED: "Awaiting approval", Status.APPROVED: "Approved",
                 Status.SUPERSEDED: "Superseded by a later version"}


class FourEyesRefused(NotAllowed):
    """An assessment is approved by a supervisor who did not write it."""


def check_edit(status: Status) -> None:
    if status is Status.SUBMITTED:
        raise InvalidInput("status: the assessment is awaiting approval; return it to draft to edit it")
    if status is Status.SUPERSEDED:
        raise InvalidInput("status: a later version exists; edit that one")


def check_submit(status: Status, sections: Mapping[str, str]) -> None:
    if status is not Status.DRAFT:
        raise InvalidInput("status: only a draft can be submitted for approval")
    if not (sections.get("summary") or "").strip():
        raise InvalidInput("sections.summary: write the key judgements before submitting")


def check_approve(status: Status, author_id: int | None, approver_id: int | None) -> None:
    if status is not Status.SUBMITTED:
        raise InvalidInput("status: only an assessment awaiting approval can be approved")
    if approver_id is None:
        raise FourEyesRefused("an assessment is approved by a named supervisor")
    if author_id is not None and author_id == approver_id:
        raise FourEyesRefused("you wrote this assessment: a second person must approve it")


def check_return(status: Status) -> None:
    if status is not Status.SUBMITTED:
        raise InvalidInput("status: only an assessment awaiting approval can be returned")
