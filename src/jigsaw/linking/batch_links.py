"""Linked reports for a whole batch at once: the set-based form of :func:`case_scope.linked_reports`.

A bulk import stores thousands of reports a second, so case work cannot ask for each report's
links in turn. The rules are the same: reports are linked by a suspect identifier they share,
never by one on the known-shared list or one held in ``MAX_REPORTS_PER_IDENTIFIER`` reports or
more: :func:`case_scope.case_scopes` decides, so the two cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from jigsaw.linking.case_scope import case_scopes


def linked_report_map(session: Session, report_ids: Iterable[int]) -> dict[int, set[int]]:
    """For each of ``report_ids``, the other reports sharing one of its suspects' identifiers
    (reports with none are left out). Links within the batch appear in both directions."""
    return {rid: set(scope.linked_report_ids) for rid, scope in case_scopes(session, report_ids).items()
            if scope.linked_report_ids}
