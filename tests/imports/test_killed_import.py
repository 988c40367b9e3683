"""A ``kill -9`` of ``jigsaw import`` on PostgreSQL must not freeze intake (issue 15, item 2).

Workers forked from the importer used to inherit its database connection: killed mid-batch,
its socket stayed open in the workers (which lived on), so the server kept the transaction
open, idle, holding the audit chain's lock, and every report submission waited behind it.
Here an import is killed while it writes; then its processes must be gone, its backend
closed, and a report submitted through the API must be answered within seconds.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient

from jigsaw.accounts.roles import OrgKind
from jigsaw.audit.service import verify
from jigsaw.bootstrap import open_platform
from jigsaw.imports import synthetic
from tests.conftest import make_settings
from tests.factories import make_org, make_token, report_body

AUDIT_LOCK = 0x4A494753  # jigsaw.audit.service._PG_LOCK_KEY (a key that fits objid alone)
_IMPORT = "from jigsaw.cli import main; main()"


def _descendants(root: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found: set[int] = set()
    todo = [root]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _wait_until(condition: object, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.1)
    return False


@pytest.mark.postgres
def test_killing_an_import_mid_batch_leaves_intake_working(pg_database: str, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    platform = open_platform(make_settings(data_dir, pg_database), migrate=False)
    token = make_token(platform, make_org(platform, "PixelPlay", OrgKind.PLATFORM), "reports:submit")
    batch = synthetic.write_directory(tmp_path / "batch", synthetic.documents(9_000_000, 1_200))
    platform.engine.dispose()  # the importer's connections are then the only others to this database
    env = {**os.environ, "JIGSAW_DATA_DIR": str(data_dir), "JIGSAW_DATABASE_URL": pg_database}
    importer = subprocess.Popen([sys.executable, "-c", _IMPORT, "import", "cybertip", str(batch), "--json",
                                 "--workers", "2"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    watcher = psycopg.connect(pg_database.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)
    processes: set[int] = set()
    try:
        killed_holding_lock = False
        deadline = time.monotonic() + 240
        while True:
            assert importer.poll() is None, "the import ended before it could be killed mid-batch"
            assert time.monotonic() < deadline, "the import never wrote"
            lock = watcher.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = %s AND granted "
                "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
                (AUDIT_LOCK,)).fetchone()
            writing = watcher.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
                "AND xact_start IS NOT NULL AND backend_type = 'client backend'").fetchone()
            stored = watcher.execute("SELECT count(*) FROM reports").fetchone()
            assert lock is not None and writing is not None and stored is not None
            if (lock[0] or (writing[0] and stored[0] > 0)) and (processes := _descendants(importer.pid)):
                importer.send_signal(signal.SIGKILL)
                killed_holding_lock = bool(lock[0])
                break
            time.sleep(0.005)
        importer.wait(timeout=10)
        assert processes, "the import ran no worker processes"

        # The importer's workers (and the fork server, if any) leave with it...
        assert _wait_until(lambda: not any(_alive(pid) for pid in processes), 10), \
            f"worker processes outlived the import: {[pid for pid in processes if _alive(pid)]}"

        # ...so the server sees the connection close and ends its transaction at once.
        def importer_backends() -> int:
            row = watcher.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND backend_type = 'client backend'").fetchone()
            return int(row[0]) if row else 0

        assert _wait_until(lambda: importer_backends() == 0, 10), "the killed import's backend is still open"

        from jigsaw.web.app import create_app

        answers: list[int] = []
        with TestClient(create_app(platform=platform)) as client:
            def submit() -> None:
                response = client.post("/api/v1/reports", json=report_body(),
                                       headers={"Authorization": f"Bearer {token}"})
                answers.append(response.status_code)

            started = time.monotonic()
            thread = threading.Thread(target=submit, daemon=True)
            thread.start()
            thread.join(timeout=15)
            assert answers == [201], f"no answer after {time.monotonic() - started:.1f} s (lock held: " \
                                     f"{killed_holding_lock})"
        with platform.session() as session:
            assert verify(session).ok  # the killed batch left nothing half-written in the chain
    finally:
        for pid in processes:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        if importer.poll() is None:
            importer.kill()
        watcher.close()
        platform.close()


@pytest.mark.postgres
def test_app_connections_give_up_on_locks_and_idle_transactions(pg_database: str, tmp_path: Path) -> None:
    platform = open_platform(make_settings(tmp_path / "data", pg_database), migrate=False)
    try:
        with platform.engine.connect() as conn:
            assert conn.exec_driver_sql("SHOW lock_timeout").scalar() == "10s"
            assert conn.exec_driver_sql("SHOW idle_in_transaction_session_timeout").scalar() == "1min"
    finally:
        platform.close()
