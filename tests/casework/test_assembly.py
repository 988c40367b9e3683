"""Cases from reports: a report linked to an open case joins it; otherwise it opens a case.
The single-report path, the bulk-import path and the backfill all do the same."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, event, func, select

from jigsaw.audit.models import AuditEvent
from jigsaw.casework.assembly import backfill, place_reports
from jigsaw.casework.lifecycle import ActionKind
from jigsaw.casework.models import Case, CaseAction, CaseReport
from jigsaw.casework.service import close
from jigsaw.db.engine import session_scope
from jigsaw.platform import Platform
from jigsaw.triage.models import TriageState
from tests.casework.conftest import case_of, make_centre
from tests.factories import post_report, report_body, session_of

OTHER = {"subjects": [{"role": "suspect", "identifiers": [{"type": "email", "value": "nightowl@mail.chatspace.test"}]}]}


def _principal(platform: Platform, account: Any) -> Any:
    from jigsaw.accounts.principal import Principal
    from jigsaw.accounts.roles import OrgKind

    return Principal(organisation_id=account.organisation_id, organisation_kind=OrgKind.CENTRE, user_id=account.id,
                     role=account.role, label=account.email)


def test_a_report_sharing_a_suspect_identifier_joins_the_open_case(client: TestClient, platform: Platform) -> None:
    """Runs on SQLite and PostgreSQL: the joining handler is the heart of case work."""
    centre = make_centre(platform)
    first = post_report(client, centre["token"], report_body(external_id="a"))
    case = case_of(platform, first)
    assert case.reference.startswith("CASE-") and len(case.reference) == 14 and case.status == "new"
    assert not case.new_information

    unrelated = post_report(client, centre["token"], report_body(external_id="b", **OTHER))
    assert case_of(platform, unrelated).id != case.id

    urgent = post_report(client, centre["token"],
                         report_body(external_id="c", escalation="He is outside her school now."))
    joined = case_of(platform, urgent)
    assert joined.id == case.id and joined.new_information and joined.escalated
    with session_of(platform) as session:
        membership = session.get(CaseReport, urgent)
        assert membership is not None and membership.new_information
        assert session.get(CaseReport, first).new_information is False  # type: ignore[union-attr]
        log = session.scalars(select(CaseAction).where(CaseAction.case_id == case.id)).all()
        assert [(a.kind, a.details["report_ids"]) for a in log] == [(ActionKind.NEW_INFORMATION, [urgent])]
        bands = {r: b for r, b in session.execute(select(TriageState.report_id, TriageState.band))}
        # The case's band is the most urgent of its reports'.
        assert bands[urgent] == "P0" and joined.band == "P0"
        assert session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.entity_type == "case", AuditEvent.entity_id == str(case.id),
            AuditEvent.action == "combination")) == 1


def test_a_report_does_not_join_a_closed_case(sqlite_client: TestClient, sqlite_platform: Platform,
                                              centre: dict[str, Any]) -> None:
    first = post_report(sqlite_client, centre["token"], report_body(external_id="a"))
    old = case_of(sqlite_platform, first)
    with session_scope(sqlite_platform.engine) as session:
        close(session, _principal(sqlite_platform, centre["analyst"]), old.id, "not_in_remit")
    later = post_report(sqlite_client, centre["token"], report_body(external_id="b"))
    fresh = case_of(sqlite_platform, later)
    assert fresh.id != old.id and fresh.status == "new" and not fresh.new_information


def test_linked_to_two_open_cases_it_joins_the_most_urgent_and_names_the_other(
        sqlite_client: TestClient, sqlite_platform: Platform, centre: dict[str, Any]) -> None:
    low = post_report(sqlite_client, centre["token"], report_body(external_id="a"))
    high = post_report(sqlite_client, centre["token"], report_body(
        external_id="b", escalation="Meeting the child tonight.", **OTHER))
    both = report_body(external_id="c", subjects=[{"role": "suspect", "identifiers": [
        {"type": "email", "value": "shadowfox@mail.pixelplay.test"},
        {"type": "email", "value": "nightowl@mail.chatspace.test"}]}])
    rid = post_report(sqlite_client, centre["token"], both)
    target, other = case_of(sqlite_platform, high), case_of(sqlite_platform, low)
    assert case_of(sqlite_platform, rid).id == target.id
    with session_of(sqlite_platform) as session:
        entry = session.scalars(select(CaseAction).where(CaseAction.case_id == target.id)).one()
        assert entry.details["also_linked_case_ids"] == [other.id]


CSV_MAPPING = """
columns:
  Ref: external_id
  Details: summary
  Suspect email: suspect.email
defaults:
  source: partner_agency
  incident_type: online_grooming
