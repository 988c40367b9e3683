"""Imports parsed on a Dask cluster (a real ``LocalCluster`` of two worker processes): the same
stored reports and the same refusals as the local process pool, a bad scheduler refused before
anything is written, and a worker's exception raised as the local pool raises it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from jigsaw.accounts.models import Organisation
from jigsaw.accounts.roles import OrgKind
from jigsaw.audit.models import AuditEvent
from jigsaw.audit.service import verify
from jigsaw.db.engine import session_scope
from jigsaw.imports import dispatch, service, synthetic
from jigsaw.imports.sources import Document
from jigsaw.imports.summary import ImportSummary
from jigsaw.intake.models import Report
from jigsaw.platform import Platform
from tests.factories import make_org, make_token
from tests.imports.helpers import counts, options
from tests.imports.test_cli_and_api import api_client, cli, cli_env  # noqa: F401  (cli_env: a fixture)
from tests.imports.test_import_service import _unroutable, stored_structure


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    """The address of a running cluster: two single-threaded worker processes, as remote ones would be."""
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        yield cluster.scheduler_address


@pytest.fixture
def quick_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dispatch, "SCHEDULER_TIMEOUT_S", 1.0)


def _batch() -> dict[str, bytes]:
    """Enough reports for the local pool to start, with every kind of result a batch can give."""
    docs = {**synthetic.documents(910001, dispatch.PARALLEL_THRESHOLD + 20, files_per_report=2),
            **synthetic.documents(911001, 4, files_per_report=2, full=True)}
    for name in list(docs)[1:40:4]:  # some files go through the parsing pass of their own
        if "file" in name:
            docs[name] = _unroutable(docs[name])
    docs["broken.xml"] = b"<report><reportId>9"  # malformed: refused with its line
    docs["orphan-file.xml"] = synthetic.file_details_xml(999999, 1)  # names a report not in the batch
    docs["again/910005.xml"] = synthetic.report_xml(910005, seed=7)  # an external id seen earlier in the batch
    return docs


def _outcome(summary: ImportSummary) -> dict[str, Any]:
    """What the operator is told, minus the ids and references that differ between two imports."""
    data = summary.as_dict()
    return {"reports": [(r["file"], r["external_id"]) for r in data["reports"]],
            **{key: data[key] for key in ("documents", "imported", "duplicates", "errors", "warnings")},
            "changed": [c["file"] for c in data["changed"]]}


def test_cluster_import_stores_exactly_what_the_local_pool_stores(sqlite_platform: Platform, scheduler: str) -> None:
    docs = _batch()
    local = options(sqlite_platform, workers=2, batch_size=64)
    pooled = service.import_cybertip(sqlite_platform.engine, [Document(k, v) for k, v in docs.items()], local)
    twin = make_org(sqlite_platform, "Cluster twin")
    with dispatch.connect_cluster(scheduler) as cluster:
        assert cluster.threads == 2
        on_cluster = replace(local, organisation_id=twin, organisation_name="Cluster twin", cluster=cluster)
        distributed = service.import_cybertip(sqlite_platform.engine, [Document(k, v) for k, v in docs.items()],
                                              on_cluster)
    assert pooled.imported == dispatch.PARALLEL_THRESHOLD + 24
    assert {e.file for e in pooled.errors} == {"broken.xml", "orphan-file.xml"}
    assert [d.file for d in pooled.duplicates] == ["again/910005.xml"]  # routed the same files: same digest
    assert _outcome(distributed) == _outcome(pooled)  # same reports, same refusals, same order
    assert stored_structure(sqlite_platform, twin) == stored_structure(sqlite_platform, local.organisation_id)
    with session_scope(sqlite_platform.engine) as session:
        assert verify(session).ok


def test_cli_imports_through_the_scheduler_and_reports_the_same(cli_env: Path, scheduler: str) -> None:  # noqa: F811
    docs = synthetic.documents(920001, 30, files_per_report=1)
    docs["broken.xml"] = b"<report>"
    batch = synthetic.write_directory(cli_env / "batch", docs)
    code, out = cli("import", "cybertip", str(batch), "--json", "--scheduler", scheduler)
    assert code == 1  # one document refused, as without the cluster
    summary = json.loads(out)
    assert summary["imported"] == 30
    assert summary["errors"] == [{"file": "broken.xml", "reason": summary["errors"][0]["reason"], "line": 1}]
    code, out = cli("import", "vics", str(batch / ".."), "--scheduler", scheduler, "--json")
    assert code == 0 and json.loads(out)["documents"] == 0  # no .json documents: nothing to do


@pytest.mark.usefixtures("quick_timeout")
@pytest.mark.parametrize(("address", "reason"), [
    ("tcp://127.0.0.1:1", "cannot reach the Dask scheduler at tcp://127.0.0.1:1: Timed out"),
    ("scheduler.example", "cannot reach the Dask scheduler at scheduler.example: missing port"),
    ("http://127.0.0.1:8786", "unknown address scheme 'http'"),
])
def test_a_bad_scheduler_is_refused_before_anything_is_written(cli_env: Path, address: str,  # noqa: F811
                                                                reason: str) -> None:
    batch = synthetic.write_directory(cli_env / "batch", synthetic.documents(930001, 3))
    code, out = cli("import", "cybertip", str(batch), "--json", "--scheduler", address)
    assert code == 1 and reason in json.loads(out)["refused"]
    code, out = cli("import", "cybertip", str(batch), "--scheduler", address)
    assert code == 1 and "Import refused" in out
    from jigsaw.bootstrap import open_platform

    platform = open_platform(migrate=False)
    with session_scope(platform.engine) as session:
        # not even the default organisation an import creates on first use
        assert session.scalar(select(func.count()).select_from(Organisation).where(Organisation.name == "NCMEC")) == 0
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == 0
    assert counts(platform)["reports"] == 0
    platform.close()


@pytest.mark.usefixtures("quick_timeout")
def test_a_scheduler_without_workers_is_refused() -> None:
    from distributed import LocalCluster

    with LocalCluster(n_workers=0, processes=False, dashboard_address=None) as empty, \
            pytest.raises(dispatch.ClusterUnavailable, match="has no workers"):
        dispatch.connect_cluster(empty.scheduler_address)


def test_a_worker_exception_is_raised_in_order_as_the_local_pool_raises_it(scheduler: str) -> None:
    items = ["1"] * (dispatch.PARALLEL_THRESHOLD + 50) + ["not a number"] + ["2"] * 300
    delivered = []
    with dispatch.connect_cluster(scheduler) as cluster:
        for pool in (dispatch.WorkerPool(2, len(items)), dispatch.WorkerPool(None, len(items), cluster)):
            taken: list[int] = []
            with pool, pytest.raises(ValueError, match="not a number"):
                assert pool.pool is not None or pool.cluster is not None  # really distributed
                taken.extend(pool.map(int, items))
            assert taken == [1] * len(taken)  # the chunks before the failing one, nothing after it
            delivered.append(len(taken))
    assert delivered[0] == delivered[1] > 0


def test_api_parses_zip_batches_on_the_configured_cluster(client: TestClient, platform: Platform, scheduler: str,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    api = api_client(client)
    org = make_org(platform, "PixelPlay", OrgKind.PLATFORM)
    headers = {"Authorization": f"Bearer {make_token(platform, org, 'reports:submit')}"}
    used: list[str] = []
    real_connect = dispatch.connect_cluster

    def connect(address: str, **kwargs: Any) -> dispatch.DaskCluster:
        used.append(address)
        return real_connect(address, **kwargs)

    monkeypatch.setattr("jigsaw.imports.routes.connect_cluster", connect)
    monkeypatch.setattr(dispatch, "SCHEDULER_TIMEOUT_S", 1.0)
    batch = synthetic.zip_bytes(synthetic.documents(940001, 3, files_per_report=2, full=True))
    platform.settings = replace(platform.settings, dask_scheduler="tcp://127.0.0.1:1")
    down = api.post("/api/v1/imports", headers=headers, data={"format": "cybertip"},
                    files={"file": ("batch.zip", batch, "application/zip")})
    assert down.status_code == 503 and down.headers["Retry-After"] and "127.0.0.1" not in down.text
    with session_scope(platform.engine) as session:
        assert session.scalar(select(func.count()).select_from(Report)) == 0
    platform.settings = replace(platform.settings, dask_scheduler=scheduler)
    response = api.post("/api/v1/imports", headers=headers, data={"format": "cybertip"},
                        files={"file": ("batch.zip", batch, "application/zip")})
    assert response.status_code == 200, response.text
    assert response.json()["imported"] == 3 and used == ["tcp://127.0.0.1:1", scheduler]
    single = api.post("/api/v1/imports", headers=headers, data={"format": "cybertip"},
                      files={"file": ("1.xml", synthetic.report_xml(940100))})
    assert single.json()["imported"] == 1 and len(used) == 2  # one document: parsed in the server
