"""Composition of the CLI. Capabilities own their commands; this module only mounts them."""

from __future__ import annotations

import typer

from jigsaw.bootstrap import capabilities
from jigsaw.cli import platform as platform_cli

app = typer.Typer(
    name="jigsaw",
    help="Jigsaw: intake, hash matching, linking and triage for a child-protection centre.",
    no_args_is_help=True,
    add_completion=False,
)

platform_cli.register(app)
for _capability in capabilities():
    if _capability.cli is not None:
        _capability.cli(app)
