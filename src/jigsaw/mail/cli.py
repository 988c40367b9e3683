"""``jigsaw mail send`` (deliver what is due now) and ``jigsaw mail outbox`` (where each mail is)."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from jigsaw.bootstrap import open_platform
from jigsaw.db.engine import session_scope
from jigsaw.mail.outbox import outbox_entries, status_counts
from jigsaw.mail.sender import deliver_pending
from jigsaw.mail.smtpurl import SmtpUrlError

mail_app = typer.Typer(help="Outgoing mail: the outbox and its delivery over SMTP.", no_args_is_help=True)
console = Console()


@mail_app.command("send")
def send() -> None:
    """Send every queued mail that is due now (nothing is sent unless JIGSAW_SMTP_URL is set)."""
    platform = open_platform()
    try:
        result = deliver_pending(platform.engine, platform.settings)
    except SmtpUrlError as exc:
        console.print(f"[red]Refused:[/red] {exc}", soft_wrap=True)
        raise typer.Exit(code=1) from None
    finally:
        platform.close()
    if not platform.settings.smtp_url:
        console.print(f"JIGSAW_SMTP_URL is not set: {result.waiting} due mail(s) stay queued.")
        return
    console.print(f"sent {result.sent}, retrying {result.retrying}, failed {result.failed}")
    for error in result.errors:
        console.print(f"  {error}", soft_wrap=True)
    if result.retrying or result.failed:
        raise typer.Exit(code=1)


@mail_app.command("outbox")
def outbox(limit: int = typer.Option(50, help="How many of the newest mails to list.")) -> None:
    """List the outbox: status, attempts, times and the last error of each mail (never its text)."""
    platform = open_platform(migrate=False)
    try:
        with session_scope(platform.engine) as session:
            entries = outbox_entries(session, limit=limit)
            counts = status_counts(session)
    finally:
        platform.close()
    table = Table("id", "status", "to", "queued", "attempts", "next attempt", "sent", "last error", "key",
                  title="Mail outbox (newest first)")
    for e in entries:
        table.add_row(str(e.id), e.status, f"{e.recipients} recipient(s)", e.created_at.isoformat(timespec="seconds"),
                      str(e.attempts), e.next_attempt_at.isoformat(timespec="seconds") if e.status == "queued" else "",
                      e.sent_at.isoformat(timespec="seconds") if e.sent_at else "", e.last_error or "", e.dedupe_key)
    console.print(table)
    console.print(", ".join(f"{n} {status}" for status, n in counts.items()))


def register(app: typer.Typer) -> None:
    app.add_typer(mail_app, name="mail")
