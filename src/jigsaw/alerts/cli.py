"""``jigsaw alerts check``: escalate overdue duty alerts and send due mail once (for cron),
and ``jigsaw alerts list``: the open alerts."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from jigsaw.alerts.service import open_alerts
from jigsaw.alerts.work import run_due_work
from jigsaw.bootstrap import open_platform
from jigsaw.db.engine import session_scope
from jigsaw.mail.interfaces import SmtpUrlError

alerts_app = typer.Typer(help="Duty alerts: escalation and the open alerts.", no_args_is_help=True)
console = Console()


@alerts_app.command("check")
def check() -> None:
    """Escalate alerts nobody acknowledged in time, then send the mail that is due (run it from cron)."""
    platform = open_platform()
    try:
        done = run_due_work(platform)
    except SmtpUrlError as exc:
        console.print(f"[red]Refused:[/red] {exc}", soft_wrap=True)
        raise typer.Exit(code=1) from None
    finally:
        platform.close()
    d = done.delivery
    console.print(f"escalated {done.escalated}; mail sent {d.sent}, retrying {d.retrying}, failed {d.failed}"
                  + (f", {d.waiting} waiting (JIGSAW_SMTP_URL is not set)" if d.waiting else ""))
    for name, counts in done.others.items():
        console.print(f"{name}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    for error in d.errors:
        console.print(f"  {error}", soft_wrap=True)


@alerts_app.command("list")
def list_open() -> None:
    """The duty alerts nobody has acknowledged yet."""
    platform = open_platform(migrate=False)
    try:
        with session_scope(platform.engine) as session:
            rows = [(a.id, a.reference, a.band, a.reason, a.raised_at, a.escalated_at) for a in open_alerts(session)]
    finally:
        platform.close()
    table = Table("id", "report", "band", "why", "raised (UTC)", "escalated (UTC)", title="Open duty alerts")
    for id_, ref, band, reason, raised, escalated in rows:
        table.add_row(str(id_), ref, band or "—", reason, raised.isoformat(timespec="seconds"),
                      escalated.isoformat(timespec="seconds") if escalated else "")
    console.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(alerts_app, name="alerts")
