"""Search speed: one search-box lookup on a store of a million reports, against the bare index seek.

    .venv/bin/python benchmarks/bench_search.py [--reports 1000000] [--searches 200] [--store FOLDER] [--pg URL]

Builds a store of ``--reports`` reports with SQLAlchemy Core bulk inserts on the migrated schema
(SQLite file in a temporary folder, or the PostgreSQL database at ``--pg``, which must be empty:
it is migrated here). Each report has a suspect with an email; every second one also a phone,
every fifth an IP address; one email in twenty is shared by two reports; every odd report came
from the CyberTipline (``external_id`` ``cybertip:<number>``). Every report has a
triage queue row; one in ten is in a case; one suspect in ten is in a network. Identifier values
are a constant ciphertext (search never decrypts them); blind indexes are the real ones,
computed from :class:`jigsaw.identifiers.Identifier` keys with the platform's cipher.

Then ``--searches`` searches go through :func:`jigsaw.search.service.search`, the function the
page and the API call (normalise the text, try each plausible reading, look the blind indexes up,
gather reports, cases, bands, subjects and networks, append the audit entry), each in its own
committed transaction as a request has. Texts are typed as an analyst would: emails in mixed
case, phones in national format, IPs, ``JIG-`` and ``CASE-`` references and CyberTipline report
numbers (bare digits, which are also tried as a phone, a payment id and a device id). The anchor, timed in the
same run on the same texts: one plain indexed ``SELECT`` of the stored blind index (or the
reference) with the value already canonical, the floor any search must pay.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Table, TableClause, column, insert, select, table, text

from jigsaw.accounts import service as accounts
from jigsaw.accounts.principal import Principal
from jigsaw.accounts.roles import OrgKind, Role
from jigsaw.audit.service import Actor
from jigsaw.bootstrap import open_platform
from jigsaw.casework.models import Case, CaseReport
from jigsaw.config import Settings
from jigsaw.db.engine import session_factory
from jigsaw.identifiers import Identifier, IdentifierType
from jigsaw.intake.models import IdentifierRecord, Observation, Report, Subject
from jigsaw.linking.models import LinkSubject
from jigsaw.platform import Platform
from jigsaw.search.service import search
from jigsaw.security.fieldcrypt import FieldCipher
from jigsaw.triage.models import TriageState

BATCH = 20_000
REPORTS, SUBJECTS = Report.__table__, Subject.__table__
IDENTIFIERS, OBSERVATIONS = IdentifierRecord.__table__, Observation.__table__


def raw(source: Table, *ciphertext: str) -> TableClause:
    """``source`` with its encrypted columns untyped, so ready ciphertext goes in as it is
    (one value reused: search never decrypts them) instead of being encrypted row by row."""
    return table(source.name, *(column(c.name) if c.name in ciphertext else column(c.name, c.type)
                                for c in source.columns))


RAW_REPORTS = raw(REPORTS, "summary", "source_data")
RAW_IDENTIFIERS = raw(IDENTIFIERS, "value")


def email(i: int) -> str:
    return f"bench.user{i}@mail.example.org"


def phone(i: int) -> str:
    return f"+4477{i:08d}"  # national form 077…, as an analyst types it


def ip(i: int) -> str:
    return f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"


def reference(i: int) -> str:
    return f"JIG-{i // 10000:04d}-{i % 10000:04d}"


def cybertip(i: int) -> str:
    """The external id of an imported CyberTipline report (odd reports): ``cybertip:<number>``."""
    return f"cybertip:{10_000_000 + i}"


def case_reference(i: int) -> str:
    return f"CASE-{i // 10000:04d}-{i % 10000:04d}"


def email_owner(i: int) -> int:
    """Report ``i`` holds this email id: one report in twenty shares its neighbour's."""
    return i - 1 if i % 20 == 0 else i


def batches(n: int) -> Iterator[range]:
    for start in range(1, n + 1, BATCH):
        yield range(start, min(n, start + BATCH - 1) + 1)


