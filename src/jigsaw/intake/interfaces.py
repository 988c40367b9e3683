"""What other capabilities may use of intake: the report store's tables, the report domain
(drafts, validation, vocabularies), and storing and reading reports (audited)."""

from jigsaw.intake.access import can_read_all_reports
from jigsaw.intake.domain import (
    MAX_MEDIA,
    MAX_SHORT_TEXT,
    MAX_SUMMARY_CHARS,
    Channel,
    IdentifierDraft,
    IncidentType,
    InvalidReport,
    MediaDraft,
    PreparedReport,
    Problem,
    ReportDraft,
    Reporter,
    Source,
    SubjectDraft,
    SubjectRole,
    default_lines_of_enquiry,
    prepare,
)
from jigsaw.intake.models import IdentifierRecord, LineOfEnquiry, MediaRecord, Observation, Report, Subject
from jigsaw.intake.service import ReportNotFound, identifier_blind_index, read_report, submit_report

__all__ = [
    "MAX_MEDIA", "MAX_SHORT_TEXT", "MAX_SUMMARY_CHARS", "Channel", "IdentifierDraft", "IdentifierRecord",
    "IncidentType", "InvalidReport", "LineOfEnquiry", "MediaDraft", "MediaRecord", "Observation", "PreparedReport",
    "Problem", "Report", "ReportDraft", "ReportNotFound", "Reporter", "Source", "Subject", "SubjectDraft",
    "SubjectRole", "can_read_all_reports", "default_lines_of_enquiry", "identifier_blind_index", "prepare",
    "read_report", "submit_report",
]
