"""CLI for the audit log: ``jigsaw audit verify`` and ``jigsaw audit head``."""

from __future__ import annotations

import typer
from rich.console import Console

from jigsaw.audit import service
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
) -> None:
    """Check the hash chain. Exit 0 if intact; exit 1 naming the first bad entry."""
    head = _parse_head(expect_head) if expect_head else None
    platform = open_platform(migrate=False)
    with session_scope(platform.engine) as session:
        result = service.verify(session, head)
    if result.ok:
        summary = f"Audit log intact: {result.entries} entries, head {result.head_seq}:{result.head_hash}"
        console.print(summary, soft_wrap=True)
        return
    console.print(f"[red]Audit log broken at entry {result.first_bad_seq}:[/red] {result.reason} "
                  f"({result.entries} entries verified before it)")
    raise typer.Exit(code=1)


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
