"""CLI for organisations, users and API tokens (``jigsaw orgs|users|tokens``)."""

from __future__ import annotations

import getpass
import os
from collections.abc import Callable

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from jigsaw.accounts import service as accounts
from jigsaw.accounts.button_keys import issue_button_key
from jigsaw.accounts.button_link import ROTATION_GRACE
from jigsaw.accounts.models import ApiToken, Organisation, User
from jigsaw.accounts.roles import AccessPolicyError, OrgKind, Role
from jigsaw.audit.service import Actor
from jigsaw.bootstrap import open_platform
from jigsaw.db.engine import session_scope
from jigsaw.errors import NotFound
from jigsaw.exit_codes import fail
from jigsaw.security.passwords import WeakPasswordError

console = Console()
CLI_ACTOR = Actor("cli:" + (os.environ.get("USER") or "operator"))

orgs_app = typer.Typer(help="Organisations: the centre, police forces, partners, platforms, charities.",
                       no_args_is_help=True)
users_app = typer.Typer(help="Staff accounts (password + TOTP).", no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens for partner organisations.", no_args_is_help=True)


@orgs_app.command("add")
def orgs_add(
    name: str,
    kind: OrgKind = typer.Option(..., "--kind", help="Kind of organisation."),
    force_code: str | None = typer.Option(None, help="ONS police force area code (UK forces)."),
    country: str | None = typer.Option(None, help="ISO 3166 two-letter country code."),
) -> None:
    """Add an organisation."""
    platform = open_platform()
    try:
        with session_scope(platform.engine) as session:
            org = accounts.create_organisation(session, CLI_ACTOR, name, kind, force_code=force_code,
                                               country=country)
            console.print(f"Added organisation {org.name!r} ({org.kind}), id {org.id}")
    except accounts.AccountError as exc:
        raise fail(exc) from None


@orgs_app.command("button-key")
def orgs_button_key(name: str) -> None:
    """Issue or rotate a platform's Report Abuse button signing key; the key alone is on the last line.

    After a rotation the previous key keeps working for a grace period, so the platform can deploy the
    new one without a gap. The admin page for the organisation shows how to sign a link.
    """
    platform = open_platform()
    try:
        with session_scope(platform.engine) as session:
            org = accounts.organisation_by_name(session, name)
            issued = issue_button_key(session, CLI_ACTOR, org)
            verb = "Rotated" if issued.rotated else "Issued"
            console.print(f"{verb} the Report Abuse button key of {org.name!r} (organisation {org.id}); shown once."
                          + (f" The previous key works for {ROTATION_GRACE.days} more days." if issued.rotated else ""))
            console.print(f"Sign links as shown at {platform.settings.base_url}/admin/organisations/{org.id}/button")
            typer.echo(issued.key)
    except accounts.AccountError as exc:
        raise fail(exc) from None


@orgs_app.command("list")
def orgs_list() -> None:
    """List organisations."""
    platform = open_platform(migrate=False)
    with session_scope(platform.engine) as session:
        table = Table("id", "name", "kind", "force code", "country")
        for org in session.scalars(select(Organisation).order_by(Organisation.name)):
            table.add_row(str(org.id), org.name, org.kind, org.force_code or "", org.country or "")
        console.print(table)


@users_app.command("add")
def users_add(
    email: str,
    role: Role = typer.Option(..., "--role"),
    org: str = typer.Option(..., "--org", help="Organisation name."),
    name: str | None = typer.Option(None, "--name", help="Display name."),
) -> None:
    """Add a staff user. Prints the TOTP provisioning URI to enrol an authenticator app.

    The password is read from JIGSAW_NEW_PASSWORD, or asked for on the terminal.
    """
    password = os.environ.get("JIGSAW_NEW_PASSWORD") or getpass.getpass("Password (12+ characters): ")
    platform = open_platform()
    try:
        with session_scope(platform.engine) as session:
            organisation = accounts.organisation_by_name(session, org)
            new = accounts.create_user(session, CLI_ACTOR, email, role, organisation, password, display_name=name)
            console.print(f"Added {new.user.email} as {new.user.role} of {organisation.name}.")
            console.print("Scan this URI into an authenticator app (it is shown only now):")
            print(new.provisioning_uri)
    except (accounts.AccountError, AccessPolicyError, WeakPasswordError) as exc:
        raise fail(exc) from None


@users_app.command("list")
def users_list() -> None:
    """List staff users."""
    platform = open_platform(migrate=False)
    with session_scope(platform.engine) as session:
        table = Table("id", "email", "role", "organisation", "active", "last login")
        for user in session.scalars(select(User).order_by(User.email)):
            table.add_row(str(user.id), user.email, user.role, user.organisation.name, "yes" if user.active else "no",
                          user.last_login_at.isoformat(timespec="minutes") if user.last_login_at else "never")
        console.print(table)


@users_app.command("token")
def users_token(
    email: str,
    days: int = typer.Option(accounts.DEFAULT_PERSONAL_TOKEN_DAYS, "--days", help="Days until it expires."),
    name: str = typer.Option("personal", "--name", help="A label for the token."),
) -> None:
    """Issue a personal API token acting as the user EMAIL. Printed alone on the last line, once."""
    platform = open_platform()
    try:
        with session_scope(platform.engine) as session:
            user = accounts.user_by_email(session, email)
            issued = accounts.create_personal_token(session, CLI_ACTOR, user, name=name, days=days)
            expires = issued.record.expires_at.isoformat(timespec="minutes") if issued.record.expires_at else "never"
            console.print(f"Personal token {issued.record.id} for {user.email} ({user.role}), expires {expires}. "
                          "Store it now; it is not shown again.")
    except (accounts.AccountError, NotFound) as exc:
        raise fail(exc) from None
    print(issued.token)


def _change_user(email: str, change: Callable[[Session, User], str]) -> None:
    platform = open_platform()
    try:
        with session_scope(platform.engine) as session:
            console.print(change(session, accounts.user_by_email(session, email)))
    except (accounts.AccountError, AccessPolicyError, NotFound) as exc:
        raise fail(exc) from None


@users_app.command("disable")
def users_disable(email: str) -> None:
    """Disable a user now: their sessions end and their personal tokens are revoked."""
    def change(session: Session, user: User) -> str:
        accounts.disable_user(session, CLI_ACTOR, user)
        return f"{user.email} disabled."
    _change_user(email, change)


@users_app.command("enable")
def users_enable(email: str) -> None:
    """Let a disabled user sign in again."""
    def change(session: Session, user: User) -> str:
        accounts.enable_user(session, CLI_ACTOR, user)
        return f"{user.email} enabled."
    _change_user(email, change)


@users_app.command("reset-totp")
def users_reset_totp(email: str) -> None:
    """Give a user a new second factor (their sessions end); prints the new provisioning URI once."""
    def change(session: Session, user: User) -> str:
        made = accounts.reset_second_factor(session, CLI_ACTOR, user)
        return f"Second factor of {user.email} reset. Enrol with (shown only now):\n{made.provisioning_uri}"
    _change_user(email, change)


@tokens_app.command("create")
def tokens_create(
    org: str = typer.Option(..., "--org", help="Organisation name."),
    scope: list[str] = typer.Option(..., "--scope", help="reports:submit, reports:read, hashes:read, banks:write"),
    name: str = typer.Option("api", "--name", help="A label for the token."),
    days: int | None = typer.Option(None, "--days", help="Days until it expires (default: never)."),
) -> None:
    """Create an API token. The token is printed alone on the last line, once."""
    platform = open_platform()
    try:
        with session_scope(platform.engine) as session:
            organisation = accounts.organisation_by_name(session, org)
            issued = accounts.create_token(session, CLI_ACTOR, organisation, scope, name=name, days=days)
            console.print(f"Token {issued.record.id} for {organisation.name} with scopes "
                          f"{', '.join(issued.record.scopes)}. Store it now; it is not shown again.")
    except (accounts.AccountError, AccessPolicyError) as exc:
        raise fail(exc) from None
    print(issued.token)


@tokens_app.command("list")
def tokens_list() -> None:
    """List API tokens (never their secrets)."""
    platform = open_platform(migrate=False)
    with session_scope(platform.engine) as session:
        table = Table("id", "organisation", "user", "name", "prefix", "scopes", "expires", "revoked")
        for t in session.scalars(select(ApiToken).order_by(ApiToken.id)):
            table.add_row(str(t.id), t.organisation.name, t.user.email if t.user else "", t.name, t.prefix + "…",
                          " ".join(t.scopes), t.expires_at.isoformat(timespec="minutes") if t.expires_at else "",
                          t.revoked_at.isoformat(timespec="minutes") if t.revoked_at else "")
        console.print(table)


@tokens_app.command("revoke")
def tokens_revoke(token_id: int) -> None:
    """Revoke a token by id."""
    platform = open_platform()
    try:
        with session_scope(platform.engine) as session:
            accounts.revoke_token(session, CLI_ACTOR, token_id)
            console.print(f"Token {token_id} revoked.")
    except accounts.AccountError as exc:
        raise fail(exc) from None


def register(app: typer.Typer) -> None:
    app.add_typer(orgs_app, name="orgs")
    app.add_typer(users_app, name="users")
    app.add_typer(tokens_app, name="tokens")
