"""Most Wanted alert fan-out: queue one alert to every subscriber, then drain some over SMTP.

    .venv/bin/python benchmarks/bench_alerts.py [--subscribers 100000] [--drain 2000] [--repeat 3]

Stores ``--subscribers`` confirmed subscribers (encrypted addresses, blind indexes) on a migrated
SQLite database, then times :func:`jigsaw.appeals.subscriptions.queue_alert`: reading and
decrypting every address, signing one unsubscribe link each, and writing one outbox row each (text,
HTML and RFC 8058 headers, all encrypted) in one transaction. Each repeat uses a new appeal id, so
nothing is skipped as a duplicate. Then ``--drain`` of the queued mails are sent to an aiosmtpd
server on loopback with :func:`jigsaw.mail.interfaces.deliver_pending` (the outbox's own sender,
one SMTP connection per run of 200), and the rate is printed: the server's pace is the limit.
"""

from __future__ import annotations

import argparse
import dataclasses
import secrets
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jigsaw.appeals.lifecycle import PublicFields
from jigsaw.appeals.models import Subscriber
from jigsaw.appeals.subscriptions import Links, email_index, queue_alert
from jigsaw.bootstrap import open_platform
from jigsaw.config import Settings
from jigsaw.db.base import table_of
from jigsaw.db.engine import session_scope
from jigsaw.mail.interfaces import deliver_pending

FIELDS = PublicFields("Daniel Mercer", ("Dan Marsh",), 41, "Thin build, short grey hair.", "Preston bus station",
                      "Do not approach. Call 999.")


class Sink:
    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.count += 1
        return "250 OK"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--drain", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="jigsaw-bench-alerts-"))
    platform = open_platform(Settings(data_dir=folder, database_url=f"sqlite:///{folder / 'jigsaw.db'}",
                                      base_url="https://jigsaw.centre.example"))
    now = datetime.now(UTC)
    started = time.perf_counter()
    with session_scope(platform.engine) as session:
        rows = []
        for i in range(args.subscribers):
            address = f"subscriber{i}@example.org"
            rows.append({"email": address, "email_index": email_index(session, address), "status": "confirmed",
                         "regions": [] if i % 3 else ["North West"], "consent_version": "bench", "source": "bench",
                         "created_at": now, "consent_at": now, "token_nonce": secrets.token_hex(8),
                         "confirmations_sent": 1})
        session.execute(table_of(Subscriber).insert(), rows)
    print(f"stored {args.subscribers:,} subscribers in {time.perf_counter() - started:.1f} s")
    links = Links.of(platform)
    times = []
    for run in range(args.repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        with session_scope(platform.engine) as session:
            queued = queue_alert(session, links, 1_000_000 + run, "published", FIELDS, "North West", "abcd2345",
                                 now=now)
        times.append(time.perf_counter() - t0)
        cpu = time.process_time() - c0
        print(f"run {run + 1}: queued {queued:,} alerts in {times[-1]:.2f} s wall, {cpu:.2f} s CPU "
              f"({queued / times[-1]:,.0f} mails/s)")
    print(f"median: {statistics.median(times):.2f} s for {args.subscribers:,} subscribers")

    if args.drain:
        import socket

        from aiosmtpd.controller import Controller

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        sink = Sink()
        controller = Controller(sink, hostname="127.0.0.1", port=port)
        controller.start()
        try:
            settings = dataclasses.replace(platform.settings, smtp_url=f"smtp://127.0.0.1:{port}")
            t0 = time.perf_counter()
            sent = 0
            while sent < args.drain:
                sent += deliver_pending(platform.engine, settings).sent
            elapsed = time.perf_counter() - t0
        finally:
            controller.stop()
        print(f"drained {sent:,} mails to aiosmtpd on loopback in {elapsed:.1f} s ({sent / elapsed:,.0f} mails/s)")
    platform.close()


if __name__ == "__main__":
    main()
