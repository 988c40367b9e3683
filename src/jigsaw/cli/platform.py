"""Platform-level commands: ``serve``, ``db upgrade`` and ``demo``."""

from __future__ import annotations

import pyotp
import typer
from rich.console import Console
from rich.table import Table

from jigsaw.bootstrap import open_platform
from jigsaw.db.engine import session_scope
from jigsaw.db.migrate import upgrade

console = Console()
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply pending migrations (safe to run again)."""
    platform = open_platform(migrate=False)
    upgrade(platform.engine)
    console.print(f"Database at {platform.engine.url.render_as_string(hide_password=True)} is up to date.")


def demo(
    reports: int = typer.Option(40, help="How many fictional reports to create."),
    codes: bool = typer.Option(False, "--codes", help="Print demo logins with their current TOTP codes."),
) -> None:
    """Load synthetic demo data (idempotent), or show demo logins with --codes."""
    from jigsaw.demo.service import demo_credentials, load_demo

    platform = open_platform()
    if not codes:
        with session_scope(platform.engine) as session:
            result = load_demo(session, platform.settings.data_dir, reports=reports)
        console.print(f"Demo data: {result.reports_created} new reports"
                      + (" (already loaded)" if result.already_loaded else "") + ".")
    _print_demo_logins(demo_credentials(platform.settings.data_dir))


def _print_demo_logins(creds: dict[str, dict[str, str]]) -> None:
    table = Table("email", "role", "password", "code now", title="Demo logins (fictional accounts)")
    for email, c in creds.items():
        table.add_row(email, c["role"], c["password"], pyotp.TOTP(c["totp_secret"]).now())
    console.print(table)
    console.print("Codes change every 30 seconds: run [bold]jigsaw demo --codes[/bold] for fresh ones.")


def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    demo_data: bool = typer.Option(False, "--demo", help="Load the synthetic demo data first."),
) -> None:
    """Run the web application (public form, analyst UI and partner API)."""
    import uvicorn

    from jigsaw.web.app import create_app

    platform = open_platform()
    if demo_data:
        demo(reports=40, codes=False)
    console.print(f"Jigsaw on http://{host}:{port}/  (report form /report, staff /login, API /api/docs)")
    uvicorn.run(create_app(platform=platform), host=host, port=port, proxy_headers=False, log_level="info")


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.command("demo")(demo)
    app.add_typer(db_app, name="db")
