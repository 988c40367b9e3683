"""The shipped configuration, rule by rule and edge by edge (pure core: no database)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from jigsaw.triage.atrs import atrs_record, to_markdown
from jigsaw.triage.model import Band, ConfigError, ItemValue, load_config, shipped_text
from jigsaw.triage.scoring import PreviousDue, assess, due_at
from tests.triage.cases import WHEN, inputs

CONFIG = load_config(shipped_text())


def test_shipped_configuration_loads_with_kirat_timescales() -> None:
    assert CONFIG.version == "triage-v1"
    assert [CONFIG.due_hours(b) for b in Band] == [24, 168, 336, 720]
    assert [CONFIG.bands[b].min_score for b in Band] == [None, 60, 35, 0]


@pytest.mark.parametrize(("score", "band"), [(0, Band.P3), (34, Band.P3), (35, Band.P2), (59, Band.P2),
                                             (60, Band.P1), (100, Band.P1)])
def test_score_band_edges(score: int, band: Band) -> None:
    assert CONFIG.band_for_score(score) is band


# Worked cases at the edges, built from items (no rule fires in any of them).
EDGE_CASES = [
    # behaviour 0; history 10+4 = 14; victim 15; material 5 -> 34
    (("breach_of_conditions", "other_convictions", "victim_distress", "distribution"), 34, Band.P3),
    # grooming 20 + csam_solicitation 15 = behaviour 35 -> 35
    (("grooming", "csam_solicitation"), 35, Band.P2),
    # behaviour 35 + history 10+10+4 = 24 -> 59
    (("grooming", "csam_solicitation", "prior_noncontact_conviction", "breach_of_conditions", "other_convictions"),
     59, Band.P2),
    # behaviour 35 + history 28 capped at 25 -> 60
    (("grooming", "csam_solicitation", "prior_noncontact_conviction", "breach_of_conditions", "other_convictions",
      "domestic_abuse"), 60, Band.P1),
]


@pytest.mark.parametrize(("yes", "score", "band"), EDGE_CASES)
def test_worked_cases_at_band_edges(yes: tuple[str, ...], score: int, band: Band) -> None:
    result = assess(CONFIG, inputs(*yes))
    assert (result.score, result.band, result.rules) == (score, band, ())


def test_group_caps_and_total_cap() -> None:
    everything = assess(CONFIG, inputs(*CONFIG.items))
    assert everything.score == 100
    capped = {g: (raw, capped) for g, _, raw, capped, _ in everything.groups}
    assert capped["access"] == (65, 30)


P0_CASES = {
    "imminent_danger": [inputs(report__escalated=True), inputs(report__annotations={"escalate_high_priority"}),
                        inputs("imminent_danger")],
    "active_sextortion": [inputs(report__incident_type="sextortion", victims__identified=True),
                          inputs(report__annotations={"sextortion"}, victims__min_age=14, victims__identified=True)],
    "production_or_livestreaming": [inputs("producing_imagery"), inputs(report__incident_type="livestreaming"),
                                    inputs(media__file_annotations={"live_streaming"}, media__count=1)],
    "new_self_generated_reachable_child": [
        inputs("suspect_can_reach_child", media__file_annotations={"possible_self_production"}, media__count=1,
               media__unmatched_count=1)],
    "access_with_material_or_grooming": [
        inputs("lives_with_children", matches__count=1, media__count=1),
        inputs("occupational_access", report__incident_type="online_grooming"),
        inputs("caring_role", report__incident_type="indecent_images")],
    "current_contact_abuse": [inputs(report__incident_type="contact_abuse"), inputs("current_contact_allegation")],
}


@pytest.mark.parametrize(("rule", "case"), [(r, c) for r, cases in P0_CASES.items() for c in cases])
def test_each_p0_rule(rule: str, case: object) -> None:
    result = assess(CONFIG, case)  # type: ignore[arg-type]
    assert result.band is Band.P0
    assert rule in {r.rule_id for r in result.rules}


def test_p0_rules_need_all_their_parts() -> None:
    # sextortion without an identifiable child, access without material, self-made imagery that is known
    assert assess(CONFIG, inputs(report__incident_type="sextortion")).band is not Band.P0
    assert assess(CONFIG, inputs("lives_with_children")).band is not Band.P0
    known = inputs("suspect_can_reach_child", media__file_annotations={"possible_self_production"}, media__count=1,
                   matches__count=1, media__unmatched_count=0)
    assert "new_self_generated_reachable_child" not in {r.rule_id for r in assess(CONFIG, known).rules}


@pytest.mark.parametrize("item", ["prior_contact_conviction", "prior_contact_allegation"])
def test_prior_contact_history_is_a_p1_floor(item: str) -> None:
    result = assess(CONFIG, inputs(item))
    assert result.score < 35 and result.score_band is Band.P3
    assert result.band is Band.P1 and [r.rule_id for r in result.rules] == ["prior_contact_history"]


def test_actionability_orders_but_never_lowers_a_band() -> None:
    plain = assess(CONFIG, inputs("lives_with_children", matches__count=1, media__count=1))
    meme = assess(CONFIG, inputs("lives_with_children", matches__count=1, media__count=1,
                                 media__file_annotations={"potential_meme", "viral"}))
    rich = assess(CONFIG, inputs("lives_with_children", matches__count=1, media__count=2, media__unmatched_count=1,
                                 identifiers__count=3, identifiers__location_resolved=True,
                                 report__preservation_days_left=10))
    assert plain.band is meme.band is rich.band is Band.P0
    assert meme.actionability < plain.actionability < rich.actionability
    low = assess(CONFIG, inputs("grooming", "csam_solicitation", media__file_annotations={"potential_meme"}))
    assert low.band is Band.P2 and low.actionability == 0


def test_unknowns_show_what_could_raise_the_band_and_the_worst_case() -> None:
    result = assess(CONFIG, inputs(report__incident_type="online_grooming"))
    assert result.band is Band.P3 and result.score == 20
    raising = {u.item_id: u.band_if_yes for u in result.unknowns if u.could_raise}
    assert raising["lives_with_children"] is Band.P0  # access + grooming = the CEOP rule
    assert raising["prior_contact_conviction"] is Band.P1
    assert "grooming" not in {u.item_id for u in result.unknowns}  # derived yes is not unknown
    assert (result.worst_band, result.worst_score) == (Band.P0, 100)
    assert any("household" in step for step in result.next_steps)


def test_a_record_of_no_is_not_unknown_and_cannot_cancel_the_data() -> None:
    ruled_out = assess(CONFIG, inputs(no=("lives_with_children",), report__incident_type="online_grooming"))
    assert "lives_with_children" not in {u.item_id for u in ruled_out.unknowns}
    escalated = assess(CONFIG, inputs(no=("imminent_danger",), report__escalated=True))
    assert escalated.band is Band.P0  # lowering goes through a supervisor-approved override instead
    item = next(i for i in escalated.items if i.item_id == "imminent_danger")
    assert (item.value, item.source) == (ItemValue.YES, "derived")


def test_explanation_carries_evidence_and_who_recorded_it() -> None:
    x = assess(CONFIG, inputs("lives_with_children", report__incident_type="online_grooming")).explanation()
    assert x["band"] == "P0" and x["config_version"] == "triage-v1" and "advisory" in x["advisory"].lower()
    rule = next(r for r in x["rules"] if r["id"] == "access_with_material_or_grooming")
    assert any(e["recorded_by"] == "analyst@centre.example" for e in rule["evidence"])
    lives = next(i for i in x["items"] if i["id"] == "lives_with_children")
    assert lives["points"] == 20 and lives["source"] == "recorded"


def test_due_times() -> None:
    assert due_at(CONFIG, Band.P2, WHEN, None) == WHEN + timedelta(days=14)
    first = PreviousDue(Band.P3, WHEN + timedelta(days=30), WHEN)
    later = WHEN + timedelta(days=3)
    # raised: the clock restarts from now for the new band, never later than before
    assert due_at(CONFIG, Band.P0, later, first) == later + timedelta(hours=24)
    # lowered: the longer time runs from the first assessment
    assert due_at(CONFIG, Band.P3, later, PreviousDue(Band.P1, WHEN + timedelta(days=7), WHEN)) == \
        WHEN + timedelta(days=30)
    assert due_at(CONFIG, Band.P3, later, first) == first.due_at


PROHIBITED_NAMES = ["ethnicity", "ethnic_group", "nationality", "religion", "religious_affiliation", "postcode",
                    "post_code", "PostCode", "home_area", "homeArea", "area", "deprivation_index", "imd_decile",
                    "marital_status", "maritalStatus", "never_married", "race"]


@pytest.mark.parametrize("name", PROHIBITED_NAMES)
def test_deny_list_refuses_a_prohibited_item(name: str) -> None:
    text = shipped_text().replace("id: other_convictions", f"id: {name}", 1)
    with pytest.raises(ConfigError) as error:
        load_config(text)
    assert repr(name) in str(error.value) and "prohibited input" in str(error.value)


@pytest.mark.parametrize("name", ["subject.post_code", "suspect.home_area", "subject.ethnicity"])
def test_deny_list_refuses_a_prohibited_input_path_in_a_condition(name: str) -> None:
    text = shipped_text().replace("yes_when: {fact: network.member, is: true}",
                                  f"yes_when: {{fact: {name}, is: true}}", 1)
    with pytest.raises(ConfigError, match="prohibited input") as error:
        load_config(text)
    assert name in str(error.value)


def test_deny_list_refuses_a_prohibited_rule_condition_and_input_field() -> None:
    rule = shipped_text().replace("when: {item: current_contact_allegation}",
                                  "when: {fact: report.incident_type, equals: religion_related}", 1)
    with pytest.raises(ConfigError, match="religion_related"):
        load_config(rule)
    with pytest.raises(ConfigError, match="Post_Code"):
        load_config(shipped_text() + "\ninputs: [report.escalated, subject.Post_Code]\n")


def test_deny_list_leaves_innocent_names_alone() -> None:
    from jigsaw.triage.denylist import prohibited

    for name in ("friends_neighbours_children", "location_resolved", "career_history", "linked.reports",
                 "preservation_days_left", "carea"):
        assert prohibited(name) is None, name


def test_unknown_names_and_typos_are_errors_not_ignored() -> None:
    with pytest.raises(ConfigError, match="unknown input"):
        load_config(shipped_text().replace("fact: network.member", "fact: network.membr", 1))
    with pytest.raises(ConfigError, match="unknown item"):
        load_config(shipped_text().replace("when: {item: current_contact_allegation}", "when: {item: nope}", 1))
    with pytest.raises(ConfigError, match="unknown key"):
        load_config(shipped_text().replace("    points: 35\n", "    points: 35\n    weight: 3\n", 1))
    with pytest.raises(ConfigError, match="min_score"):
        load_config(shipped_text().replace("min_score: 60", "min_score: 20", 1))


def test_atrs_record_is_generated_from_the_live_configuration() -> None:
    record = atrs_record(CONFIG)
    assert record["tier_1"]["name"] == CONFIG.name
    t2 = record["tier_2"]
    assert t2["model_version"] == "triage-v1" and t2["configuration_sha256"] == CONFIG.sha256
    assert {r["id"] for r in t2["decision_process"]["rules"]} == {r.id for r in CONFIG.rules}
    assert "postcode or area" in t2["data"]["exclusions"]["never_used"]
    assert "report.escalated" in {i["name"] for i in t2["data"]["inputs"]}
    assert t2["risks_and_mitigations"] and t2["human_oversight"]["advisory"]
    md = to_markdown(record)
    assert "## Tier 2" in md and "Lives with children (household) (20)" in md
