"""Typed, normalised identifiers: the shared kernel every capability speaks (pure: no web or database imports).

Two reports can only be joined if they spell the same identifier the same way, so every
identifier is reduced to one canonical form before it is stored or looked up:
emails case-folded with an IDNA (punycode) domain, phones in E.164, IP addresses in
their canonical text form, usernames and platform user ids keyed by platform, URLs
with a lower-case scheme and host and no fragment.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from urllib.parse import urlsplit, urlunsplit

import idna
import phonenumbers

from jigsaw.errors import InvalidInput


class IdentifierType(StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    IP = "ip"
    USERNAME = "username"
    ESP_USER_ID = "esp_user_id"
    URL = "url"
    DEVICE_ID = "device_id"
    IMEI = "imei"
    PAYMENT_ID = "payment_id"
    CRYPTO_WALLET = "crypto_wallet"
    POSTAL_ADDRESS = "postal_address"


PLATFORM_KEYED = frozenset({IdentifierType.USERNAME, IdentifierType.ESP_USER_ID})
MAX_IDENTIFIER_LENGTH = 2048


class IdentifierError(InvalidInput, ValueError):
    """An identifier that cannot be normalised; the message says why."""


@dataclass(frozen=True)
class Identifier:
    type: IdentifierType
    value: str  # canonical form
    platform: str | None = None  # only for platform-keyed types

    @property
    def key(self) -> str:
        """The string that identifies this identifier uniquely (used for the blind index)."""
        return f"{self.type.value}|{self.platform or ''}|{self.value}"


def normalise_platform(platform: str | None) -> str | None:
    if platform is None:
        return None
    cleaned = " ".join(platform.split()).casefold()
    return cleaned or None


def normalise(
    type_: IdentifierType | str,
    value: str,
    *,
    platform: str | None = None,
    default_region: str = "GB",
) -> Identifier:
    """Return the canonical identifier, or raise :class:`IdentifierError` saying what is wrong."""
    try:
        kind = (_TYPES.get(type_) if isinstance(type_, str) else None) or IdentifierType(type_)  # dict: cheaper
    except ValueError:
        allowed = ", ".join(t.value for t in IdentifierType)
        raise IdentifierError(f"unknown identifier type {type_!r}; expected one of {allowed}") from None
    raw = value.strip()
    if not raw:
        raise IdentifierError(f"empty {kind.value}")
    if len(raw) > MAX_IDENTIFIER_LENGTH:
        raise IdentifierError(f"{kind.value} longer than {MAX_IDENTIFIER_LENGTH} characters")
    plat = normalise_platform(platform)
    if kind in PLATFORM_KEYED:
        if plat is None:
            raise IdentifierError(f"a {kind.value} needs the platform it belongs to")
        canonical = raw.casefold() if kind is IdentifierType.USERNAME else raw
        if kind is IdentifierType.USERNAME:
            canonical = canonical.removeprefix("@")
        return Identifier(kind, canonical, plat)
    return Identifier(kind, _NORMALISERS[kind](raw, default_region))


def normalise_email(raw: str, _region: str = "GB") -> str:
    local, sep, domain = raw.rpartition("@")
    # raw.split() != [raw]: some character is whitespace (str.split and str.isspace agree on
    # what whitespace is; raw is not empty once sep is found), checked in C, not per character.
    if not sep or not local or not domain or raw.split() != [raw]:
        raise IdentifierError(f"not an email address: {raw!r}")
    return f"{local.casefold()}@{_ascii_domain(domain.rstrip('.'))}"


@lru_cache(maxsize=65536)
def _ascii_domain(domain: str) -> str:
    """IDNA-encode a domain; cached because bulk imports see the same few domains over and over."""
    try:
        return idna.encode(domain, uts46=True).decode("ascii").casefold()
    except idna.IDNAError as exc:
        raise IdentifierError(f"invalid email domain {domain!r}: {exc}") from None


def normalise_phone(raw: str, region: str = "GB") -> str:
    return _normalise_phone(raw, region)


@lru_cache(maxsize=65536)
def _normalise_phone(raw: str, region: str) -> str:
    """Cached: parsing is slow and imports see the same numbers again (errors are not cached)."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise IdentifierError(f"not a phone number: {raw!r} ({exc})") from None
    if not phonenumbers.is_possible_number(number):
        raise IdentifierError(f"not a possible phone number: {raw!r}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_ip(raw: str, _region: str = "GB") -> str:
    candidate = raw.strip("[]")
    if _is_canonical_ipv4(candidate):  # the common case, already in the form ipaddress would give
        return candidate
    try:
        address = ipaddress.ip_address(candidate)
    except ValueError:
        raise IdentifierError(f"not an IP address: {raw!r}") from None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.compressed


_IPV4_RE = re.compile(r"(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])\.){3}"
                      r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])")


