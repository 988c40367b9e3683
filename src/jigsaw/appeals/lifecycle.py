"""The rules of a Most Wanted appeal, before anything is stored (pure: no web, database or OS).

An appeal moves ``draft → awaiting_approval → published → located | withdrawn | expired``.
Publishing someone's details interferes with their Article 8 rights, so (following *R (Ellis) v
Chief Constable of Essex* and the College of Policing's guidance on releasing images) an appeal
records its owning force, legal basis, necessity, proportionality and a risk assessment of the
family, vigilante and rehabilitation risks, and publishes only after **two** approvals by two
different supervisors, neither of them its author. Every published appeal has a review-by date
(:data:`DEFAULT_REVIEW_DAYS` ahead by default, never more than :data:`MAX_REVIEW_DAYS`): past it
the appeal is flagged, and :data:`REVIEW_GRACE` later it is unpublished as expired.

What the public sees comes only from :data:`PUBLIC_FIELDS` (modelled on the public fields of
the FBI and Interpol wanted APIs): never conviction details, never anything about victims.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from jigsaw.errors import InvalidInput


class AppealStatus(StrEnum):
    DRAFT = "draft"
    AWAITING_APPROVAL = "awaiting_approval"
    PUBLISHED = "published"
    LOCATED = "located"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


ENDED_STATUSES = frozenset({AppealStatus.LOCATED, AppealStatus.WITHDRAWN, AppealStatus.EXPIRED})
"""An ended appeal is never shown again, and its photo is deleted."""

STATUS_LABELS = {
    AppealStatus.DRAFT: "Draft", AppealStatus.AWAITING_APPROVAL: "Awaiting approval",
    AppealStatus.PUBLISHED: "Published", AppealStatus.LOCATED: "Located", AppealStatus.WITHDRAWN: "Withdrawn",
    AppealStatus.EXPIRED: "Expired (past review)",
}


class AppealReason(StrEnum):
    """Why the person is sought (staff only: the public page never says)."""

    WANTED = "wanted"  # wanted on warrant for an offence
    NOTIFICATION_BREACH = "notification_breach"  # missing in breach of notification requirements (SOA 2003 s.91)


REASON_LABELS = {AppealReason.WANTED: "Wanted on warrant",
                 AppealReason.NOTIFICATION_BREACH: "Missing in breach of notification requirements"}


class RiskLevel(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


RISKS = ("family", "vigilante", "rehabilitation")
"""The risks each appeal assesses before publication (the Ellis factors)."""

REGIONS = ("North East", "North West", "Yorkshire and the Humber", "East Midlands", "West Midlands",
           "East of England", "London", "South East", "South West", "Wales", "Scotland", "Northern Ireland")
"""Where an appeal is about, for the public list and the subscribers' area filter."""

PUBLIC_FIELDS = ("name", "aliases", "age", "description", "area_last_seen", "caution")
"""The only fields (with the photo and the region) that ever reach a public page or an alert."""

DEFAULT_REVIEW_DAYS = 28
MAX_REVIEW_DAYS = 28
REVIEW_GRACE = timedelta(days=3)
"""How long an appeal past its review-by date stays up (flagged) before it is unpublished."""
ADULT_AGE = 18
MAX_TEXT = 2_000
MAX_SHORT = 200
MAX_ALIASES = 10

# Words that belong to conviction or victim details, refused in public text as a safety net:
# a person still reads every public field before approving it.
_PRIVATE_TERMS = ("convicted", "conviction", "offence", "offense", "sentenced", "sentence", "victim", "prison",
                  "indecent", "rape", "abuse", "child", "daughter")


class AppealRefused(InvalidInput, ValueError):
    """An appeal change the rules do not allow; ``fields`` maps each field to what is wrong."""

    def __init__(self, fields: Mapping[str, str] | str) -> None:
        self.fields = {"appeal": fields} if isinstance(fields, str) else dict(fields)
        super().__init__("; ".join(f"{k}: {v}" if k != "appeal" else v for k, v in self.fields.items()))


@dataclass(frozen=True)
class PublicFields:
    """What a public page shows of an appeal (the allow-list, and nothing else)."""

    name: str
    aliases: tuple[str, ...]
    age: int | None
    description: str
    area_last_seen: str
    caution: str

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "aliases": list(self.aliases), "age": self.age, "description": self.description,
                "area_last_seen": self.area_last_seen, "caution": self.caution}


