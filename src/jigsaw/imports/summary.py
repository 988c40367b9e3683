"""What an import did: counts, the reports it made, and every problem with file, line and reason."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Issue:
    """One document (or part of one) that was not imported, or imported with a caveat."""

    file: str
    reason: str
    line: int | None = None


@dataclass(frozen=True)
class ImportedReport:
    file: str
    external_id: str
    report_id: int
    reference: str


@dataclass(frozen=True)
class Duplicate:
    file: str
    external_id: str
    report_id: int


@dataclass
class ImportSummary:
    """The machine-readable result (``--json`` and the HTTP answer use :meth:`as_dict`)."""

    format: str
    organisation: str
    documents: int = 0
    file_details: int = 0  # of the documents, CyberTipline <fileDetails> read into their reports
    reports: list[ImportedReport] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)
    changed: list[Issue] = field(default_factory=list)
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    seconds: float = 0.0
    path: str = "bulk"  # "bulk" (batched Core inserts) or "orm" (intake.service per report)

    @property
    def imported(self) -> int:
        return len(self.reports)

    def as_dict(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "organisation": self.organisation,
            "documents": self.documents,
            "file_details": self.file_details,
            "imported": self.imported,
            "duplicates": len(self.duplicates),
            "changed": [asdict(i) for i in self.changed],
            "errors": [asdict(i) for i in self.errors],
            "warnings": [asdict(i) for i in self.warnings],
            "reports": [asdict(r) for r in self.reports],
            "duplicate_reports": [asdict(d) for d in self.duplicates],
            "seconds": round(self.seconds, 3),
            "reports_per_second": round(self.imported / self.seconds, 1) if self.seconds > 0 else None,
            "write_path": self.path,
        }