def _is_canonical_ipv4(candidate: str) -> bool:
    """Dotted decimal, four octets 0-255 without leading zeros: ``ip_address`` returns it unchanged."""
    return _IPV4_RE.fullmatch(candidate) is not None


_SCHEME_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")


def normalise_url(raw: str, _region: str = "GB") -> str:
    candidate = raw if _SCHEME_RE.match(raw) else f"http://{raw}"
    try:
        parts = urlsplit(candidate)
        host = parts.hostname
        port = parts.port
    except ValueError as exc:
        raise IdentifierError(f"not a URL: {raw!r} ({exc})") from None
    if not host:
        raise IdentifierError(f"URL without a host: {raw!r}")
    try:
        host = idna.encode(host, uts46=True).decode("ascii")
    except idna.IDNAError:
        host = host.casefold()
    scheme = parts.scheme.casefold()
    default_port = {"http": 80, "https": 443}.get(scheme)
    netloc = host if port in (None, default_port) else f"{host}:{port}"
    path = parts.path or "/"
    return urlunsplit((scheme, netloc, path, parts.query, ""))


def normalise_device_id(raw: str, _region: str = "GB") -> str:
    return "".join(raw.split()).casefold()


def luhn_check_digit(digits: str) -> int:
    """The Luhn check digit for ``digits`` (IMEIs and payment cards use it)."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:  # doubled positions, counting from the right of the payload
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return (10 - total % 10) % 10


def normalise_imei(raw: str, _region: str = "GB") -> str:
    """15 digits with a valid check digit; 14 digits get theirs computed; IMEISV (16) kept."""
    digits = re.sub(r"[\s./-]", "", raw)
    if not digits.isdigit() or len(digits) not in (14, 15, 16):
        raise IdentifierError(f"an IMEI has 14-16 digits: {raw!r}")
    if len(digits) == 14:
        return digits + str(luhn_check_digit(digits))
    if len(digits) == 15 and luhn_check_digit(digits[:14]) != int(digits[14]):
        raise IdentifierError(f"IMEI check digit is wrong: {raw!r}")
    return digits


_BASE58 = re.compile(r"^[1-9A-HJ-NP-Za-km-z]{25,62}$")
_HEX_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
_BECH32 = re.compile(r"^(bc|tb|ltc)1[02-9ac-hj-np-z]{6,87}$")


def normalise_crypto_wallet(raw: str, _region: str = "GB") -> str:
    """Ethereum-style hex addresses and bech32 are case-insensitive; base58 keeps its case."""
    value = raw.strip()
    if _HEX_ADDRESS.match(value) or _BECH32.match(value.casefold()):
        return value.casefold()
    if _BASE58.match(value):
        return value
    raise IdentifierError(f"not a recognised crypto-wallet address: {raw!r}")


def normalise_payment_id(raw: str, _region: str = "GB") -> str:
    """Account numbers, IBANs, payment handles: spacing and case removed."""
    value = re.sub(r"[\s-]", "", raw).upper()
    if not value.isalnum() and not re.fullmatch(r"[A-Z0-9@._$]+", value):
        raise IdentifierError(f"not a payment identifier: {raw!r}")
    return value


def normalise_postal_address(raw: str, _region: str = "GB") -> str:
    """Whitespace and case only: addresses join reports, but triage never reads them."""
    return ", ".join(" ".join(part.split()).casefold() for part in raw.split(",") if part.strip())


_TYPES: dict[str, IdentifierType] = {t.value: t for t in IdentifierType}

_NORMALISERS = {
    IdentifierType.EMAIL: normalise_email,
    IdentifierType.PHONE: normalise_phone,
    IdentifierType.IP: normalise_ip,
    IdentifierType.URL: normalise_url,
    IdentifierType.DEVICE_ID: normalise_device_id,
    IdentifierType.IMEI: normalise_imei,
    IdentifierType.PAYMENT_ID: normalise_payment_id,
    IdentifierType.CRYPTO_WALLET: normalise_crypto_wallet,
    IdentifierType.POSTAL_ADDRESS: normalise_postal_address,
}


_UK_POSTCODE = re.compile(r"^(GIR0AA|[A-Z]{1,2}\d[A-Z\d]?\d[A-Z]{2})$")


def normalise_postcode(value: str | None) -> str | None:
    """A full UK postcode as capitals without spaces (``"sw1a 1aa"`` → ``"SW1A1AA"``), else None.

    Postcodes route intelligence to the force for an area; triage never reads them."""
    compact = re.sub(r"\s+", "", value or "").upper()
    return compact if _UK_POSTCODE.match(compact) else None
