"""Composition of the CLI. Capabilities own their commands; this module only mounts them."""

from __future__ import annotations

import typer

from jigsaw.accounts import cli as accounts_cli
from jigsaw.audit import cli as audit_cli
from jigsaw.cli import platform as platform_cli
from jigsaw.imports import cli as imports_cli
from jigsaw.linking import cli as linking_cli
from jigsaw.matching import cli as matching_cli
from jigsaw.media import cli as media_cli
from jigsaw.triage import cli as triage_cli

app = typer.Typer(
    name="jigsaw",
    help="Jigsaw: intake, hash matching, linking and triage for a child-protection centre.",
    no_args_is_help=True,
    add_completion=False,
)

platform_cli.register(app)
accounts_cli.register(app)
audit_cli.register(app)
media_cli.register(app)
imports_cli.register(app)
linking_cli.register(app)
matching_cli.register(app)
triage_cli.register(app)
