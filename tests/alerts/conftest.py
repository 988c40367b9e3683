"""A centre with its staff, and the platform's mail settings pointed at the test's SMTP server."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from sqlalchemy import update

from jigsaw.accounts.models import User
from jigsaw.accounts.roles import Role
from jigsaw.db.engine import session_scope
from jigsaw.platform import Platform
from tests.factories import make_org, make_staff, make_token

DUTY = "duty@centre.example"
BASE_URL = "https://jigsaw.centre.example"


def configure(platform: Platform, **changes: Any) -> None:
    """Change the running platform's settings (the app reads them from the platform on every request)."""
    platform.settings = dataclasses.replace(platform.settings, **changes)


@pytest.fixture
def centre(platform: Platform) -> dict[str, Any]:
    centre_id = make_org(platform, "Centre")
    staff = {
        "token": make_token(platform, centre_id, "reports:submit", "reports:read"),
        "analyst": make_staff(platform, "analyst@centre.example", Role.ANALYST, centre_id),
        "supervisor": make_staff(platform, "supervisor@centre.example", Role.SUPERVISOR, centre_id),
        "supervisor2": make_staff(platform, "second.supervisor@centre.example", Role.SUPERVISOR, centre_id),
        "retired": make_staff(platform, "retired.supervisor@centre.example", Role.SUPERVISOR, centre_id),
        "admin": make_staff(platform, "admin@centre.example", Role.ADMIN, centre_id),
        "auditor": make_staff(platform, "auditor@centre.example", Role.AUDITOR, centre_id),
    }
    with session_scope(platform.engine) as session:
        session.execute(update(User).where(User.id == staff["retired"].id).values(active=False))
    configure(platform, duty_email=DUTY, base_url=BASE_URL, alert_escalate_minutes=15, smtp_url=None,
              mail_from="jigsaw@centre.example")
    return staff