def build(engine: Engine, n: int, cipher: FieldCipher) -> None:
    """Bulk-load ``n`` reports with Core inserts (one statement per table per batch)."""
    now = datetime.now(UTC)
    value = cipher.encrypt("bench", "identifiers.value")  # constant: search never decrypts it
    summary = cipher.encrypt("Synthetic benchmark report.", "reports.summary")
    source_data = cipher.encrypt("{}", "reports.source_data")
    next_ident = 1
    for ids in batches(n):
        received = now - timedelta(minutes=ids[0])
        reports, subjects, idents, obs, states, cases, members, links = [], [], [], [], [], [], [], []
        for i in ids:
            reports.append({"id": i, "reference": reference(i), "source": "platform", "channel": "api",
                            "external_id": cybertip(i) if i % 2 else None,
                            "received_at": received, "incident_type": "indecent_images", "summary": summary,
                            "status": "new", "annotations": [], "source_data": source_data})
            subjects.append({"id": i, "report_id": i, "role": "suspect"})
            held = [(IdentifierType.EMAIL, email(email_owner(i)))] if email_owner(i) == i else []
            if i % 2 == 0:
                held.append((IdentifierType.PHONE, phone(i)))
            if i % 5 == 0:
                held.append((IdentifierType.IP, ip(i)))
            for kind, canonical in held:
                idents.append({"id": next_ident, "type": kind.value, "platform": None, "value": value,
                               "blind_index": cipher.blind_index(Identifier(kind, canonical).key),
                               "first_seen_at": received})
                obs.append({"identifier_id": next_ident, "report_id": i, "subject_id": i, "role": "suspect"})
                if kind is IdentifierType.EMAIL and i % 20 == 19:  # the next report shares it
                    obs.append({"identifier_id": next_ident, "report_id": i + 1, "subject_id": i + 1,
                                "role": "suspect"})
                next_ident += 1
            band = "P" + "0123"[i % 4]
            states.append({"report_id": i, "assessment_id": i, "model_band": band, "band": band,
                           "band_rank": int(band[1]), "score": 20, "actionability": 40, "due_at": received,
                           "first_assessed_at": received, "updated_at": received, "pending_override": False})
            if i % 10 == 0:
                cases.append({"id": i // 10, "reference": case_reference(i // 10), "status": "in_progress",
                              "opened_at": received, "updated_at": received, "new_information": False})
                members.append({"report_id": i, "case_id": i // 10, "added_at": received, "added_by": "bench",
                                "new_information": False})
                links.append({"subject_id": i, "network_id": i})
        obs = [o for o in obs if o["report_id"] <= n]
        with engine.begin() as conn:
            conn.execute(insert(RAW_REPORTS), reports)
            conn.execute(insert(SUBJECTS), subjects)
            conn.execute(insert(RAW_IDENTIFIERS), idents)
            conn.execute(insert(OBSERVATIONS), obs)
            conn.execute(insert(TriageState.__table__), states)
            if cases:
                conn.execute(insert(Case.__table__), cases)
                conn.execute(insert(CaseReport.__table__), members)
                conn.execute(insert(LinkSubject.__table__), links)
        print(f"  loaded {ids[-1]:,} reports", file=sys.stderr, end="\r")
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    print(file=sys.stderr)


