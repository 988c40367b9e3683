"""Accounts: sign-in pages, the administration pages and API, each user's own page (personal
tokens), and the users/orgs/tokens commands."""

from __future__ import annotations

from pathlib import Path

from jigsaw.accounts import account, admin, admin_api, buttons, cli, routes
from jigsaw.accounts.roles import Role
from jigsaw.capability import Capability, NavItem

CAPABILITY = Capability(
    name="accounts",
    routers=(routes.router, admin.router, admin_api.router, account.router, account.api, buttons.router,
             buttons.api),
    templates=Path(__file__).parent / "templates",
    nav=(NavItem("Administration", "/admin", frozenset({Role.ADMIN})),
         NavItem("Account", "/account", frozenset(Role), order=900)),
    landing={Role.ADMIN: "/admin"},
    cli=cli.register,
    tables=("jigsaw.accounts.models",),
)
