"""The demo's outcomes beyond Operation Kestrel's raids: what the demo force recorded afterwards on
the packages it kept, and the network the centre recorded as dismantled.

Kestrel (:mod:`jigsaw.demo.operations`) executes the warrant at the Northwind uploader's address,
arrests him and protects the two children in his household; this adds his charge (Home Office
outcome 1) a day later and the centre's finding that his network is dismantled. The chat-platform
package, sent six days ago, gets a voluntary interview, two devices seized and examined, and no
further action with its outcome type not yet assigned (type 0: shown, never counted). Everything here
goes through the outcomes service, as the force's liaison officer and the centre's analyst would,
under the force's own references, after the operation's records (so the packages are marked acted on).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from jigsaw.accounts.principal import Principal
from jigsaw.dissemination.interfaces import packages_for_reports, sent_package
from jigsaw.linking.interfaces import subject_networks
from jigsaw.outcomes import service

SENT_DAYS_AGO: dict[str, float] = {"images-1": 12, "everyday-7": 6}
"""When the story's kept packages were sent (the others are sent as the demo loads)."""


@dataclass(frozen=True)
class Step:
    report_key: str
    reference: str
    kind: str
    days_ago: float
    fields: dict[str, Any] = field(default_factory=dict)


STEPS: tuple[Step, ...] = (
    Step("images-1", "DMP/OCA/0412/C1", "charge", 1,
         {"offence": "Making indecent photographs of a child (Protection of Children Act 1978 s.1)",
          "charge_count": 3, "home_office_outcome": 1}),
    Step("everyday-7", "DMP/OCA/0431/V1", "voluntary_interview", 4, {"note": "Attended with a solicitor."}),
    Step("everyday-7", "DMP/OCA/0431/D1", "devices", 4, {"devices_seized": 2, "devices_examined": 2}),
    Step("everyday-7", "DMP/OCA/0431/N1", "no_further_action", 1,
         {"home_office_outcome": 0, "note": "Awaiting the outcome type from the crime registrar."}),
)

DISMANTLED = ("images-1", 1, "The uploader behind nightjar_share and the NCMEC referral's account was charged; "
              "PixelPlay closed both accounts and no new uploads of the Northwind images have been seen since.")


def sent_at(report_key: str, now: datetime | None = None) -> datetime | None:
    """When the story's package about ``report_key`` was dispatched, if the story dates it."""
    days = SENT_DAYS_AGO.get(report_key)
    return None if days is None else (now or datetime.now(UTC)) - timedelta(days=days)


def record_demo_outcomes(session: Session, report_ids: Mapping[str, int | None], liaison: Principal,
                         analyst: Principal, *, now: datetime | None = None) -> int:
    """Record the story's outcomes on the packages of its reports; how many were recorded."""
    now = now or datetime.now(UTC)
    packages: dict[str, int] = {}
    for key, report_id in report_ids.items():
        if report_id is None:
            continue
        kept = [pid for pid, _, status in packages_for_reports(session, [report_id]).get(report_id, [])
                if status in ("acknowledged", "accepted")]
        if kept:
            packages[key] = kept[-1]
    done = 0
    for step in STEPS:
        package_id = packages.get(step.report_key)
        if package_id is None:
            continue  # a smaller demo (--reports N) has fewer everyday reports
        occurred = (now - timedelta(days=step.days_ago)).isoformat()
        body = {"reference": step.reference, "kind": step.kind, "occurred_at": occurred, **step.fields}
        if step.kind != "child_safeguarded":
            body.setdefault("subject_id", sent_package(session, liaison, package_id).suspect_ids[0])
        done += service.record_outcome(session, liaison, package_id, body, now=now).created
    key, days_ago, evidence = DISMANTLED
    package_id = packages.get(key)
    if package_id is not None:
        suspect = sent_package(session, analyst, package_id).suspect_ids[0]
        if subject_networks(session, [suspect]).get(suspect) is not None:
            service.record_disruption(session, analyst, suspect, "dismantled", now - timedelta(days=days_ago),
                                      evidence, package_id, now=now)
    return done
