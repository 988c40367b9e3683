"""A set of referrals with known ground truth: planted networks and series, and decoys."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from jigsaw.audit.service import Actor
from jigsaw.intake.domain import IdentifierDraft, MediaDraft, ReportDraft, SubjectDraft
from jigsaw.intake.service import submit_report
from jigsaw.linking import hooks
from jigsaw.linking.actions import link_report
from jigsaw.linking.rules import LinkingConfig
from jigsaw.linking.store import BankLookup

ACTOR = Actor("test")


def random_pdq(rng: random.Random) -> str:
    return f"{rng.getrandbits(256):064x}"


def flip(pdq: str, bits: int, rng: random.Random) -> str:
    value = int(pdq, 16)
    for position in rng.sample(range(256), bits):
        value ^= 1 << position
    return f"{value:064x}"


def random_sha256(rng: random.Random) -> str:
    return f"{rng.getrandbits(256):064x}"


@dataclass
class Scenario:
    """Subject keys ("a1", ...) map to stored subject ids once stored."""

    reports: dict[str, ReportDraft] = field(default_factory=dict)
    subject_of: dict[str, tuple[str, int]] = field(default_factory=dict)  # name -> (report, index)
    ids: dict[str, int] = field(default_factory=dict)
    report_ids: dict[str, int] = field(default_factory=dict)
    bank_entries: list[tuple[str, str, bool]] = field(default_factory=list)  # (pdq, series, victim identified)


def _report(name: str, subjects: list[tuple[str, list[tuple[str, ...]]]], media: list[MediaDraft] | None = None,
            scenario: Scenario | None = None) -> ReportDraft:
    drafts = []
    for index, (subject_name, idents) in enumerate(subjects):
        drafts.append(SubjectDraft(role="suspect", identifiers=tuple(
            IdentifierDraft(i[0], i[1], platform=i[2] if len(i) > 2 else None) for i in idents)))
        if scenario is not None:
            scenario.subject_of[subject_name] = (name, index)
    return ReportDraft(source="platform", incident_type="indecent_images", summary=f"synthetic report {name}",
                       subjects=tuple(drafts), media=tuple(media or ()), external_id=name)


def build(seed: int = 7, cap: int = 5) -> Scenario:
    rng = random.Random(seed)
    sc = Scenario()
    # Network A: joined by a shared email (R1-R2) and a shared phone (R2-R3).
    sc.reports["R1"] = _report(
        "R1", [("a1", [("email", "wolf.den@gmail.com"), ("username", "dark_wolf99", "Snapchat")])], scenario=sc)
    sc.reports["R2"] = _report(
        "R2", [("a2", [("email", "Wolf.Den@GMAIL.com"), ("phone", "07700 900111")])], scenario=sc)
    sc.reports["R3"] = _report("R3", [("a3", [("phone", "+447700900111")])], scenario=sc)
    # Network B: joined by imagery only: a PDQ seen with a few bits flipped, and an equal SHA-256.
    p1, s1 = random_pdq(rng), random_sha256(rng)
    sc.reports["R4"] = _report("R4", [("b1", [("email", "b.one@proton.me")])],
                               [MediaDraft(pdq=p1, subject_index=0), MediaDraft(sha256=s1, subject_index=0)], sc)
    sc.reports["R5"] = _report("R5", [("b2", [("email", "b.two@proton.me")])],
                               [MediaDraft(pdq=flip(p1, 6, rng), subject_index=0)], sc)
    sc.reports["R6"] = _report("R6", [("b3", [("email", "b.three@proton.me")])],
                               [MediaDraft(sha256=s1, subject_index=0)], sc)
    # A bank series: two different images of one series, each seen once, near a bank entry.
    q1, q2 = random_pdq(rng), random_pdq(rng)
    sc.bank_entries = [(q1, "BLUE_ROOM", True), (q2, "BLUE_ROOM", True)]
    sc.reports["R7"] = _report("R7", [("c1", [("email", "c.one@outlook.com")])],
                               [MediaDraft(pdq=flip(q1, 9, rng), subject_index=0)], sc)
    sc.reports["R8"] = _report("R8", [("c2", [("email", "c.two@outlook.com")])],
                               [MediaDraft(pdq=flip(q2, 11, rng), subject_index=0)], sc)
    # A series named by the source (two different images, no subject attached).
    sc.reports["R9"] = _report("R9", [("d1", [("email", "d.one@outlook.com")])],
                               [MediaDraft(pdq=random_pdq(rng), series="GREEN_HAT", victim_identified=False)], sc)
    sc.reports["R10"] = _report("R10", [("d2", [("email", "d.two@outlook.com")])],
                                [MediaDraft(md5=f"{rng.getrandbits(128):032x}", series="GREEN_HAT")], sc)
    # Near-identical username: a suggestion for a1, never a link.
    sc.reports["R11"] = _report("R11", [("f1", [("username", "darkwolf9", "snapchat")])], scenario=sc)
    # Decoys: each shares only capped values with the others.
    for k in range(cap + 1):
        idents: list[tuple[str, ...]] = [("email", f"decoy{k}@fastmail.com"), ("ip", "100.64.3.4"),
                                         ("email", "noreply@gmail.com"), ("username", "popular_meme", "instagram")]
        sc.reports[f"X{k}"] = _report(f"X{k}", [(f"x{k}", idents)], scenario=sc)
    return sc


EXPECTED_NETWORKS = [{"a1", "a2", "a3"}, {"b1", "b2", "b3"}]
EXPECTED_CAPPED = {("ip", "100.64.3.4"), ("email", "noreply@gmail.com"), ("username", "popular_meme")}


def store(session: Session, sc: Scenario, config: LinkingConfig, banks: BankLookup | None = None,
          link: bool = True) -> None:
    """Submit every report, then link it by hand with ``config`` and ``banks`` (or not at all):
    the intake hook is paused so that it neither links first nor links twice."""
    for name, draft in sc.reports.items():
        with hooks.paused():
            report = submit_report(session, draft, ACTOR).report
        sc.report_ids[name] = report.id
        for subject_name, (report_name, index) in sc.subject_of.items():
            if report_name == name:
                sc.ids[subject_name] = report.subjects[index].id
        if link:
            link_report(session, report.id, ACTOR, config=config, banks=banks)


def add_bank(session: Session, sc: Scenario) -> None:
    from jigsaw.matching.banks import EntryRecord
    from jigsaw.matching.storage import add_entry, create_bank

    bank = create_bank(session, "SERIES_BANK", description="synthetic")
    for pdq, series, victim in sc.bank_entries:
        add_entry(session, bank, EntryRecord("pdq", pdq, series=series, victim_identified=victim))
