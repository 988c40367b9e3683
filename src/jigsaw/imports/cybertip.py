"""NCMEC CyberTipline XML → intake drafts (pure: no web or database imports).

A referral is a ``<report>`` document plus the ``<fileDetails>`` documents of its files,
as platforms file them through the CyberTipline Reporting API (docs/design/formats.md §1).
NCMEC assigns the ``reportId`` when a report is opened, so the report document does not
carry it: in a batch it comes from the file name (``<reportId>.xml``) or from the folder
the document sits in; each ``<fileDetails>`` names its report in ``<reportId>``.

What matters for linking and triage becomes structured data (subjects, identifiers, media,
annotations); everything else the schema defines is kept in ``source_data``. Personal
details are kept only in the encrypted columns (names, descriptions, identifier values,
file names), never in ``source_data``, which is stored as plain JSON.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from jigsaw.formats.safexml import Node, XmlRefused, node_to_data, parse_xml
from jigsaw.formats.values import parse_bool, snake
from jigsaw.imports.common import (
    DocumentError,
    age_on,
    clip,
    hash_kind,
    parse_datetime,
    valid_hash,
)
from jigsaw.imports.limits import DEFAULT_LIMITS, Limits
from jigsaw.imports.summary import Issue
from jigsaw.intake.domain import (
    MAX_SHORT_TEXT,
    NCMEC_INCIDENT_TYPES,
    Channel,
    IdentifierDraft,
    IncidentType,
    MediaDraft,
    ReportDraft,
    Reporter,
    Source,
    SubjectDraft,
    SubjectRole,
    ncmec_incident,
)

FORMAT = "cybertip"

# NCMEC incident types → intake incident types: one table with the partner API's aliases
# (jigsaw.intake.domain). The NCMEC string is always kept in
# source_data["cybertip"]["incidentSummary"]["incidentType"].
INCIDENT_TYPES = NCMEC_INCIDENT_TYPES

# reportAnnotations flags → ReportDraft.annotations.
REPORT_ANNOTATIONS = {
    "sextortion": "sextortion",
    "csamSolicitation": "csam_solicitation",
    "minorToMinorInteraction": "minor_to_minor",
    "spam": "spam",
    "sadisticOnlineExploitation": "sadistic_online_exploitation",
    "informational": "informational",
}
ESCALATION_ANNOTATION = "escalate_high_priority"

# Industry classification (Tech Coalition: letter = apparent age, digit = severity) →
# (UK Sentencing Council category, VICS category). "1" (sex act) may be UK A or B, so it is
# left for a person to grade unless the file is flagged for bestiality (always A);
# "2" (lascivious exhibition) is C. All four are child abuse material: VICS 1.
INDUSTRY_CLASSIFICATION: dict[str, tuple[str | None, int]] = {
    "A1": (None, 1), "A2": ("C", 1), "B1": (None, 1), "B2": ("C", 1),
}

_REPORT_ID = re.compile(r"^[0-9]{1,20}$")
_PERSON_FIELDS = ("personOrUserReportedPerson", "intendedRecipientPerson", "victimPerson",
                  "associatedAccountPerson")
_IMEI_TYPES = {"IMEI", "IMEISV", "MEID"}


@dataclass(frozen=True)
class FileDetails:
    """One parsed ``<fileDetails>`` document, waiting to be joined to its report."""

    name: str
    report_id: str
    line: int
    media: MediaDraft | None
    captures: tuple[IdentifierDraft, ...]  # IPs and devices seen for the file (the uploader's)
    source: dict[str, Any]
    digest: str  # SHA-256 of the document's bytes
    warnings: tuple[Issue, ...] = ()


@dataclass(frozen=True)
class ParsedReport:
    """A report ready for :func:`jigsaw.intake.domain.prepare`, with what the importer needs."""

    name: str
    external_id: str
    digest: str
    draft: ReportDraft
    warnings: tuple[Issue, ...] = ()


def external_id(report_id: str) -> str:
    return f"cybertip:{report_id}"


_ROOT_RE = re.compile(rb"<\s*(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)[\s/>]")


def sniff_root(data: bytes) -> str | None:
    """The root element's name, read cheaply from the first bytes (None if not found).

    Used only to route documents (reports vs. file details) before the real, safe parse.
    """
    head = data[:4096]
    position = 0
    while True:
        match = _ROOT_RE.search(head, position)
        if match is None:
            return None
        name = match.group(1).decode("ascii", "replace")
        if head[match.start() + 1: match.start() + 2] not in (b"?", b"!"):
            return name
        position = match.end()


def report_id_from_name(name: str) -> str | None:
    """``123.xml`` → ``123``; ``123/report.xml`` → ``123`` (the folder-per-report layout)."""
    parts = name.replace("\\", "/").split("/")
    stem = parts[-1].rsplit(".", 1)[0]
    if _REPORT_ID.match(stem):
        return stem
    if len(parts) > 1 and _REPORT_ID.match(parts[-2]):
        return parts[-2]
    return None


# --- fileDetails ---------------------------------------------------------------------


_REPORT_ID_ELEMENT = re.compile(rb"<reportId>\s*([0-9]{1,20})\s*</reportId>")


def report_id_hint(data: bytes) -> str | None:
    """The reportId a ``<fileDetails>`` document names, read from its bytes when unambiguous.

    Lets the importer send a file's document to the worker that parses its report, instead of
    parsing every file in a pass of its own first. Only a routing hint: None unless the text
    holds exactly one ``<reportId`` and no comment or CDATA section that could hide another,
    and the worker's real, safe parse must agree with it.
    """
    if data.count(b"<reportId") != 1 or b"<!--" in data or b"<![CDATA[" in data:
        return None
    match = _REPORT_ID_ELEMENT.search(data)
    return match.group(1).decode("ascii") if match else None


def parse_file_details(name: str, data: bytes, limits: Limits = DEFAULT_LIMITS, *, lines: bool = True
                       ) -> FileDetails:
    """Parse one ``<fileDetails>`` document; raise :class:`DocumentError` with the line.

    ``lines=False``: see :func:`_quick_then_exact` (``FileDetails.line`` is then 0).
    """
    return _quick_then_exact(lambda exact: _file_details(name, data, limits, exact), lines)


def _file_details(name: str, data: bytes, limits: Limits, lines: bool) -> FileDetails:
    root = _parse(data, limits, lines)
    if root.tag != "fileDetails":
        raise DocumentError(f"expected a <fileDetails> document, found <{root.tag}>", root.line)
    id_node = root.find("reportId")
    report_id = id_node.text.strip() if id_node is not None else ""
    if not report_id:
        raise DocumentError("<fileDetails> has no <reportId> naming its report", root.line)
    if not _REPORT_ID.match(report_id):
        raise DocumentError(f"<reportId> {report_id!r} is not a CyberTipline report id", id_node.line
                            if id_node is not None else root.line)
    warnings: list[Issue] = []
    hashes: dict[str, str] = {}
    for hash_node in root.findall("originalFileHash"):
        _add_hash(hashes, hash_node.attrib.get("hashType"), hash_node.text, name, hash_node.line, warnings)
    details: list[dict[str, Any]] = []
    for details_node in root.findall("details"):
        details_type = details_node.attrib.get("type")
        for pair in details_node.findall("nameValuePair"):
            pair_type = pair.attrib.get("type") or details_type
            pair_name, pair_value = pair.findtext("name"), pair.findtext("value")
            if (pair_type or "").upper() == "HASH" and hash_kind(pair_name):
                _add_hash(hashes, pair_name, pair_value or "", name, pair.line, warnings)
            details.append({"type": pair_type, "name": pair_name, "value": pair_value})
    flags = root.find("fileAnnotations")
    file_flags = [snake(child.tag) for child in flags.children] if flags is not None else []
    classification = (root.findtext("industryClassification") or "").upper() or None
    relevance = root.findtext("fileRelevance")
    if relevance == "Supplemental Reported" and (classification or "potential_meme" in file_flags):
        warnings.append(Issue(name, "a 'Supplemental Reported' file may not carry an industry classification "
                                    "or potentialMeme flag (kept as sent)", root.line))
    uk_category, vics_category = INDUSTRY_CLASSIFICATION.get(classification or "", (None, None))
    if classification in INDUSTRY_CLASSIFICATION and "bestiality" in file_flags:
        uk_category = "A"
    if classification and classification not in INDUSTRY_CLASSIFICATION:
        warnings.append(Issue(name, f"unknown industryClassification {classification!r} (kept as sent)"))
    captures = tuple(_ip_events(root, None)) + tuple(_devices(root, name, warnings))
    annotations: dict[str, Any] = {
        "file_id": root.findtext("fileId"),
        "esp_file_name": root.findtext("fileName"),
        "uploaded_to_esp_at": root.findtext("uploadedToEspTimestamp"),
        "location_of_file": root.findtext("locationOfFile"),
        "file_viewed_by_esp": parse_bool(root.findtext("fileViewedByEsp"), strict=False),
        "exif_viewed_by_esp": parse_bool(root.findtext("exifViewedByEsp"), strict=False),
        "publicly_available": parse_bool(root.findtext("publiclyAvailable"), strict=False),
        "file_relevance": relevance,
        "file_annotations": file_flags,
        "industry_classification": classification,
        "details": details,
        "additional_info": [n.text.strip() for n in root.findall("additionalInfo") if n.text.strip()],
        "source": FORMAT,
    }
    annotations = {k: v for k, v in annotations.items() if v not in (None, [], "")}
    media = None
    if hashes:
        media = MediaDraft(
            md5=hashes.get("md5"), sha1=hashes.get("sha1"), sha256=hashes.get("sha256"), pdq=hashes.get("pdq"),
            filename=root.findtext("originalFileName") or root.findtext("fileName"),
            uk_category=uk_category, vics_category=vics_category, annotations=annotations,
        )
    else:
        warnings.append(Issue(name, "file has no usable hash; kept in the report's source data only", root.line))
    source: dict[str, Any] = {"document": name, "fileId": root.findtext("fileId"), "hasMedia": media is not None}
    if media is None:
        source["annotations"] = annotations
    return FileDetails(name, report_id, id_node.line if id_node is not None else root.line, media, captures,
                       source, hashlib.sha256(data.strip()).hexdigest(), tuple(warnings))


def _add_hash(hashes: dict[str, str], label: str | None, value: str, name: str, line: int,
              warnings: list[Issue]) -> None:
    kind = hash_kind(label)
    if kind is None:
        warnings.append(Issue(name, f"hash type {label!r} is not one of MD5, SHA1, SHA256, PDQ (ignored)", line))
        return
    cleaned = valid_hash(kind, value)
    if cleaned is None:
        warnings.append(Issue(name, f"{label} hash is not valid hexadecimal of the right length (ignored)", line))
        return
    hashes.setdefault(kind, cleaned)


# --- report --------------------------------------------------------------------------


def parse_report(
    name: str, data: bytes, files: Sequence[FileDetails] = (), *, report_id: str | None = None,
    limits: Limits = DEFAULT_LIMITS, lines: bool = True,
) -> ParsedReport:
    """Parse a ``<report>`` document and join its file details into one :class:`ReportDraft`.

    ``lines=False``: see :func:`_quick_then_exact`.
    """
    return _quick_then_exact(lambda exact: _report(name, data, files, report_id, limits, exact), lines)


ParsedT = TypeVar("ParsedT", FileDetails, ParsedReport)


def _quick_then_exact(parse: Callable[[bool], ParsedT], lines: bool) -> ParsedT:
    """Parse without line numbers first (much faster) and again with them only when needed.

    Most referrals parse without a single remark; only a document with a warning or an error
    is parsed a second time, with lines, so that what is reported points into the file.
    """
    if not lines:
        try:
            quick = parse(False)
        except DocumentError:
            pass
        else:
            if not quick.warnings:
                return quick
    return parse(True)


def _report(name: str, data: bytes, files: Sequence[FileDetails], report_id: str | None, limits: Limits,
            lines: bool) -> ParsedReport:
    root = _parse(data, limits, lines)
    if root.tag != "report":
        raise DocumentError(f"expected a <report> (or <fileDetails>) document, found <{root.tag}>", root.line)
    report_id = report_id or report_id_from_name(name)
    if report_id is None:
        raise DocumentError("cannot tell the reportId: name the document <reportId>.xml or put it in a folder "
                            "named after its reportId", root.line)
    builder = _ReportBuilder(name, report_id, root, files)
    draft = builder.build()
    digest = document_digest(data, [f.digest for f in files])
    return ParsedReport(name, external_id(report_id), digest, draft, tuple(builder.warnings))


def document_digest(report: bytes, file_digests: Iterable[str]) -> str:
    """Identity of a referral's content: its report bytes plus its files' digests, in any order.

    Byte-level on purpose: hashing a canonical tree costs more than parsing it, and a sender
    that re-serialises a document has, for the audit trail, sent a different document.
    """
    combined = hashlib.sha256(report.strip())
    for digest in sorted(file_digests):
        combined.update(digest.encode())
    return combined.hexdigest()


def _parse(data: bytes, limits: Limits, lines: bool = True) -> Node:
    try:
        return parse_xml(data, limits, lines=lines)
    except XmlRefused as exc:
        raise DocumentError(exc.reason, exc.line) from None


@dataclass
class _ReportBuilder:
    name: str
    report_id: str
    root: Node
    files: Sequence[FileDetails]
    warnings: list[Issue] = field(default_factory=list)
    subjects: list[SubjectDraft] = field(default_factory=list)
    subject_data: list[dict[str, Any]] = field(default_factory=list)
    platform: str | None = None
    incident_at: datetime | None = None

    def build(self) -> ReportDraft:
        root = self.root
        summary_node = root.find("incidentSummary")
        if summary_node is None:
            raise DocumentError("<report> has no <incidentSummary>", root.line)
        ncmec_type = summary_node.findtext("incidentType")
        if ncmec_type is None:
            raise DocumentError("<incidentSummary> has no <incidentType>", summary_node.line)
        annotations = self._annotations(summary_node)
        incident = ncmec_incident(ncmec_type, annotations)
        if incident is None:
            incident = IncidentType.OTHER
            self.warnings.append(Issue(self.name, f"unknown incidentType {ncmec_type!r}; imported as 'other'",
                                       summary_node.line))
        when = summary_node.find("incidentDateTime")
        try:
            self.incident_at = parse_datetime(when.text if when is not None else None)
        except ValueError as exc:
            raise DocumentError(f"<incidentDateTime>: {exc}", when.line if when is not None else None) from None
        escalation = summary_node.findtext("escalateToHighPriority")
        reporter_node = root.find("reporter")
        self.platform = summary_node.findtext("platform") or _email_domain(reporter_node)
        if self.platform:
            self.platform = self.platform[:MAX_SHORT_TEXT]
        suspect = root.find("personOrUserReported")
        if suspect is not None:
            self._subject(suspect, SubjectRole.SUSPECT, "person or user reported")
            for account in suspect.findall("associatedAccount"):
                kind = account.attrib.get("accountType") or "Other"
                self._subject(account, SubjectRole.SUSPECT, f"associated account ({kind})")
        for node in root.findall("intendedRecipient"):
            self._subject(node, SubjectRole.RECIPIENT, "intended recipient")
        for node in root.findall("victim"):
            self._subject(node, SubjectRole.VICTIM, "victim")
        media, files_data = self._media(suspect is not None)
        source_data = {
            FORMAT: {
                "reportId": self.report_id,
                "batchedReport": _maybe(root.find("batchedReport")),
                "incidentSummary": {
                    "incidentType": ncmec_type,
                    "platform": summary_node.findtext("platform"),
                    "incidentDateTime": summary_node.findtext("incidentDateTime"),
                    "reportAnnotations": [c.tag for c in _children(summary_node.find("reportAnnotations"))],
                },
                "internetDetails": [node_to_data(n) for n in root.findall("internetDetails")],
                "lawEnforcement": _maybe(root.find("lawEnforcement")),
                "reporter": _reporter_rest(reporter_node),
                "subjects": self.subject_data,
                "files": files_data,
            },
        }
        return ReportDraft(
            source=Source.PLATFORM.value, incident_type=incident.value, channel=Channel.IMPORT,
            summary=self._summary(ncmec_type, summary_node, len(media)), incident_at=self.incident_at,
            platform=self.platform, escalation=clip(escalation) if escalation else None,
            reporter=_reporter(reporter_node), subjects=tuple(self.subjects), media=tuple(media),
            external_id=external_id(self.report_id), annotations=tuple(annotations),
            source_data=source_data,
        )

    def _annotations(self, summary_node: Node) -> list[str]:
        found: list[str] = []
        if self.root.find("batchedReport") is not None:
            found.append("batched_report")
        for flag in _children(summary_node.find("reportAnnotations")):
            found.append(REPORT_ANNOTATIONS.get(flag.tag, snake(flag.tag)))
        if summary_node.findtext("escalateToHighPriority"):
            found.append(ESCALATION_ANNOTATION)
        return list(dict.fromkeys(found))

    def _summary(self, ncmec_type: str, summary_node: Node, media_count: int) -> str:
        lines = [f"NCMEC CyberTipline report {self.report_id}: {ncmec_type}."]
        if self.platform:
            lines.append(f"Platform: {self.platform}.")
        described = summary_node.findtext("incidentDateTimeDescription")
        if described:
            lines.append(f"When: {described}")
        info = self.root.findtext("additionalInfo")
        if info:
            lines.append(info)
        if media_count:
            lines.append(f"Files reported: {media_count}.")
        return clip("\n".join(lines))

    def _subject(self, node: Node, role: SubjectRole, label: str) -> None:
        person = next((c for c in node.children if c.tag in _PERSON_FIELDS), None)
        identifiers: list[IdentifierDraft] = []
        notes: list[str] = [f"CyberTipline {label}"]
        name, age = None, None
        if person is not None:
            name, age = self._person(person, identifiers, notes)
        platform = self.platform
        esp_id = node.findtext("espIdentifier")
        if esp_id:
            identifiers.append(IdentifierDraft("esp_user_id", esp_id, platform))
        screen = node.findtext("screenName")
        if screen:
            identifiers.append(IdentifierDraft("username", screen, platform))
        for url in node.findall("profileUrl"):
            if url.text.strip():
                identifiers.append(IdentifierDraft("url", url.text.strip()))
        identifiers.extend(_ip_events(node, None))
        identifiers.extend(_devices(node, self.name, self.warnings))
        notes.extend(_capture_notes(node))
        if (esp_id or screen) and not platform:
            self.warnings.append(Issue(self.name, "no platform to key usernames and ESP ids by (no "
                                                  "incidentSummary/platform or reporter email)", node.line))
            identifiers = [i for i in identifiers if i.type not in ("esp_user_id", "username")]
            notes.append(f"ESP id: {esp_id or '-'}; screen name: {screen or '-'}")
        for tag, title in (("displayName", "Display name"), ("profileBio", "Profile bio"),
                           ("vehicleDescription", "Vehicle"), ("schoolName", "School"),
                           ("additionalInfo", "Additional information")):
            for item in node.findall(tag):
                if item.text.strip():
                    notes.append(f"{title}: {item.text.strip()}")
        location = node.find("estimatedLocation")
        if location is not None:
            parts = [location.findtext(t) for t in ("city", "region", "countryCode")]
            notes.append("Estimated location: " + ", ".join(p for p in parts if p))
        if not name:
            display = node.findtext("displayName")
            name = display[:MAX_SHORT_TEXT] if display else None
        flags = {tag: node.findtext(tag) for tag in ("compromisedAccount", "thirdPartyUserReported",
                                                     "accountTemporarilyDisabled", "accountPermanentlyDisabled",
                                                     "allEmailsReported", "ageAssertionDiscrepancy")
                 if node.findtext(tag) is not None}
        prior = [p.text.strip() for p in node.findall("priorCTReports") if p.text.strip()]
        data: dict[str, Any] = {"role": role.value, "label": label, "subject_index": len(self.subjects), **flags}
        if prior:
            data["priorCTReports"] = prior
        if node.findtext("groupIdentifier"):
            data["groupIdentifier"] = node.findtext("groupIdentifier")
        if location is not None:
            data["estimatedLocation"] = {**{f"@{k}": v for k, v in location.attrib.items()}}
        for key in ("accountType", "thirdPartyUser"):
            if key in node.attrib:
                data[key] = node.attrib[key]
        self.subject_data.append(data)
        self.subjects.append(SubjectDraft(role=role.value, name=name, description=clip("\n".join(notes)),
                                          age=age, identifiers=tuple(identifiers)))

    def _person(self, person: Node, identifiers: list[IdentifierDraft], notes: list[str]) -> tuple[
            str | None, int | None]:
        first, last = person.findtext("firstName"), person.findtext("lastName")
        name = " ".join(p for p in (first, last) if p) or None
        for email in person.findall("email"):
            if email.text.strip():
                identifiers.append(IdentifierDraft("email", email.text.strip()))
                if email.attrib:
                    notes.append(f"Email {email.text.strip()}: " + _attrs(email))
        for phone in person.findall("phone"):
            if phone.text.strip():
                identifiers.append(IdentifierDraft("phone", _phone(phone)))
        for address in person.findall("address"):
            parts = [address.findtext(t) for t in ("address", "city", "state", "nonUsaState", "zipCode", "country")]
            text = ", ".join(p for p in parts if p)
            if text:
                identifiers.append(IdentifierDraft("postal_address", text))
        age: int | None = None
        raw_age = person.findtext("age")
        if raw_age is not None:
            try:
                age = int(raw_age)
            except ValueError:
                self.warnings.append(Issue(self.name, f"age {raw_age!r} is not a number (ignored)", person.line))
        born = person.findtext("dateOfBirth")
        if born:
            notes.append(f"Date of birth: {born}")
            if age is None:
                try:
                    birth = parse_datetime(born)
                except ValueError:
                    birth = None
                    self.warnings.append(Issue(self.name, "dateOfBirth is not a date (kept as text)", person.line))
                if birth is not None:
                    age = age_on(birth.date(), (self.incident_at or datetime.now(UTC)).date())
        if age is not None and not 0 <= age <= 120:
            self.warnings.append(Issue(self.name, f"age {age} is out of range (ignored)", person.line))
            age = None
        if person.findtext("ageAssertionDiscrepancy"):
            notes.append(f"Age assertion discrepancy: {person.findtext('ageAssertionDiscrepancy')}")
        return (name[:MAX_SHORT_TEXT] if name else None), age

    def _media(self, has_suspect: bool) -> tuple[list[MediaDraft], list[dict[str, Any]]]:
        media: list[MediaDraft] = []
        files_data: list[dict[str, Any]] = []
        for details in self.files:
            self.warnings.extend(details.warnings)
            entry = dict(details.source)
            if details.media is not None:
                subject_index = 0 if has_suspect else None
                m = details.media  # every field, as dataclasses.replace would pass them (cheaper)
                media.append(MediaDraft(m.md5, m.sha1, m.sha256, m.pdq, m.filename, m.size, m.media_type, m.uk_category,
                                        m.vics_category, m.series, m.victim_identified, m.annotations, subject_index))
                entry["media_index"] = len(media) - 1
            if details.captures:
                if has_suspect:  # the upload IPs and devices are the reported user's
                    first = self.subjects[0]
                    self.subjects[0] = SubjectDraft(first.role, first.name, first.description, first.age,
                                                    first.identifiers + details.captures)
                    entry["captures_on_subject"] = 0
                else:
                    entry["captures"] = [{"type": c.type, "seen_at": c.seen_at, "port": c.port}
                                         for c in details.captures]
            files_data.append(entry)
        return media, files_data


def _children(node: Node | None) -> Iterable[Node]:
    return node.children if node is not None else ()


def _maybe(node: Node | None) -> Any:
    return node_to_data(node) if node is not None else None


def _attrs(node: Node) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(node.attrib.items()))


def _phone(node: Node) -> str:
    number = node.text.strip()
    code = node.attrib.get("countryCallingCode", "").strip()
    if code and not number.startswith("+"):
        number = f"{code if code.startswith('+') else '+' + code} {number}"
    return number


def _ip_events(node: Node, platform: str | None) -> Iterable[IdentifierDraft]:
    for event in node.findall("ipCaptureEvent"):
        address = event.findtext("ipAddress")
        if not address:
            continue
        try:
            seen = parse_datetime(event.findtext("dateTime"))
        except ValueError:
            seen = None
        port_text = event.findtext("port")
        port = int(port_text) if port_text and port_text.isdigit() else None
        yield IdentifierDraft("ip", address, platform, seen, port)


def _devices(node: Node, name: str, warnings: list[Issue]) -> Iterable[IdentifierDraft]:
    for device in node.findall("deviceId"):
        value = device.findtext("idValue")
        if not value:
            continue
        id_type = (device.findtext("idType") or "").strip().upper()
        try:
            seen = parse_datetime(device.findtext("dateTime"))
        except ValueError:
            seen = None
        kind = "imei" if id_type in _IMEI_TYPES else "device_id"
        yield IdentifierDraft(kind, value, None, seen)


def _capture_notes(node: Node) -> Iterable[str]:
    """Event names and proxy flags of IP captures and device ids (observations keep time and port)."""
    for event in node.findall("ipCaptureEvent"):
        extra = [f"{tag}={event.findtext(tag)}" for tag in ("eventName", "possibleProxy") if event.findtext(tag)]
        if extra:
            yield f"IP {event.findtext('ipAddress')}: " + ", ".join(extra)
    for device in node.findall("deviceId"):
        extra = [f"{tag}={device.findtext(tag)}" for tag in ("idType", "eventName") if device.findtext(tag)]
        if extra:
            yield f"Device {device.findtext('idValue')}: " + ", ".join(extra)


def _email_domain(reporter: Node | None) -> str | None:
    person = reporter.find("reportingPerson") if reporter is not None else None
    email = person.findtext("email") if person is not None else None
    if email and "@" in email:
        return email.rpartition("@")[2].strip().casefold() or None
    return None


def _reporter(node: Node | None) -> Reporter:
    person = node.find("reportingPerson") if node is not None else None
    if person is None:
        return Reporter()
    name = " ".join(p for p in (person.findtext("firstName"), person.findtext("lastName")) if p) or None
    phone = person.find("phone")
    return Reporter(name=name[:MAX_SHORT_TEXT] if name else None, email=person.findtext("email"),
                    phone=_phone(phone) if phone is not None and phone.text.strip() else None)


def _reporter_rest(node: Node | None) -> dict[str, Any] | None:
    """The reporter section without the reporting person (who goes to the encrypted columns)."""
    if node is None:
        return None
    rest = {c.tag: node_to_data(c) for c in node.children if c.tag != "reportingPerson"}
    return rest or None
