"""The public form's pure step logic: order, wording, validation and the intake draft it builds."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from jigsaw.intake.domain import Channel, IncidentType, Problem, Source, prepare
from jigsaw.intake.public_flow import (
    MAX_SUMMARY_CHARS,
    SOURCE_FOR_AUDIENCE,
    Audience,
    FlowState,
    StepId,
    StepOutcome,
    applicable_steps,
    build_report_draft,
    can_visit,
    clean_text,
    first_incomplete,
    first_problem_step,
    incident_options,
    locate_problem,
    next_step,
    page_for,
    previous_step,
    record_answers,
    summary_rows,
    validate_step,
    with_pending_errors,
)

TODAY = date(2025, 6, 15)

CHILD_ANSWERS = {
    "audience": "young_person", "happened_to": "me", "victim_age": "13", "incident": "sextortion",
    "summary": "He said he would share my pictures.",
    "platform": "Snapchat", "username": "@Bad_Guy99", "when_day": "3", "when_month": "6", "when_year": "2025",
    "danger": "yes", "danger_details": "He says he is outside my school now.",
    "name": "Sam", "email": "sam@example.com", "phone": "",
    "contact_how": "email", "contact_when": "After school, not at weekends", "leave_message": "no",
}
PARENT_ANSWERS = {
    **CHILD_ANSWERS, "audience": "parent", "happened_to": "", "victim_name": "Maya", "victim_age": "11",
    "name": "Alex", "email": "", "phone": "07700 900982", "contact_how": "text", "leave_message": "yes",
}


def complete_state(answers: dict[str, str]) -> FlowState:
    return FlowState(answers, frozenset(applicable_steps(answers)))


def validate(step: StepId, form: dict[str, str]) -> StepOutcome:
    return validate_step(step, form, today=TODAY)


# --- who is reporting -------------------------------------------------------------------

@pytest.mark.parametrize(("audience", "source"), [
    (Audience.YOUNG_PERSON, Source.YOUNG_PERSON), (Audience.PARENT, Source.PARENT),
    (Audience.PROFESSIONAL, Source.PROFESSIONAL), (Audience.OTHER_ADULT, Source.PUBLIC),
])
def test_each_audience_maps_to_an_intake_source(audience: Audience, source: Source) -> None:
    assert SOURCE_FOR_AUDIENCE[audience] is source
    state = complete_state({**CHILD_ANSWERS, "audience": audience.value})
    assert build_report_draft(state).source == source.value


# --- wording ----------------------------------------------------------------------------

def test_a_child_is_asked_in_their_own_words() -> None:
    labels = [o.label for o in incident_options(Audience.YOUNG_PERSON)]
    assert "Someone asked me to send nude or sexual pictures" in labels
    assert "Someone is threatening to share pictures of me" in labels
    assert "Someone keeps asking to meet me" in labels
    assert "Something else" in labels
    assert page_for(StepId.DANGER, Audience.YOUNG_PERSON).title == "Are you or anyone else in danger right now?"


def test_a_parent_is_asked_about_their_child() -> None:
    labels = [o.label for o in incident_options(Audience.PARENT)]
    assert "Someone asked my child to send nude or sexual pictures" in labels
    assert "Someone my child met online keeps trying to talk to them in private" in labels
    assert page_for(StepId.WHAT, Audience.PARENT).title == "What happened to your child?"
    assert "your child" in page_for(StepId.DANGER, Audience.PARENT).title


def test_every_audience_gets_the_same_incident_values() -> None:
    values = {tuple(o.value for o in incident_options(a)) for a in [*Audience, None]}
    assert len(values) == 1
    assert {IncidentType(v) for v in values.pop()} >= {IncidentType.IMAGE_REQUEST, IncidentType.OTHER}


def test_every_page_has_a_label_for_every_field_and_never_a_file_field() -> None:
    for audience in [*Audience, None]:
        for step in StepId:
            page = page_for(step, audience)
            assert page.title
            for spec in page.fields:
                assert spec.label and spec.kind != "file"


def test_the_danger_page_tells_a_child_how_to_call_999() -> None:
    page = page_for(StepId.DANGER_NOW, Audience.YOUNG_PERSON)
    assert page.warning and "press 55" in page.warning and "adult you trust" in page.warning
    assert "adult you trust" not in (page_for(StepId.DANGER_NOW, Audience.PARENT).warning or "")


# --- order and navigation ---------------------------------------------------------------

def test_the_danger_details_step_applies_only_when_someone_is_in_danger() -> None:
    assert StepId.DANGER_NOW in applicable_steps({"danger": "yes"})
    assert StepId.DANGER_NOW not in applicable_steps({"danger": "no"})
    assert StepId.DANGER_NOW not in applicable_steps({})


def test_continue_goes_to_the_next_applicable_step_and_finally_to_check() -> None:
    state = complete_state({**CHILD_ANSWERS, "danger": "no"})
    assert next_step(StepId.WHO, state, changing=False) is StepId.WHOSE
    assert next_step(StepId.WHOSE, state, changing=False) is StepId.ABOUT
    assert next_step(StepId.ABOUT, state, changing=False) is StepId.WHAT
    assert next_step(StepId.CONTACT, state, changing=False) is StepId.SAFE_CONTACT
    assert next_step(StepId.DANGER, state, changing=False) is StepId.CONTACT
    assert next_step(StepId.SAFE_CONTACT, state, changing=False) is None
    parent = complete_state({**PARENT_ANSWERS, "danger": "no"})
    assert next_step(StepId.WHO, parent, changing=False) is StepId.ABOUT  # adults are not asked whose it is
    assert next_step(StepId.DANGER, complete_state(CHILD_ANSWERS), changing=False) is StepId.DANGER_NOW


def test_back_goes_to_the_previous_step_or_the_start() -> None:
    state = complete_state({**CHILD_ANSWERS, "danger": "no"})
    assert previous_step(StepId.WHO, state) is None
    assert previous_step(StepId.CONTACT, state) is StepId.DANGER
    assert previous_step(StepId.CONTACT, complete_state(CHILD_ANSWERS)) is StepId.DANGER_NOW


def test_pages_cannot_be_skipped() -> None:
    state = record_answers(FlowState(), StepId.WHO, {"audience": "parent"})
    assert can_visit(StepId.ABOUT, state)
    assert not can_visit(StepId.WHAT, state) and not can_visit(StepId.WHOSE, state)
    assert first_incomplete(state) is StepId.ABOUT
    assert not can_visit(StepId.DANGER_NOW, complete_state({**CHILD_ANSWERS, "danger": "no"}))


def test_after_a_change_the_reporter_returns_to_check_unless_a_new_step_opened() -> None:
    state = complete_state({**CHILD_ANSWERS, "danger": "no"})
    changed = record_answers(state, StepId.WHERE, {"platform": "Roblox", "username": ""})
    assert next_step(StepId.WHERE, changed, changing=True) is None
    now_in_danger = record_answers(state, StepId.DANGER, {"danger": "yes"})
    assert next_step(StepId.DANGER, now_in_danger, changing=True) is StepId.DANGER_NOW


def test_saying_no_danger_forgets_what_was_written_about_danger() -> None:
    state = record_answers(complete_state(CHILD_ANSWERS), StepId.DANGER, {"danger": "no"})
    assert "danger_details" not in state.answers
    assert StepId.DANGER_NOW not in state.completed
    assert first_incomplete(state) is None


def test_clearing_an_optional_answer_removes_it() -> None:
    state = record_answers(complete_state(CHILD_ANSWERS), StepId.WHERE, {"platform": "", "username": ""})
    assert "platform" not in state.answers and "username" not in state.answers


def test_state_survives_a_round_trip_and_ignores_junk() -> None:
    state = with_pending_errors(complete_state(CHILD_ANSWERS), StepId.CONTACT, {"email": "bad"})
    assert FlowState.from_dict(state.to_dict()) == state
    reserved = FlowState(reserved=True)
    assert FlowState.from_dict(reserved.to_dict()).reserved
    assert record_answers(reserved, StepId.WHO, {"audience": "parent"}).reserved  # kept while answering
    assert not FlowState.from_dict({"reserved": "yes"}).reserved
    junk = FlowState.from_dict({"answers": {"a": 1}, "completed": ["who", "nonsense"], "pending_errors": None})
    assert junk.answers == {"a": "1"} and junk.completed == {StepId.WHO}


# --- validation -------------------------------------------------------------------------

def test_choices_are_required_and_must_be_one_of_the_options() -> None:
    assert validate(StepId.WHO, {}).errors == {"audience": "Choose who you are"}
    assert not validate(StepId.WHO, {"audience": "hacker"}).ok
    assert validate(StepId.WHO, {"audience": "parent"}).values == {"audience": "parent"}
    assert not validate(StepId.WHAT, {"incident": "indecent_images"}).ok  # not offered on the form
    assert not validate(StepId.DANGER, {"danger": "maybe"}).ok


def test_what_happened_is_required_and_limited_but_kept_when_too_long() -> None:
    assert validate(StepId.DETAILS, {"summary": "   "}).errors == {"summary": "Write what happened in the box"}
    too_long = "x" * (MAX_SUMMARY_CHARS + 1)
    outcome = validate(StepId.DETAILS, {"summary": too_long})
    assert "5,001 characters" in outcome.errors["summary"] and "5,000" in outcome.errors["summary"]
    assert outcome.values["summary"] == too_long


def test_line_breaks_count_once_and_control_characters_go() -> None:
    text = "a\r\nb" + "\x00"
    assert clean_text(text, multiline=True) == "a\nb"
    assert clean_text(" one\ntwo ") == "one two"
    exactly = "x\r\n" * (MAX_SUMMARY_CHARS // 2)
    assert validate(StepId.DETAILS, {"summary": exactly}).ok


def test_where_is_optional_with_limits() -> None:
    assert validate(StepId.WHERE, {}).ok
    outcome = validate(StepId.WHERE, {"platform": "p" * 101, "username": "ok"})
    assert set(outcome.errors) == {"platform"} and outcome.values["platform"] == "p" * 101


@pytest.mark.parametrize(("day", "month", "year", "ok"), [
    ("", "", "", True), ("3", "6", "2025", True), ("15", "6", "2025", True),
    ("16", "6", "2025", False),  # tomorrow
    ("31", "2", "2025", False), ("x", "6", "2025", False), ("3", "6", "25", False), ("1", "1", "1900", False),
    ("3", "", "2025", False),
])
def test_when_is_optional_but_must_be_a_real_past_date(day: str, month: str, year: str, ok: bool) -> None:
    outcome = validate(StepId.WHEN, {"when_day": day, "when_month": month, "when_year": year})
    assert outcome.ok is ok
    assert outcome.values == {"when_day": day, "when_month": month, "when_year": year}


def test_danger_details_are_required_when_shown() -> None:
    assert not validate(StepId.DANGER_NOW, {"danger_details": ""}).ok
    assert validate(StepId.DANGER_NOW, {"danger_details": "He is outside"}).ok


@pytest.mark.parametrize(("form", "error_fields"), [
    ({"email": "sam@example.com"}, set()),
    ({"phone": "07700 900982"}, set()),
    ({"email": "sam@example.com", "phone": "07700 900982", "name": "Sam"}, set()),
    ({}, {"email"}),
    ({"name": "Sam"}, {"email"}),
    ({"email": "not an email"}, {"email"}),
    ({"email": "sam@example"}, {"email"}),
    ({"phone": "12"}, {"phone"}),
    ({"email": "sam@example.com", "phone": "call me"}, {"phone"}),
    ({"email": "sam@example.com", "name": "n" * 101}, {"name"}),
])
def test_contact_needs_an_email_or_phone_that_we_can_use(form: dict[str, str], error_fields: set[str]) -> None:
    outcome = validate(StepId.CONTACT, form)
    assert set(outcome.errors) == error_fields
    assert outcome.values["email"] == form.get("email", "")  # kept, valid or not


# --- the check page and the intake draft ------------------------------------------------

def test_summary_rows_use_plain_words_and_link_to_their_step() -> None:
    rows = {row.label: row for row in summary_rows(complete_state(CHILD_ANSWERS))}
    assert rows["What happened"].value == "Someone is threatening to share pictures of me"
    assert rows["When it happened"].value == "3 June 2025"
    assert rows["What is happening now"].step is StepId.DANGER_NOW
    assert rows["Phone number"].value == "Not given"
    no_danger = {r.label for r in summary_rows(complete_state({**CHILD_ANSWERS, "danger": "no"}))}
    assert "What is happening now" not in no_danger


def test_the_draft_names_the_suspect_by_username_on_the_platform() -> None:
    draft = build_report_draft(complete_state(CHILD_ANSWERS))
    assert draft.channel is Channel.PUBLIC_FORM
    assert draft.source == "young_person" and draft.incident_type == "sextortion"
    assert draft.incident_at == datetime(2025, 6, 3, tzinfo=UTC)
    assert draft.escalation == "He says he is outside my school now."
    assert draft.reporter.email == "sam@example.com" and draft.reporter.phone is None
    suspect, _victim = draft.subjects
    assert suspect.role == "suspect"
    (identifier,) = suspect.identifiers
    assert (identifier.type, identifier.value, identifier.platform) == ("username", "@Bad_Guy99", "Snapchat")
    prepared = prepare(draft)
    assert prepared.subjects[0].identifiers[0].identifier.key == "username|snapchat|bad_guy99"


def test_a_username_without_a_platform_is_kept_as_a_description() -> None:
    draft = build_report_draft(complete_state({**CHILD_ANSWERS, "platform": ""}))
    (suspect, _victim) = draft.subjects
    assert suspect.identifiers == () and suspect.description and "@Bad_Guy99" in suspect.description
    roles = [s.role for s in build_report_draft(complete_state({**CHILD_ANSWERS, "username": ""})).subjects]
    assert roles == ["victim"]


def test_no_escalation_and_no_date_when_not_given() -> None:
    answers = {**CHILD_ANSWERS, "danger": "no", "when_day": "", "when_month": "", "when_year": ""}
    draft = build_report_draft(complete_state(answers))
    assert draft.escalation is None and draft.incident_at is None
    prepare(draft)


def test_problems_at_submission_point_back_to_the_right_page() -> None:
    assert locate_problem(Problem(("reporter", "email"), "x"))[:2] == (StepId.CONTACT, "email")
    assert locate_problem(Problem(("subjects", 1, "age"), "x"))[:2] == (StepId.ABOUT, "victim_age")
    assert locate_problem(Problem(("subjects", 0, "identifiers", 0), "x"))[:2] == (StepId.WHERE, "username")
    assert locate_problem(Problem(("summary",), "x"))[:2] == (StepId.DETAILS, "summary")
    step, messages = first_problem_step([Problem(("reporter", "phone"), "x"), Problem(("platform",), "y")])
    assert step is StepId.WHERE and set(messages) == {"platform"}


# --- the child it happened to -------------------------------------------------------------

def test_a_young_person_is_asked_if_it_happened_to_them_and_then_their_age() -> None:
    assert StepId.WHOSE in applicable_steps({"audience": "young_person"})
    assert StepId.WHOSE not in applicable_steps({"audience": "parent"})
    assert page_for(StepId.WHOSE, Audience.YOUNG_PERSON).title == "Did this happen to you?"
    own = page_for(StepId.ABOUT, Audience.YOUNG_PERSON, {"happened_to": "me"})
    assert own.title == "How old are you?" and [f.name for f in own.fields] == ["victim_age"]
    friend = page_for(StepId.ABOUT, Audience.YOUNG_PERSON, {"happened_to": "someone_else"})
    assert [f.name for f in friend.fields] == ["victim_name", "victim_age"]
    labels = [o.label for o in incident_options(Audience.YOUNG_PERSON, about_self=False)]
    assert "Someone is threatening to share pictures of my friend" in labels


def test_a_parent_is_asked_their_childs_first_name_and_age() -> None:
    page = page_for(StepId.ABOUT, Audience.PARENT)
    assert page.title == "About your child"
    assert [(f.name, f.label) for f in page.fields] == [
        ("victim_name", "Their first name (optional)"), ("victim_age", "How old is your child?")]
    assert "child" in page_for(StepId.ABOUT, Audience.PROFESSIONAL).title


@pytest.mark.parametrize(("answers", "form", "errors", "age"), [
    ({"audience": "young_person", "happened_to": "me"}, {"victim_age": "13"}, set(), "13"),
    ({"audience": "young_person", "happened_to": "me"}, {"victim_age": " 13 years old"}, set(), "13"),
    ({"audience": "young_person", "happened_to": "me"}, {"victim_age": ""}, {"victim_age"}, ""),
    ({"audience": "young_person", "happened_to": "me"}, {"victim_age": "thirteen"}, {"victim_age"}, "thirteen"),
    ({"audience": "young_person", "happened_to": "me"}, {"victim_age": "19"}, {"victim_age"}, "19"),
    ({"audience": "parent"}, {"victim_name": "Maya", "victim_age": ""}, {"victim_age"}, ""),
    ({"audience": "parent"}, {"victim_name": "Maya", "victim_age": "11"}, set(), "11"),
    ({"audience": "professional"}, {"victim_name": "", "victim_age": ""}, set(), ""),  # may not know
    ({"audience": "young_person", "happened_to": "someone_else"}, {"victim_age": ""}, set(), ""),
    ({"audience": "other_adult"}, {"victim_age": "40"}, {"victim_age"}, "40"),
])
def test_the_childs_age_is_a_whole_number_under_18(
    answers: dict[str, str], form: dict[str, str], errors: set[str], age: str,
) -> None:
    outcome = validate_step(StepId.ABOUT, form, today=TODAY, answers=answers)
    assert set(outcome.errors) == errors
    assert outcome.values["victim_age"] == age
    if answers.get("happened_to") == "me":
        assert "victim_name" not in outcome.values  # their own name is asked with their contact details


def test_a_young_persons_own_report_makes_them_the_victim_with_name_and_age() -> None:
    draft = build_report_draft(complete_state(CHILD_ANSWERS))
    victims = [s for s in draft.subjects if s.role == "victim"]
    assert [(v.name, v.age) for v in victims] == [("Sam", 13)]
    assert draft.source_data["reporter_is_victim"] is True
    prepared = prepare(draft)
    assert [(s.role.value, s.age) for s in prepared.subjects] == [("suspect", None), ("victim", 13)]


def test_a_parents_report_names_their_child_as_the_victim() -> None:
    draft = build_report_draft(complete_state(PARENT_ANSWERS))
    (victim,) = [s for s in draft.subjects if s.role == "victim"]
    assert (victim.name, victim.age) == ("Maya", 11)
    assert draft.reporter.name == "Alex" and draft.source_data["reporter_is_victim"] is False
    unknown = {**PARENT_ANSWERS, "audience": "professional", "victim_name": "", "victim_age": ""}
    assert [s.role for s in build_report_draft(complete_state(unknown)).subjects] == ["suspect"]


def test_changing_who_you_are_asks_about_the_child_again() -> None:
    state = complete_state(CHILD_ANSWERS)
    changed = record_answers(state, StepId.WHO, {"audience": "parent"})
    assert "victim_age" not in changed.answers and "happened_to" not in changed.answers
    assert first_incomplete(changed) is StepId.ABOUT
    same = record_answers(state, StepId.WHO, {"audience": "young_person"})
    assert same.answers["victim_age"] == "13" and first_incomplete(same) is None
    friend = record_answers(state, StepId.WHOSE, {"happened_to": "someone_else"})
    assert first_incomplete(friend) is StepId.ABOUT


# --- contacting them safely -----------------------------------------------------------------

def test_safe_contact_offers_only_the_ways_they_gave() -> None:
    page = page_for(StepId.SAFE_CONTACT, Audience.YOUNG_PERSON, {"email": "sam@example.com"})
    how, when, message = page.fields
    assert [o.value for o in how.options] == ["email"]
    assert when.name == "contact_when" and message.name == "leave_message"
    both = page_for(StepId.SAFE_CONTACT, Audience.PARENT, {"email": "a@example.com", "phone": "07700 900982"})
    assert [o.value for o in both.fields[0].options] == ["phone", "text", "email"]


def test_safe_contact_needs_a_way_and_an_answer_about_messages() -> None:
    answers = {"email": "sam@example.com"}
    outcome = validate_step(StepId.SAFE_CONTACT, {}, today=TODAY, answers=answers)
    assert set(outcome.errors) == {"contact_how", "leave_message"}
    outcome = validate_step(StepId.SAFE_CONTACT, {"contact_how": "phone", "leave_message": "no"},
                            today=TODAY, answers=answers)
    assert set(outcome.errors) == {"contact_how"}  # they gave us no phone number
    outcome = validate_step(StepId.SAFE_CONTACT, {"contact_how": "email", "leave_message": "no",
                                                  "contact_when": "w" * 201}, today=TODAY, answers=answers)
    assert set(outcome.errors) == {"contact_when"}
    ok = validate_step(StepId.SAFE_CONTACT, {"contact_how": "email", "leave_message": "yes",
                                             "contact_when": " after 4pm "}, today=TODAY, answers=answers)
    assert ok.ok and ok.values == {"contact_how": "email", "contact_when": "after 4pm", "leave_message": "yes"}


def test_removing_the_chosen_way_to_contact_asks_again() -> None:
    state = complete_state(PARENT_ANSWERS)  # chose a text message
    changed = record_answers(state, StepId.CONTACT, {"name": "Alex", "email": "alex@example.com", "phone": ""})
    assert first_incomplete(changed) is StepId.SAFE_CONTACT and "contact_how" not in changed.answers
    kept = record_answers(state, StepId.CONTACT, {"name": "Al", "email": "", "phone": "07700 900982"})
    assert first_incomplete(kept) is None


def test_safe_contact_goes_into_the_reports_source_data_and_the_check_page() -> None:
    state = complete_state(CHILD_ANSWERS)
    assert build_report_draft(state).source_data["safe_contact"] == {
        "how": "email", "when": "After school, not at weekends", "leave_message": False}
    rows = {row.label: row for row in summary_rows(state)}
    assert rows["Safest way to contact you"].value == "Email"
    assert rows["Can we leave a message"].value == "No" and rows["Your age"].value == "13"
    assert rows["Who it happened to"].value == "Me"
    parent_rows = {row.label: row.value for row in summary_rows(complete_state(PARENT_ANSWERS))}
    assert parent_rows["Their first name"] == "Maya" and parent_rows["Their age"] == "11"
    assert "Who it happened to" not in parent_rows
