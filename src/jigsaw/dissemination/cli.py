"""``jigsaw packages``: list packages and run the escalation check once."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from jigsaw.accounts.models import Organisation
from jigsaw.bootstrap import open_platform
from jigsaw.db.engine import session_scope
from jigsaw.dissemination.models import Package

console = Console()
packages_app = typer.Typer(help="Intelligence packages: what was sent to whom (no content).", no_args_is_help=True)


@packages_app.command("list")
def packages_list(status: str | None = typer.Option(None, help="Only packages in this status."),
                  limit: int = typer.Option(50, help="How many, newest first.")) -> None:
    """References, statuses, recipients and dates of the newest packages (no content is printed)."""
    platform = open_platform(migrate=False)
    with session_scope(platform.engine) as session:
        query = (select(Package.reference, Package.status, Package.band, Organisation.name, Package.dispatched_at,
                        Package.action_by, Package.acknowledged_at)
                 .outerjoin(Organisation, Organisation.id == Package.recipient_org_id).order_by(Package.id.desc()))
        if status:
            query = query.where(Package.status == status)
        table = Table("reference", "status", "band", "recipient", "dispatched (UTC)", "action by (UTC)",
                      "acknowledged (UTC)")
        for row in session.execute(query.limit(limit)):
            table.add_row(row[0], row[1], row[2], row[3] or "", *(t.isoformat(timespec="minutes") if t else ""
                                                                  for t in row[4:]))
        console.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(packages_app, name="packages")
