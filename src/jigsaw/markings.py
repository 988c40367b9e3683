"""Handling markings: Government Security Classifications and TLP 2.0 (pure, the shared kernel).

Two capabilities speak this vocabulary: routing (the highest marking each recipient may receive)
and dissemination (the marking on each package). A marking is compared by rank, so "lowering"
and "above what this recipient may receive" mean one thing everywhere.

- GSC (2023, updated 2024): OFFICIAL, with OFFICIAL-SENSITIVE as a handling caveat inside it that
  carries a descriptor (PERSONAL is the default for Jigsaw's packages: they name people). SECRET
  and TOP SECRET are not handled by Jigsaw and are refused.
- TLP 2.0 (FIRST): CLEAR < GREEN < AMBER < AMBER+STRICT < RED, by how far a recipient may share.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from jigsaw.errors import InvalidInput


class MarkingError(InvalidInput, ValueError):
    """A marking Jigsaw does not know or does not handle; the message says which are allowed."""


class Classification(StrEnum):
    OFFICIAL = "OFFICIAL"
    OFFICIAL_SENSITIVE = "OFFICIAL-SENSITIVE"


class Descriptor(StrEnum):
    """The descriptors of OFFICIAL-SENSITIVE (GSC Quick Read)."""

    PERSONAL = "PERSONAL"
    COMMERCIAL = "COMMERCIAL"
    LOCSEN = "LOCSEN"


class Tlp(StrEnum):
    CLEAR = "clear"
    GREEN = "green"
    AMBER = "amber"
    AMBER_STRICT = "amber+strict"
    RED = "red"


CLASSIFICATION_RANK = {Classification.OFFICIAL: 0, Classification.OFFICIAL_SENSITIVE: 1}
TLP_RANK = {Tlp.CLEAR: 0, Tlp.GREEN: 1, Tlp.AMBER: 2, Tlp.AMBER_STRICT: 3, Tlp.RED: 4}

TLP_MEANING = {
    Tlp.CLEAR: "no restriction on disclosure",
    Tlp.GREEN: "the recipient's community, not through public channels",
    Tlp.AMBER: "need-to-know within the recipient's organisation and its clients",
    Tlp.AMBER_STRICT: "need-to-know within the recipient's organisation only",
    Tlp.RED: "the named recipients only, no further disclosure",
}


def parse_classification(value: str | None) -> Classification:
    text = " ".join((value or "").upper().replace("_", "-").split())
    for c in Classification:
        if text == c.value:
            return c
    raise MarkingError(f"classification must be one of {', '.join(c.value for c in Classification)}"
                       " (Jigsaw does not hold SECRET or TOP SECRET material)")


def parse_descriptor(value: str | None) -> Descriptor | None:
    text = (value or "").strip().upper()
    if not text:
        return None
    try:
        return Descriptor(text)
    except ValueError:
        raise MarkingError(f"descriptor must be one of {', '.join(d.value for d in Descriptor)}") from None


def parse_tlp(value: str | None) -> Tlp | None:
    """A TLP 2.0 level (``TLP:AMBER+STRICT``, ``amber+strict`` and ``amber_strict`` all read the same);
    empty is None. TLP 1.0's WHITE is refused: TLP 2.0 replaced it with CLEAR."""
    text = (value or "").strip().lower().removeprefix("tlp:").replace("_", "+").replace(" ", "")
    if not text:
        return None
    try:
        return Tlp(text)
    except ValueError:
        raise MarkingError(f"TLP must be one of {', '.join(t.value for t in Tlp)} (TLP 2.0; WHITE is now CLEAR)") \
            from None


@dataclass(frozen=True)
class Marking:
    """A package's markings: the classification (and descriptor), handling instructions and TLP."""

    classification: Classification = Classification.OFFICIAL_SENSITIVE
    descriptor: Descriptor | None = Descriptor.PERSONAL
    tlp: Tlp | None = Tlp.AMBER
    handling: str = ""

    def __post_init__(self) -> None:
        if self.classification is Classification.OFFICIAL and self.descriptor is not None:
            raise MarkingError("a descriptor belongs with OFFICIAL-SENSITIVE only")
        if self.classification is Classification.OFFICIAL_SENSITIVE and self.descriptor is None:
            raise MarkingError("OFFICIAL-SENSITIVE needs a descriptor (PERSONAL, COMMERCIAL or LOCSEN)")

    @property
    def banner(self) -> str:
        """The words at the top and bottom of every page: ``OFFICIAL-SENSITIVE PERSONAL``, ``TLP:AMBER``."""
        words = [self.classification.value + (f" {self.descriptor.value}" if self.descriptor else "")]
        if self.tlp is not None:
            words.append(f"TLP:{self.tlp.value.upper()}")
        return " · ".join(words)


def lowers(before: Marking, after: Marking) -> bool:
    """Whether ``after`` is less restrictive than ``before`` in classification or TLP (what only a
    supervisor may do, with a reason). Removing a TLP counts as lowering it."""
    if CLASSIFICATION_RANK[after.classification] < CLASSIFICATION_RANK[before.classification]:
        return True
    return before.tlp is not None and (after.tlp is None or TLP_RANK[after.tlp] < TLP_RANK[before.tlp])


def exceeds(marking: Marking, max_classification: Classification, max_tlp: Tlp | None) -> list[str]:
    """Why ``marking`` is above what a recipient may receive (empty when it may)."""
    problems: list[str] = []
    if CLASSIFICATION_RANK[marking.classification] > CLASSIFICATION_RANK[max_classification]:
        problems.append(f"the recipient may receive up to {max_classification.value}")
    if marking.tlp is not None and max_tlp is not None and TLP_RANK[marking.tlp] > TLP_RANK[max_tlp]:
        problems.append(f"the recipient may receive up to TLP:{max_tlp.value.upper()}")
    return problems
