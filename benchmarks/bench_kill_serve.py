"""Crash test of intake: reports submitted through the API while ``kill -9`` hits the server.

Starts ``jigsaw serve`` on loopback (SQLite in a fresh data folder by default, or the
PostgreSQL database ``--database-url`` names, which must be empty or disposable), makes a
platform token, and submits ``--reports`` fictional reports from ``--clients`` concurrent
clients. When half have been acknowledged, the server is killed with SIGKILL and started
again; clients that lose their connection retry the same report (the same ``external_id``,
so a retry of a report that was in fact stored answers 200 with it).

Then it checks, in the database, that every report acknowledged with 201 is stored exactly
once, that no external id is stored twice, that nothing was stored that no answer named,
and that the audit chain is intact. It prints the figures (throughput before and after the
kill, time to restart, answers by status) and exits 1 on any loss or duplicate.

    .venv/bin/python benchmarks/bench_kill_serve.py --reports 10000 --clients 16

Bounded: loopback only, ``--timeout`` seconds at most, a temporary data folder removed after.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def body(n: int) -> dict[str, object]:
    return {
        "source": "platform", "incident_type": "image_request", "platform": "PixelPlay",
        "summary": f"Load-test report {n}: account asked a child for images.", "external_id": f"load-{n:06d}",
        "subjects": [{"role": "suspect", "identifiers": [
            {"type": "username", "value": f"@loadtest_{n % 2000}", "platform": "PixelPlay"},
            {"type": "email", "value": f"suspect{n % 3000}@mail.example"}]}],
    }


@dataclass
class Run:
    reports: int
    acknowledged: dict[str, int] = field(default_factory=dict)  # external_id -> id, answered 201
    repeated: dict[str, int] = field(default_factory=dict)  # answered 200 (a retry of a stored report)
    statuses: Counter[str] = field(default_factory=Counter)
    retries: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    next_n: int = 0
    done_at: list[float] = field(default_factory=list)  # monotonic time of each acknowledgement

    def take(self) -> int | None:
        with self.lock:
            if self.next_n >= self.reports:
                return None
            self.next_n += 1
            return self.next_n - 1


class Server:
    def __init__(self, env: dict[str, str], port: int, log: Path) -> None:
        self.env, self.port, self.log = env, port, log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 120) -> float:
        started = time.monotonic()
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-c", "from jigsaw.cli import main; main()", "serve", "--host", HOST,
                 "--port", str(self.port)], env=self.env, stdout=out, stderr=subprocess.STDOUT)
        while time.monotonic() - started < timeout:
            try:
                if httpx.get(f"http://{HOST}:{self.port}/healthz", timeout=2).status_code < 500:
                    return time.monotonic() - started
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited ({self.process.returncode}); see {self.log}")
            time.sleep(0.1)
        raise RuntimeError("the server did not start in time")

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()


def client(run: Run, url: str, token: str, deadline: float) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(timeout=30) as http:
        while (n := run.take()) is not None:
            while time.monotonic() < deadline:
                try:
                    answer = http.post(url, json=body(n), headers=headers)
                except httpx.HTTPError:
                    with run.lock:
                        run.retries += 1
                        run.statuses["connection error"] += 1
                    time.sleep(0.2)
                    continue
                with run.lock:
                    run.statuses[str(answer.status_code)] += 1
                    if answer.status_code in (201, 200):
                        target = run.acknowledged if answer.status_code == 201 else run.repeated
                        target[f"load-{n:06d}"] = int(answer.json()["id"])
                        run.done_at.append(time.monotonic())
                        break
                    run.retries += 1
                time.sleep(0.2)  # 5xx or 503 while the server comes back: the same report again


def setup(env: dict[str, str]) -> str:
    """Migrate, then make the platform organisation and its token (the token on the last line)."""
    cli = [sys.executable, "-c", "from jigsaw.cli import main; main()"]
    subprocess.run([*cli, "db", "upgrade"], env=env, check=True, capture_output=True)
    subprocess.run([*cli, "orgs", "add", "PixelPlay", "--kind", "platform"], env=env, check=True, capture_output=True)
    made = subprocess.run([*cli, "tokens", "create", "--org", "PixelPlay", "--scope", "reports:submit"], env=env,
                          check=True, capture_output=True, text=True)
    return made.stdout.strip().splitlines()[-1]


def check(env: dict[str, str], run: Run) -> dict[str, Any]:
    """What the database holds, against what the clients were told."""
    os.environ.update(env)
    from sqlalchemy import func, select

    from jigsaw.audit.service import verify
    from jigsaw.bootstrap import open_platform
    from jigsaw.config import load_settings
    from jigsaw.intake.models import Report

    platform = open_platform(load_settings(), migrate=False)
    try:
        with platform.session() as session:
            stored = dict(session.execute(select(Report.external_id, func.count()).group_by(Report.external_id)).all())
            ids = dict(session.execute(select(Report.external_id, Report.id)).all())
            chain = verify(session)
    finally:
        platform.close()
    answered = {**run.repeated, **run.acknowledged}
    return {
        "lost": sorted(e for e in run.acknowledged if stored.get(e) != 1),
        "duplicated": sorted(e for e, c in stored.items() if c > 1),
        "wrong_id": sorted(e for e, i in answered.items() if ids.get(e) != i),
        "unanswered_but_stored": sorted(e for e in stored if e not in answered),
        "stored": sum(stored.values()),
        "audit_ok": chain.ok, "audit_entries": chain.entries,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--kill-at", type=float, default=0.5, help="share acknowledged when the server is killed")
    parser.add_argument("--database-url", default=None, help="an empty PostgreSQL database (default: SQLite)")
    parser.add_argument("--timeout", type=float, default=1800)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="jigsaw-kill-") as tmp:
        env = {**os.environ, "JIGSAW_DATA_DIR": str(Path(tmp) / "data")}
        env.pop("JIGSAW_DATABASE_URL", None)
        if args.database_url:
            env["JIGSAW_DATABASE_URL"] = args.database_url
        token = setup(env)
        port = free_port()
        server = Server(env, port, Path(tmp) / "serve.log")
        run = Run(args.reports)
        deadline = time.monotonic() + args.timeout
        try:
            first_start = server.start()
            started = time.monotonic()
            workers = [threading.Thread(target=client, args=(run, f"http://{HOST}:{port}/api/v1/reports", token,
                                                              deadline), daemon=True) for _ in range(args.clients)]
            for worker in workers:
                worker.start()
            while len(run.done_at) < args.kill_at * args.reports and time.monotonic() < deadline:
                time.sleep(0.05)
            killed_at = time.monotonic()
            before = len(run.done_at)
            server.kill()
            restart = server.start()
            for worker in workers:
                worker.join(max(1, deadline - time.monotonic()))
            finished = time.monotonic()
        finally:
            server.stop()
        result = check(env, run)
    answered = len(run.acknowledged) + len(run.repeated)
    after = answered - before
    resumed = killed_at + restart
    print(f"backend: {'postgresql' if args.database_url else 'sqlite'}; {args.reports} reports, {args.clients} clients")
    print(f"server start {first_start:.1f} s; killed after {before} answers ({killed_at - started:.1f} s, "
          f"{before / (killed_at - started):.0f} reports/s); back in {restart:.1f} s; "
          f"{after} more in {finished - resumed:.1f} s ({after / max(finished - resumed, 1e-9):.0f} reports/s)")
    print(f"answers: {dict(run.statuses)}; retries {run.retries}; 201: {len(run.acknowledged)}, "
          f"200 (a retry found its report stored): {len(run.repeated)}")
    print(f"stored {result['stored']}; lost {len(result['lost'])}; duplicated {len(result['duplicated'])}; "
          f"answered with another id {len(result['wrong_id'])}; stored without an answer "
          f"{len(result['unanswered_but_stored'])}; audit chain intact: {result['audit_ok']} "
          f"({result['audit_entries']} entries)")
    bad = result["lost"] or result["duplicated"] or result["wrong_id"] or result["unanswered_but_stored"] \
        or not result["audit_ok"] or answered != args.reports
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