@dataclass(frozen=True)
class Justification:
    """Why publishing is lawful, necessary and proportionate, and what it risks."""

    legal_basis: str
    necessity: str
    proportionality: str
    risks: Mapping[str, tuple[str, str]]  # risk -> (level, assessment)

    def as_dict(self) -> dict[str, Any]:
        return {"legal_basis": self.legal_basis, "necessity": self.necessity, "proportionality": self.proportionality,
                "risks": {k: {"level": lvl, "assessment": text} for k, (lvl, text) in self.risks.items()}}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Justification:
        risks = {k: (str(v.get("level", "")), str(v.get("assessment", "")))
                 for k, v in dict(data.get("risks") or {}).items()}
        return cls(str(data.get("legal_basis", "")), str(data.get("necessity", "")),
                   str(data.get("proportionality", "")), risks)


def _clean(value: Any, limit: int) -> str:
    return " ".join(str(value or "").split())[: limit + 1]


def public_fields(raw: Mapping[str, Any]) -> tuple[PublicFields, dict[str, str]]:
    """The allow-listed public fields of ``raw`` (anything else is refused) and the problems by field."""
    problems: dict[str, str] = {}
    unknown = sorted(set(raw) - set(PUBLIC_FIELDS))
    if unknown:
        problems["public"] = f"not public fields: {', '.join(unknown)} (allowed: {', '.join(PUBLIC_FIELDS)})"
    name = _clean(raw.get("name"), MAX_SHORT)
    if not name:
        problems["name"] = "an appeal names the person"
    aliases_raw = raw.get("aliases") or ()
    if isinstance(aliases_raw, str):
        aliases_raw = aliases_raw.split(",")
    aliases = tuple(a for a in (_clean(x, MAX_SHORT) for x in aliases_raw) if a)
    if len(aliases) > MAX_ALIASES:
        problems["aliases"] = f"at most {MAX_ALIASES} aliases"
    age: int | None = None
    age_raw = raw.get("age")
    if age_raw not in (None, ""):
        try:
            age = int(str(age_raw).strip())
        except ValueError:
            problems["age"] = "age is a whole number of years"
        else:
            if not ADULT_AGE <= age <= 110:
                problems["age"] = f"an appeal is only ever about an adult ({ADULT_AGE} or over)"
    fields = PublicFields(name=name, aliases=aliases, age=age, description=_clean(raw.get("description"), MAX_TEXT),
                          area_last_seen=_clean(raw.get("area_last_seen"), MAX_SHORT),
                          caution=_clean(raw.get("caution"), MAX_TEXT))
    for key in ("name", "description", "area_last_seen", "caution"):
        value = getattr(fields, key)
        limit = MAX_SHORT if key in ("name", "area_last_seen") else MAX_TEXT
        if len(value) > limit:
            problems[key] = f"at most {limit} characters"
        elif (term := private_term(value)) is not None:
            problems[key] = f"public text never gives conviction or victim details (found {term.strip()!r})"
    for alias in aliases:
        if len(alias) > MAX_SHORT:
            problems["aliases"] = f"each alias is at most {MAX_SHORT} characters"
    return fields, problems


def private_term(text: str) -> str | None:
    """The first conviction or victim word in ``text``, if any (a net, not a judgement)."""
    lowered = f" {text.casefold()} "
    for term in _PRIVATE_TERMS:
        if re.search(rf"\b{re.escape(term.strip())}\b", lowered):
            return term
    return None


def justification(raw: Mapping[str, Any]) -> tuple[Justification, dict[str, str]]:
    """The justification in ``raw`` and its problems: each part must be written out."""
    problems: dict[str, str] = {}
    legal_basis = _clean(raw.get("legal_basis"), MAX_TEXT)
    necessity = _clean(raw.get("necessity"), MAX_TEXT)
    proportionality = _clean(raw.get("proportionality"), MAX_TEXT)
    for key, value in (("legal_basis", legal_basis), ("necessity", necessity), ("proportionality", proportionality)):
        if not value:
            problems[key] = "required before an appeal can go for approval"
        elif len(value) > MAX_TEXT:
            problems[key] = f"at most {MAX_TEXT} characters"
    risks: dict[str, tuple[str, str]] = {}
    given = raw.get("risks") or {}
    for risk in RISKS:
        entry = given.get(risk) or {}
        level = str(entry.get("level", "")).strip().lower()
        text = _clean(entry.get("assessment"), MAX_TEXT)
        if level not in {r.value for r in RiskLevel}:
            problems[f"risk_{risk}"] = f"the {risk} risk needs a level (low, medium or high)"
        if not text:
            problems[f"risk_{risk}"] = f"the {risk} risk needs an assessment"
        risks[risk] = (level, text)
    # A high risk can still be accepted, but the proportionality text must then address it.
    high = any(level == RiskLevel.HIGH for level, _ in risks.values())
    if high and not problems and "risk" not in proportionality.casefold():
        problems["proportionality"] = "a high risk is weighed in the proportionality statement (say how)"
    return Justification(legal_basis, necessity, proportionality, risks), problems


