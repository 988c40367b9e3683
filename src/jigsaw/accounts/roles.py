"""The vocabulary of access control: organisation kinds, staff roles and token scopes."""

from __future__ import annotations

from enum import StrEnum

from jigsaw.errors import NotAllowed


class OrgKind(StrEnum):
    CENTRE = "centre"
    UK_FORCE = "uk_force"
    PARTNER_AGENCY = "partner_agency"
    PLATFORM = "platform"
    CHARITY = "charity"


class Role(StrEnum):
    ADMIN = "admin"  # users, organisations, configuration; no case data by default
    SUPERVISOR = "supervisor"
    ANALYST = "analyst"
    FORCE_LIAISON = "force_liaison"  # own force's packages and outcomes only
    AUDITOR = "auditor"  # audit log, read-only


class Scope(StrEnum):
    REPORTS_SUBMIT = "reports:submit"
    REPORTS_READ = "reports:read"
    HASHES_READ = "hashes:read"
    BANKS_WRITE = "banks:write"


CASE_ROLES = frozenset({Role.SUPERVISOR, Role.ANALYST})
"""Roles that work cases at the centre and may see report contents."""

# Which roles each organisation kind may hold: case work stays inside the centre.
ROLES_BY_ORG_KIND: dict[OrgKind, frozenset[Role]] = {
    OrgKind.CENTRE: frozenset(Role),
    OrgKind.UK_FORCE: frozenset({Role.FORCE_LIAISON}),
    OrgKind.PARTNER_AGENCY: frozenset({Role.FORCE_LIAISON}),
    OrgKind.PLATFORM: frozenset(),
    OrgKind.CHARITY: frozenset(),
}

# Which scopes a token for each organisation kind may carry.
SCOPES_BY_ORG_KIND: dict[OrgKind, frozenset[Scope]] = {
    OrgKind.CENTRE: frozenset(Scope),
    OrgKind.UK_FORCE: frozenset({Scope.REPORTS_SUBMIT, Scope.HASHES_READ}),
    OrgKind.PARTNER_AGENCY: frozenset({Scope.REPORTS_SUBMIT, Scope.REPORTS_READ, Scope.HASHES_READ}),
    OrgKind.PLATFORM: frozenset({Scope.REPORTS_SUBMIT, Scope.REPORTS_READ, Scope.HASHES_READ}),
    OrgKind.CHARITY: frozenset({Scope.REPORTS_SUBMIT}),
}


class AccessPolicyError(NotAllowed, ValueError):
    """A role or scope that the organisation's kind may not hold."""


def check_role_allowed(org_kind: OrgKind, role: Role) -> None:
    if role not in ROLES_BY_ORG_KIND[org_kind]:
        raise AccessPolicyError(f"a {org_kind.value} organisation cannot have {role.value} users")


def check_scopes_allowed(org_kind: OrgKind, scopes: frozenset[Scope]) -> None:
    refused = scopes - SCOPES_BY_ORG_KIND[org_kind]
    if refused:
        names = ", ".join(sorted(s.value for s in refused))
        raise AccessPolicyError(f"a {org_kind.value} organisation cannot hold scope(s) {names}")
