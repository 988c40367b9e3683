"""CLI for triage: configuration change control, the daily digest, the ATRS record, re-scoring.

``jigsaw triage config propose FILE`` / ``config approve VERSION --by EMAIL`` / ``config list`` /
``config check FILE``, ``jigsaw triage digest [--json]``, ``jigsaw triage atrs [--format]`` and
``jigsaw triage rescore [REPORT_ID...]``.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from jigsaw.bootstrap import open_platform
from jigsaw.db.engine import session_scope
from jigsaw.triage import assess, configs, queries
from jigsaw.triage.atrs import atrs_record, to_markdown
from jigsaw.triage.errors import TriageError
from jigsaw.triage.model import Band, ConfigError

triage_app = typer.Typer(help="Triage: priority bands, configuration, digest, transparency record.",
                         no_args_is_help=True)
config_app = typer.Typer(help="Triage model configuration (proposed, then approved by a second person).",
                         no_args_is_help=True)
triage_app.add_typer(config_app, name="config")
console = Console()


@config_app.command("check")
def config_check(file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True)) -> None:
    """Check a configuration file without storing it (deny list included)."""
    try:
        config = configs.check_config_text(file.read_text(encoding="utf-8"))
    except ConfigError as exc:
        console.print(f"[red]Refused:[/red] {exc}", soft_wrap=True)
        raise typer.Exit(code=1) from None
    console.print(f"{config.version}: {len(config.items)} items, {len(config.rules)} rules, sha256 {config.sha256}")


@config_app.command("propose")
def config_propose(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True),
    by: str | None = typer.Option(None, "--by", help="Your email (default: your OS account)."),
    note: str | None = typer.Option(None, "--note", help="What changes and why."),
) -> None:
    """Propose a new configuration version; a different supervisor must approve it."""
    platform = open_platform()
    try:
        with session_scope(platform.engine) as session:
            row = configs.propose_config(session, file.read_text(encoding="utf-8"), by or configs.operator_label(),
                                         note)
            version, sha = row.version, row.sha256
    except (ConfigError, TriageError) as exc:
        console.print(f"[red]Refused:[/red] {exc}", soft_wrap=True)
        raise typer.Exit(code=1) from None
    console.print(f"Proposed {version} (sha256 {sha}). Approve with: "
                  f"jigsaw triage config approve {version} --by SUPERVISOR_EMAIL", soft_wrap=True)


@config_app.command("approve")
def config_approve(
    version: str,
    by: str = typer.Option(..., "--by", help="Email of the approving supervisor (not the proposer)."),
) -> None:
    """Approve a proposed version; it applies to every assessment from now on."""
    platform = open_platform()
    try:
        with session_scope(platform.engine) as session:
            configs.approve_config(session, version, by)
    except (ConfigError, TriageError) as exc:
        console.print(f"[red]Refused:[/red] {exc}", soft_wrap=True)
        raise typer.Exit(code=1) from None
    console.print(f"Approved {version}; new assessments use it. Existing cases re-score as information arrives, "
                  "or now with: jigsaw triage rescore")


@config_app.command("list")
def config_list() -> None:
    """Every configuration version with who proposed and approved it."""
    platform = open_platform(migrate=False)
    with session_scope(platform.engine) as session:
        rows = configs.config_versions(session)
        active = configs.active_config(session).version
        table = Table("version", "status", "proposed by", "approved by", "sha256", title=f"Active: {active}")
        for r in rows:
            table.add_row(r.version, r.status, r.proposed_by, r.approved_by or "", r.sha256[:16])
        table.add_row(configs.shipped_config().version, "shipped", "release", "release", "")
    console.print(table)


@triage_app.command("digest")
def digest(as_json: bool = typer.Option(False, "--json", help="Machine-readable output.")) -> None:
    """Overdue work and work due today, by band (run daily)."""
    platform = open_platform(migrate=False)
    with session_scope(platform.engine) as session:
        data = queries.digest(session)
    if as_json:
        typer.echo(json.dumps(data, indent=2))
        return
    for section, title in (("overdue", "Overdue"), ("due_today", "Due today")):
        total = sum(len(v) for v in data[section].values())
        console.print(f"[bold]{title}: {total}[/bold]")
        for band in Band:
            for e in data[section][band.value]:
                late = f", {e['hours_overdue']} h overdue" if e["hours_overdue"] else ""
                console.print(f"  {band.value} {e['reference']} due {e['due_at']}{late}")


@triage_app.command("atrs")
def atrs(fmt: str = typer.Option("markdown", "--format", help="json or markdown")) -> None:
    """The Algorithmic Transparency Recording Standard record of the live configuration."""
    if fmt not in ("json", "markdown"):
        raise typer.BadParameter("--format is json or markdown")
    platform = open_platform(migrate=False)
    with session_scope(platform.engine) as session:
        record = atrs_record(configs.active_config(session))
    typer.echo(json.dumps(record, indent=2) if fmt == "json" else to_markdown(record))


@triage_app.command("rescore")
def rescore(report_ids: list[int] = typer.Argument(None, help="Reports to re-score (default: all).")) -> None:
    """Re-score reports under the active configuration (e.g. after approving a new version)."""
    from sqlalchemy import select

    from jigsaw.intake.interfaces import Report

    platform = open_platform()
    with session_scope(platform.engine) as session:
        ids = report_ids or list(session.scalars(select(Report.id).order_by(Report.id)))
        done = assess.rescore(session, ids, "manual_rescore")
    console.print(f"Re-scored {len(done)} report(s).")


def register(app: typer.Typer) -> None:
    app.add_typer(triage_app, name="triage")