# --- moves -----------------------------------------------------------------------------------

APPROVALS_NEEDED = 2


def check_editable(status: AppealStatus) -> None:
    if status is not AppealStatus.DRAFT:
        raise AppealRefused("only a draft is changed; send it back to draft first")


def check_submit(status: AppealStatus, problems: Mapping[str, str], has_photo: bool) -> None:
    """A draft goes for approval only complete; a photo is optional."""
    del has_photo  # a photo helps the public but is not required
    if status is not AppealStatus.DRAFT:
        raise AppealRefused(f"a {status.value} appeal cannot be sent for approval")
    if problems:
        raise AppealRefused(problems)


def check_approval(status: AppealStatus, author_id: int, approver_id: int, approvers: Iterable[int]) -> bool:
    """Whether this approval publishes the appeal (the second one by a second person does).

    Refused: approving anything not awaiting approval, approving one's own appeal, approving twice.
    """
    if status is not AppealStatus.AWAITING_APPROVAL:
        raise AppealRefused(f"a {status.value} appeal is not awaiting approval")
    if approver_id == author_id:
        raise AppealRefused("the author of an appeal cannot approve it")
    earlier = set(approvers)
    if approver_id in earlier:
        raise AppealRefused("you have approved this appeal already: a second person must approve it")
    return len(earlier) + 1 >= APPROVALS_NEEDED


def check_return_to_draft(status: AppealStatus) -> None:
    if status not in (AppealStatus.AWAITING_APPROVAL,):
        raise AppealRefused(f"a {status.value} appeal cannot go back to draft")


def check_end(status: AppealStatus, target: AppealStatus) -> None:
    """Located: only a published appeal. Withdrawn: anything not ended. Expired: only by the review rule."""
    if status in ENDED_STATUSES:
        raise AppealRefused(f"the appeal is already {status.value}")
    if target is AppealStatus.LOCATED and status is not AppealStatus.PUBLISHED:
        raise AppealRefused("only a published appeal is marked located (withdraw one that is not published)")
    if target not in ENDED_STATUSES:
        raise AppealRefused(f"{target.value} does not end an appeal")


def default_review_by(today: date) -> date:
    return today + timedelta(days=DEFAULT_REVIEW_DAYS)


def check_review_by(review_by: date, today: date) -> None:
    if review_by <= today:
        raise AppealRefused({"review_by": "the review-by date is in the future"})
    if review_by > today + timedelta(days=MAX_REVIEW_DAYS):
        raise AppealRefused({"review_by": f"at most {MAX_REVIEW_DAYS} days ahead"})


class ReviewState(StrEnum):
    IN_DATE = "in_date"
    OVERDUE = "overdue"  # past review: flagged
    LAPSED = "lapsed"  # past review and the grace: unpublish


def review_state(review_by: date, now: datetime) -> ReviewState:
    """Where a published appeal stands against its review-by date (the end of that day, UTC)."""
    end_of_day = datetime(review_by.year, review_by.month, review_by.day, tzinfo=now.tzinfo) + timedelta(days=1)
    if now < end_of_day:
        return ReviewState.IN_DATE
    if now < end_of_day + REVIEW_GRACE:
        return ReviewState.OVERDUE
    return ReviewState.LAPSED


SLUG_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def make_slug(random_index: Callable[[int], int]) -> str:
    """A neutral public address part (never the name: a name in a URL outlives the appeal)."""
    return "".join(SLUG_ALPHABET[random_index(len(SLUG_ALPHABET))] for _ in range(8))


def make_reference(prefix: str, random_index: Callable[[int], int]) -> str:
    chars = "".join(REFERENCE_ALPHABET[random_index(len(REFERENCE_ALPHABET))] for _ in range(8))
    return f"{prefix}-{chars[:4]}-{chars[4:]}"


def make_passphrase(random_index: Callable[[int], int]) -> str:
    """A follow-up passphrase for a tipster: 15 characters, 75 bits, easy to read out."""
    chars = "".join(REFERENCE_ALPHABET[random_index(len(REFERENCE_ALPHABET))] for _ in range(15))
    return "-".join(chars[i:i + 5] for i in range(0, 15, 5))


def normalise_passphrase(text: str) -> str:
    kept = "".join(c for c in unicodedata.normalize("NFKC", text).upper() if c.isalnum())
    return "-".join(kept[i:i + 5] for i in range(0, len(kept), 5))
