"""CLI adapter: ``jigsaw cases backfill`` puts every report that is in no case into one.

Databases from before case work have reports and no cases; this gives each one a case, joining
linked reports together exactly as new reports are joined. Running it again changes nothing.
"""

from __future__ import annotations

import typer

from jigsaw.bootstrap import open_platform
from jigsaw.casework.assembly import backfill_step
from jigsaw.db.engine import session_scope

cases_app = typer.Typer(help="Case work: cases built from reports.", no_args_is_help=True)


@cases_app.command("backfill")
def cases_backfill(batch: int = typer.Option(5_000, min=100, help="Reports read per round.")) -> None:
    """Put every report not yet in a case into one (idempotent)."""
    platform = open_platform(migrate=False)
    placed, last = 0, 0
    while True:  # one transaction per round: a large store is not placed in one long transaction
        with session_scope(platform.engine) as session:
            count, next_last = backfill_step(session, last, batch)
        if next_last is None:
            break
        placed, last = placed + count, next_last
    typer.echo(f"{placed} report{'' if placed == 1 else 's'} placed in cases.")


def register(app: typer.Typer) -> None:
    app.add_typer(cases_app, name="cases")
