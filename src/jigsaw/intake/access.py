"""Who may read which reports (pure). Least privilege: by role *and* organisation."""

from __future__ import annotations

from jigsaw.accounts.principal import Principal
from jigsaw.accounts.roles import CASE_ROLES, Scope


def can_read_all_reports(principal: Principal) -> bool:
    """Centre case-workers, and centre tokens with ``reports:read``, see every report."""
    if not principal.at_centre:
        return False
    if principal.is_staff:
        return principal.role in CASE_ROLES
    return Scope.REPORTS_READ in principal.scopes


def can_read_report(principal: Principal, submitted_by_org_id: int | None) -> bool:
    if can_read_all_reports(principal):
        return True
    # A partner's token reads back only what its own organisation submitted.
    return (
        not principal.is_staff
        and Scope.REPORTS_READ in principal.scopes
        and submitted_by_org_id is not None
        and submitted_by_org_id == principal.organisation_id
    )
