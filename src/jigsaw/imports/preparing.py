"""Validating drafts for import (pure), tolerant of a bad identifier in an otherwise good report.

:func:`jigsaw.intake.domain.prepare` refuses a whole draft for one unparseable phone number,
which is right for a form but wrong for a referral: a CyberTip with a mistyped number is
still a referral. :func:`prepare_for_import` drops exactly the identifiers ``prepare``
rejects (by the location it reports), records each as a warning, and prepares the rest,
so the stored rows are still exactly what ``submit_report`` stores for the cleaned draft.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from jigsaw.imports.common import DocumentError
from jigsaw.imports.summary import Issue
from jigsaw.intake.domain import InvalidReport, PreparedReport, Problem, ReportDraft, Reporter, prepare


@dataclass(frozen=True)
class ReadyReport:
    """A validated report and the bookkeeping the storage adapter needs to write it once.

    It carries either the :class:`PreparedReport` (for the per-report ORM path) or its
    encoded rows (:func:`jigsaw.imports.bulk.encode_report`, for the bulk path), not both:
    the encoded form is what crosses from a worker process to the writer cheaply.
    """

    name: str  # the document it came from
    external_id: str
    digest: str
    prepared: PreparedReport | None = None
    encoded: Any = None
    warnings: tuple[Issue, ...] = ()

    @property
    def draft(self) -> ReportDraft:
        assert self.prepared is not None, "encoded reports no longer carry their draft"
        return self.prepared.draft


def prepare_for_import(draft: ReportDraft, name: str, *, default_region: str = "GB",
                       ) -> tuple[PreparedReport, list[Issue]]:
    """Prepare ``draft``, dropping rejected identifiers (warnings); raise DocumentError otherwise."""
    warnings: list[Issue] = []
    for _ in range(3):
        try:
            return prepare(draft, default_region=default_region), warnings
        except InvalidReport as exc:
            draft = _without_bad_identifiers(draft, exc.problems, name, warnings)
    raise DocumentError("the report could not be validated after dropping bad identifiers")


def _without_bad_identifiers(draft: ReportDraft, problems: list[Problem], name: str,
                             warnings: list[Issue]) -> ReportDraft:
    drop: dict[int, set[int]] = {}
    reporter = draft.reporter
    fatal: list[str] = []
    for problem in problems:
        loc = problem.loc
        if len(loc) >= 4 and loc[0] == "subjects" and loc[2] == "identifiers":
            drop.setdefault(int(loc[1]), set()).add(int(loc[3]))
            warnings.append(Issue(name, f"subject {int(loc[1]) + 1}: {problem.msg} (identifier not imported)"))
        elif loc == ("reporter", "email"):
            reporter = Reporter(reporter.name, None, reporter.phone)
            warnings.append(Issue(name, f"reporter email: {problem.msg} (not imported)"))
        elif loc == ("reporter", "phone"):
            reporter = Reporter(reporter.name, reporter.email, None)
            warnings.append(Issue(name, f"reporter phone: {problem.msg} (not imported)"))
        else:
            fatal.append(f"{'.'.join(map(str, loc))}: {problem.msg}")
    if fatal:
        raise DocumentError("; ".join(fatal))
    subjects = tuple(
        replace(subject, identifiers=tuple(ident for j, ident in enumerate(subject.identifiers)
                                           if j not in drop.get(i, set())))
        for i, subject in enumerate(draft.subjects)
    )
    return replace(draft, subjects=subjects, reporter=reporter)
