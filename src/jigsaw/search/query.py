"""What one search-box text could mean (pure: no web or database imports).

The box takes identifiers and references alike. This module turns the text, and the type and
platform the user may have picked, into the candidate lookups: canonical identifiers, built by
:func:`jigsaw.identifiers.normalise` exactly as intake builds them (so their blind indexes are
the ones intake stored), and references (``JIG-…`` reports, ``CASE-…`` cases, CyberTipline
report ids). The adapter (:mod:`jigsaw.search.service`) looks the candidates up.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from enum import StrEnum

from jigsaw.errors import InvalidInput
from jigsaw.identifiers import Identifier, IdentifierError, IdentifierType, normalise

MIN_PURPOSE = 3
MAX_PURPOSE = 200
MAX_QUERY = 500


class ReferenceKind(StrEnum):
    REPORT = "report"  # JIG-XXXX-XXXX
    CASE = "case"  # CASE-XXXX-XXXX
    CYBERTIP = "cybertip"  # a CyberTipline report id, stored as the report's external_id


# The values of the search form's "type" field: every identifier type and the reference kinds.
SEARCH_TYPES: tuple[str, ...] = (*(t.value for t in IdentifierType), *(k.value for k in ReferenceKind))


@dataclass(frozen=True)
class Reference:
    kind: ReferenceKind
    value: str  # as stored: the reference upper-cased, or the report's external_id


@dataclass(frozen=True)
class Candidates:
    """The lookups one search makes, and what to tell the user about what was not tried."""

    identifiers: tuple[Identifier, ...]
    references: tuple[Reference, ...]
    hints: tuple[str, ...] = ()

    @property
    def types(self) -> tuple[str, ...]:
        """The kinds searched, in order, without values (what the audit log may hold)."""
        kinds = [i.type.value for i in self.identifiers] + [r.kind.value for r in self.references]
        return tuple(dict.fromkeys(kinds))


class SearchError(InvalidInput, ValueError):
    """A search that cannot be made as asked; the message says what to change."""


_REPORT_REF = re.compile(r"JIG-[A-Z0-9]{4}-[A-Z0-9]{4}")
_CASE_REF = re.compile(r"CASE-[A-Z0-9]{4}-[A-Z0-9]{4}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_PHONEISH = re.compile(r"\+?[\d\s().\-/]{6,}")
_CYBERTIP_ID = re.compile(r"\d{5,12}")
# UK postcodes (the centre's own), e.g. "SW1A 1AA", "m1 1ae".
_POSTCODE = re.compile(r"(GIR ?0AA|[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2})", re.IGNORECASE)
_URLISH = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*://|www\.)\S+")
_IBANISH = re.compile(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}")


def check_purpose(purpose: str | None) -> str:
    """The purpose, trimmed; a search without one (3 to 200 characters) is refused."""
    cleaned = " ".join((purpose or "").split())
    if not cleaned:
        raise SearchError("say why you are searching: a case reference or a short reason")
    if not MIN_PURPOSE <= len(cleaned) <= MAX_PURPOSE:
        raise SearchError(f"the purpose must be {MIN_PURPOSE} to {MAX_PURPOSE} characters")
    return cleaned


def candidates(text: str, *, type_: str | None = None, platform: str | None = None,
               default_region: str = "GB") -> Candidates:
    """The identifiers and references ``text`` may be, as intake would have stored them.

    With a ``type_`` only that reading is tried, and a value that type cannot take is an error
    saying why. Without one every plausible reading is tried; readings that fail to normalise
    are dropped. Usernames and platform user ids are keyed by platform in the blind index (intake
    refuses them without one), so they are tried only when a platform is given.
    """
    raw = text.strip()
    if not raw:
        raise SearchError("enter an identifier or a reference to search for")
    if len(raw) > MAX_QUERY:
        raise SearchError(f"a search is at most {MAX_QUERY} characters")
    plat = platform.strip() if platform and platform.strip() else None
    kind = (type_ or "").strip().lower() or None
    if kind is not None:
        return _typed(raw, kind, plat, default_region)
    return _guessed(raw, plat, default_region)


def _typed(raw: str, kind: str, platform: str | None, region: str) -> Candidates:
    if kind in {k.value for k in ReferenceKind}:
        reference = _reference(ReferenceKind(kind), raw)
        if reference is None:
            raise SearchError(f"not a {kind} reference: expected {_REFERENCE_SHAPES[ReferenceKind(kind)]}")
        return Candidates((), (reference,))
    if kind not in SEARCH_TYPES:
        raise SearchError(f"unknown search type {kind!r}; expected one of {', '.join(SEARCH_TYPES)}")
    try:
        identifier = normalise(kind, raw, platform=platform, default_region=region)
    except IdentifierError as error:
        raise SearchError(str(error)) from None
    return Candidates((identifier,), ())


_REFERENCE_SHAPES = {ReferenceKind.REPORT: "JIG-XXXX-XXXX", ReferenceKind.CASE: "CASE-XXXX-XXXX",
                     ReferenceKind.CYBERTIP: "the CyberTipline report number (digits)"}


def _reference(kind: ReferenceKind, raw: str) -> Reference | None:
    upper = raw.upper()
    if kind is ReferenceKind.REPORT and _REPORT_REF.fullmatch(upper):
        return Reference(kind, upper)
    if kind is ReferenceKind.CASE and _CASE_REF.fullmatch(upper):
        return Reference(kind, upper)
    if kind is ReferenceKind.CYBERTIP and _CYBERTIP_ID.fullmatch(raw):
        return Reference(kind, cybertip_external_id(raw))
    return None


def cybertip_external_id(report_id: str) -> str:
    """The ``external_id`` the CyberTipline import gives a report (:func:`jigsaw.imports.cybertip.external_id`)."""
    return f"cybertip:{report_id}"


def _guessed(raw: str, platform: str | None, region: str) -> Candidates:
    upper = raw.upper()
    if _REPORT_REF.fullmatch(upper):
        return Candidates((), (Reference(ReferenceKind.REPORT, upper),))
    if _CASE_REF.fullmatch(upper):
        return Candidates((), (Reference(ReferenceKind.CASE, upper),))

    kinds: list[IdentifierType] = []
    references: list[Reference] = []
    compact = "".join(raw.split())
    if _EMAIL.fullmatch(raw):
        kinds.append(IdentifierType.EMAIL)
    if _is_ip(raw):
        kinds.append(IdentifierType.IP)
    elif _PHONEISH.fullmatch(raw):
        kinds += [IdentifierType.PHONE, IdentifierType.IMEI, IdentifierType.PAYMENT_ID, IdentifierType.DEVICE_ID]
        if _CYBERTIP_ID.fullmatch(raw):
            references.append(Reference(ReferenceKind.CYBERTIP, cybertip_external_id(raw)))
    if _URLISH.fullmatch(raw):
        kinds.append(IdentifierType.URL)
    if _POSTCODE.fullmatch(raw) or "," in raw:
        kinds.append(IdentifierType.POSTAL_ADDRESS)
    if _IBANISH.fullmatch(compact.upper()):
        kinds.append(IdentifierType.PAYMENT_ID)
    specific = bool(_EMAIL.fullmatch(raw) or _is_ip(raw) or _URLISH.fullmatch(raw))
    if not specific and " " not in raw:
        # One token that is nothing more specific: a wallet, a payment handle, a device id.
        kinds += [IdentifierType.CRYPTO_WALLET, IdentifierType.PAYMENT_ID, IdentifierType.DEVICE_ID]
    if " " in raw and IdentifierType.POSTAL_ADDRESS not in kinds and not _PHONEISH.fullmatch(raw):
        kinds.append(IdentifierType.POSTAL_ADDRESS)

    hints: list[str] = []
    if platform is not None:
        kinds += [IdentifierType.USERNAME, IdentifierType.ESP_USER_ID]
    elif not _EMAIL.fullmatch(raw) and not _is_ip(raw):
        hints.append("usernames and platform user ids are found with their platform: pick one to search them")

    found: list[Identifier] = []
    for kind in dict.fromkeys(kinds):
        try:
            found.append(normalise(kind, raw, platform=platform, default_region=region))
        except IdentifierError:
            continue
    unique = tuple(dict.fromkeys(found))
    if not unique and not references:
        raise SearchError("this is not an identifier or reference Jigsaw stores; pick its type to see why")
    return Candidates(unique, tuple(references), tuple(hints))


def _is_ip(raw: str) -> bool:
    try:
        ipaddress.ip_address(raw.strip("[]"))
    except ValueError:
        return False
    return True
