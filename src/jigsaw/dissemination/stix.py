"""A package as a STIX 2.1 bundle, built with the OASIS ``stix2`` library (pure: it is given the
package's data and returns JSON).

- The package is a ``report`` created by the centre's ``identity``, naming the recipient's
  ``identity``; its subjects are ``identity`` objects (class individual) the observables relate to.
- Observables: ``email-addr``, ``user-account``, ``ipv4-addr``/``ipv6-addr``, ``url``, and ``file``
  with the matched media's hashes (PDQ under the custom key ``x_PDQ``). Never a file name, never
  the media. STIX has no phone-number object: phone numbers and other identifiers are listed in a
  ``note`` on the report.
- Markings: the OASIS TLP 2.0 marking definitions, with their fixed ids (``stix2`` ships only
  TLP 1.0), and the Government Security Classification as a ``statement`` marking; both are on
  every object.
- The recipient's receipt, once given, is an ``opinion`` on the report (agree: accepted; disagree:
  returned) or a ``note`` (acknowledged).

Ids of the objects Jigsaw makes are UUIDv5s of the package reference, so the same package always
exports the same bundle; observables get the library's own deterministic ids.
"""

from __future__ import annotations

import ipaddress
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import stix2

from jigsaw.markings import Marking, Tlp

TLP2_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
TLP2_CREATED = "2022-10-01T00:00:00.000Z"
TLP2_IDS = {
    Tlp.CLEAR: "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    Tlp.GREEN: "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    Tlp.AMBER: "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    Tlp.AMBER_STRICT: "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    Tlp.RED: "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
PDQ_KEY = "x_PDQ"
_NAMESPACE = uuid.UUID("9f1c8d5e-4b7a-5c2e-8d3f-6a1b2c3d4e5f")  # Jigsaw's namespace for its STIX ids


def tlp_marking(level: Tlp) -> stix2.MarkingDefinition:
    """The OASIS TLP 2.0 marking definition for ``level`` (fixed id, name and created time)."""
    return stix2.MarkingDefinition(id=TLP2_IDS[level], created=TLP2_CREATED, name=f"TLP:{level.value.upper()}",
                                   extensions={TLP2_EXTENSION: {"extension_type": "property-extension",
                                                                "tlp_2_0": level.value}})


@dataclass(frozen=True)
class FileHashes:
    md5: str | None = None
    sha1: str | None = None
    sha256: str | None = None
    pdq: str | None = None


@dataclass(frozen=True)
class StixPackage:
    reference: str
    created_at: datetime
    published_at: datetime
    summary: str
    items: Sequence[tuple[str, str]]  # (text, grade short form)
    marking: Marking
    evidence: Mapping[str, Any]
    centre_name: str
    recipient_name: str | None
    files: Sequence[FileHashes] = ()
    receipt: tuple[str, str | None, datetime] | None = None  # (status, reason, when)
    action_by: datetime | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


def _id(kind: str, reference: str, *parts: object) -> str:
    """A deterministic id in the UUIDv4 form STIX asks of objects that are not observables."""
    digest = uuid.uuid5(_NAMESPACE, "|".join([reference, kind, *map(str, parts)])).bytes
    return f"{kind}--{uuid.UUID(bytes=digest, version=4)}"


def _observable(kind: str, value: str, platform: str | None, refs: list[str]) -> Any | None:
    common: dict[str, Any] = {"object_marking_refs": refs}
    if kind == "email":
        return stix2.EmailAddress(value=value, **common)
    if kind == "url":
        return stix2.URL(value=value, **common)
    if kind == "ip":
        try:
            address = ipaddress.ip_address(value)
        except ValueError:
            return None
        cls = stix2.IPv4Address if address.version == 4 else stix2.IPv6Address
        return cls(value=value, **common)
    if kind in ("username", "esp_user_id"):
        key = "account_login" if kind == "username" else "user_id"
        return stix2.UserAccount(**{key: value}, **common)  # the platform is said on its relationship
    return None


def bundle(p: StixPackage) -> stix2.Bundle:
    created = p.created_at
    markings: list[Any] = []
    if p.marking.tlp is not None:
        markings.append(tlp_marking(p.marking.tlp))
    statement = p.marking.classification.value + (f" {p.marking.descriptor.value}" if p.marking.descriptor else "")
    if p.marking.handling:
        statement += f". Handling: {p.marking.handling}"
    gsc = stix2.MarkingDefinition(id=_id("marking-definition", p.reference, "gsc", statement), created=created,
                                  name=p.marking.classification.value, definition_type="statement",
                                  definition={"statement": statement})
    markings.append(gsc)
    refs = [m.id for m in markings]
    centre = stix2.Identity(id=_id("identity", "jigsaw", "centre", p.centre_name), created=created, modified=created,
                            name=p.centre_name, identity_class="organization", object_marking_refs=refs)
    objects: list[Any] = [*markings, centre]
    recipient = None
    if p.recipient_name:
        recipient = stix2.Identity(id=_id("identity", "jigsaw", "recipient", p.recipient_name), created=created,
                                   modified=created, name=p.recipient_name, identity_class="organization",
                                   object_marking_refs=refs)
        objects.append(recipient)
    subjects: dict[str, Any] = {}
    for s in p.evidence.get("subjects", []):
        label = s.get("name") or f"Subject {s['ref']}"
        subjects[s["ref"]] = stix2.Identity(
            id=_id("identity", p.reference, "subject", s["ref"]), created=created, modified=created, name=label,
            identity_class="individual", roles=[s.get("role") or "subject"], created_by_ref=centre.id,
            object_marking_refs=refs)
    objects.extend(subjects.values())
    observables: list[Any] = []
    unlisted: list[str] = []
    relationships: list[Any] = []
    for n, ident in enumerate(p.evidence.get("identifiers", [])):
        obs = _observable(ident["type"], ident["value"], ident.get("platform"), refs)
        seen = (f"first seen {ident.get('first_seen') or '?'}, last seen {ident.get('last_seen') or '?'} (UTC)"
                + (f"; on {ident['platform']}" if ident.get("platform") else ""))
        if obs is None:
            unlisted.append(f"{ident['type']}: {ident['value']}" + (f" ({ident['platform']})" if ident.get("platform")
                                                                       else "") + f"; {seen}")
            continue
        if any(o.id == obs.id for o in observables):
            continue
        observables.append(obs)
        for ref in ident.get("subjects", []):
            if ref in subjects:
                relationships.append(stix2.Relationship(
                    id=_id("relationship", p.reference, n, ref), created=created, modified=created,
                    source_ref=subjects[ref].id, relationship_type="related-to", target_ref=obs.id,
                    description=f"held by {ref}; {seen}", created_by_ref=centre.id, object_marking_refs=refs))
    for f in p.files:
        hashes = {k: v for k, v in (("MD5", f.md5), ("SHA-1", f.sha1), ("SHA-256", f.sha256), (PDQ_KEY, f.pdq)) if v}
        if hashes:
            obs = stix2.File(hashes=hashes, allow_custom=True, object_marking_refs=refs)
            if not any(o.id == obs.id for o in observables):
                observables.append(obs)
    objects.extend(observables)
    objects.extend(relationships)
    matches = p.evidence.get("hash_matches", {})
    triage = p.evidence.get("triage", {})
    description = "\n".join([
        p.summary, "",
        *(f"[{grade}] {text}" for text, grade in p.items), "",
        f"Band {triage.get('band', '?')}" + (f"; action by {p.action_by.isoformat()}" if p.action_by else ""),
        f"Hash matches: {matches.get('media_matched', 0)} media "
        f"(by UK category {dict(matches.get('by_category', {}))}; by series {dict(matches.get('by_series', {}))})",
        *(f"Open line of enquiry: {line['title']}" for line in p.evidence.get("lines_of_enquiry", [])),
    ]).strip()
    report_refs = [o.id for o in objects if not o.id.startswith("marking-definition--")]
    report = stix2.Report(
        id=_id("report", p.reference), created=created, modified=created, published=p.published_at,
        name=f"Jigsaw intelligence package {p.reference}", report_types=["threat-report"], description=description,
        object_refs=report_refs, created_by_ref=centre.id, object_marking_refs=refs,
        external_references=[{"source_name": "jigsaw", "external_id": p.reference}], labels=[triage.get("band", "P3")])
    objects.append(report)
    if unlisted:
        objects.append(stix2.Note(id=_id("note", p.reference, "identifiers"), created=created, modified=created,
                                  abstract="Identifiers without a STIX observable type",
                                  content="\n".join(unlisted), object_refs=[report.id], created_by_ref=centre.id,
                                  object_marking_refs=refs))
    if p.receipt is not None and recipient is not None:
        status, reason, at = p.receipt
        if status in ("accepted", "rejected"):
            objects.append(stix2.Opinion(
                id=_id("opinion", p.reference, status), created=at, modified=at,
                opinion="agree" if status == "accepted" else "disagree",
                explanation=reason or ("accepted by the recipient" if status == "accepted" else "returned"),
                object_refs=[report.id], created_by_ref=recipient.id, object_marking_refs=refs))
        else:
            objects.append(stix2.Note(id=_id("note", p.reference, "receipt"), created=at, modified=at,
                                      abstract="Receipt acknowledged", content=f"{p.recipient_name} acknowledged "
                                      f"receipt of {p.reference}.", object_refs=[report.id],
                                      created_by_ref=recipient.id, object_marking_refs=refs))
    return stix2.Bundle(objects=objects, id=_id("bundle", p.reference, p.published_at.isoformat()),
                        allow_custom=True)


def to_json(p: StixPackage) -> str:
    return str(bundle(p).serialize(pretty=True))
