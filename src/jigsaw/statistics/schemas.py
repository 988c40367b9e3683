"""The statistics API's answers (``/api/v1/statistics``): figures with their rule ids, the rules, and
the records behind a figure."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field


class PeriodOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    start: date = Field(serialization_alias="from", description="First Europe/London day, included.")
    end: date = Field(serialization_alias="to", description="Last Europe/London day, included.")
    label: str


class MonthOut(BaseModel):
    month: date = Field(description="The first day of the month.")
    value: int


class FigureOut(BaseModel):
    value: int
    rule_id: str = Field(description="The counting rule it was counted by (GET /api/v1/statistics/rules).")
    label: str
    breakdown: dict[str, int] | None = None
    monthly: list[MonthOut]


class StatisticsOut(BaseModel):
    """Every headline figure for the period, counted from the record when asked."""

    period: PeriodOut
    reports_received: FigureOut
    disseminations: FigureOut
    arrests: FigureOut
    charges: FigureOut
    home_office_outcomes: FigureOut
    children_safeguarded: FigureOut
    victims_identified: FigureOut
    networks_dismantled: FigureOut
    networks_disrupted: FigureOut
    offenders_located: FigureOut
    high_risk_offenders_located: FigureOut
    most_wanted_located: FigureOut
    children_reached: FigureOut
    settings_reached: FigureOut


class RuleOut(BaseModel):
    id: str
    name: str
    label: str
    counts: str
    excludes: str
    date_basis: str
    version: int
    caveat: str
    breakdown: list[str]
    months_add_up: bool = Field(description="Whether the month-by-month series adds up to the total.")
    text: str


class RulesOut(BaseModel):
    rules: list[RuleOut]


class RecordOut(BaseModel):
    kind: str
    id: int
    reference: str
    day: date
    count: int
    key: str | None
    href: str | None


class RecordsOut(BaseModel):
    figure: str
    rule_id: str
    period: PeriodOut
    value: int = Field(description="The figure itself, for checking the records add up to it.")
    records: list[RecordOut]
    truncated: bool = Field(description="True when more records stand behind the figure than were listed.")
