"""``jigsaw orgs seed`` (the shipped recipients), ``jigsaw routing load FILE`` (the postcode table)
and ``jigsaw routing contact`` / ``jigsaw routing recipients``."""

from __future__ import annotations

import os
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from jigsaw.accounts.cli import orgs_app
from jigsaw.audit.service import Actor
from jigsaw.bootstrap import open_platform
from jigsaw.db.engine import session_scope
from jigsaw.errors import JigsawError
from jigsaw.exit_codes import fail
from jigsaw.routing import service

console = Console()
CLI_ACTOR = Actor("cli:" + (os.environ.get("USER") or "operator"))
routing_app = typer.Typer(help="Routing: the postcode table and the recipients' points of contact.",
                          no_args_is_help=True)


@orgs_app.command("seed")
def orgs_seed() -> None:
    """Load the shipped recipients: UK police forces (with ONS codes), BTP, the Crown Dependencies'
    forces and the international partners (idempotent; points of contact already set are kept)."""
    platform = open_platform()
    with session_scope(platform.engine) as session:
        result = service.seed_recipients(session, CLI_ACTOR)
    console.print(f"Recipients: {len(result.created)} created, {len(result.updated)} updated, "
                  f"{result.unchanged} unchanged.")
    if result.created:
        console.print("Points of contact are placeholders (@spoc.invalid) until set: "
                      "jigsaw routing contact NAME --email ADDRESS")


@routing_app.command("load")
def routing_load(path: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True,
                                             help="ONSPD or NSPL CSV (columns pcds or pcd, pfa, doterm).")) -> None:
    """Replace the postcode → police force area table with the live postcodes of FILE."""
    platform = open_platform()
    try:
        with session_scope(platform.engine) as session, path.open(encoding="utf-8-sig", newline="") as lines:
            result = service.load_directory(session, CLI_ACTOR, lines, source=path.name)
    except JigsawError as exc:
        raise fail(exc) from None
    c = result.counts
    console.print(f"Loaded {c.kept} live postcodes in {result.districts} districts and {result.force_areas} force "
                  f"areas from {c.rows} rows (terminated {c.terminated}, no force area {c.no_force_area}, "
                  f"not a postcode {c.not_a_postcode}).")


@routing_app.command("contact")
def routing_contact(
    name: str = typer.Argument(..., help="The recipient organisation's name."),
    email: str | None = typer.Option(None, help="Its single point of contact."),
    max_classification: str | None = typer.Option(None, help="OFFICIAL or OFFICIAL-SENSITIVE."),
    max_tlp: str | None = typer.Option(None, help="clear, green, amber, amber+strict or red."),
) -> None:
    """Set a recipient's point of contact and the highest marking it may receive."""
    platform = open_platform()
    try:
        with session_scope(platform.engine) as session:
            info = service.set_contact(session, CLI_ACTOR, name, email=email, max_classification=max_classification,
                                       max_tlp=max_tlp)
    except JigsawError as exc:
        raise fail(exc) from None
    console.print(f"{info.name}: {info.spoc_email}, up to {info.max_classification.value} / TLP:{info.max_tlp.value}")


@routing_app.command("recipients")
def routing_recipients() -> None:
    """List the recipients with their ONS codes, points of contact and highest markings."""
    platform = open_platform(migrate=False)
    with session_scope(platform.engine) as session:
        table = Table("id", "name", "ONS code", "country", "point of contact", "max marking", "max TLP")
        for r in service.recipients(session, active_only=False):
            table.add_row(str(r.org_id), r.name, r.ons_code or "", r.country or "", r.spoc_email,
                          r.max_classification.value, r.max_tlp.value)
        console.print(table)
        console.print(f"{service.postcode_count(session)} postcodes in the table.")


def register(app: typer.Typer) -> None:
    app.add_typer(routing_app, name="routing")
