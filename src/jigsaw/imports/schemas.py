"""The response body of ``POST /api/v1/imports`` (the same summary the CLI prints with ``--json``)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IssueOut(_Out):
    """A document or record that was refused, changed or warned about, with where."""

    file: str
    reason: str
    line: int | None


class ImportedReportOut(_Out):
    file: str
    external_id: str
    report_id: int
    reference: str


class DuplicateOut(_Out):
    file: str
    external_id: str
    report_id: int = Field(description="The report stored the first time.")


class ImportSummaryOut(_Out):
    format: str = Field(description="cybertip, vics or csv")
    organisation: str
    documents: int
    file_details: int = Field(0, description="Of the documents, CyberTipline <fileDetails> documents, read into "
                                               "the reports they name rather than stored as reports.")
    imported: int
    duplicates: int
    changed: list[IssueOut] = Field(description="Documents stored before whose content now differs.")
    errors: list[IssueOut]
    warnings: list[IssueOut]
    reports: list[ImportedReportOut]
    duplicate_reports: list[DuplicateOut]
    seconds: float
    reports_per_second: float | None
    write_path: Literal["bulk", "orm"] = Field(description="bulk: batched inserts; orm: one report at a time.")
