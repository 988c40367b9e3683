"""What other capabilities may use of statistics (the annual review builds on it): periods, the
written counting rules, the headline figures for a period, their month-by-month series and the
records behind a figure.

Figures are always counted from the record when asked for; nothing here stores or accepts one.
``records_behind`` returns references without auditing; a caller that shows them to a person
logs the consultation (``consult_records`` does both).
"""

from __future__ import annotations

from jigsaw.statistics.rules import (
    COUNTING_RULES,
    MAX_SPAN_DAYS,
    RULES_BY_ID,
    CountingRule,
    Figure,
    Period,
    financial_year_start,
    month_label,
)
from jigsaw.statistics.service import (
    RecordRef,
    Tally,
    consult_records,
    headline_figures,
    monthly_series,
    records_behind,
    tallies,
)

__all__ = ["COUNTING_RULES", "MAX_SPAN_DAYS", "RULES_BY_ID", "CountingRule", "Figure", "Period", "RecordRef",
           "Tally", "consult_records", "financial_year_start", "headline_figures", "month_label", "monthly_series",
           "records_behind", "tallies"]
