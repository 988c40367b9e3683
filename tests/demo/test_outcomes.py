"""The demo shows outcomes: with Operation Kestrel's raids (a warrant executed, an arrest, children
safeguarded in two categories), the demo force's charge with Home Office outcome 1 and a no further
action with its type not yet assigned, one network dismantled, and the monitor's bands filled."""

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
        charge = session.scalars(select(Outcome).where(Outcome.kind == "charge")).one()
        assert charge.home_office_outcome == 1 and charge.reference == "DMP/OCA/0412/C1"
        assert session.scalars(select(Outcome.warrant_stage).where(
            Outcome.kind == "warrant", Outcome.package_id == charge.package_id)
            .order_by(Outcome.occurred_at)).all() == ["applied", "granted", "executed"]
        assert session.scalar(select(Outcome.home_office_outcome).where(Outcome.kind == "no_further_action")) == 0
        assert set(session.scalars(select(Outcome.category).where(Outcome.kind == "child_safeguarded"))) >= {
            "removed_from_harm", "protective_measure"}
        [dismantled] = session.scalars(select(NetworkDisruption)).all()
        assert dismantled.effect == "dismantled" and dismantled.subject_count >= 2
        assert dismantled.package_id == charge.package_id
        # The packages the force recorded on are acted on, each sent before its first outcome.
        acted = list(session.scalars(select(Package).where(Package.first_outcome_at.is_not(None))))
        assert len(acted) >= 2
        for package in acted:
            first = session.scalar(select(func.min(Outcome.occurred_at)).where(Outcome.package_id == package.id))
            assert package.dispatched_at is not None and first is not None
            assert package.dispatched_at.replace(tzinfo=None) < first.replace(tzinfo=None)
        rows = band_outcomes(session)
        assert rows is not None and sum(r["with_outcome"] for r in rows) >= 2
        total = session.scalar(select(func.count()).select_from(Outcome))
        again = load_demo(session, sqlite_platform.settings.data_dir, reports=20)
        assert again.reports_created == 0
        assert session.scalar(select(func.count()).select_from(Outcome)) == total
