"""The pure rules: postcodes, the directory reader, proposals, grading, markings, the lifecycle and
its dates, and the evidence summary."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jigsaw.dissemination import evidence as ev
from jigsaw.dissemination import grading, lifecycle
from jigsaw.dissemination.lifecycle import PackageStatus, Transition
from jigsaw.markings import Classification, Descriptor, Marking, MarkingError, Tlp, exceeds, lowers, parse_tlp
from jigsaw.routing import places
from jigsaw.routing.onspd import DirectoryError, ReadCounts, read_directory
from jigsaw.routing.propose import Basis, CountryClue, PostcodeClue, Recipient, propose
from jigsaw.routing.reference import PARTNERS, RECIPIENTS, UK_FORCES
from tests.dissemination.conftest import SAMPLE


def test_postcodes_are_found_and_normalised() -> None:
    assert places.postcodes_in("1 High St, Rochester, me1 1aa, UK; also SW1A 1AA") == ["ME11AA", "SW1A1AA"]
    assert places.normalise_postcode("ec1a 1bb") == "EC1A1BB" and places.normalise_postcode("not one") is None
    assert places.district("SW1A1AA") == "SW1A" and places.area("SW1A1AA") == "SW" and places.area("B11AA") == "B"
    assert places.display_postcode("ME11AA") == "ME1 1AA"
    assert places.address_country("10 Main St, Toronto, ON, CA") == "CA"
    assert places.address_country("1 rue de la paix, paris, france") == "FR"
    assert places.address_country("flat 2, 1 high st, me1 1aa") == "GB"
    assert places.address_country("somewhere") is None


def test_the_shipped_reference_data_is_complete() -> None:
    codes = [r.ons_code for r in UK_FORCES if r.ons_code]
    assert len(codes) == len(set(codes))
    england = [c for c in codes if c.startswith("E23")]
    assert sorted(england) == [f"E23{n:06d}" for n in range(1, 40)]
    assert {"W15000001", "W15000002", "W15000003", "W15000004", "S23000009", "N23000001"} <= set(codes)
    names = {r.name for r in RECIPIENTS}
    assert {"British Transport Police", "States of Jersey Police", "Guernsey Police", "Isle of Man Constabulary",
            "Police Scotland", "Police Service of Northern Ireland"} <= names
    assert {"National Center for Missing & Exploited Children", "Federal Bureau of Investigation",
            "Homeland Security Investigations", "Royal Canadian Mounted Police", "Australian Federal Police",
            "Europol", "Interpol"} == {p.name for p in PARTNERS}
    assert all(r.placeholder_email.endswith("@spoc.invalid") for r in RECIPIENTS)


def test_the_directory_reader_finds_columns_by_name_and_skips_terminated() -> None:
    counts = ReadCounts()
    with SAMPLE.open(encoding="utf-8") as lines:
        rows = dict(read_directory(lines, counts))
    assert rows["ME11AA"] == "E23000032" and "ME19ZZ" not in rows  # terminated in 2015
    assert counts.terminated == 1 and counts.no_force_area == 1 and counts.columns["postcode"] == "pcds"
    # The fixed-width pcd column is used when pcds is missing, whatever the column order.
    assert dict(read_directory(["pfa,doterm,pcd\n", "E23000001,,SW1A1AA\n", "E23000001,202001,SW1A2AA\n"])) \
        == {"SW1A1AA": "E23000001"}
    with pytest.raises(DirectoryError, match="pcds"):
        list(read_directory(["postcode,force\n", "ME1 1AA,Kent\n"]))


RECIPS = [Recipient(1, "Kent Police", "uk_force", "E23000032"), Recipient(2, "Met", "uk_force", "E23000001"),
          Recipient(3, "PSNI", "uk_force", "N23000001", aliases=("N99999999",)),
          Recipient(4, "Jersey", "uk_force", None, postcode_areas=("JE",)),
          Recipient(10, "FBI", "partner_agency", covers=("US",), priority=10, international=True),
          Recipient(11, "HSI", "partner_agency", covers=("US",), priority=20, international=True),
          Recipient(12, "Interpol", "partner_agency", covers=("*",), priority=90, international=True)]
UNITS = {"ME11AA": "E23000032", "SW1A1AA": "E23000001", "BT11AA": "N99999999"}
DISTRICTS = {"DA1": {"E23000032": 3, "E23000001": 1}, "ME1": {"E23000032": 2}}


def _propose(postcodes: list[PostcodeClue] = (), countries: list[CountryClue] = (), ips: tuple[str, ...] = ()) \
        -> object:
    return propose(postcodes, countries, RECIPS, UNITS.get, lambda d: DISTRICTS.get(d, {}), table_loaded=True,
                   pending_ips=ips)


def test_a_unit_postcode_names_one_force_with_the_reason() -> None:
    r = _propose([PostcodeClue("ME11AA", Basis.POSTAL_ADDRESS, "report JIG-1")])
    assert r.chosen is not None and r.chosen.org_id == 1 and r.needs == ()
    assert "ME1 1AA" in r.chosen.reason and "E23000032" in r.chosen.reason and "JIG-1" in r.chosen.reason
    # An alias code (the NI pseudo code of older directories) and a Crown Dependency's area.
    assert _propose([PostcodeClue("BT11AA", Basis.POSTAL_ADDRESS, "x")]).chosen.org_id == 3
    assert _propose([PostcodeClue("JE23AB", Basis.PUBLIC_FORM, "x")]).chosen.org_id == 4


def test_a_straddling_district_shows_each_share_and_chooses_none() -> None:
    r = _propose([PostcodeClue("DA19XX", Basis.POSTAL_ADDRESS, "report JIG-2")])
    assert [(p.org_id, p.share) for p in r.proposals] == [(1, 0.75), (2, 0.25)]
    assert r.chosen is None and any("more than one" in n for n in r.needs)
    assert "75%" in r.proposals[0].reason and "straddles 2 forces" in r.proposals[0].reason
    # A district wholly in one force is enough.
    assert _propose([PostcodeClue("ME19XX", Basis.POSTAL_ADDRESS, "x")]).chosen.org_id == 1


def test_comms_data_outranks_an_address_and_disagreeing_clues_leave_the_choice() -> None:
    r = _propose([PostcodeClue("ME11AA", Basis.POSTAL_ADDRESS, "a"), PostcodeClue("SW1A1AA", Basis.COMMS_DATA, "b")])
    assert r.chosen.org_id == 2 and r.chosen.basis is Basis.COMMS_DATA
    r = _propose([PostcodeClue("ME11AA", Basis.POSTAL_ADDRESS, "a"),
                  PostcodeClue("SW1A1AA", Basis.POSTAL_ADDRESS, "b")])
    assert r.chosen is None and {p.org_id for p in r.proposals} == {1, 2}


def test_a_country_goes_to_its_partner_and_the_rest_to_interpol() -> None:
    r = _propose(countries=[CountryClue("US", "report JIG-3")])
    assert [p.org_id for p in r.proposals] == [10, 11] and r.chosen.org_id == 10
    assert _propose(countries=[CountryClue("BR", "x")]).chosen.org_id == 12
    assert _propose(countries=[CountryClue("GB", "x")]).chosen is None


def test_no_basis_says_what_is_needed() -> None:
    r = _propose(ips=("IP address 203.0.113.9 seen 2026-11-20 21:00:00 UTC (report JIG-4)",))
    assert r.chosen is None and r.proposals == ()
    assert r.needs == ("a communications-data request for the subscriber of IP address 203.0.113.9 seen "
                       "2026-11-20 21:00:00 UTC (report JIG-4)",)
    assert "postcode" in _propose().needs[0]
    unloaded = propose([PostcodeClue("ZZ11ZZ", Basis.POSTAL_ADDRESS, "x")], [], RECIPS, lambda _: None,
                       lambda _: {}, table_loaded=False)
    assert "jigsaw routing load" in unloaded.needs[0]


def test_grading_3x5x2() -> None:
    g = grading.grade("1", "b", "c", "Not to be shared with the suspect's employer")
    assert g.short == "1B C" and "corroborated" in g.words and "employer" in g.words
    with pytest.raises(grading.GradingError) as caught:
        grading.grade("4", "F", "C", "")
    assert set(caught.value.problems) == {"source_evaluation", "assessment", "conditions"}
    with pytest.raises(grading.GradingError, match="conditions belong"):
        grading.grade("1", "A", "P", "some")
    assert grading.item("text").grade == grading.DEFAULT_GRADE
    assert grading.item("text", legacy_5x5x5="b35").legacy_5x5x5 == "B35"
    with pytest.raises(grading.GradingError, match="5x5x5"):
        grading.item("text", legacy_5x5x5="Z99")
    only_e = [grading.item("x", "2", "E", "P")]
    assert grading.rests_only_on_suspected_false(only_e)
    assert not grading.rests_only_on_suspected_false([*only_e, grading.item("y")])


def test_markings_rank_and_lowering() -> None:
    sensitive = Marking(Classification.OFFICIAL_SENSITIVE, Descriptor.PERSONAL, Tlp.AMBER)
    assert sensitive.banner == "OFFICIAL-SENSITIVE PERSONAL · TLP:AMBER"
    assert lowers(sensitive, Marking(Classification.OFFICIAL, None, Tlp.AMBER))
    assert lowers(sensitive, Marking(Classification.OFFICIAL_SENSITIVE, Descriptor.PERSONAL, Tlp.GREEN))
    assert lowers(sensitive, Marking(Classification.OFFICIAL_SENSITIVE, Descriptor.PERSONAL, None))
    assert not lowers(sensitive, Marking(Classification.OFFICIAL_SENSITIVE, Descriptor.PERSONAL, Tlp.RED))
    assert exceeds(sensitive, Classification.OFFICIAL, Tlp.RED) == ["the recipient may receive up to OFFICIAL"]
    assert exceeds(Marking(tlp=Tlp.RED), Classification.OFFICIAL_SENSITIVE, Tlp.AMBER)
    assert parse_tlp("TLP:AMBER+STRICT") is Tlp.AMBER_STRICT and parse_tlp("amber_strict") is Tlp.AMBER_STRICT
    with pytest.raises(MarkingError, match="CLEAR"):
        parse_tlp("white")
    with pytest.raises(MarkingError):
        Marking(Classification.OFFICIAL, Descriptor.PERSONAL)
    with pytest.raises(MarkingError):
        Marking(Classification.OFFICIAL_SENSITIVE, None)


@given(st.sampled_from(list(Tlp)), st.sampled_from(list(Tlp)), st.sampled_from(list(Classification)),
       st.sampled_from(list(Classification)))
def test_lowering_is_exactly_a_fall_in_rank(t1: Tlp, t2: Tlp, c1: Classification, c2: Classification) -> None:
    def mk(c: Classification, t: Tlp) -> Marking:
        return Marking(c, Descriptor.PERSONAL if c is Classification.OFFICIAL_SENSITIVE else None, t)
    rank = {Tlp.CLEAR: 0, Tlp.GREEN: 1, Tlp.AMBER: 2, Tlp.AMBER_STRICT: 3, Tlp.RED: 4}
    crank = {Classification.OFFICIAL: 0, Classification.OFFICIAL_SENSITIVE: 1}
    assert lowers(mk(c1, t1), mk(c2, t2)) == (crank[c2] < crank[c1] or rank[t2] < rank[t1])


def test_the_lifecycle_moves_and_four_eyes() -> None:
    assert lifecycle.target(Transition.SUBMIT, PackageStatus.DRAFT) is PackageStatus.SUBMITTED
    assert lifecycle.target(Transition.APPROVE, PackageStatus.SUBMITTED) is PackageStatus.DISPATCHED
    assert lifecycle.target(Transition.REJECT, PackageStatus.DISPATCHED) is PackageStatus.REJECTED
    with pytest.raises(lifecycle.MoveRefused, match="a draft package cannot be approved"):
        lifecycle.target(Transition.APPROVE, PackageStatus.DRAFT)
    with pytest.raises(lifecycle.MoveRefused):
        lifecycle.target(Transition.ACKNOWLEDGE, PackageStatus.ACCEPTED)
    assert lifecycle.available(PackageStatus.SUBMITTED, centre=True) == [Transition.APPROVE, Transition.RETURN]
    assert lifecycle.available(PackageStatus.SUBMITTED, centre=False) == []
    assert lifecycle.available(PackageStatus.DISPATCHED, centre=False) == [
        Transition.ACKNOWLEDGE, Transition.ACCEPT, Transition.REJECT]
    with pytest.raises(lifecycle.FourEyesRefused):
        lifecycle.check_four_eyes(7, 7)
    with pytest.raises(lifecycle.FourEyesRefused):
        lifecycle.check_four_eyes(7, None)
    lifecycle.check_four_eyes(7, 8)


def test_dates_follow_the_band() -> None:
    sent = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)  # a Friday
    assert lifecycle.action_by("P0", sent) == sent + timedelta(hours=24)
    assert lifecycle.action_by("P1", sent) == sent + timedelta(days=7)
    assert lifecycle.action_by("P2", sent) == sent + timedelta(days=14)
    assert lifecycle.action_by("P3", sent) == sent + timedelta(days=30)
    assert lifecycle.review_by("P1", sent) == sent + timedelta(days=14)
    assert lifecycle.package_band(["P2", None, "P1"]) == "P1" and lifecycle.package_band([None]) == "P3"
    assert lifecycle.acknowledge_by("P0", sent) == sent + timedelta(hours=1)
    assert lifecycle.acknowledge_by("P2", sent) is None
    # A working day: Friday 14:00 → Monday 14:00; Saturday → Tuesday 09:00 (London); a holiday skipped.
    assert lifecycle.acknowledge_by("P1", sent) == datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
    saturday = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)
    assert lifecycle.add_working_day(saturday) == datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    assert lifecycle.add_working_day(sent, [date(2026, 11, 23)]) == datetime(2026, 11, 24, 14, 0, tzinfo=UTC)
    # Across the clocks going forward (29 March 2026): 09:30 London stays 09:30 London.
    before = datetime(2026, 3, 27, 9, 30, tzinfo=UTC)  # Friday, GMT
    assert lifecycle.add_working_day(before) == datetime(2026, 3, 30, 8, 30, tzinfo=UTC)  # Monday 09:30 BST


def test_the_centres_working_day_skips_bank_holidays_in_england_and_wales() -> None:
    christmas_eve = datetime(2026, 12, 24, 15, 0, tzinfo=UTC)  # Thursday; 25th Friday, 28th Boxing Day observed
    off = lifecycle.centre_holidays(christmas_eve.date())
    assert {date(2026, 12, 25), date(2026, 12, 28), date(2027, 1, 1)} <= off
    assert date(2026, 11, 30) not in off  # St Andrew's Day is a holiday in Scotland, not at the centre
    assert lifecycle.acknowledge_by("P1", christmas_eve, off) == datetime(2026, 12, 29, 15, 0, tzinfo=UTC)
    good_friday = datetime(2027, 3, 25, 12, 0, tzinfo=UTC)  # Thursday before Easter 2027
    assert lifecycle.acknowledge_by("P1", good_friday, lifecycle.centre_holidays(good_friday.date())) == \
        datetime(2027, 3, 30, 11, 0, tzinfo=UTC)  # Tuesday 12:00 BST, after Good Friday and Easter Monday


def test_the_evidence_summary_counts_and_withholds() -> None:
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    summary = ev.build(
        subjects=[ev.SubjectRow(5, "JIG-A", "suspect", "Sam", 30)],
        sightings=[ev.SightingRow(5, "JIG-A", "email", "a@b.test", None, t0 + timedelta(days=3)),
                   ev.SightingRow(5, "JIG-B", "email", "a@b.test", None, t0),
                   ev.SightingRow(5, "JIG-A", "url", "https://cdn.example/x/photo.JPG?size=2", None, t0),
                   ev.SightingRow(5, "JIG-A", "url", "https://social.example/u/sam", None, t0)],
        matches=[ev.MatchRow(1, "B", 2, "Series-X"), ev.MatchRow(1, "A", 1, "Series-X"), ev.MatchRow(2, "C", 3, None),
                 ev.MatchRow(3, None, None, "Series-Y")],
        triage_rows=[ev.TriageRow("JIG-A", "P1", {"score": 70, "rules": [{"label": "Contact offence"}],
                                                  "items": [{"label": "Under 13", "points": 20}]})],
        lines=[ev.LineRow("JIG-A", "Identify the account holder", "open"), ev.LineRow("JIG-A", "Done", "closed")],
        band="P1", report_references=["JIG-A", "JIG-B"], case_references=["CASE-1"], generated_at=t0)
    email = next(i for i in summary["identifiers"] if i["type"] == "email")
    assert email["first_seen"] == t0.isoformat() and email["last_seen"] == (t0 + timedelta(days=3)).isoformat()
    assert email["times_seen"] == 2 and email["reports"] == ["JIG-A", "JIG-B"] and email["subjects"] == ["S1"]
    assert summary["media_links_withheld"] == 1 and all("photo" not in i["value"] for i in summary["identifiers"])
    assert summary["hash_matches"] == {"media_matched": 3, "by_category": {"A": 1, "C": 1, "uncategorised": 1},
                                       "by_vics_category": {"1": 1, "2": 1, "3": 1},
                                       "by_series": {"Series-X": 1, "Series-Y": 1}}
    assert summary["triage"]["reports"][0]["rules"] == ["Contact offence"]
    assert summary["lines_of_enquiry"] == [{"title": "Identify the account holder", "report": "JIG-A"}]
    outside = ev.for_recipient(summary)
    assert "reports" not in outside and "cases" not in outside
    assert "JIG-A" not in str(outside) and "CASE-1" not in str(outside)
