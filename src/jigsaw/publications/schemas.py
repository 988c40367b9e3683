"""The API's shapes for publications."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field


class FigureOut(BaseModel):
    name: str
    label: str
    rule_id: str
    value: int | str  # "[c]" in the public version where withheld
    prior: int | str | None
    change: str
    is_record: bool


class TableOut(BaseModel):
    key: str
    title: str
    rows: list[str]
    columns: list[str]
    cells: list[list[int | str]]  # one more row and column than ``rows``/``columns``: the totals


class ReviewOut(BaseModel):
    financial_year: str
    start: date
    end: date
    version: str  # staff or public
    marking: str
    headlines: list[FigureOut]
    education_reach: list[FigureOut]
    funnel: list[FigureOut]
    breakdowns: list[TableOut]
    series: list[tuple[str, int]]
    rules: list[dict[str, str]]
    generated_at: datetime


class AssessmentIn(BaseModel):
    start: date
    end: date
    title: str = Field("", max_length=200)
    sections: dict[str, str] = Field(default_factory=dict)
    classification: str | None = None
    descriptor: str | None = None
    tlp: str | None = None
    handling: str = Field("", max_length=500)


class AssessmentEdit(BaseModel):
    sections: dict[str, str] = Field(default_factory=dict)
    title: str | None = Field(None, max_length=200)
    classification: str | None = None
    descriptor: str | None = None
    tlp: str | None = None
    handling: str | None = Field(None, max_length=500)


class ReturnIn(BaseModel):
    reason: str = Field(..., max_length=2000)


class AssessmentSummary(BaseModel):
    id: int
    reference: str
    version: int
    title: str
    start: date
    end: date
    status: str
    marking: str
    created_by_id: int
    approved_by_id: int | None
    approved_at: datetime | None
    supersedes_id: int | None


class AssessmentOut(AssessmentSummary):
    sections: dict[str, str]
    handling: str
    figures: dict[str, Any]
    figures_frozen_at: datetime | None
    returned_reason: str | None
