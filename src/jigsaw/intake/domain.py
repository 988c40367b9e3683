"""What a report is, before it touches storage (pure: no web or database imports).

Both doors into Jigsaw (the public form and the partner API) build a :class:`ReportDraft`;
:func:`prepare` validates it and normalises every identifier, collecting *all* problems
with their location so the caller can show them at once and nothing is half-written.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar

from jigsaw.errors import InvalidInput
from jigsaw.identifiers import Identifier, IdentifierError, normalise
from jigsaw.signals import SIGNAL_TYPES, SignalError

E = TypeVar("E", bound=StrEnum)

MAX_SUMMARY_CHARS = 20_000
MAX_SHORT_TEXT = 500
MAX_SUBJECTS = 50
MAX_IDENTIFIERS_PER_SUBJECT = 100
MAX_MEDIA = 1000
MAX_ANNOTATIONS = 32  # report flags (NCMEC's incident annotations number about a dozen)
MAX_ANNOTATION_CHARS = 100
MAX_MEDIA_ANNOTATION_BYTES = 64 * 1024  # one media record's file annotations, EXIF details, as JSON


class Source(StrEnum):
    YOUNG_PERSON = "young_person"
    PARENT = "parent"
    PROFESSIONAL = "professional"
    PUBLIC = "public"
    PLATFORM = "platform"
    PARTNER_AGENCY = "partner_agency"
    POLICE = "police"


class Channel(StrEnum):
    PUBLIC_FORM = "public_form"
    API = "api"
    IMPORT = "import"
    DEMO = "demo"


class EntryRoute(StrEnum):
    """How a public-form report reached the form: typed in, or from a platform's Report Abuse button."""

    WEB_FORM = "web_form"
    BUTTON = "button"


class IncidentType(StrEnum):
    ONLINE_GROOMING = "online_grooming"
    SEXUAL_COMMUNICATION = "sexual_communication"
    IMAGE_REQUEST = "image_request"
    SEXTORTION = "sextortion"
    LIVESTREAMING = "livestreaming"
    MEETING_ARRANGED = "meeting_arranged"
    INDECENT_IMAGES = "indecent_images"
    CONTACT_ABUSE = "contact_abuse"
    OTHER = "other"


#: NCMEC's CyberTipline incident types → Jigsaw's. Keys are casefolded with runs of whitespace
#: made one space (:func:`ncmec_incident`). The CyberTipline importer and the partner API both map
#: through this one table, so a referral and an API submission naming the same NCMEC type land on
#: the same Jigsaw type. The first names are the schema's enumeration; then one client's spelling,
#: then the shorter names NCMEC uses in its public reporting categories.
NCMEC_INCIDENT_TYPES: dict[str, IncidentType] = {
    "child pornography (possession, manufacture, and distribution)": IncidentType.INDECENT_IMAGES,
    "child sex trafficking": IncidentType.CONTACT_ABUSE,
    "child sex tourism": IncidentType.CONTACT_ABUSE,
    "child sexual molestation": IncidentType.CONTACT_ABUSE,
    "misleading domain name": IncidentType.OTHER,
    "misleading words or digital images on the internet": IncidentType.OTHER,
    "online enticement of children for sexual acts": IncidentType.ONLINE_GROOMING,
    "unsolicited obscene material sent to a child": IncidentType.SEXUAL_COMMUNICATION,
    "online enticement of children for sexual act": IncidentType.ONLINE_GROOMING,
    "child pornography": IncidentType.INDECENT_IMAGES,
    "child sexual abuse material": IncidentType.INDECENT_IMAGES,
    "online enticement": IncidentType.ONLINE_GROOMING,
    "misleading words or digital images": IncidentType.OTHER,
    "unsolicited obscene material": IncidentType.SEXUAL_COMMUNICATION,
}


def ncmec_incident(name: str, annotations: tuple[str, ...] | list[str] = ()) -> IncidentType | None:
    """The Jigsaw incident type for an NCMEC incident-type name, or None if it is not one.

    As the CyberTipline importer has always done, online enticement flagged ``sextortion`` (the
    report annotation) is sextortion."""
    found = NCMEC_INCIDENT_TYPES.get(" ".join(name.split()).casefold())
    if found is IncidentType.ONLINE_GROOMING and "sextortion" in annotations:
        return IncidentType.SEXTORTION
    return found


