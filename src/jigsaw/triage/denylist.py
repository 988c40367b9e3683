"""Inputs that triage must never use, and the check that finds them under any spelling (pure).

Durham's HART model weighted two postcode fields and a "Mosaic" socio-economic profile, and was
rightly criticised for importing deprivation bias (docs/design/triage.md §5). The design rule is
that triage never uses ethnicity, nationality, religion, postcode or area, deprivation or marital
status. A name check that only looked for ``postcode`` would let ``post_code``, ``PostCode`` or
``home_area`` through, so names are compared in two ways:

* squashed (lower case, letters and digits only) against unambiguous stems, as substrings:
  ``post_code`` and ``Post-Code`` both squash to ``postcode``;
* split into words (on ``_``, ``.``, ``-``, spaces and camelCase) against short words that are
  only a problem on their own: ``home_area`` has the word ``area`` (but ``career`` does not).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Substrings of the squashed name. Long enough not to occur inside innocent words.
PROHIBITED_STEMS: dict[str, str] = {
    "ethnic": "ethnicity",
    "nationalit": "nationality",
    "citizenship": "nationality",
    "countryofbirth": "nationality",
    "immigration": "nationality",
    "religio": "religion",
    "postcode": "postcode",
    "postalcode": "postcode",
    "zipcode": "postcode",
    "postcod": "postcode",
    "deprivation": "deprivation",
    "deprived": "deprivation",
    "mosaic": "deprivation",
    "householdincome": "deprivation",
    "socioeconomic": "deprivation",
    "marital": "marital status",
    "married": "marital status",
    "spouse": "marital status",
    "neighbourhood": "area",
    "neighborhood": "area",
    "homearea": "area",
}

# Whole words (after splitting). Short or ambiguous, so never matched inside other words.
PROHIBITED_WORDS: dict[str, str] = {
    "race": "ethnicity",
    "racial": "ethnicity",
    "skin": "ethnicity",
    "nationality": "nationality",
    "national": "nationality",
    "religion": "religion",
    "faith": "religion",
    "caste": "religion",
    "area": "area",
    "ward": "area",
    "district": "area",
    "lsoa": "area",
    "msoa": "area",
    "region": "area",
    "zip": "postcode",
    "imd": "deprivation",
    "acorn": "deprivation",
    "income": "deprivation",
    "poverty": "deprivation",
    "benefits": "deprivation",
    "single": "marital status",
    "divorced": "marital status",
    "widowed": "marital status",
}

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SPLIT = re.compile(r"[^A-Za-z0-9]+")


@dataclass(frozen=True)
class Prohibited:
    """A name that uses a prohibited input: which name, why (the category), and the match."""

    name: str
    category: str
    matched: str


def words(name: str) -> list[str]:
    """``homeArea.post_code`` -> ``["home", "area", "post", "code"]``."""
    return [w.lower() for part in _SPLIT.split(name) for w in _CAMEL.sub(" ", part).split() if w]


def prohibited(name: str) -> Prohibited | None:
    """The first prohibited input ``name`` refers to, or ``None`` when it is allowed."""
    squashed = "".join(words(name))
    for stem, category in PROHIBITED_STEMS.items():
        if stem in squashed:
            return Prohibited(name, category, stem)
    for word in words(name):
        if word in PROHIBITED_WORDS:
            return Prohibited(name, PROHIBITED_WORDS[word], word)
    return None
