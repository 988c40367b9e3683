"""CLI for hash banks and scanning (``jigsaw bank create|list|import|export``, ``jigsaw scan``)."""

from __future__ import annotations

import csv
import json
import os
import time
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from jigsaw.audit.chain import AuditAction
from jigsaw.audit.service import Actor, record
from jigsaw.bootstrap import open_platform
from jigsaw.db.engine import session_scope
from jigsaw.exit_codes import fail
from jigsaw.matching import formats
from jigsaw.matching.scan import ScanReport, run_scan, service_matcher
from jigsaw.matching.service import MatchingService
from jigsaw.matching.storage import (
    BankError,
    create_bank,
    get_bank,
    import_entries,
    iter_entries,
    list_banks,
)

console = Console()
err_console = Console(stderr=True)
CLI_ACTOR = Actor("cli:" + (os.environ.get("USER") or "operator"))

bank_app = typer.Typer(help="Hash banks: named sets of known hashes with categories.",
                       no_args_is_help=True)


class Format(StrEnum):
    vics = "vics"
    csv = "csv"
    lines = "lines"
    ncmec = "ncmec"


@bank_app.command("create")
def bank_create(
    name: str = typer.Argument(..., help="UPPER_SNAKE_CASE name."),
    description: str = typer.Option("", help="What the bank holds."),
    source: str = typer.Option("", help="Where its hashes come from (provenance)."),
    pdq_threshold: int = typer.Option(31, help="PDQ match distance for this bank."),
) -> None:
    """Create an empty bank."""
    platform = open_platform()
    try:
        with session_scope(platform.engine) as session:
            bank = create_bank(session, name, description=description, source=source,
                               pdq_threshold=pdq_threshold)
            record(session, CLI_ACTOR, AuditAction.ADMINISTRATION, "bank", bank.id,
                   detail={"event": "bank.create", "name": name})
    except BankError as exc:
        raise fail(exc) from None
    console.print(f"Created bank {name}")


@bank_app.command("list")
def bank_list() -> None:
    """List banks with their entry counts."""
    platform = open_platform(migrate=False)
    table = Table("name", "entries", "by signal type", "PDQ threshold", "source", "created")
    with session_scope(platform.engine) as session:
        for bank, counts in list_banks(session):
            table.add_row(bank.name, str(sum(counts.values())),
                          ", ".join(f"{k} {v}" for k, v in sorted(counts.items())),
                          str(bank.pdq_threshold), bank.source,
                          bank.created_at.strftime("%Y-%m-%d %H:%M"))
    console.print(table)


@bank_app.command("import")
def bank_import(
    name: str = typer.Argument(..., help="Bank to import into."),
    file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True),
    fmt: Format | None = typer.Option(None, "--format", help="Default: from the file suffix."),
    max_errors_shown: int = typer.Option(20, help="How many errors to list."),
) -> None:
    """Import a hash list. Re-importing the same file changes nothing."""
    chosen = fmt.value if fmt else formats.guess_format(file)
    platform = open_platform()
    try:
        parsed = formats.read_path(chosen, file)
        with session_scope(platform.engine) as session:
            bank = get_bank(session, name)
            summary = import_entries(session, bank, parsed, source=str(file), fmt=chosen,
                                     imported_by=CLI_ACTOR.label)
            record(session, CLI_ACTOR, AuditAction.ADMINISTRATION, "bank", bank.id,
                   detail={"event": "bank.import", "file": file.name, "format": chosen,
                           "added": summary.added, "updated": summary.updated,
                           "unchanged": summary.unchanged, "errors": len(summary.errors)})
    except (BankError, formats.ImportTooLarge) as exc:
        raise fail(exc) from None
    console.print(f"{name}: added {summary.added}, updated {summary.updated}, "
                  f"unchanged {summary.unchanged}, errors {len(summary.errors)}")
    for err in summary.errors[:max_errors_shown]:
        console.print(f"  error at {'line' if chosen in ('csv', 'lines') else 'record'} "
                      f"{err.position}: {err.reason}")
    if len(summary.errors) > max_errors_shown:
        console.print(f"  ... and {len(summary.errors) - max_errors_shown} more")


@bank_app.command("export")
def bank_export(
    name: str = typer.Argument(...),
    out: Path = typer.Argument(..., dir_okay=False, help="File to write."),
    fmt: Format | None = typer.Option(None, "--format", help="Default: from the file suffix."),
) -> None:
    """Export a bank's hashes and classifications."""
    chosen = fmt.value if fmt else formats.guess_format(out)
    platform = open_platform(migrate=False)
    try:
        with session_scope(platform.engine) as session:
            bank = get_bank(session, name)
            entries = list(iter_entries(session, bank))
    except BankError as exc:
        raise fail(exc) from None
    out.write_bytes(formats.WRITERS[chosen](entries))
    console.print(f"Wrote {len(entries)} entries of {name} to {out} ({chosen})")


