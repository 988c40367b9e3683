"""Postcodes and countries as routing reads them (pure).

A UK postcode is normalised to capitals without spaces (``SW1A1AA``); its district (outward
code) is all but the last three characters, its area the leading letters. Countries are ISO
3166-1 alpha-2 codes, read from the end of an address or from a referral's country field.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from jigsaw import identifiers

# The full UK postcode (and the GIR 0AA oddity), anywhere in a text; a word boundary either side.
_POSTCODE = re.compile(r"\b(GIR ?0AA|[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2})\b", re.IGNORECASE)

UK_CODES = frozenset({"GB", "UK", "GG", "JE", "IM"})

# Names a referral may spell a country with (NCMEC writes codes; people write names).
_COUNTRY_NAMES = {
    "united kingdom": "GB", "great britain": "GB", "england": "GB", "scotland": "GB", "wales": "GB",
    "northern ireland": "GB", "uk": "GB", "gb": "GB", "jersey": "JE", "guernsey": "GG", "isle of man": "IM",
    "united states": "US", "united states of america": "US", "usa": "US", "u.s.a.": "US", "us": "US",
    "canada": "CA", "australia": "AU", "new zealand": "NZ", "ireland": "IE", "republic of ireland": "IE",
    "france": "FR", "germany": "DE", "deutschland": "DE", "spain": "ES", "italy": "IT", "netherlands": "NL",
    "the netherlands": "NL", "belgium": "BE", "poland": "PL", "portugal": "PT", "sweden": "SE", "denmark": "DK",
    "finland": "FI", "austria": "AT", "greece": "GR", "romania": "RO", "bulgaria": "BG", "czechia": "CZ",
    "czech republic": "CZ", "hungary": "HU", "slovakia": "SK", "slovenia": "SI", "croatia": "HR", "estonia": "EE",
    "latvia": "LV", "lithuania": "LT", "luxembourg": "LU", "malta": "MT", "cyprus": "CY", "norway": "NO",
    "switzerland": "CH", "india": "IN", "philippines": "PH", "nigeria": "NG", "brazil": "BR", "mexico": "MX",
    "south africa": "ZA", "japan": "JP", "thailand": "TH", "pakistan": "PK",
}
_ISO = re.compile(r"^[A-Z]{2}$")


def normalise_postcode(value: str) -> str | None:
    """``"sw1a 1aa"`` → ``"SW1A1AA"``; None when it is not a full UK postcode."""
    return identifiers.normalise_postcode(value)


def display_postcode(compact: str) -> str:
    """``"SW1A1AA"`` → ``"SW1A 1AA"``."""
    return f"{compact[:-3]} {compact[-3:]}" if len(compact) > 3 else compact


def district(compact: str) -> str:
    """The outward code (postcode district): ``"SW1A1AA"`` → ``"SW1A"``."""
    return compact[:-3]


def area(compact: str) -> str:
    """The postcode area, its leading letters: ``"SW1A1AA"`` → ``"SW"``."""
    match = re.match(r"[A-Z]+", compact)
    return match.group(0) if match else ""


def postcodes_in(text: str | None) -> list[str]:
    """Every full UK postcode written in ``text``, normalised, in order, once each."""
    found: list[str] = []
    for match in _POSTCODE.finditer(text or ""):
        compact = normalise_postcode(match.group(1))
        if compact and compact not in found:
            found.append(compact)
    return found


def country_code(value: str | None) -> str | None:
    """An ISO 3166-1 alpha-2 code for a code or a common name; None when it is not one."""
    text = " ".join((value or "").split()).strip(" .,").casefold()
    if not text:
        return None
    if text in _COUNTRY_NAMES:
        return _COUNTRY_NAMES[text]
    upper = text.upper()
    return upper if _ISO.match(upper) else None


def address_country(address: str | None) -> str | None:
    """The country an address ends with (``"…, Toronto, ON, CA"`` → ``"CA"``), or None.

    Only the last comma-separated part is read, so a street that happens to be two letters long
    is not taken for a country. A UK postcode in the address makes it ``GB``."""
    parts = [p.strip() for p in (address or "").split(",") if p.strip()]
    if not parts:
        return None
    code = country_code(parts[-1])
    if code is None and postcodes_in(address):
        return "GB"
    return "GB" if code == "UK" else code


def is_uk(code: str | None) -> bool:
    return code is not None and code.upper() in UK_CODES


def first_country(values: Iterable[str | None]) -> str | None:
    for value in values:
        code = country_code(value)
        if code:
            return "GB" if code == "UK" else code
    return None
