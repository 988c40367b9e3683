"""Accounts: sign-in pages, the administration page, and the users/orgs/tokens commands."""

from __future__ import annotations

from pathlib import Path

from jigsaw.accounts import admin, cli, routes
from jigsaw.accounts.roles import Role
from jigsaw.capability import Capability, NavItem

CAPABILITY = Capability(
    name="accounts",
    routers=(routes.router, admin.router),
    templates=Path(__file__).parent / "templates",
    nav=(NavItem("Administration", "/admin", frozenset({Role.ADMIN})),),
    landing={Role.ADMIN: "/admin"},
    cli=cli.register,
    tables=("jigsaw.accounts.models",),
)
