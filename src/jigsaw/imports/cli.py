"""``jigsaw import cybertip|vics|csv``: bulk referral import from the command line.

Human output is a progress bar and a Rich summary; ``--json`` prints the machine-readable
summary instead (the same object the HTTP route answers with). The exit status is 0 when
every document was imported or already present, 1 when any document was refused.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import replace
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import Engine

from jigsaw.audit.service import Actor
from jigsaw.bootstrap import open_platform
from jigsaw.db.engine import session_scope
from jigsaw.imports import cybertip, service, vics
from jigsaw.imports.csvmap import MappingError, load_mapping
from jigsaw.imports.dispatch import ClusterUnavailable, DaskCluster, connect_cluster
from jigsaw.imports.limits import DEFAULT_LIMITS, Limits
from jigsaw.imports.sources import BatchRefused, Document, read_path
from jigsaw.imports.summary import ImportSummary, Issue
from jigsaw.platform import Platform

import_app = typer.Typer(help="Import referrals in bulk: NCMEC CyberTipline XML, VICS case exports, CSV.",
                         no_args_is_help=True)
console = Console()
CLI_ACTOR = Actor("cli:" + (os.environ.get("USER") or "operator"))

ORG_HELP = ("Name of the organisation the referrals came from (it must exist). Default: a partner agency "
            "created on first use ({default}).")
JSON_HELP = "Print the machine-readable summary (JSON) instead of the progress bar and table."
WORKERS_HELP = "Parsing processes (default: one per CPU; 1 parses in this process)."
BATCH_HELP = ("Reports per transaction, stored with their links, triage and cases. Larger is faster per "
              "report but holds the database's write longer (SQLite: other writers wait).")
SCHEDULER_HELP = ("Parse and encode on the Dask cluster of this scheduler (tcp://HOST:8786) instead of local "
                  "processes; the database writer stays in this process. Default: $JIGSAW_DASK_SCHEDULER.")


def _run(fmt: str, org: str | None, as_json: bool, workers: int | None, count: int,
         work: Callable[[Engine, service.ImportOptions], ImportSummary], scheduler: str | None = None,
         *, distributable: bool = True, batch_size: int = service.BATCH_SIZE) -> None:
    """Open the platform, connect to the cluster if one is named, then import (CSV is never distributed)."""
    platform = open_platform()
    scheduler = (scheduler or platform.settings.dask_scheduler) if distributable else None
    try:
        # Connected and checked first: a bad address is refused before anything is written.
        cluster = connect_cluster(scheduler) if scheduler else None
    except ClusterUnavailable as exc:
        _refuse(str(exc), as_json)
    with cluster or nullcontext():
        _run_with(platform, fmt, org, as_json, workers, count, work, cluster, batch_size)


def _run_with(platform: Platform, fmt: str, org: str | None, as_json: bool, workers: int | None, count: int,
              work: Callable[[Engine, service.ImportOptions], ImportSummary], cluster: DaskCluster | None,
              batch_size: int) -> None:
    try:
        with session_scope(platform.engine) as session:
            org_id, org_name = service.resolve_organisation(session, CLI_ACTOR, org, fmt)
    except service.ImportRefused as exc:
        _refuse(str(exc), as_json)
    base = service.ImportOptions(org_id, org_name, CLI_ACTOR, default_region=platform.settings.default_phone_region,
                                 workers=workers, cluster=cluster, batch_size=batch_size)
    try:
        if as_json:
            summary = work(platform.engine, base)
        else:
            with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                          TimeElapsedColumn(), console=console, transient=True) as progress:
                task = progress.add_task(f"Importing {fmt}", total=count or None)
                options = replace(base, progress=lambda n: progress.advance(task, n))
                summary = work(platform.engine, options)
    except (BatchRefused, service.ImportRefused) as exc:
        _refuse(str(exc), as_json)
    if as_json:
        print(json.dumps(summary.as_dict(), indent=2, default=str))
    else:
        _print_summary(summary)
    if summary.errors:
        raise typer.Exit(code=1)


def _refuse(reason: str, as_json: bool) -> None:
    if as_json:
        print(json.dumps({"refused": reason}))
    else:
        console.print(f"[red]Import refused:[/red] {reason}")
    raise typer.Exit(code=1)


def _file_details(summary: ImportSummary) -> str:
    """Why a CyberTipline batch has about twice as many documents as reports."""
    return f" ({summary.file_details} of them file details, read into their reports)" if summary.file_details else ""


def _print_summary(summary: ImportSummary) -> None:
    rate = f" ({summary.imported / summary.seconds:,.0f} reports/s)" if summary.seconds and summary.imported else ""
    console.print(f"[bold]{summary.format}[/bold] from [bold]{summary.organisation}[/bold]: "
                  f"{summary.documents} documents{_file_details(summary)}, [green]{summary.imported} imported[/green], "
                  f"{len(summary.duplicates)} already present, {len(summary.changed)} changed, "
                  f"[red]{len(summary.errors)} refused[/red] in {summary.seconds:.1f} s{rate}.")
    for title, issues, style in (("Refused", summary.errors, "red"), ("Changed since first import",
                                                                       summary.changed, "yellow"),
                                 ("Warnings", summary.warnings[:50], "dim")):
        if not issues:
            continue
        table = Table("file", "line", "reason", title=title, title_style=style)
        for issue in issues:
            table.add_row(issue.file, "" if issue.line is None else str(issue.line), issue.reason)
        console.print(table)
    if len(summary.warnings) > 50:
        console.print(f"… and {len(summary.warnings) - 50} more warnings (use --json for all).")


def _documents(path: Path, suffixes: tuple[str, ...], limits: Limits) -> list[Document | Issue]:
    if not path.exists():
        raise typer.BadParameter(f"{path} does not exist")
    try:
        return list(read_path(path, suffixes, limits))
    except BatchRefused as exc:
        _refuse(str(exc), False)
        raise  # unreachable: _refuse raises


@import_app.command("cybertip")
def import_cybertip(
    path: Path = typer.Argument(..., help="A <report> XML file, a directory or a zip of reports and fileDetails."),
    org: str | None = typer.Option(None, "--org", help=ORG_HELP.format(default="NCMEC")),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
    workers: int | None = typer.Option(None, "--workers", min=1, help=WORKERS_HELP),
    scheduler: str | None = typer.Option(None, "--scheduler", help=SCHEDULER_HELP),
    batch_size: int = typer.Option(service.BATCH_SIZE, "--batch-size", min=1, max=service.MAX_BATCH_SIZE,
                                   help=BATCH_HELP),
) -> None:
    """Import NCMEC CyberTipline reports with their file details (README: batch layout)."""
    docs = _documents(path, (".xml",), DEFAULT_LIMITS)
    count = sum(1 for d in docs if isinstance(d, Document) and cybertip.sniff_root(d.data) != "fileDetails")
    _run("cybertip", org, as_json, workers, count,
         lambda engine, options: service.import_cybertip(engine, docs, options), scheduler, batch_size=batch_size)


@import_app.command("vics")
def import_vics(
    path: Path = typer.Argument(..., help="A VICS 2.0 case export (JSON), a directory or a zip of them."),
    org: str | None = typer.Option(None, "--org", help=ORG_HELP.format(default="Project VIC (VICS import)")),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
    uk_map: str | None = typer.Option(None, "--uk-map", help="VICS→UK category pairs, e.g. '1=A,2=C' "
                                                              "(default: none; no public mapping exists)."),
    workers: int | None = typer.Option(None, "--workers", min=1, help=WORKERS_HELP),
    scheduler: str | None = typer.Option(None, "--scheduler", help=SCHEDULER_HELP),
    batch_size: int = typer.Option(service.BATCH_SIZE, "--batch-size", min=1, max=service.MAX_BATCH_SIZE,
                                   help=BATCH_HELP),
) -> None:
    """Import VICS case exports: one report per case, one media record per entry."""
    try:
        mapping = vics.parse_uk_map(uk_map)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--uk-map") from None
    docs = _documents(path, (".json",), DEFAULT_LIMITS)
    _run("vics", org, as_json, workers, 0,
         lambda engine, options: service.import_vics(engine, docs, options, mapping), scheduler,
         batch_size=batch_size)


@import_app.command("csv")
def import_csv(
    path: Path = typer.Argument(..., help="A CSV file with a header row."),
    mapping: Path = typer.Option(..., "--mapping", help="YAML or JSON mapping of CSV columns (see README)."),
    org: str | None = typer.Option(None, "--org", help=ORG_HELP.format(default="CSV import")),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Import a CSV of referrals, one report per row, through a column mapping."""
    try:
        parsed_mapping = load_mapping(mapping.read_text(encoding="utf-8"))
    except (OSError, MappingError) as exc:
        raise typer.BadParameter(str(exc), param_hint="--mapping") from None
    if not path.is_file():
        raise typer.BadParameter(f"{path} is not a file")
    data = path.read_bytes()
    _run("csv", org, as_json, 1, 0,
         lambda engine, options: service.import_csv(engine, path.name, data, parsed_mapping, options),
         distributable=False)


def register(app: typer.Typer) -> None:
    """Mount ``jigsaw import …`` on the main CLI."""
    app.add_typer(import_app, name="import")
