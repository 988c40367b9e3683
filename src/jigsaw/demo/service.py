"""Loading the demo: a centre, a force, a platform, demo staff and fictional reports.

Demo staff passwords and TOTP secrets are random per data folder, written to
``<data dir>/demo-credentials.json`` (mode 0600) so ``jigsaw demo --codes`` can print
current codes. Real accounts never have their secrets written anywhere.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from jigsaw.accounts import service as accounts
from jigsaw.accounts.models import Organisation, User
from jigsaw.accounts.roles import OrgKind, Role
from jigsaw.audit.service import Actor
from jigsaw.demo.data import demo_drafts
from jigsaw.intake.service import submit_report

DEMO_CENTRE = "Demo Child Protection Centre"
DEMO_ORGS = [
    (DEMO_CENTRE, OrgKind.CENTRE, None, "GB"),
    ("Demo Metropolitan Police", OrgKind.UK_FORCE, "E23000001", "GB"),
    ("PixelPlay (demo platform)", OrgKind.PLATFORM, None, "US"),
]
DEMO_STAFF = [
    ("analyst@demo.example", Role.ANALYST, DEMO_CENTRE),
    ("supervisor@demo.example", Role.SUPERVISOR, DEMO_CENTRE),
    ("admin@demo.example", Role.ADMIN, DEMO_CENTRE),
    ("auditor@demo.example", Role.AUDITOR, DEMO_CENTRE),
    ("liaison@demo.example", Role.FORCE_LIAISON, "Demo Metropolitan Police"),
]
ACTOR = Actor("demo-loader")


@dataclass(frozen=True)
class DemoResult:
    reports_created: int
    credentials_file: Path
    already_loaded: bool


def credentials_path(data_dir: Path) -> Path:
    return data_dir / "demo-credentials.json"


def load_demo(session: Session, data_dir: Path, *, reports: int = 40) -> DemoResult:
    """Idempotent: a second run adds nothing."""
    path = credentials_path(data_dir)
    orgs: dict[str, Organisation] = {}
    for name, kind, force_code, country in DEMO_ORGS:
        existing = session.scalar(select(Organisation).where(Organisation.name == name))
        orgs[name] = existing or accounts.create_organisation(session, ACTOR, name, kind, force_code=force_code,
                                                              country=country)
    creds: dict[str, dict[str, str]] = json.loads(path.read_text()) if path.exists() else {}
    already = all(session.scalar(select(User).where(User.email == email)) for email, _, _ in DEMO_STAFF)
    for email, role, org_name in DEMO_STAFF:
        if session.scalar(select(User).where(User.email == email)):
            continue
        password = secrets.token_urlsafe(12)
        new = accounts.create_user(session, ACTOR, email, role, orgs[org_name], password,
                                   display_name=f"Demo {role.value.replace('_', ' ')}")
        creds[email] = {"password": password, "totp_secret": new.totp_secret, "role": role.value}
    _write_private(path, json.dumps(creds, indent=2))
    created = 0
    centre = orgs[DEMO_CENTRE]
    for draft in demo_drafts(reports):
        if submit_report(session, draft, ACTOR, organisation_id=centre.id).created:
            created += 1
    return DemoResult(created, path, already and created == 0)


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)


def demo_credentials(data_dir: Path) -> dict[str, dict[str, str]]:
    path = credentials_path(data_dir)
    return json.loads(path.read_text()) if path.exists() else {}
