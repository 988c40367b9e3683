"""CLI for the audit log: ``jigsaw audit verify`` and ``jigsaw audit head``."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from jigsaw.audit import checkpoints, service
from jigsaw.bootstrap import open_platform
from jigsaw.db.engine import session_scope

audit_app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)
console = Console()


def _parse_head(value: str) -> tuple[int, str]:
    seq, _, digest = value.partition(":")
    if not seq.isdigit() or len(digest) != 64:
        raise typer.BadParameter("expected SEQ:HASH as printed by `jigsaw audit head`")
    return int(seq), digest


@audit_app.command("verify")
def verify(
    expect_head: str | None = typer.Option(
        None, "--expect-head", help="SEQ:HASH recorded earlier (catches truncation)."
    ),
    checkpoint_dir: Path | None = typer.Option(
        None, "--checkpoints", help="Folder of signed checkpoints (default: JIGSAW_AUDIT_CHECKPOINT_DIR).",
    ),
) -> None:
    """Check the hash chain (keyed with the audit key) against the recorded head and every signed
    checkpoint. Exit 0 if intact; exit 1 naming the first bad entry."""
    head = _parse_head(expect_head) if expect_head else None
    platform = open_platform(migrate=False)
    with session_scope(platform.engine) as session:
        result, found = checkpoints.verify_with_checkpoints(platform, session, head, checkpoint_dir)
    for problem in found.problems:
        console.print(f"[red]Checkpoint refused:[/red] {problem}", soft_wrap=True)
    if result.ok and not found.problems:
        keyed = f"keyed from entry {result.keyed_from}" if result.keyed_from else \
            "[yellow]not keyed[/yellow] (set JIGSAW_AUDIT_KEY: an unkeyed chain can be rewritten undetectably)"
        summary = (f"Audit log intact: {result.entries} entries, head {result.head_seq}:{result.head_hash}; {keyed}; "
                   f"checked against {result.checkpoints} recorded head(s) and checkpoint(s)")
        console.print(summary, soft_wrap=True)
        return
    if not result.ok:
        where = f"at entry {result.first_bad_seq}" if result.first_bad_seq is not None else ""
        console.print(f"[red]Audit log broken {where}:[/red] {result.reason} "
                      f"({result.entries} entries verified before it)", soft_wrap=True)
    raise typer.Exit(code=1)


@audit_app.command("checkpoint")
def checkpoint() -> None:
    """Write a signed checkpoint of the head to JIGSAW_AUDIT_CHECKPOINT_DIR now (``jigsaw serve`` does so
    every JIGSAW_AUDIT_CHECKPOINT_MINUTES); for cron."""
    platform = open_platform(migrate=False)
    if platform.audit_key is None or checkpoints.checkpoint_dir(platform) is None:
        console.print("[red]Checkpoints need JIGSAW_AUDIT_KEY (or JIGSAW_AUDIT_KEY_FILE) and "
                      "JIGSAW_AUDIT_CHECKPOINT_DIR.[/red]")
        raise typer.Exit(code=1)
    written = checkpoints.write_checkpoint(platform)
    print(written if written is not None else "the head has not moved since the last checkpoint")


@audit_app.command("head")
def head() -> None:
    """Print SEQ:HASH of the newest entry, to record somewhere the database cannot reach."""
    platform = open_platform(migrate=False)
    with session_scope(platform.engine) as session:
        result = service.verify(session)
    if not result.ok:
        console.print(f"[red]Audit log broken at entry {result.first_bad_seq}:[/red] {result.reason}")
        raise typer.Exit(code=1)
    print(f"{result.head_seq}:{result.head_hash}")


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")
