"""CLI adapters: ``jigsaw networks [--json]``, ``jigsaw networks rebuild``, ``jigsaw series [--json]``.

Reads are audited as consultations like the API's; ``--purpose`` says why (default: link analysis).
"""

from __future__ import annotations

import json
import os

import typer
from rich.console import Console
from rich.table import Table

from jigsaw.audit.service import Actor
from jigsaw.bootstrap import open_platform
from jigsaw.db.engine import session_scope
from jigsaw.linking import queries
from jigsaw.linking.rebuild import rebuild
from jigsaw.linking.settings import linking_config
from jigsaw.linking.store import matching_bank_lookup

console = Console()
CLI_ACTOR = Actor("cli:" + (os.environ.get("USER") or "operator"))
DEFAULT_PURPOSE = "link analysis from the command line"

networks_app = typer.Typer(help="Offender networks: list them, or rebuild them in bulk.", invoke_without_command=True)


@networks_app.callback()
def networks(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print JSON: networks with subjects, identifiers, reports."),
    limit: int = typer.Option(100, help="How many networks, largest first."),
    purpose: str = typer.Option(DEFAULT_PURPOSE, help="Why you are reading them (audited)."),
) -> None:
    """List networks of two or more subjects, and the values that are capped rather than joined."""
    if ctx.invoked_subcommand is not None:
        return
    platform = open_platform(migrate=False)
    with session_scope(platform.engine) as session:
        result = queries.read_networks(session, CLI_ACTOR, linking_config(session), purpose=purpose, limit=limit)
    if as_json:
        typer.echo(json.dumps(result, indent=2, default=str))
        return
    table = Table("network", "subjects", "reports", "media", title=f"{result['total']} networks")
    for n in result["networks"]:
        table.add_row(str(n["id"]), str(n["size"]), str(len(n["reports"])), str(n["media"]))
    console.print(table)
    if result["capped_identifiers"]:
        capped = Table("type", "value", "subjects", "reason", title="Values that do not join")
        for c in result["capped_identifiers"]:
            capped.add_row(c["type"], c["value"], str(c["subjects"]), c["reason"])
        console.print(capped)


@networks_app.command("rebuild")
def networks_rebuild(
    reclassify: bool = typer.Option(False, help="Re-check every identifier against the known-shared list."),
    communities: bool = typer.Option(True, help="Compute Leiden communities inside large networks."),
) -> None:
    """Recompute every network and series from the stored observations and media."""
    platform = open_platform()
    with session_scope(platform.engine) as session:
        result = rebuild(session, CLI_ACTOR, banks=matching_bank_lookup(platform.engine),
                         reclassify=reclassify, with_communities=communities)
    console.print(f"Rebuilt {result.networks} networks over {result.subjects} subjects and {result.series} "
                  f"media series/groups over {result.media} media in {result.seconds['total']:.2f} s.")


def series(
    as_json: bool = typer.Option(False, "--json", help="Print JSON: series with reports, subjects, victim status."),
    limit: int = typer.Option(200, help="How many series."),
    purpose: str = typer.Option(DEFAULT_PURPOSE, help="Why you are reading them (audited)."),
) -> None:
    """List image series: known ones (banks, source names) and possible new ones."""
    platform = open_platform(migrate=False)
    with session_scope(platform.engine) as session:
        result = queries.read_series_list(session, CLI_ACTOR, purpose=purpose, limit=limit)
    if as_json:
        typer.echo(json.dumps(result, indent=2, default=str))
        return
    table = Table("series", "names", "status", "victim identified", "reports", "first seen", "last seen",
                  title=f"{result['total']} series")
    for s in result["series"]:
        table.add_row(str(s["id"]), ", ".join(s["names"]), s["status"], str(s["victim_identified"]),
                      str(len(s["reports"])), s["first_seen"][:10], s["last_seen"][:10])
    console.print(table)


def register(app: typer.Typer) -> None:
    """Mount ``networks`` (with ``rebuild``) and ``series`` on the main CLI."""
    app.add_typer(networks_app, name="networks")
    app.command("series")(series)