"""


def test_bulk_import_joins_open_cases_and_groups_the_batch(sqlite_client: TestClient, sqlite_platform: Platform,
                                                          centre: dict[str, Any]) -> None:
    from jigsaw.imports import csvmap, service
    from tests.imports.helpers import options

    existing = post_report(sqlite_client, centre["token"], report_body(external_id="api-1"))
    data = (b"Ref,Details,Suspect email\n"
            b"R1,Asked for images,shadowfox@mail.pixelplay.test\n"
            b"R2,Sent messages,nightowl@mail.chatspace.test\n"
            b"R3,Sent more messages,nightowl@mail.chatspace.test\n"
            b"R4,Nothing linked,loner@mail.chatspace.test\n")
    result = service.import_csv(sqlite_platform.engine, "bulk.csv", data, csvmap.load_mapping(CSV_MAPPING),
                                options(sqlite_platform, "csv"))
    assert result.imported == 4
    with session_of(sqlite_platform) as session:
        rows = session.execute(select(CaseReport.report_id, CaseReport.case_id, CaseReport.new_information)
                               .order_by(CaseReport.report_id)).all()
    by_report = {r: (c, new) for r, c, new in rows}
    ids = sorted(by_report)
    assert len(ids) == 5
    r1, r2, r3, r4 = ids[1:]
    assert by_report[r1] == (by_report[existing][0], True)  # joined the open case, as new information
    assert by_report[r2][0] == by_report[r3][0] != by_report[r1][0]  # linked within the batch: one case
    assert by_report[r4][0] not in {by_report[r1][0], by_report[r2][0]}
    assert not by_report[r2][1] and not by_report[r4][1]


def _statements_placing(platform: Platform, count: int, token: str, client: TestClient, tag: str) -> int:
    def suspect(i: int) -> dict[str, Any]:  # two suspects per run, not linked to earlier runs
        email = f"{tag}-{i % 2}@mail.pixelplay.test"
        return {"subjects": [{"role": "suspect", "identifiers": [{"type": "email", "value": email}]}]}

    ids = [post_report(client, token, report_body(external_id=f"{tag}{i}", **suspect(i))) for i in range(count)]
    with session_scope(platform.engine) as session:
        session.execute(delete(CaseAction))
        session.execute(delete(CaseReport))
        session.execute(delete(Case))
    seen: list[str] = []

    def count_statement(*args: Any) -> None:
        seen.append(args[2])

    event.listen(platform.engine, "before_cursor_execute", count_statement)
    try:
        with session_scope(platform.engine) as session:
            placed = place_reports(session, ids)
    finally:
        event.remove(platform.engine, "before_cursor_execute", count_statement)
    assert len(placed.opened) == count and len(set(placed.opened.values())) == 2
    return len(seen)


@pytest.mark.parametrize("sizes", [(4, 40)])
def test_placing_a_batch_takes_the_same_queries_whatever_its_size(
        sqlite_client: TestClient, sqlite_platform: Platform, centre: dict[str, Any], sizes: tuple[int, int]) -> None:
    small = _statements_placing(sqlite_platform, sizes[0], centre["token"], sqlite_client, "s")
    large = _statements_placing(sqlite_platform, sizes[1], centre["token"], sqlite_client, "l")
    assert large == small <= 16


def test_backfill_puts_every_report_in_a_case_once(sqlite_client: TestClient, sqlite_platform: Platform,
                                                   centre: dict[str, Any]) -> None:
    ids = [post_report(sqlite_client, centre["token"], report_body(external_id=f"r{i}", **(OTHER if i == 2 else {})))
           for i in range(4)]
    with session_scope(sqlite_platform.engine) as session:  # as a database from before case work
        session.execute(delete(CaseAction))
        session.execute(delete(CaseReport))
        session.execute(delete(Case))
    with session_scope(sqlite_platform.engine) as session:
        assert backfill(session, batch=2) == 4  # rounds of two: later rounds join earlier cases
    with session_scope(sqlite_platform.engine) as session:
        assert backfill(session, batch=2) == 0
        assert session.scalar(select(func.count()).select_from(CaseAction)) == 0  # not news: old reports
    cases = {r: case_of(sqlite_platform, r).id for r in ids}
    assert cases[ids[0]] == cases[ids[1]] == cases[ids[3]] != cases[ids[2]]


def test_the_backfill_command_is_idempotent(sqlite_client: TestClient, sqlite_platform: Platform,
                                            centre: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from jigsaw.cli.app import app
    from jigsaw.config import get_settings

    post_report(sqlite_client, centre["token"], report_body(external_id="x"))
    with session_scope(sqlite_platform.engine) as session:
        session.execute(delete(CaseAction))
        session.execute(delete(CaseReport))
        session.execute(delete(Case))
    monkeypatch.setenv("JIGSAW_DATA_DIR", str(sqlite_platform.settings.data_dir))
    monkeypatch.setenv("JIGSAW_DATABASE_URL", sqlite_platform.settings.database_url)
    get_settings.cache_clear()
    try:
        first = CliRunner().invoke(app, ["cases", "backfill"])
        again = CliRunner().invoke(app, ["cases", "backfill"])
    finally:
        get_settings.cache_clear()
    assert first.exit_code == 0 and "1 report placed in cases." in first.output, first.output
    assert again.exit_code == 0 and "0 reports placed" in again.output
