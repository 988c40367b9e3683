"""Case-work fixtures: a centre with its staff and a reporting token, and a SQLite client."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from jigsaw.accounts.roles import OrgKind, Role
from jigsaw.casework.models import Case, CaseReport
from jigsaw.platform import Platform
from tests.factories import make_org, make_staff, make_token, session_of


@pytest.fixture
def sqlite_client(sqlite_platform: Platform) -> Iterator[TestClient]:
    from jigsaw.web.app import create_app

    with TestClient(create_app(platform=sqlite_platform), base_url="http://testserver") as test_client:
        yield test_client


def make_centre(platform: Platform) -> dict[str, Any]:
    centre_id = make_org(platform, "Centre")
    force_id = make_org(platform, "Force", OrgKind.UK_FORCE)
    return {
        "id": centre_id,
        "token": make_token(platform, centre_id, "reports:submit", "reports:read"),
        "analyst": make_staff(platform, "analyst@centre.example", Role.ANALYST, centre_id),
        "analyst2": make_staff(platform, "analyst2@centre.example", Role.ANALYST, centre_id),
        "supervisor": make_staff(platform, "supervisor@centre.example", Role.SUPERVISOR, centre_id),
        "admin": make_staff(platform, "admin@centre.example", Role.ADMIN, centre_id),
        "auditor": make_staff(platform, "auditor@centre.example", Role.AUDITOR, centre_id),
        "liaison": make_staff(platform, "liaison@force.example", Role.FORCE_LIAISON, force_id),
    }


@pytest.fixture
def centre(sqlite_platform: Platform) -> dict[str, Any]:
    return make_centre(sqlite_platform)


def case_of(platform: Platform, report_id: int) -> Case:
    with session_of(platform) as session:
        case = session.scalar(select(Case).join(CaseReport, CaseReport.case_id == Case.id)
                              .where(CaseReport.report_id == report_id))
        assert case is not None, f"report {report_id} is in no case"
        session.expunge(case)
        return case
