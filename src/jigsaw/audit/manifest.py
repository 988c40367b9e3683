"""Audit: the audit-log page and API for auditors, and ``jigsaw audit``."""

from __future__ import annotations

from pathlib import Path

from jigsaw.accounts.roles import Role
from jigsaw.audit import cli, routes
from jigsaw.capability import Capability, NavItem

CAPABILITY = Capability(
    name="audit",
    routers=(routes.router, routes.api),
    templates=Path(__file__).parent / "templates",
    nav=(NavItem("Audit log", "/audit", frozenset({Role.AUDITOR})),),
    landing={Role.AUDITOR: "/audit"},
    cli=cli.register,
    tables=("jigsaw.audit.models",),
)
