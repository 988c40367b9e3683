"""Bulk dissemination: one package per suspect of a referral batch, routed and drafted in one action,
then approved as a set by a second person (SQLite).

    .venv/bin/python benchmarks/bench_dissemination.py [--packages 1000] [--postcodes 200000]

Imports synthetic CyberTipline reports (each suspect with a UK postal address) through the import
service until the batch has ``--packages`` suspects, seeds the shipped recipients, loads a synthetic
postcode directory of ``--postcodes`` live postcodes through the ONSPD reader (the suspects' postcode
among them), then times :func:`jigsaw.dissemination.service.draft_batch` (routing every package by
postcode and generating its evidence summary from the record), the batch's submission, and its
approval as a set (each package dispatched: a disclosure in the audit log and a mail in the outbox).
The target is 1,000 packages routed and drafted in under 10 s.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from sqlalchemy import select

from jigsaw.accounts import service as accounts
from jigsaw.accounts.principal import Principal
from jigsaw.accounts.roles import OrgKind, Role
from jigsaw.audit.service import Actor, verify
from jigsaw.bootstrap import open_platform
from jigsaw.config import Settings
from jigsaw.db.engine import session_scope
from jigsaw.dissemination import service
from jigsaw.imports import service as imports
from jigsaw.imports import synthetic
from jigsaw.imports.sources import read_path
from jigsaw.intake.models import Report, Subject
from jigsaw.routing import service as routing


def _directory(count: int) -> list[str]:
    lines = ["pcd,pcds,dointr,doterm,pfa\n", "EX1 1AA,EX1 1AA,198001,,E23000035\n"]
    areas = ("AB", "BS", "CF", "DE", "EX", "GL", "HP", "LS", "ME", "NE", "OX", "PL", "SW", "TN")
    codes = [f"E23{n:06d}" for n in range(1, 40)]
    for n in range(count - 1):
        area = areas[n % len(areas)]
        district, sector, unit = 10 + (n // 4000) % 90, n % 10, n // 10 % 400
        letters = "ABDEFGHJLNPQRSTUWXYZ"
        postcode = f"{area}{district} {sector}{letters[unit % 20]}{letters[unit // 20 % 20]}"
        lines.append(f"{postcode},{postcode},198001,,{codes[(n // 4000) % len(codes)]}\n")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packages", type=int, default=1000)
    parser.add_argument("--postcodes", type=int, default=200_000)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="jigsaw-bench-dissem-"))
    platform = open_platform(Settings(data_dir=root / "data", database_url=f"sqlite:///{root / 'data/j.db'}"))
    actor = Actor("bench")
    with session_scope(platform.engine) as session:
        centre = accounts.create_organisation(session, actor, "Centre", OrgKind.CENTRE)
        author = accounts.create_user(session, actor, "analyst@bench.example", Role.ANALYST, centre, "x" * 16).user
        approver = accounts.create_user(session, actor, "supervisor@bench.example", Role.SUPERVISOR, centre,
                                        "x" * 16).user
        analyst = Principal(centre.id, OrgKind.CENTRE, author.id, Role.ANALYST, label=author.email)
        supervisor = Principal(centre.id, OrgKind.CENTRE, approver.id, Role.SUPERVISOR, label=approver.email)
        routing.seed_recipients(session, actor)
        started = time.perf_counter()
        loaded = routing.load_directory(session, actor, _directory(args.postcodes), source="synthetic")
        load_seconds = time.perf_counter() - started
        org_id, org_name = imports.resolve_organisation(session, actor, None, "cybertip")
    # Each synthetic report names one suspect (and an associated billing account): two per report.
    reports = (args.packages + 1) // 2
    batch = synthetic.write_directory(root / "batch", synthetic.documents(3_000_000, reports, full=True))
    started = time.perf_counter()
    imports.import_cybertip(platform.engine, list(read_path(batch, (".xml",))),
                            imports.ImportOptions(org_id, org_name, actor))
    import_seconds = time.perf_counter() - started
    with session_scope(platform.engine) as session:
        ids = list(session.scalars(select(Report.id).order_by(Report.id)))
        suspects = session.scalars(select(Subject.report_id).where(Subject.role == "suspect")).all()
        per_report: dict[int, int] = {}
        for rid in suspects:
            per_report[rid] = per_report.get(rid, 0) + 1
        chosen, total = [], 0
        for rid in ids:
            if total >= args.packages:
                break
            chosen.append(rid)
            total += per_report.get(rid, 0)
    with session_scope(platform.engine) as session:
        started = time.perf_counter()
        made = service.draft_batch(session, analyst, chosen)
        draft_seconds = time.perf_counter() - started
    with session_scope(platform.engine) as session:
        started = time.perf_counter()
        submitted = service.submit_batch(session, analyst, made.batch.id)
        submit_seconds = time.perf_counter() - started
    with session_scope(platform.engine) as session:
        started = time.perf_counter()
        approved = service.approve_batch(session, supervisor, made.batch.id)
        approve_seconds = time.perf_counter() - started
    with session_scope(platform.engine) as session:
        assert verify(session).ok
    n = len(made.package_ids)
    print(f"postcode directory: {loaded.counts.kept} postcodes loaded in {load_seconds:.1f} s")
    print(f"reports imported: {len(chosen)} ({import_seconds:.1f} s, not part of the target)")
    print(f"packages routed and drafted: {n} in {draft_seconds:.2f} s ({n / draft_seconds:.0f}/s); "
          f"routed {made.routed}, unrouted {made.unrouted}")
    print(f"submitted as a batch: {len(submitted.done)} in {submit_seconds:.2f} s")
    print(f"approved as a set and dispatched: {len(approved.done)} in {approve_seconds:.2f} s")
    print(f"load average (1 min): {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