INCIDENT_LABELS: dict[IncidentType, str] = {
    IncidentType.ONLINE_GROOMING: "Online grooming",
    IncidentType.SEXUAL_COMMUNICATION: "Sexual communication with a child",
    IncidentType.IMAGE_REQUEST: "Asked for nude or sexual images",
    IncidentType.SEXTORTION: "Threats or blackmail (sextortion)",
    IncidentType.LIVESTREAMING: "Asked to live-stream",
    IncidentType.MEETING_ARRANGED: "Asked to meet in person",
    IncidentType.INDECENT_IMAGES: "Indecent images of children",
    IncidentType.CONTACT_ABUSE: "Contact sexual abuse",
    IncidentType.OTHER: "Something else",
}


class SubjectRole(StrEnum):
    SUSPECT = "suspect"
    VICTIM = "victim"
    RECIPIENT = "recipient"


@dataclass(frozen=True)
class IdentifierDraft:
    type: str
    value: str
    platform: str | None = None
    seen_at: datetime | None = None
    port: int | None = None


@dataclass(frozen=True)
class SubjectDraft:
    role: str
    name: str | None = None
    description: str | None = None
    age: int | None = None
    identifiers: tuple[IdentifierDraft, ...] = ()


@dataclass(frozen=True)
class MediaDraft:
    md5: str | None = None
    sha1: str | None = None
    sha256: str | None = None
    pdq: str | None = None
    filename: str | None = None
    size: int | None = None
    media_type: str | None = None
    uk_category: str | None = None
    vics_category: int | None = None
    series: str | None = None
    victim_identified: bool | None = None
    annotations: Mapping[str, Any] = field(default_factory=dict)
    subject_index: int | None = None  # which of the draft's subjects sent or held it


@dataclass(frozen=True)
class Reporter:
    name: str | None = None
    email: str | None = None
    phone: str | None = None


@dataclass(frozen=True)
class ReportDraft:
    source: str
    incident_type: str
    summary: str
    channel: Channel = Channel.API
    incident_at: datetime | None = None
    platform: str | None = None
    escalation: str | None = None
    reporter: Reporter = field(default_factory=Reporter)
    subjects: tuple[SubjectDraft, ...] = ()
    media: tuple[MediaDraft, ...] = ()
    external_id: str | None = None
    received_at: datetime | None = None  # when the source received it; default: now
    annotations: tuple[str, ...] = ()
    source_data: Mapping[str, Any] = field(default_factory=dict)
    lines_of_enquiry: tuple[LineDraft, ...] = ()
    entry_route: EntryRoute | None = None
    entry_org_id: int | None = None  # the platform whose button it came through


@dataclass(frozen=True)
class LineDraft:
    title: str
    subject_index: int | None = None


@dataclass(frozen=True)
class PreparedIdentifier:
    identifier: Identifier
    seen_at: datetime | None
    port: int | None


@dataclass(frozen=True)
class PreparedSubject:
    role: SubjectRole
    name: str | None
    description: str | None
    age: int | None
    identifiers: tuple[PreparedIdentifier, ...]


@dataclass(frozen=True)
class PreparedReport:
    draft: ReportDraft
    source: Source
    incident_type: IncidentType
    reporter_email: str | None
    reporter_phone: str | None
    subjects: tuple[PreparedSubject, ...]
    media: tuple[MediaDraft, ...]


@dataclass(frozen=True)
class Problem:
    loc: tuple[str | int, ...]
    msg: str