def queries(n: int, count: int, seed: int = 7) -> list[tuple[str, str, Any]]:
    """``count`` (typed text, kind, canonical lookup key) triples spread over the store."""
    rng = random.Random(seed)
    out: list[tuple[str, str, Any]] = []
    for k in range(count):
        i = rng.randrange(1, n + 1)
        match k % 6:
            case 0:
                owner = email_owner(i)
                typed = email(owner).replace("bench.user", "Bench.User").replace("mail.example", "Mail.Example")
                out.append((typed, "email", Identifier(IdentifierType.EMAIL, email(owner))))
            case 1:
                j = i - i % 2 or 2
                typed = "0" + phone(j)[3:7] + " " + phone(j)[7:]
                out.append((typed, "phone", Identifier(IdentifierType.PHONE, phone(j))))
            case 2:
                j = max(5, i - i % 5)
                out.append((ip(j), "ip", Identifier(IdentifierType.IP, ip(j))))
            case 3:
                out.append((reference(i).lower(), "report", reference(i)))
            case 4:
                j = i - (1 - i % 2)
                out.append((cybertip(j).removeprefix("cybertip:"), "cybertip", cybertip(j)))
            case _:
                j = max(1, i // 10)
                out.append((case_reference(j), "case", case_reference(j)))
    return out


def floor_select(engine: Engine, cipher: FieldCipher, kind: str, key: Any) -> float:
    """The bare lookup: one indexed SELECT of the canonical value's blind index (or reference)."""
    with engine.connect() as conn:
        start = time.perf_counter()
        if kind == "report":
            conn.execute(select(REPORTS.c.id).where(REPORTS.c.reference == key)).all()
        elif kind == "cybertip":
            conn.execute(select(REPORTS.c.id).where(REPORTS.c.external_id == key)).all()
        elif kind == "case":
            conn.execute(select(Case.__table__.c.id).where(Case.__table__.c.reference == key)).all()
        else:
            conn.execute(select(IDENTIFIERS.c.id).where(
                IDENTIFIERS.c.blind_index == cipher.blind_index(key.key))).all()
        return (time.perf_counter() - start) * 1000


def stats(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    return f"median {statistics.median(values):.2f} ms, p95 {p95:.2f} ms, mean {statistics.fmean(values):.2f} ms"


def open_store(folder: Path, store: Path | None, pg: str | None, n: int) -> tuple[Platform, float | None]:
    if pg:
        platform = open_platform(Settings(data_dir=folder / "data", database_url=pg))
        with platform.engine.connect() as conn:
            have = conn.scalar(select(REPORTS.c.id).limit(1))
        if have is None:
            start = time.perf_counter()
            build(platform.engine, n, platform.cipher)
            return platform, time.perf_counter() - start
        return platform, None
    data = folder / "data"
    if store is not None and (store / "jigsaw.db").exists():
        shutil.copytree(store, data)
        return open_platform(Settings(data_dir=data, database_url=f"sqlite:///{data / 'jigsaw.db'}")), None
    target = store or data
    platform = open_platform(Settings(data_dir=target, database_url=f"sqlite:///{target / 'jigsaw.db'}"))
    start = time.perf_counter()
    build(platform.engine, n, platform.cipher)
    built = time.perf_counter() - start
    if store is None:
        return platform, built
    platform.engine.dispose()
    shutil.copytree(store, data)
    return open_platform(Settings(data_dir=data, database_url=f"sqlite:///{data / 'jigsaw.db'}")), built


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--searches", type=int, default=200)
    parser.add_argument("--store", type=Path, help="keep the built SQLite store in this folder and reuse it")
    parser.add_argument("--pg", help="a PostgreSQL URL (postgresql+psycopg://…) of an empty database to use")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        platform, built = open_store(Path(tmp), args.store, args.pg, args.reports)
        engine, cipher = platform.engine, platform.cipher
        factory = session_factory(engine)
        with factory() as session:
            org = accounts.create_organisation(session, Actor("bench"), "Bench centre", OrgKind.CENTRE)
            session.commit()
            principal = Principal(org.id, OrgKind.CENTRE, user_id=1, role=Role.ANALYST, label="bench analyst")
            n = session.scalar(text("SELECT count(*) FROM reports")) or 0

        todo = queries(n, args.searches + 20)
        region = platform.settings.default_phone_region
        search_ms: list[float] = []
        floor_ms: list[float] = []
        by_kind: dict[str, list[float]] = {}
        found = 0
        for k, (typed, kind, key) in enumerate(todo):  # the first 20 warm caches and are not counted
            start = time.perf_counter()
            with factory() as session:
                result = search(session, principal, typed, purpose="benchmark", default_region=region)
                session.commit()
            elapsed = (time.perf_counter() - start) * 1000
            floor = floor_select(engine, cipher, kind, key)
            if k >= 20:
                search_ms.append(elapsed)
                floor_ms.append(floor)
                by_kind.setdefault(kind, []).append(elapsed)
                found += bool(result.reports)
        engine.dispose()

    where = "PostgreSQL" if args.pg else "SQLite"
    how = f"built in {built:.0f} s" if built is not None else "reused"
    print(f"store: {n:,} reports on {where} ({how})")
    print(f"searches: {len(search_ms)}, {found} found at least one report")
    print(f"search (service, audited, committed): {stats(search_ms)}")
    for kind, values in by_kind.items():
        print(f"  {kind:7s} {stats(values)}")
    print(f"floor (one indexed SELECT):           {stats(floor_ms)}")
    print(f"ratio of medians search/floor: {statistics.median(search_ms) / statistics.median(floor_ms):.1f}x")


if __name__ == "__main__":
    main()
