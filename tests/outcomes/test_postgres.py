"""Under the real server, two requests with the same force reference at the same moment: on the same
package the second waits for the first and gets the stored record; on another package the unique
reference holds and the second is a conflict naming the first. Nothing is stored twice."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from jigsaw.bootstrap import open_platform
from jigsaw.db.engine import session_scope
from jigsaw.outcomes import service
from jigsaw.outcomes.models import Outcome
from jigsaw.platform import Platform
from tests.conftest import make_settings
from tests.outcomes.conftest import World, at, make_world, principal_of, send_to_kent

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_platform(pg_database: str, tmp_path: Path) -> Iterator[Platform]:
    opened = open_platform(make_settings(tmp_path / "data", pg_database), migrate=False)
    yield opened
    opened.close()


def _race(platform: Platform, world: World, first_package: int, second_package: int, body: dict[str, Any]) -> Any:
    """Record ``body`` on the first package and, before that commits, on the second from another
    thread; the second's result (or error) once the first has committed."""
    kent = principal_of(platform, world.kent)
    result: dict[str, Any] = {}
    started = threading.Event()

    def second() -> None:
        try:
            with session_scope(platform.engine) as session:
                started.set()
                done = service.record_outcome(session, kent, second_package, body)
                result["value"] = (done.created, done.outcome.id)
        except Exception as exc:  # the answer under test
            result["value"] = exc

    with session_scope(platform.engine) as session:
        first = service.record_outcome(session, kent, first_package, body)
        session.flush()
        thread = threading.Thread(target=second)
        thread.start()
        started.wait(10)
        thread.join(0.5)  # it is waiting on our uncommitted row (or the package's lock)
        assert thread.is_alive(), "the second request must wait for the first"
        first_id = first.outcome.id
    thread.join(30)
    assert not thread.is_alive()
    return first_id, result["value"]


def test_the_same_reference_at_once_is_stored_once(pg_platform: Platform) -> None:
    world = make_world(pg_platform)
    from jigsaw.web.app import create_app

    with TestClient(create_app(platform=pg_platform), base_url="http://testserver") as client:
        one = send_to_kent(client, pg_platform, world, tag="pg1")
        two = send_to_kent(client, pg_platform, world, tag="pg2")
    body = {"reference": "KNT/RACE/1", "kind": "arrest", "occurred_at": at(1)}
    first_id, second = _race(pg_platform, world, one.package_id, one.package_id, body)
    assert second == (False, first_id), "the same package: the stored record, nothing new"

    body = {"reference": "KNT/RACE/2", "kind": "arrest", "occurred_at": at(1)}
    first_id, second = _race(pg_platform, world, one.package_id, two.package_id, body)
    assert isinstance(second, service.OutcomeConflict) and second.existing_id == first_id
    with session_scope(pg_platform.engine) as session:
        counts = dict(session.execute(select(Outcome.reference, func.count()).group_by(Outcome.reference)).all())
        assert counts == {"KNT/RACE/1": 1, "KNT/RACE/2": 1}