class InvalidReport(InvalidInput, ValueError):
    """Every problem found in a draft, each with the location of the failing field."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{'.'.join(map(str, p.loc))}: {p.msg}" for p in problems))


UK_CATEGORIES = frozenset({"A", "B", "C"})
_MEDIA_SIGNALS = tuple(SIGNAL_TYPES[name] for name in ("md5", "sha1", "sha256", "pdq"))  # MediaDraft's fields


def prepare(draft: ReportDraft, *, default_region: str = "GB") -> PreparedReport:
    """Validate and normalise a draft; raise :class:`InvalidReport` listing every problem."""
    problems: list[Problem] = []
    source = _enum(Source, draft.source, ("source",), problems)
    incident = _enum(IncidentType, draft.incident_type, ("incident_type",), problems)
    _text(draft.summary, ("summary",), MAX_SUMMARY_CHARS, problems, required=True)
    _text(draft.escalation, ("escalation",), MAX_SUMMARY_CHARS, problems)
    _text(draft.platform, ("platform",), MAX_SHORT_TEXT, problems)
    _text(draft.reporter.name, ("reporter", "name"), MAX_SHORT_TEXT, problems)
    reporter_email = _reporter_contact("email", draft.reporter.email, default_region, problems)
    reporter_phone = _reporter_contact("phone", draft.reporter.phone, default_region, problems)
    if len(draft.subjects) > MAX_SUBJECTS:
        problems.append(Problem(("subjects",), f"at most {MAX_SUBJECTS} subjects per report"))
    if len(draft.media) > MAX_MEDIA:
        problems.append(Problem(("media",), f"at most {MAX_MEDIA} media items per report"))
    _check_annotations(draft.annotations, problems)
    subjects = tuple(
        _prepare_subject(s, i, default_region, problems) for i, s in enumerate(draft.subjects[:MAX_SUBJECTS])
    )
    media = tuple(_prepare_media(m, i, problems) for i, m in enumerate(draft.media[:MAX_MEDIA]))
    for i, m in enumerate(media):
        _check_subject_index(m.subject_index, len(subjects), ("media", i, "subject_index"), problems)
    for i, line in enumerate(draft.lines_of_enquiry):
        _text(line.title, ("lines_of_enquiry", i, "title"), MAX_SHORT_TEXT, problems, required=True)
        _check_subject_index(line.subject_index, len(subjects), ("lines_of_enquiry", i, "subject_index"), problems)
    if problems or source is None or incident is None:
        raise InvalidReport(problems)
    return PreparedReport(draft, source, incident, reporter_email, reporter_phone, subjects, media)


def _check_annotations(annotations: tuple[str, ...], problems: list[Problem]) -> None:
    """Report flags are short names from a small vocabulary; bound them so no source can store
    an unbounded list or a novel in one."""
    if len(annotations) > MAX_ANNOTATIONS:
        problems.append(Problem(("annotations",), f"at most {MAX_ANNOTATIONS} annotations per report"))
    for i, flag in enumerate(annotations[:MAX_ANNOTATIONS]):
        if len(flag) > MAX_ANNOTATION_CHARS:
            problems.append(Problem(("annotations", i), f"is {len(flag)} characters long; "
                                                        f"the limit is {MAX_ANNOTATION_CHARS}"))


def _enum(kind: type[E], value: str, loc: tuple[str | int, ...], problems: list[Problem]) -> E | None:
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        shown = repr(value) if len(value) <= 60 else f"{value[:40]!r}… ({len(value):,} characters)"
        problems.append(Problem(loc, f"{shown} is not one of: {allowed}"))
        return None


def _text(
    value: str | None, loc: tuple[str | int, ...], limit: int, problems: list[Problem], *, required: bool = False
) -> None:
    if value is None or not value.strip():
        if required:
            problems.append(Problem(loc, "is required"))
        return
    if len(value) > limit:
        problems.append(Problem(loc, f"is {len(value)} characters long; the limit is {limit}"))


def _check_subject_index(index: int | None, count: int, loc: tuple[str | int, ...], problems: list[Problem]) -> None:
    if index is not None and not 0 <= index < count:
        problems.append(Problem(loc, f"refers to subject {index}, but the report has {count}"))


def default_lines_of_enquiry(subjects: tuple[PreparedSubject, ...]) -> tuple[LineDraft, ...]:
    """One line per suspect; a report naming no suspect still gets one line to work."""
    lines = []
    for index, subject in enumerate(subjects):
        if subject.role is SubjectRole.SUSPECT:
            first = subject.identifiers[0].identifier if subject.identifiers else None
            label = subject.name or (f"{first.type.value} {first.value}" if first else f"suspect {index + 1}")
            lines.append(LineDraft(f"Identify and locate suspect: {label}", index))
    return tuple(lines) or (LineDraft("Assess the report"),)


def _reporter_contact(kind: str, value: str | None, region: str, problems: list[Problem]) -> str | None:
    if value is None or not value.strip():
        return None
    try:
        return normalise(kind, value, default_region=region).value
    except IdentifierError as exc:
        problems.append(Problem(("reporter", kind), str(exc)))
        return None


def _prepare_subject(subject: SubjectDraft, index: int, region: str, problems: list[Problem]) -> PreparedSubject:
    loc: tuple[str | int, ...] = ("subjects", index)
    role = _enum(SubjectRole, subject.role, (*loc, "role"), problems)
    _text(subject.name, (*loc, "name"), MAX_SHORT_TEXT, problems)
    _text(subject.description, (*loc, "description"), MAX_SUMMARY_CHARS, problems)
    if subject.age is not None and not 0 <= subject.age <= 120:
        problems.append(Problem((*loc, "age"), "must be between 0 and 120"))
    if len(subject.identifiers) > MAX_IDENTIFIERS_PER_SUBJECT:
        problems.append(Problem((*loc, "identifiers"), f"at most {MAX_IDENTIFIERS_PER_SUBJECT} identifiers"))
    prepared: list[PreparedIdentifier] = []
    for j, ident in enumerate(subject.identifiers[:MAX_IDENTIFIERS_PER_SUBJECT]):
        try:
            identifier = normalise(ident.type, ident.value, platform=ident.platform, default_region=region)
        except IdentifierError as exc:
            problems.append(Problem((*loc, "identifiers", j), str(exc)))
            continue
        if ident.port is not None and not 0 <= ident.port <= 65535:
            problems.append(Problem((*loc, "identifiers", j, "port"), "must be between 0 and 65535"))
        prepared.append(PreparedIdentifier(identifier, ident.seen_at, ident.port))
    return PreparedSubject(role or SubjectRole.SUSPECT, subject.name, subject.description, subject.age, tuple(prepared))


def _prepare_media(media: MediaDraft, index: int, problems: list[Problem]) -> MediaDraft:
    cleaned: dict[str, str | None] = {}
    for signal in _MEDIA_SIGNALS:
        name = signal.name
        value = getattr(media, name)
        if value is None:
            cleaned[name] = None
            continue
        try:
            value = signal.normalise(value)  # hex only: people and platforms write hex
        except SignalError:
            assert signal.nbytes is not None
            problems.append(Problem(("media", index, name), f"must be {signal.nbytes * 2} hexadecimal characters"))
            value = value.strip().lower()
        cleaned[name] = value
    if not any(cleaned.values()):
        problems.append(Problem(("media", index), "needs at least one of md5, sha1, sha256, pdq"))
    uk_category = media.uk_category.strip().upper() if media.uk_category else None
    if uk_category is not None and uk_category not in UK_CATEGORIES:
        problems.append(Problem(("media", index, "uk_category"), "must be A, B or C"))
    if media.vics_category is not None and not 0 <= media.vics_category <= 4:
        problems.append(Problem(("media", index, "vics_category"), "must be between 0 and 4"))
    if media.annotations:
        size = len(json.dumps(media.annotations, default=str, ensure_ascii=False).encode("utf-8", "replace"))
        if size > MAX_MEDIA_ANNOTATION_BYTES:
            problems.append(Problem(("media", index, "annotations"),
                                    f"are {size} bytes as JSON; the limit is {MAX_MEDIA_ANNOTATION_BYTES}"))
    # The constructor with every field, as ``dataclasses.replace`` would call it (cheaper in bulk).
    return MediaDraft(cleaned["md5"], cleaned["sha1"], cleaned["sha256"], cleaned["pdq"], media.filename, media.size,
                      media.media_type, uk_category, media.vics_category, media.series, media.victim_identified,
                      media.annotations, media.subject_index)


# Crockford base32 without I, L, O, U: easy to read aloud over the phone.
_REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_reference() -> str:
    """A human reference such as ``JIG-7K2M-9QXD`` (40 random bits)."""
    chars = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))
    return f"JIG-{chars[:4]}-{chars[4:]}"
