"""Composition of the CLI. Capabilities own their commands; this module only mounts them."""

from __future__ import annotations

import typer

from jigsaw.accounts import cli as accounts_cli
from jigsaw.audit import cli as audit_cli
from jigsaw.cli import platform as platform_cli

app = typer.Typer(
    name="jigsaw",
    help="Jigsaw: intake, hash matching, linking and triage for a child-protection centre.",
    no_args_is_help=True,
    add_completion=False,
)

platform_cli.register(app)
accounts_cli.register(app)
audit_cli.register(app)
