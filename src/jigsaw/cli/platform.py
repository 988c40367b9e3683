"""Platform-level commands: ``serve``, ``demo`` and ``db upgrade|current|check|revision``."""

from __future__ import annotations

import pyotp
import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine

from jigsaw.alerts.work import DueWorkThread
from jigsaw.audit.checkpoints import CheckpointThread, checkpoint_dir
from jigsaw.audit.service import ensure_keyed
from jigsaw.bootstrap import import_tables, open_platform
from jigsaw.config import get_settings, serving_settings
from jigsaw.db import migrate
from jigsaw.db.base import Base
from jigsaw.db.engine import make_engine, session_scope
from jigsaw.matching.interfaces import MatchingService
from jigsaw.platform import Platform

console = Console()
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)


def _database() -> Engine:
    """The configured database's engine, without opening the platform (no keys, no schema check)."""
    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return make_engine(settings.database_url, lock_timeout=settings.pg_lock_timeout,
                         idle_in_transaction_timeout=settings.pg_idle_in_transaction_timeout)


def _where(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply pending migrations (safe to run again; on PostgreSQL one process at a time)."""
    engine = _database()
    migrate.upgrade(engine)
    console.print(f"Database at {_where(engine)} is up to date.")


@db_app.command("current")
def db_current() -> None:
    """Print the revision the database is at ("none" for an empty database)."""
    revisions = migrate.current_revisions(_database())
    typer.echo(", ".join(revisions) if revisions else "none")


@db_app.command("check")
def db_check() -> None:
    """Exit 1, saying why, unless the database is at head and the migrations equal the models."""
    engine = _database()
    import_tables()
    problems = migrate.check(engine, Base.metadata)
    if problems:
        for problem in problems:
            typer.echo(problem, err=True)
        raise typer.Exit(1)
    typer.echo(f"Database at {_where(engine)} is at head ({', '.join(migrate.head_revisions())}) "
               "and matches the models.")


@db_app.command("revision")
def db_revision(
    message: str = typer.Option(..., "-m", "--message", help="What the migration does (names the file)."),
    autogenerate: bool = typer.Option(
        False, "--autogenerate",
        help="Fill the body from the difference between the models and the database (which must be at head)."),
) -> None:
    """Write the next migration file into src/jigsaw/db/migrations/versions (review it before committing)."""
    path = migrate.new_revision(message, _database() if autogenerate else None)
    typer.echo(f"Wrote {path}")


def demo(
    reports: int = typer.Option(40, help="How many fictional reports to create."),
    codes: bool = typer.Option(False, "--codes", help="Print demo logins with their current TOTP codes."),
) -> None:
    """Load synthetic demo data (idempotent), or show demo logins with --codes."""
    _demo_on(open_platform(), reports, codes)


def _demo_on(platform: Platform, reports: int, codes: bool) -> None:
    """:func:`demo` on ``platform``: its Report Abuse link is on the platform's base URL."""
    from jigsaw.appeals.subscriptions import Links
    from jigsaw.demo.service import button_link, demo_credentials, load_demo

    if not codes:
        with session_scope(platform.engine) as session:
            result = load_demo(session, platform.settings.data_dir, reports=reports, links=Links.of(platform))
            link = button_link(session, platform.settings.base_url)
        console.print(f"Demo data: {result.reports_created} new reports"
                      + (" (already loaded)" if result.already_loaded else "") + ".")
        if link:
            console.print("PixelPlay's Report Abuse button, as a child on PixelPlay would press it (signed now):")
            typer.echo(link)
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
    """Run the web application (public form, analyst UI and partner API).

    Behind a reverse proxy, set JIGSAW_TRUSTED_PROXIES to its addresses or
    CIDR ranges, comma-separated (e.g. 10.0.0.5,fd00::/8), so rate limits key
    on each client's real address. The forwarded header is read only when the
    direct peer is one of those proxies, taking the right-most address that is
    not a trusted proxy. JIGSAW_PROXY_HEADER names the header they set:
    x-forwarded-for (the default) or forwarded (RFC 7239). Unset, forwarded
    headers are ignored and everyone behind a proxy shares one limit.
    """
    import uvicorn

    from jigsaw.web.app import create_app

    platform = open_platform(serving_settings(host, port))
    with platform.session() as session:
        ensure_keyed(session)
    if demo_data:
        _demo_on(platform, 40, codes=False)
    if not platform.settings.cookie_secure:
        console.print("Cookies are not marked Secure (loopback or JIGSAW_COOKIE_SECURE=0): serve over HTTPS "
                      "to anyone else.")
    # The first partner lookup must not pay numba's compile (seconds; a minute on a fresh install).
    console.print("Preparing the hash matcher (about a minute the first time after installing)…")
    seconds = platform.find(MatchingService).warm()
    console.print(f"Matcher ready in {seconds:.1f} s")
    console.print(f"Jigsaw on http://{host}:{port}/  (report form /report, staff /login, API /api/docs)")
    if not platform.settings.smtp_url:
        console.print("JIGSAW_SMTP_URL is not set: mail (duty alerts included) stays queued in the outbox.")
    # Escalates unacknowledged duty alerts and sends the outbox every 30 s while the server runs.
    due_work = DueWorkThread(platform)
    due_work.start()
    # Signs and exports the audit chain's head every JIGSAW_AUDIT_CHECKPOINT_MINUTES (when configured).
    audit_checkpoints = CheckpointThread(platform)
    if platform.audit_key is None:
        console.print("JIGSAW_AUDIT_KEY is not set: the audit chain is not keyed (README, Configuration).")
    elif checkpoint_dir(platform) is not None:
        audit_checkpoints.start()
    try:
        uvicorn.run(create_app(platform=platform), host=host, port=port, proxy_headers=False, log_level="info")
    finally:
        due_work.stop()
        audit_checkpoints.stop()


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.command("demo")(demo)
    app.add_typer(db_app, name="db")
