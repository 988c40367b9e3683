"""The checks on one outcome, pure: each kind's fields, the warrant lifecycle, type 0 never counted,
every failing field named at once, and the digest that makes a resubmission harmless."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from jigsaw.outcomes import rules
from jigsaw.outcomes.kinds import ChildCategory, OutcomeKind, WarrantStage, counted_outcome_types

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
FACTS = rules.PackageFacts(suspect_ids=(11,), victim_ids=frozenset({12}), series_ids=frozenset({7}), now=NOW)
TWO = rules.PackageFacts(suspect_ids=(11, 21), now=NOW)


def body(kind: str, **extra: Any) -> dict[str, Any]:
    return {"reference": "KNT/1", "kind": kind, "occurred_at": "2026-11-29T10:00:00Z", **extra}


def refused(raw: dict[str, Any], facts: rules.PackageFacts = FACTS) -> dict[str, str]:
    with pytest.raises(rules.OutcomeInputError) as caught:
        rules.check(raw, facts)
    return caught.value.fields


def test_each_kind_is_accepted_with_its_own_fields() -> None:
    cases: list[tuple[dict[str, Any], dict[str, Any]]] = [
        (body("warrant", warrant_stage="applied"), {"warrant_stage": WarrantStage.APPLIED}),
        (body("arrest", registered_sex_offender=True, position_of_trust="false"),
         {"registered_sex_offender": True, "position_of_trust": False}),
        (body("voluntary_interview"), {"subject_id": 11}),
        (body("charge", offence="Making indecent images of children", charge_count="3", home_office_outcome=1),
         {"charge_count": 3, "home_office_outcome": 1, "offence": "Making indecent images of children"}),
        (body("conviction", offence="Sexual assault of a child under 13", contact_offence="yes", sentence="6 years"),
         {"contact_offence": True, "sentence": "6 years"}),
        (body("devices", devices_seized=9, devices_examined=4), {"devices_seized": 9, "devices_examined": 4}),
        (body("child_safeguarded", category="removed_from_harm", count=2, age_band="8-11", victim_subject_id=12,
              series_id="7"), {"category": ChildCategory.REMOVED_FROM_HARM, "count": 2, "series_id": 7}),
        (body("offender_located", high_risk=True), {"high_risk": True}),
        (body("no_further_action", home_office_outcome=0), {"home_office_outcome": 0}),
        (body("home_office_outcome", home_office_outcome="22"), {"home_office_outcome": 22}),
    ]
    assert {raw["kind"] for raw, _ in cases} == {k.value for k in OutcomeKind}
    for raw, expected in cases:
        checked = rules.check(raw, FACTS)
        for name, value in expected.items():
            assert getattr(checked, name) == value, (raw["kind"], name)
        assert checked.occurred_at == datetime(2026, 11, 29, 10, 0, tzinfo=UTC)


def test_suspect_kinds_take_the_only_suspect_and_need_one_named_when_there_are_two() -> None:
    assert rules.check(body("arrest"), FACTS).subject_id == 11
    assert refused(body("arrest"), TWO) == {
        "subject_id": "is required: say which of the package's suspects this is about"}
    assert rules.check(body("arrest", subject_id=21), TWO).subject_id == 21
    assert refused(body("arrest", subject_id=99)) == {"subject_id": "is not a suspect in this package"}
    # A child safeguarded need not be about one suspect.
    assert rules.check(body("child_safeguarded", category="protective_measure"), TWO).subject_id is None


def test_every_failing_field_is_named_at_once_and_no_value_is_echoed() -> None:
    problems = refused({"reference": "", "kind": "charge", "occurred_at": "next tuesday", "count": 0,
                        "category": "removed_from_harm", "charge_count": "many", "secret_field": "x"})
    assert set(problems) == {"reference", "occurred_at", "count", "category", "offence", "charge_count",
                             "secret_field"}
    assert problems["category"] == "does not apply to a charge"
    assert problems["offence"] == "is required for a charge"
    assert all("tuesday" not in m and "many" not in m for m in problems.values())
    assert set(refused(body("child_safeguarded"))) == {"category"}
    assert refused(body("child_safeguarded", category="rescued", age_band="13"))["category"].startswith("must be one")
    assert set(refused(body("conviction"))) == {"offence", "contact_offence"}
    assert refused(body("devices", devices_seized=2, devices_examined=3)) == {
        "devices_examined": "cannot be more than the devices seized"}
    assert set(refused(body("child_safeguarded", category="identified_from_imagery", victim_subject_id=11,
                            series_id=8))) == {"victim_subject_id", "series_id"}
    assert refused(body("kind_of_thing")) == {"kind": "must be one of " + ", ".join(k.value for k in OutcomeKind)}
    future = (NOW + timedelta(days=1)).isoformat()
    assert refused(body("arrest", occurred_at=future)) == {"occurred_at": "is in the future"}


def test_home_office_outcome_types() -> None:
    assert set(refused(body("charge", offence="x", charge_count=1, home_office_outcome=23))) == {"home_office_outcome"}
    assert "charged or summonsed" in refused(body("charge", offence="x", charge_count=1,
                                                   home_office_outcome=3))["home_office_outcome"]
    nfa = refused(body("no_further_action", home_office_outcome=1))
    assert "cannot be outcome type 1" in nfa["home_office_outcome"]
    assert refused(body("home_office_outcome")) == {"home_office_outcome": "is required for a Home Office outcome"}
    assert refused(body("arrest", home_office_outcome=1)) == {"home_office_outcome": "does not apply to an arrest"}
    # Type 0 is shown but never counted.
    assert counted_outcome_types([0, 1, None, 0, 22]) == [1, 22]


def _warrant(stage: str, current: WarrantStage | None, *, when: str = "2026-11-29T10:00:00Z") -> rules.CheckedOutcome:
    warrants = {11: rules.WarrantState(current, datetime(2026, 11, 28, tzinfo=UTC), 5)} if current else {}
    return rules.check(body("warrant", warrant_stage=stage, occurred_at=when),
                       rules.PackageFacts(suspect_ids=(11,), warrants=warrants, now=NOW))


def test_the_warrant_lifecycle() -> None:
    valid = [(None, "planned"), (None, "applied"), (WarrantStage.PLANNED, "applied"),
             (WarrantStage.APPLIED, "granted"), (WarrantStage.APPLIED, "refused"), (WarrantStage.REFUSED, "applied"),
             (WarrantStage.GRANTED, "executed"), (WarrantStage.GRANTED, "no_trace")]
    for current, stage in valid:
        assert _warrant(stage, current).warrant_stage is WarrantStage(stage)
    invalid = [(None, "granted"), (None, "executed"), (WarrantStage.PLANNED, "executed"),
               (WarrantStage.APPLIED, "executed"), (WarrantStage.REFUSED, "executed"),
               (WarrantStage.EXECUTED, "applied"), (WarrantStage.NO_TRACE, "executed"),
               (WarrantStage.GRANTED, "granted")]
    for current, stage in invalid:
        with pytest.raises(rules.OutcomeInputError) as caught:
            _warrant(stage, current)
        assert set(caught.value.fields) == {"warrant_stage"}, (current, stage)
    with pytest.raises(rules.OutcomeInputError) as caught:
        _warrant("executed", WarrantStage.EXECUTED)
    assert caught.value.fields["warrant_stage"] == "executed cannot come after executed; next may be: nothing " \
                                                   "(the warrant is finished)"
    with pytest.raises(rules.OutcomeInputError) as caught:
        _warrant("executed", WarrantStage.GRANTED, when="2026-11-27T10:00:00Z")
    assert caught.value.fields == {"occurred_at": "is before the warrant was granted (2026-11-28 00:00 UTC)"}
    with pytest.raises(rules.OutcomeInputError) as caught:
        rules.check(body("warrant", warrant_stage="search"), FACTS)
    assert "must be one of" in caught.value.fields["warrant_stage"]


def test_the_same_submission_written_differently_has_the_same_digest() -> None:
    a = rules.check(body("arrest", occurred_at="2026-11-29T10:00:00Z", registered_sex_offender="true"), FACTS)
    b = rules.check(body("arrest", occurred_at="2026-11-29T10:00:00+00:00", registered_sex_offender=True,
                         subject_id=11), FACTS)
    c = rules.check(body("arrest", occurred_at="2026-11-29T11:00:00+00:00", registered_sex_offender=True), FACTS)
    assert a.digest == b.digest != c.digest
    d = rules.check({**body("arrest"), "reference": "KNT/2", "registered_sex_offender": True}, FACTS)
    assert d.digest == a.digest, "the reference is not part of the body"


def test_withdrawing_a_warrant_stage_goes_from_the_latest_back() -> None:
    state = {11: rules.WarrantState(WarrantStage.GRANTED, NOW, 8)}
    rules.check_withdrawal("warrant", "granted", 11, 8, state)
    with pytest.raises(rules.OutcomeInputError) as caught:
        rules.check_withdrawal("warrant", "applied", 11, 7, state)
    assert caught.value.fields == {"outcome": "withdraw the later warrant stage first (granted, record 8)"}
    with pytest.raises(rules.OutcomeInputError):
        rules.withdrawal_reason("   ")


def test_median_and_how_the_monitor_says_it() -> None:
    assert rules.median_hours([]) is None
    assert rules.median_hours([timedelta(hours=1), timedelta(hours=5), timedelta(hours=3)]) == 3
    assert rules.median_hours([timedelta(hours=2), timedelta(hours=4)]) == 3
    assert rules.describe_hours(3) == "3.0 hours" and rules.describe_hours(72) == "3.0 days"
    assert rules.describe_hours(None) == "—"
