"""Acceptance: planted networks, series and decoys come back exactly, on both backends."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from jigsaw.db.engine import session_scope
from jigsaw.linking import queries
from jigsaw.linking.models import LinkMedia, LinkSubject
from jigsaw.linking.rebuild import rebuild
from jigsaw.linking.rules import LinkingConfig
from jigsaw.linking.store import matching_bank_lookup
from jigsaw.platform import Platform
from tests.linking import scenario as sc_mod
from tests.linking.conftest import TEST_CAP

CONFIG = LinkingConfig(fan_out_cap=TEST_CAP)


def _network_sets(result: dict[str, Any], names: dict[int, str]) -> list[set[str]]:
    return sorted(({names[s["id"]] for s in n["subjects"]} for n in result["networks"]), key=sorted)


def _series_by_reports(result: dict[str, Any], report_names: dict[int, str]) -> dict[tuple[str, ...], Any]:
    return {tuple(sorted(report_names[r["id"]] for r in s["reports"])): s for s in result["series"]}


def test_planted_structure_comes_back_exactly(platform: Platform) -> None:
    sc = sc_mod.build(cap=TEST_CAP)
    with session_scope(platform.engine) as session:
        sc_mod.add_bank(session, sc)
    with session_scope(platform.engine) as session:
        sc_mod.store(session, sc, CONFIG, banks=matching_bank_lookup(platform.engine))
    names = {v: k for k, v in sc.ids.items()}
    report_names = {v: k for k, v in sc.report_ids.items()}

    with session_scope(platform.engine) as session:
        incremental = dict(session.execute(select(LinkSubject.subject_id, LinkSubject.network_id)).all())
        incremental_media = session.execute(select(LinkMedia.media_id, LinkMedia.image_group, LinkMedia.series_id)
                                            .order_by(LinkMedia.media_id)).all()
        result = queries.list_networks(session, CONFIG)
        series = queries.list_series(session)

    # Networks: exactly the planted ones; every decoy stays alone.
    assert _network_sets(result, names) == sorted(sc_mod.EXPECTED_NETWORKS, key=sorted)
    assert result["total"] == 2
    network_a = next(n for n in result["networks"] if names[n["subjects"][0]["id"]].startswith("a"))
    a1 = next(s for s in network_a["subjects"] if names[s["id"]] == "a1")
    assert {"type": "email", "value": "wolf.den@gmail.com"}.items() <= a1["identifiers"][0].items()
    assert sorted(report_names[r["id"]] for r in network_a["reports"]) == ["R1", "R2", "R3"]
    for k in range(TEST_CAP + 1):
        assert incremental[sc.ids[f"x{k}"]] == sc.ids[f"x{k}"]

    # Capped values are listed with their reasons, not silently dropped.
    capped = {(c["type"], c["value"]): c for c in result["capped_identifiers"]}
    assert set(capped) == sc_mod.EXPECTED_CAPPED
    assert capped[("ip", "100.64.3.4")]["reason"].startswith("known_shared:range 100.64.0.0/10")
    assert capped[("email", "noreply@gmail.com")]["reason"] == "known_shared:placeholder email"
    assert capped[("username", "popular_meme")]["reason"] == "fan_out"
    assert capped[("username", "popular_meme")]["subjects"] == TEST_CAP + 1

    # Series: the bank series, the source-named series, and two possible new series in network B.
    by_reports = _series_by_reports(series, report_names)
    assert set(by_reports) == {("R7", "R8"), ("R10", "R9"), ("R4", "R5"), ("R4", "R6")}
    blue = by_reports[("R7", "R8")]
    assert blue["names"] == ["BLUE_ROOM"] and blue["status"] == "known" and blue["victim_identified"] is True
    assert {names[s["id"]] for s in blue["subjects"]} == {"c1", "c2"}
    green = by_reports[("R10", "R9")]
    assert green["names"] == ["GREEN_HAT"] and green["victim_identified"] is False and green["subjects"] == []
    for key in (("R4", "R5"), ("R4", "R6")):
        assert by_reports[key]["status"] == "possible_new_series" and by_reports[key]["names"] == []
    assert blue["first_seen"] <= blue["last_seen"]

    # The bulk rebuild gives exactly the same labels as report-by-report linking.
    with session_scope(platform.engine) as session:
        rebuild(session, sc_mod.ACTOR, config=CONFIG, banks=matching_bank_lookup(platform.engine))
    with session_scope(platform.engine) as session:
        bulk = dict(session.execute(select(LinkSubject.subject_id, LinkSubject.network_id)).all())
        bulk_media = session.execute(select(LinkMedia.media_id, LinkMedia.image_group, LinkMedia.series_id)
                                     .order_by(LinkMedia.media_id)).all()
        again = queries.list_networks(session, CONFIG)
    assert bulk == incremental
    assert bulk_media == incremental_media
    assert _network_sets(again, names) == _network_sets(result, names)


def test_bulk_only_matches_planted_structure(platform: Platform) -> None:
    """Stored without per-report linking, then rebuilt: the same exact structure."""
    sc = sc_mod.build(seed=11, cap=TEST_CAP)
    with session_scope(platform.engine) as session:
        sc_mod.add_bank(session, sc)
    with session_scope(platform.engine) as session:
        sc_mod.store(session, sc, CONFIG, link=False)
        rebuild(session, sc_mod.ACTOR, config=CONFIG, banks=matching_bank_lookup(platform.engine))
    names = {v: k for k, v in sc.ids.items()}
    with session_scope(platform.engine) as session:
        result = queries.list_networks(session, CONFIG)
        series = queries.list_series(session)
    assert _network_sets(result, names) == sorted(sc_mod.EXPECTED_NETWORKS, key=sorted)
    assert {(c["type"], c["value"]) for c in result["capped_identifiers"]} == sc_mod.EXPECTED_CAPPED
    assert len(series["series"]) == 4
