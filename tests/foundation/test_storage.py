"""Storage: migrations match the models, the audit log is append-only, nothing leaks at rest."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from jigsaw.audit.chain import AuditAction
from jigsaw.audit.service import Actor, MissingPurposeError, record, verify
from jigsaw.bootstrap import import_tables
from jigsaw.db.base import Base
from jigsaw.db.migrate import pending_revisions, upgrade
from jigsaw.demo.data import demo_drafts
from jigsaw.intake.service import submit_report
from jigsaw.platform import Platform
from tests.factories import session_of


def test_migrations_match_the_models(platform: Platform) -> None:
    import_tables()
    with platform.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    assert pending_revisions(platform.engine) == []
    upgrade(platform.engine)  # running again is a no-op


def test_audit_log_refuses_update_and_delete(platform: Platform) -> None:
    with session_of(platform) as session:
        record(session, Actor("test"), AuditAction.COLLECTION, "report", 1)
        session.commit()
    for statement in ("UPDATE audit_events SET actor = 'x'", "DELETE FROM audit_events"):
        with session_of(platform) as session, pytest.raises(DatabaseError, match="append-only"):
            session.execute(text(statement))
            session.commit()


def test_reads_and_disclosures_need_a_purpose(platform: Platform) -> None:
    with session_of(platform) as session:
        with pytest.raises(MissingPurposeError):
            record(session, Actor("test"), AuditAction.CONSULTATION, "report", 1)
        with pytest.raises(MissingPurposeError):
            record(session, Actor("test"), AuditAction.DISCLOSURE, "report", 1, purpose="dissemination")
        record(session, Actor("test"), AuditAction.DISCLOSURE, "report", 1, purpose="dissemination",
               recipient="organisation:7")
        session.commit()
        assert verify(session).ok


def test_a_failed_write_leaves_no_audit_entry_and_no_half_report(platform: Platform) -> None:
    draft = demo_drafts(1)[0]
    with session_of(platform) as session:
        submit_report(session, draft, Actor("test"))
        session.rollback()  # e.g. a crash before commit
        assert session.execute(text("SELECT count(*) FROM reports")).scalar() == 0
        assert session.execute(text("SELECT count(*) FROM audit_events")).scalar() == 0
        assert session.execute(text("SELECT count(*) FROM subjects")).scalar() == 0


def test_sqlite_file_shows_no_reporter_or_victim_identity(sqlite_platform: Platform) -> None:
    draft = demo_drafts(1)[0]
    with session_of(sqlite_platform) as session:
        submit_report(session, draft, Actor("test"))
        session.commit()
    sqlite_platform.engine.dispose()  # flush the WAL into the main file as well
    data_dir = sqlite_platform.settings.data_dir
    raw = b"".join(p.read_bytes() for p in Path(data_dir).glob("jigsaw.db*"))
    secrets_found = [value for value in (
        draft.reporter.email, draft.reporter.name, draft.summary[:30],
        draft.subjects[1].name, draft.subjects[0].identifiers[0].value.casefold(),
        draft.subjects[0].identifiers[1].value.casefold(),
    ) if value and value.encode() in raw]
    assert secrets_found == []
