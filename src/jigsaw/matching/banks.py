"""Bank entries as plain data: what every importer produces and every exporter consumes.

A bank entry is keyed by ``(signal_type, value)`` within its bank, which is what makes
re-importing a file idempotent. Categories use two vocabularies side by side because UK work uses
the Sentencing Council grades (A/B/C) while Project VIC / VICS files carry 0-4; the two are never
mapped automatically (docs/design/formats.md §2.3: no public source states the mapping).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from jigsaw.errors import InvalidInput
from jigsaw.formats.values import parse_bool
from jigsaw.signals import FIXED_SIZE, SignalError, signal_type

UK_CATEGORIES = ("A", "B", "C")
VICS_CATEGORIES = {
    0: "Non-pertinent",
    1: "Child abuse material",
    2: "Child exploitive (non-CAM)",
    3: "CGI / animation",
    4: "Comparison",
}
MAX_TAGS = 32
MAX_TEXT = 200


class EntryError(InvalidInput, ValueError):
    """A bank entry (hash or classification) that cannot be accepted; the message says why."""


@dataclass(frozen=True)
class EntryRecord:
    """One hash with its classification. ``value`` is normalised by :func:`make_entry`."""

    signal_type: str
    value: str
    uk_category: str | None = None
    vics_category: int | None = None
    series: str | None = None
    victim_identified: bool | None = None
    tags: tuple[str, ...] = field(default_factory=tuple)

    @property
    def key(self) -> tuple[str, str]:
        return (self.signal_type, self.value)


@dataclass(frozen=True)
class ParseError:
    """A record that could not be read: where it was (1-based line or record number) and why."""

    position: int
    reason: str

    def __str__(self) -> str:
        return f"#{self.position}: {self.reason}"


ParseResult = EntryRecord | ParseError


def _text(v: object, what: str) -> str | None:
    if v is None:
        return None
    s = str(v).strip()
    if not s:
        return None
    if len(s) > MAX_TEXT:
        raise EntryError(f"{what} longer than {MAX_TEXT} characters")
    return s


def make_entry(
    stype: str,
    value: str,
    *,
    uk_category: object = None,
    vics_category: object = None,
    series: object = None,
    victim_identified: object = None,
    tags: Iterable[object] = (),
) -> EntryRecord:
    """Validate and normalise one entry; raises :class:`EntryError` (a ``ValueError``) saying why."""
    st = signal_type(stype, among=FIXED_SIZE)
    try:
        norm = st.normalise(value, allow_base64=True)
    except SignalError as exc:
        raise EntryError(str(exc)) from None
    uk = _text(uk_category, "uk_category")
    if uk is not None:
        uk = uk.upper().removeprefix("CATEGORY ").strip()
        if uk not in UK_CATEGORIES:
            raise EntryError(f"UK category must be A, B or C, not {uk_category!r}")
    vics: int | None = None
    if vics_category is not None and str(vics_category).strip() != "":
        try:
            vics = int(str(vics_category).strip())
        except ValueError:
            raise EntryError(f"VICS category must be 0-4, not {vics_category!r}") from None
        if vics not in VICS_CATEGORIES:
            raise EntryError(f"VICS category must be 0-4, not {vics_category!r}")
    tag_list = sorted({t for t in (_text(x, "tag") for x in tags) if t})
    if len(tag_list) > MAX_TAGS:
        raise EntryError(f"more than {MAX_TAGS} tags")
    return EntryRecord(
        signal_type=st.name,
        value=norm,
        uk_category=uk,
        vics_category=vics,
        series=_text(series, "series"),
        victim_identified=parse_bool(victim_identified),
        tags=tuple(tag_list),
    )


def split_tags(v: object) -> list[str]:
    """Tags as feeds write them: a list, or one string separated by ``;`` or ``,``."""
    if v is None:
        return []
    if isinstance(v, list | tuple):
        return [str(x) for x in v]
    s = str(v)
    sep = ";" if ";" in s else ","
    return [t for t in (x.strip() for x in s.split(sep)) if t]


def entries_only(results: Iterable[ParseResult]) -> Iterator[EntryRecord]:
    for r in results:
        if isinstance(r, EntryRecord):
            yield r
