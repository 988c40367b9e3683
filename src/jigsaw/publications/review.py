"""The annual review's rules (pure: no web, database or OS): change on the year, records, the
referral rule, the funnel, and what the public version may show.

Every figure in the review is counted by :mod:`jigsaw.statistics` from the record and quoted with
its rule id; this module only compares them. A "record" is never typed in: it is worked out from
the same figures counted for every earlier financial year with data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

HEADLINES: tuple[str, ...] = (
    "reports_received", "disseminations", "arrests", "charges", "children_safeguarded", "victims_identified",
    "networks_dismantled", "networks_disrupted", "offenders_located", "high_risk_offenders_located",
    "most_wanted_located",
)
"""The statistics figures the review leads with, in its order (education reach has its own section)."""

REACH: tuple[str, ...] = ("children_reached", "settings_reached")
"""Education reach: two figures, always reported separately and never added together."""

FUNNEL: tuple[str, ...] = ("reports_received", "disseminations", "arrests", "charges", "convictions",
                           "children_safeguarded")
"""From reports to outcomes. Each stage is counted in the year it happened, so a stage is not a
subset of the one before it (an arrest this year may come from last year's package)."""

CONVICTIONS_RULE_ID = "JS-PUB-CONVICTIONS-1"
CONVICTIONS_RULE = ("Counts people convicted, from the forces' conviction records against the centre's packages "
                    "(each record counts the people it records). Does not count records a force has withdrawn. "
                    "Dated by the day of the conviction.")

REFERRAL_RULE_ID = "JS-PUB-REFERRAL-1"
REFERRAL_RULE = (
    "A report is a referral when it gives a force something to act on: it names or describes a suspect, or "
    "carries an identifier (a username, phone number, email or IP address) of someone in it. Every other "
    "report is informational: a concern with no one to trace, or a report its sender flagged as informational "
    "(the CyberTipline's own 'informational' annotation), which is informational whatever it carries. As NCMEC "
    "has done since 2024, the two are counted separately: reports are not a measure of how common abuse is.")

REFERRAL, INFORMATIONAL = "referral", "informational"
KINDS: tuple[str, str] = (REFERRAL, INFORMATIONAL)

BREAKDOWNS: tuple[tuple[str, str], ...] = (
    ("reporter", "Who reported"),
    ("platform", "Platform"),
    ("incident_type", "Incident type"),
    ("country", "Country the report came from"),
)

COUNTRY_RULE = ("The country a report came from: the country of the platform or partner agency that sent it, or "
                "the United Kingdom for reports made to the centre directly (the public form and Report Abuse "
                "buttons). It is not where the abuse happened.")


def classify(*, has_suspect: bool, has_identifier: bool, flagged_informational: bool) -> str:
    """Referral or informational, by :data:`REFERRAL_RULE`."""
    if flagged_informational:
        return INFORMATIONAL
    return REFERRAL if has_suspect or has_identifier else INFORMATIONAL


@dataclass(frozen=True)
class Headline:
    """A figure for the year beside the year before, and whether it is the highest yet."""

    name: str
    label: str
    rule_id: str
    value: int
    prior: int | None  # None: no data for the year before
    change: int | None
    change_pct: float | None  # None where the year before was 0 or had no data
    is_record: bool
    best_before: int | None  # the highest of the earlier years with data
    breakdown: Mapping[str, int]

    @property
    def change_text(self) -> str:
        if self.change is None:
            return "no figure for the year before"
        if self.change == 0:
            return "no change"
        if self.change_pct is None:
            return f"{self.change:+,} (none the year before)"
        return f"{self.change:+,} ({self.change_pct:+.0f}%)"


def headline(name: str, label: str, rule_id: str, value: int, prior: int | None, earlier: Sequence[int],
             breakdown: Mapping[str, int] | None = None) -> Headline:
    """``earlier``: the same figure for every earlier financial year with data, oldest first.

    A record is a value above every earlier year's (a tie is not a record), and needs at least one
    earlier year to beat: a first year is not "the highest ever"."""
    change = None if prior is None else value - prior
    pct = None if prior is None or prior == 0 or change is None else 100.0 * change / prior
    best = max(earlier) if earlier else None
    is_record = best is not None and value > best
    return Headline(name, label, rule_id, value, prior, change, pct, is_record, best, dict(breakdown or {}))


def years_with_data(first_year: int | None, year: int) -> list[int]:
    """The financial years (by their first calendar year) from the first with any report up to the
    one before ``year``: the series a record is worked out from."""
    if first_year is None or first_year >= year:
        return []
    return list(range(first_year, year))


def ordered(counts: Mapping[str, Sequence[int]], *, top: int | None = None) -> list[tuple[str, list[int]]]:
    """Rows of a breakdown largest first (then by name), the smallest beyond ``top`` folded into "Other"."""
    rows = sorted(((k, list(v)) for k, v in counts.items()), key=lambda kv: (-sum(kv[1]), kv[0]))
    if top is None or len(rows) <= top:
        return rows
    kept, rest = rows[:top], rows[top:]
    width = len(rows[0][1])
    other = [sum(r[1][j] for r in rest) for j in range(width)]
    merged = dict(kept)
    if "Other" in merged:
        merged["Other"] = [a + b for a, b in zip(merged["Other"], other, strict=True)]
        return sorted(merged.items(), key=lambda kv: (-sum(kv[1]), kv[0]))
    return [*kept, ("Other", other)]