@bank_app.command("snapshot")
def bank_snapshot() -> None:
    """Save every bank's index to the data folder, so matchers start in milliseconds.

    The web server saves one by itself after large bank changes; run this after a big
    import to have the next start (or a new worker) skip reading every entry.
    """
    platform = open_platform()
    service = platform.find(MatchingService)
    started = time.perf_counter()
    folder = service.save_snapshot()
    seconds = time.perf_counter() - started
    console.print(f"Saved {service.indexed_entries()} indexed entries to {folder} in {seconds:.1f} s")


@bank_app.command("warm")
def bank_warm() -> None:
    """Compile the PDQ search kernels now (a one-off minute on a fresh install, cached on disk
    afterwards) and open the banks' indexes, so the first lookup answers at full speed.

    ``jigsaw serve`` does this before it listens; run it in an install or image build step to
    take the one-off compile out of the first start.
    """
    platform = open_platform()
    seconds = platform.find(MatchingService).warm()
    console.print(f"Matcher ready in {seconds:.1f} s")


def _write_report(report: ScanReport, out: Path) -> None:
    data = report.to_json_dict()
    if out.suffix.lower() == ".csv":
        with open(out, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["path", "kind", "size", "md5", "sha256", "pdq", "error", "bank",
                        "entry_id", "matched_hash", "distance", "via", "uk_category",
                        "vics_category", "series"])
            for fr in data["files"]:
                base = [fr.get("path"), fr.get("kind"), fr.get("size"), fr.get("md5"),
                        fr.get("sha256"), fr.get("pdq"), fr.get("error")]
                for m in fr.get("matches") or [None]:
                    tail: list[Any] = [] if m is None else [
                        m["bank"], m["entry_id"], m["hash"], m["distance"], m.get("via"),
                        m.get("uk_category"), m.get("vics_category"), m.get("series")]
                    w.writerow(base + tail)
    else:
        out.write_text(json.dumps(data, indent=1, default=str))


def scan(
    directory: Path = typer.Argument(..., exists=True, help="Folder (or file) to scan."),
    bank: list[str] = typer.Option(..., "--bank", help="Bank(s) to match against."),
    out: Path | None = typer.Option(None, "--out", help="Report file (.json or .csv)."),
    dihedral: bool = typer.Option(False, "--dihedral", help="Also match the 8 PDQ rotations."),
    scheduler: str | None = typer.Option(None, "--scheduler",
                                         help="Dask scheduler address (default: local cluster)."),
    threshold: int | None = typer.Option(None, "--threshold",
                                         help="PDQ distance (default: each bank's own)."),
    workers: int | None = typer.Option(None, "--workers", help="Local cluster processes."),
) -> None:
    """Hash every file under DIRECTORY (zip archives included) and match it against banks."""
    platform = open_platform(migrate=False)
    service = MatchingService(platform.engine)
    service.refresh()
    unknown = set(bank) - set(service.bank_names())
    if unknown:
        raise fail(f"unknown bank(s): {', '.join(sorted(unknown))}")
    columns = (TextColumn("[bold]scanning"), BarColumn(), MofNCompleteColumn(),
               TaskProgressColumn(), TextColumn("{task.fields[rate]}"), TimeElapsedColumn(),
               TextColumn("ETA"), TimeRemainingColumn())
    with Progress(*columns, console=err_console, transient=False) as bar:
        task = bar.add_task("scan", total=None, rate="")

        def progress(done: int, total: int) -> None:
            elapsed = bar.tasks[0].elapsed or 0.0
            rate = f"{done / elapsed:.1f} files/s" if elapsed > 0 else ""
            bar.update(task, completed=done, total=total, rate=rate)

        report = run_scan(directory, service_matcher(service, bank, threshold), banks=bank,
                          dihedral=dihedral, scheduler=scheduler, n_workers=workers,
                          progress=progress)
    summary = report.summary()
    with session_scope(platform.engine) as session:
        record(session, CLI_ACTOR, AuditAction.ADMINISTRATION, "scan", None,
               detail={"event": "scan", "root": str(directory), "banks": bank,
                       "files": summary["files"], "matched_files": summary["matched_files"]})
    if out:
        _write_report(report, out)
    table = Table("files", "matched", "unmatched media", "errors", "by UK category",
                  "by VICS category", "top series")
    table.add_row(str(summary["files"]), str(summary["matched_files"]),
                  str(summary["unmatched_media"]), str(summary["errors"]),
                  json.dumps(summary["by_uk_category"]), json.dumps(summary["by_vics_category"]),
                  ", ".join(list(summary["by_series"])[:5]))
    console.print(table)
    if out:
        console.print(f"Report written to {out}")


def register(app: typer.Typer) -> None:
    """Mount ``bank`` and ``scan`` on the main CLI."""
    app.add_typer(bank_app, name="bank")
    app.command("scan")(scan)
