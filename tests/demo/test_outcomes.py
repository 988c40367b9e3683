"""The demo shows outcomes: the demo force's records on the packages it kept (a warrant executed, an
arrest, a charge with Home Office outcome 1, children safeguarded in three categories, a no further
action with its type not yet assigned), one network dismantled, and the monitor's bands filled."""

from __future__ import annotations

from sqlalchemy import func, select

from jigsaw.demo.service import load_demo
from jigsaw.dissemination.models import Package
from jigsaw.outcomes.models import NetworkDisruption, Outcome
from jigsaw.platform import Platform
from jigsaw.triage.queries import band_outcomes


def test_the_demo_records_outcomes_and_a_network_dismantled(sqlite_platform: Platform) -> None:
    with sqlite_platform.session() as session:
        load_demo(session, sqlite_platform.settings.data_dir, reports=20)
        session.commit()
        kinds = dict(session.execute(select(Outcome.kind, func.count()).group_by(Outcome.kind)).all())
        assert {"warrant", "arrest", "voluntary_interview", "devices", "child_safeguarded", "charge",
                "no_further_action"} <= set(kinds)
        assert session.scalars(select(Outcome.warrant_stage).where(Outcome.kind == "warrant")
                               .order_by(Outcome.occurred_at)).all() == ["applied", "granted", "executed"]
        assert session.scalar(select(Outcome.home_office_outcome).where(Outcome.kind == "charge")) == 1
        assert session.scalar(select(Outcome.home_office_outcome).where(Outcome.kind == "no_further_action")) == 0
        assert set(session.scalars(select(Outcome.category).where(Outcome.kind == "child_safeguarded"))) == {
            "removed_from_harm", "protective_measure", "identified_from_imagery"}
        [dismantled] = session.scalars(select(NetworkDisruption)).all()
        assert dismantled.effect == "dismantled" and dismantled.subject_count >= 2
        # Every kept package was sent before its first outcome, and is no longer waiting for one.
        for package in session.scalars(select(Package).where(Package.first_outcome_at.is_not(None))):
            first = session.scalar(select(func.min(Outcome.occurred_at)).where(Outcome.package_id == package.id))
            assert package.dispatched_at is not None and first is not None
            assert package.dispatched_at.replace(tzinfo=None) < first.replace(tzinfo=None)
        rows = band_outcomes(session)
        assert rows is not None and sum(r["with_outcome"] for r in rows) == 2
        total = session.scalar(select(func.count()).select_from(Outcome))
        again = load_demo(session, sqlite_platform.settings.data_dir, reports=20)
        assert again.reports_created == 0
        assert session.scalar(select(func.count()).select_from(Outcome)) == total
