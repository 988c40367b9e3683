"""The public Report Abuse journey as pure step logic (no web or database imports).

One short question per page (the GOV.UK question-page pattern). This module knows the
order of the steps, which steps apply (the "what is happening now" page only when someone
is in danger), how each question is worded for the person reporting (a child is asked
"Has someone…", a parent "…your child"), how each answer is validated, and how the
answers become an intake :class:`ReportDraft`. The web adapter (``public.py``) only
renders these pages, stores the answers and moves between URLs.

Answers are plain strings keyed by form-field name, so a page that fails validation can be
shown again with exactly what was typed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, Literal

from jigsaw.identifiers import IdentifierError, normalise_email, normalise_phone, normalise_postcode
from jigsaw.intake.domain import (
    Channel,
    EntryRoute,
    IdentifierDraft,
    IncidentType,
    Problem,
    ReportDraft,
    Reporter,
    Source,
    SubjectDraft,
    SubjectRole,
)
from jigsaw.intake.platforms import listed_platform

MAX_SUMMARY_CHARS = 5000
MAX_DANGER_CHARS = 2000
MAX_PLATFORM_CHARS = 100
MAX_USERNAME_CHARS = 200
MAX_NAME_CHARS = 100
MAX_EMAIL_CHARS = 254
MAX_PHONE_CHARS = 30
MAX_POSTCODE_CHARS = 10
MAX_CONTACT_WHEN_CHARS = 200
MAX_CHILD_AGE = 17
EARLIEST_YEAR = 1950


class Audience(StrEnum):
    """Who is reporting: the answer to the first question, which shapes every later one."""

    YOUNG_PERSON = "young_person"
    PARENT = "parent"
    PROFESSIONAL = "professional"
    OTHER_ADULT = "other_adult"


SOURCE_FOR_AUDIENCE: dict[Audience, Source] = {
    Audience.YOUNG_PERSON: Source.YOUNG_PERSON,
    Audience.PARENT: Source.PARENT,
    Audience.PROFESSIONAL: Source.PROFESSIONAL,
    Audience.OTHER_ADULT: Source.PUBLIC,
}


class StepId(StrEnum):
    """The question pages, in order; the value is the URL slug under ``/report/``."""

    WHO = "who"
    WHOSE = "who-it-happened-to"
    ABOUT = "age"
    WHAT = "what-happened"
    DETAILS = "tell-us"
    WHERE = "where"
    WHEN = "when"
    DANGER = "danger"
    DANGER_NOW = "danger-now"
    CONTACT = "contact"
    SAFE_CONTACT = "safe-to-contact"


STEP_ORDER: tuple[StepId, ...] = tuple(StepId)

# Which answer keys each step owns (the form-field names on its page).
STEP_FIELDS: dict[StepId, tuple[str, ...]] = {
    StepId.WHO: ("audience",),
    StepId.WHOSE: ("happened_to",),
    StepId.ABOUT: ("victim_name", "victim_age"),
    StepId.WHAT: ("incident",),
    StepId.DETAILS: ("summary",),
    StepId.WHERE: ("platform", "username"),
    StepId.WHEN: ("when_day", "when_month", "when_year"),
    StepId.DANGER: ("danger",),
    StepId.DANGER_NOW: ("danger_details",),
    StepId.CONTACT: ("name", "email", "phone", "postcode"),
    StepId.SAFE_CONTACT: ("contact_how", "contact_when", "leave_message"),
}

# Answering an earlier step can make later answers mean something else (a parent's answers
# about "my child" are not a child's answers about themself): those later steps are asked again.
_RESETS: dict[str, tuple[StepId, ...]] = {
    "audience": (StepId.WHOSE, StepId.ABOUT),
    "happened_to": (StepId.ABOUT,),
}


# --- the state kept between pages -------------------------------------------------------

@dataclass(frozen=True)
class ButtonEntry:
    """The platform whose Report Abuse button opened the form, with the account the reporter was
    looking at when it was pressed (both from a link the platform signed)."""

    org_id: int
    platform: str
    account: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"org_id": self.org_id, "platform": self.platform, "account": self.account}

    @classmethod
    def from_dict(cls, data: Any) -> ButtonEntry | None:
        if not isinstance(data, Mapping) or not isinstance(data.get("org_id"), int):
            return None
        account = data.get("account")
        return cls(data["org_id"], str(data.get("platform") or ""), str(account) if account else None)


@dataclass(frozen=True)
class FlowState:
    """Everything saved between pages: the answers, which steps are done, pending errors.

    ``pending_errors`` carries problems found at submission back to the failing page
    (after a redirect), where they are shown once.
    """

    answers: Mapping[str, str] = field(default_factory=dict)
    completed: frozenset[StepId] = frozenset()
    pending_errors: Mapping[str, str] = field(default_factory=dict)
    # Set when the form was started: this draft holds one submission under the rate limit,
    # so a reporter who was allowed to start is never refused at the end.
    reserved: bool = False
    button: ButtonEntry | None = None

    @classmethod
    def from_button(cls, entry: ButtonEntry) -> FlowState:
        """A new form with the button's platform and account already answered (the reporter can change them)."""
        answers = {"platform": entry.platform, **({"username": entry.account} if entry.account else {})}
        return cls(answers=answers, button=entry)

    @property
    def audience(self) -> Audience | None:
        return audience_of(self.answers)

    @property
    def about_self(self) -> bool:
        """True when a young person says it happened to them: the reporter is the victim."""
        return reports_about_self(self.answers)

    def to_dict(self) -> dict[str, Any]:
        return {
            "answers": dict(self.answers),
            "completed": sorted(step.value for step in self.completed),
            "pending_errors": dict(self.pending_errors),
            "reserved": self.reserved,
            "button": self.button.to_dict() if self.button else None,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FlowState:
        """Rebuild a state, ignoring anything unexpected rather than failing the reporter."""
        answers = {str(k): str(v) for k, v in dict(data.get("answers") or {}).items()}
        completed = frozenset(StepId(s) for s in data.get("completed") or () if s in _STEP_VALUES)
        errors = {str(k): str(v) for k, v in dict(data.get("pending_errors") or {}).items()}
        return cls(answers, completed, errors, data.get("reserved") is True, ButtonEntry.from_dict(data.get("button")))


def audience_of(answers: Mapping[str, str]) -> Audience | None:
    try:
        return Audience(answers.get("audience", ""))
    except ValueError:
        return None


def reports_about_self(answers: Mapping[str, str]) -> bool:
    return audience_of(answers) is Audience.YOUNG_PERSON and answers.get("happened_to") == "me"


_STEP_VALUES = frozenset(step.value for step in StepId)


def applicable_steps(answers: Mapping[str, str]) -> tuple[StepId, ...]:
    """The steps this reporter sees.

    "Who did it happen to" only for a young person (an adult is always asked about a child),
    and "what is happening now" only when someone is in danger.
    """
    young = audience_of(answers) is Audience.YOUNG_PERSON
    return tuple(s for s in STEP_ORDER
                 if (s is not StepId.DANGER_NOW or answers.get("danger") == "yes")
                 and (s is not StepId.WHOSE or young))


def first_incomplete(state: FlowState) -> StepId | None:
    """The first step still to answer, or None when the answers are ready to check."""
    return next((s for s in applicable_steps(state.answers) if s not in state.completed), None)


def can_visit(step: StepId, state: FlowState) -> bool:
    """A page may be shown once every step before it is answered (no skipping ahead)."""
    steps = applicable_steps(state.answers)
    if step not in steps:
        return False
    return all(s in state.completed for s in steps[: steps.index(step)])


def next_step(step: StepId, state: FlowState, *, changing: bool) -> StepId | None:
    """Where "Continue" goes. None means the check-answers page.

    After a "Change" link, the reporter goes back to the check page, unless the change
    opened a step they have not answered yet (saying someone is now in danger).
    """
    if changing:
        return first_incomplete(state)
    steps = applicable_steps(state.answers)
    later = steps[steps.index(step) + 1 :] if step in steps else ()
    return later[0] if later else None


def previous_step(step: StepId, state: FlowState) -> StepId | None:
    """Where the back link goes. None means the start page."""
    steps = applicable_steps(state.answers)
    if step not in steps or steps.index(step) == 0:
        return None
    return steps[steps.index(step) - 1]


def record_answers(state: FlowState, step: StepId, values: Mapping[str, str]) -> FlowState:
    """A new state with this step's validated answers saved and the step marked done."""
    answers = {k: v for k, v in state.answers.items() if k not in STEP_FIELDS[step]}
    answers.update({k: v for k, v in values.items() if v})
    completed = set(state.completed) | {step}
    if step is StepId.DANGER and answers.get("danger") != "yes":
        answers.pop("danger_details", None)
        completed.discard(StepId.DANGER_NOW)
    for key, later in _RESETS.items():
        if key in STEP_FIELDS[step] and answers.get(key) != state.answers.get(key):
            for other in later:
                completed.discard(other)
                for name in STEP_FIELDS[other]:
                    answers.pop(name, None)
    if step is StepId.CONTACT and answers.get("contact_how") not in {o.value for o in contact_how_options(answers)}:
        completed.discard(StepId.SAFE_CONTACT)  # the way they chose is no longer one they gave us
        answers.pop("contact_how", None)
    errors = {k: v for k, v in state.pending_errors.items() if k not in STEP_FIELDS[step]}
    return replace(state, answers=answers, completed=frozenset(completed), pending_errors=errors)


def with_pending_errors(state: FlowState, step: StepId, errors: Mapping[str, str]) -> FlowState:
    """A state that sends the reporter back to ``step`` with ``errors`` to show there."""
    return replace(state, completed=state.completed - {step}, pending_errors=dict(errors))


def clear_pending_errors(state: FlowState, step: StepId) -> FlowState:
    return replace(state, pending_errors={
        k: v for k, v in state.pending_errors.items() if k not in STEP_FIELDS[step]})


# --- wording -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Option:
    value: str
    label: str
    hint: str | None = None


FieldKind = Literal["radios", "textarea", "text", "email", "tel", "date", "number"]


@dataclass(frozen=True)
class FieldSpec:
    """One input on a page. ``name`` is the form field and the answer key."""

    name: str
    kind: FieldKind
    label: str
    hint: str | None = None
    options: tuple[Option, ...] = ()
    max_chars: int | None = None
    autocomplete: str | None = None
    spellcheck: bool = True
    width: str | None = None  # a CSS width class for short answers (an age)


@dataclass(frozen=True)
class Page:
    """What a question page says. With one field, its label is the page heading."""

    step: StepId
    title: str
    fields: tuple[FieldSpec, ...]
    lead: tuple[str, ...] = ()
    warning: str | None = None  # shown under a large "Call 999 now", above the question
    button: str = "Continue"


@dataclass(frozen=True)
class Words:
    """The few words that change with who is reporting."""

    me: str    # object: "asked me" / "asked my child"
    i: str     # subject: "I met" / "my child met"
    them: str  # the same person later in the sentence


_WORDS: dict[Audience | None, Words] = {
    Audience.YOUNG_PERSON: Words("me", "I", "me"),
    Audience.PARENT: Words("my child", "my child", "them"),
    Audience.PROFESSIONAL: Words("a child", "a child", "them"),
    Audience.OTHER_ADULT: Words("a child", "a child", "them"),
    None: Words("a child", "a child", "them"),
}
_FRIEND_WORDS = Words("my friend", "my friend", "them")  # a young person telling us about someone else

AUDIENCE_OPTIONS: tuple[Option, ...] = (
    Option(Audience.YOUNG_PERSON, "I'm under 18", "A young person or child"),
    Option(Audience.PARENT, "I'm a parent or carer"),
    Option(Audience.PROFESSIONAL, "I'm a professional", "For example, a teacher, social worker or youth worker"),
    Option(Audience.OTHER_ADULT, "I'm another adult who is worried about a child"),
)

AUDIENCE_SUMMARY: dict[Audience, str] = {
    Audience.YOUNG_PERSON: "Under 18",
    Audience.PARENT: "Parent or carer",
    Audience.PROFESSIONAL: "Professional",
    Audience.OTHER_ADULT: "Another adult",
}


def incident_options(audience: Audience | None, *, about_self: bool = True) -> tuple[Option, ...]:
    """The incident types in the reporter's own words (a child's words for a child)."""
    w = _FRIEND_WORDS if audience is Audience.YOUNG_PERSON and not about_self else _WORDS[audience]
    return (
        Option(IncidentType.IMAGE_REQUEST, f"Someone asked {w.me} to send nude or sexual pictures"),
        Option(IncidentType.SEXTORTION, f"Someone is threatening to share pictures of {w.me}"),
        Option(IncidentType.LIVESTREAMING, f"Someone asked {w.me} to live-stream or do things on camera"),
        Option(IncidentType.MEETING_ARRANGED, f"Someone keeps asking to meet {w.me}"),
        Option(IncidentType.SEXUAL_COMMUNICATION, f"Someone is talking to {w.me} about sex"),
        Option(IncidentType.ONLINE_GROOMING,
               f"Someone {w.i} met online keeps trying to talk to {w.them} in private"),
        Option(IncidentType.OTHER, "Something else"),
    )


def incident_label(value: str, audience: Audience | None, *, about_self: bool = True) -> str:
    return next((o.label for o in incident_options(audience, about_self=about_self) if o.value == value), value)


def page_for(step: StepId, audience: Audience | None, answers: Mapping[str, str] | None = None) -> Page:
    """The wording of one question page for this reporter (some pages depend on earlier answers)."""
    return _PAGE_BUILDERS[step](audience, answers if answers is not None else {})


WHOSE_OPTIONS: tuple[Option, ...] = (
    Option("me", "It happened to me"),
    Option("someone_else", "It happened to someone else", "For example, a friend"),
)

YES_NO: tuple[Option, ...] = (Option("yes", "Yes"), Option("no", "No"))


def page_in_flow(step: StepId, state: FlowState) -> Page:
    """The page as this reporter sees it: where a platform's button filled answers in, it says so."""
    page = page_for(step, state.audience, state.answers)
    if step is StepId.WHERE and state.button is not None:
        note = (f"We filled this in from {state.button.platform}'s Report button. "
                "You can change it if it is not right.")
        page = replace(page, lead=(*page.lead, note))
    return page


def _whose_page(_audience: Audience | None, _answers: Mapping[str, str]) -> Page:
    return Page(StepId.WHOSE, "Did this happen to you?", (
        FieldSpec("happened_to", "radios", "Did this happen to you?",
                  hint="You can tell us about something that happened to you, or to someone you know.",
                  options=WHOSE_OPTIONS),
    ))


def _age_field(label: str, hint: str) -> FieldSpec:
    return FieldSpec("victim_age", "number", label, hint=hint, autocomplete="off", spellcheck=False, width="w3")


def _about_page(audience: Audience | None, answers: Mapping[str, str]) -> Page:
    """The child it happened to: a young person's own age, or a child's first name and age."""
    if reports_about_self({**answers, "audience": audience or ""}):
        return Page(StepId.ABOUT, "How old are you?", (
            _age_field("How old are you?", "This helps us decide how quickly to help. For example, 13."),
        ))
    if audience is Audience.YOUNG_PERSON:
        title, who = "About the person it happened to", "they"
    elif audience is Audience.PARENT:
        title, who = "About your child", "your child"
    else:
        title, who = "About the child", "the child"
    return Page(StepId.ABOUT, title, (
        FieldSpec("victim_name", "text", "Their first name (optional)", max_chars=MAX_NAME_CHARS,
                  autocomplete="off", spellcheck=False),
        _age_field("How old are they?" if audience is Audience.YOUNG_PERSON else f"How old is {who}?",
                   "For example, 13. If you do not know, leave it empty."
                   if audience is not Audience.PARENT else "For example, 13."),
    ), lead=("This helps us find out who needs help and how quickly.",))


def _who_page(_audience: Audience | None, _answers: Mapping[str, str]) -> Page:
    return Page(StepId.WHO, "Who are you?", (
        FieldSpec("audience", "radios", "Who are you?",
                  hint="This helps us ask the right questions.", options=AUDIENCE_OPTIONS),
    ))


def _what_page(audience: Audience | None, answers: Mapping[str, str]) -> Page:
    title = {
        Audience.YOUNG_PERSON: "What happened?",
        Audience.PARENT: "What happened to your child?",
    }.get(audience or Audience.OTHER_ADULT, "What is the worry about?")
    about_self = answers.get("happened_to") != "someone_else"
    return Page(StepId.WHAT, title, (
        FieldSpec("incident", "radios", title,
                  hint="Choose the one that fits best. You can tell us more on the next page.",
                  options=incident_options(audience, about_self=about_self)),
    ))


def _details_page(audience: Audience | None, _answers: Mapping[str, str]) -> Page:
    if audience is Audience.YOUNG_PERSON:
        title = "Tell us what happened"
        hint = ("Use your own words. It helps to tell us who they are, what they said or did, and when. "
                "If you have screenshots, tell us what they show. Do not send us any pictures.")
    else:
        title = "Tell us what happened to your child" if audience is Audience.PARENT else "Tell us what happened"
        hint = ("Tell us as much as you know. It's okay if you do not have all the details. "
                "If you have screenshots, describe what they show. Do not send us any pictures.")
    return Page(StepId.DETAILS, title, (
        FieldSpec("summary", "textarea", title, hint=hint, max_chars=MAX_SUMMARY_CHARS),
    ))


def _where_page(audience: Audience | None, answers: Mapping[str, str]) -> Page:
    if audience is Audience.YOUNG_PERSON:
        person = "your friend" if answers.get("happened_to") == "someone_else" else "you"
    else:
        person = "the child"
    return Page(StepId.WHERE, "Where did it happen?", (
        FieldSpec("platform", "text", "App, game or website (optional)",
                  hint="For example, Snapchat, Instagram, Roblox or a website address.",
                  max_chars=MAX_PLATFORM_CHARS, autocomplete="off", spellcheck=False),
        FieldSpec("username", "text", "Their username or name on it (optional)",
                  hint=f"The name the person who contacted {person} uses there, if you know it.",
                  max_chars=MAX_USERNAME_CHARS, autocomplete="off", spellcheck=False),
    ), lead=("Tell us if you know. If you don't know, leave these empty.",))


def _when_page(_audience: Audience | None, _answers: Mapping[str, str]) -> Page:
    return Page(StepId.WHEN, "When did it happen?", (
        FieldSpec("when", "date", "When did it happen? (optional)",
                  hint="If it happened more than once, tell us the last time. For example, 27 3 2025. "
                       "If you're not sure, leave it empty."),
    ))


def _danger_page(audience: Audience | None, _answers: Mapping[str, str]) -> Page:
    title = {
        Audience.YOUNG_PERSON: "Are you or anyone else in danger right now?",
        Audience.PARENT: "Is your child or anyone else in danger right now?",
    }.get(audience or Audience.OTHER_ADULT, "Is a child or anyone else in danger right now?")
    hint = ("For example, someone is on their way to meet "
            + ("you" if audience is Audience.YOUNG_PERSON else "a child")
            + ", or has said they will hurt someone.")
    return Page(StepId.DANGER, title, (
        FieldSpec("danger", "radios", title, hint=hint,
                  options=(Option("yes", "Yes"), Option("no", "No"))),
    ))


def _danger_now_page(audience: Audience | None, _answers: Mapping[str, str]) -> Page:
    extra = " Tell an adult you trust." if audience is Audience.YOUNG_PERSON else ""
    return Page(StepId.DANGER_NOW, "What is happening right now?", (
        FieldSpec("danger_details", "textarea", "What is happening right now?",
                  hint="Tell us who is in danger and where they are, if you know.",
                  max_chars=MAX_DANGER_CHARS),
    ), warning="If you call from a mobile and cannot speak, press 55 when you are asked." + extra)


def _contact_page(audience: Audience | None, _answers: Mapping[str, str]) -> Page:
    young = audience is Audience.YOUNG_PERSON
    return Page(StepId.CONTACT, "How can we contact you?", (
        FieldSpec("name", "text", "Your name (optional)",
                  hint="Your first name is fine." if young else None,
                  max_chars=MAX_NAME_CHARS, autocomplete="name", spellcheck=False),
        FieldSpec("email", "email", "Email address", max_chars=MAX_EMAIL_CHARS,
                  autocomplete="email", spellcheck=False),
        FieldSpec("phone", "tel", "Phone number", hint="For example, 07700 900982.",
                  max_chars=MAX_PHONE_CHARS, autocomplete="tel", spellcheck=False),
        FieldSpec("postcode", "text", "Your postcode (optional)",
                  hint="If the police near you need to help, this tells us which police to ask. "
                       "It does not change how quickly we look at your report.",
                  max_chars=MAX_POSTCODE_CHARS, autocomplete="postal-code", spellcheck=False, width="w10"),
    ), lead=(
        "We cannot take a report without a way to contact you. "
        "Give us an email address, a phone number, or both.",
        "A Child Protection Advisor will only use these to talk to you about this report.",
    ))


CONTACT_HOW_LABELS: dict[str, str] = {"phone": "Phone call", "text": "Text message", "email": "Email"}


def contact_how_options(answers: Mapping[str, str]) -> tuple[Option, ...]:
    """The ways to contact them that they gave us: a phone allows a call or a text."""
    ways = (["phone", "text"] if answers.get("phone") else []) + (["email"] if answers.get("email") else [])
    return tuple(Option(w, CONTACT_HOW_LABELS[w]) for w in ways or CONTACT_HOW_LABELS)


def _safe_contact_page(audience: Audience | None, answers: Mapping[str, str]) -> Page:
    young = audience is Audience.YOUNG_PERSON
    return Page(StepId.SAFE_CONTACT, "Contacting you safely", (
        FieldSpec("contact_how", "radios", "What is the safest way to contact you?",
                  options=contact_how_options(answers)),
        FieldSpec("contact_when", "text", "When is it safe to contact you? (optional)",
                  hint=("For example, after school, or not when I am at home." if young
                        else "For example, weekdays after 6pm, or not at work."),
                  max_chars=MAX_CONTACT_WHEN_CHARS, autocomplete="off"),
        FieldSpec("leave_message", "radios", "Can we leave a message?",
                  hint="For example, a voicemail, or a text or email that someone else might see.",
                  options=YES_NO),
    ), lead=("Tell us how to reach you so that only you get our message.",))


_PAGE_BUILDERS = {
    StepId.WHO: _who_page,
    StepId.WHOSE: _whose_page,
    StepId.ABOUT: _about_page,
    StepId.WHAT: _what_page,
    StepId.DETAILS: _details_page,
    StepId.WHERE: _where_page,
    StepId.WHEN: _when_page,
    StepId.DANGER: _danger_page,
    StepId.DANGER_NOW: _danger_now_page,
    StepId.CONTACT: _contact_page,
    StepId.SAFE_CONTACT: _safe_contact_page,
}


# --- validation --------------------------------------------------------------------------

@dataclass(frozen=True)
class StepOutcome:
    """The cleaned values of one page, or the errors to show (field name → message)."""

    values: dict[str, str]
    errors: dict[str, str]

    @property
    def ok(self) -> bool:
        return not self.errors


_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def clean_text(raw: str | None, *, multiline: bool = False) -> str:
    """Normalise what was typed: one newline style, no control characters, trimmed.

    Line breaks count as one character, as the on-page counter shows them.
    """
    text = unicodedata.normalize("NFC", (raw or "").replace("\r\n", "\n").replace("\r", "\n"))
    if not multiline:
        text = text.replace("\n", " ").replace("\t", " ")
    return _CONTROL_CHARS.sub("", text).strip()


def validate_step(
    step: StepId, form: Mapping[str, str], *, today: date, region: str = "GB",
    answers: Mapping[str, str] | None = None,
) -> StepOutcome:
    """Check one page's answers. Every value comes back, valid or not, so it can be shown again.

    ``answers`` are those already saved: some pages depend on them (a young person's own age
    is required; the ways to contact someone are the ones they gave).
    """
    return _VALIDATORS[step](form, today, region, answers or {})


def _choice(form: Mapping[str, str], name: str, allowed: tuple[Option, ...], message: str) -> StepOutcome:
    value = clean_text(form.get(name))
    if value not in {o.value for o in allowed}:
        return StepOutcome({name: ""}, {name: message})
    return StepOutcome({name: value}, {})


def _too_long(text: str, limit: int, what: str) -> str | None:
    if len(text) <= limit:
        return None
    return f"{what} is {len(text):,} characters. Make it {limit:,} characters or fewer."


def _validate_who(form: Mapping[str, str], _today: date, _region: str, _answers: Mapping[str, str]) -> StepOutcome:
    return _choice(form, "audience", AUDIENCE_OPTIONS, "Choose who you are")


def _validate_whose(form: Mapping[str, str], _today: date, _region: str, _answers: Mapping[str, str]) -> StepOutcome:
    return _choice(form, "happened_to", WHOSE_OPTIONS, "Choose if it happened to you or to someone else")


def parse_age(text: str) -> int | None:
    """A child's age in whole years from what was typed ("13", "13 years"), or None."""
    match = re.fullmatch(r"(\d{1,3})(?:\s*(?:years?(?:\s+old)?|yrs?))?", text.strip().lower())
    return int(match.group(1)) if match else None


def _validate_about(form: Mapping[str, str], _today: date, _region: str, answers: Mapping[str, str]) -> StepOutcome:
    self_report = reports_about_self(answers)
    values = {"victim_age": clean_text(form.get("victim_age"))}
    if not self_report:
        values["victim_name"] = clean_text(form.get("victim_name"))
    errors: dict[str, str] = {}
    if problem := _too_long(values.get("victim_name", ""), MAX_NAME_CHARS, "Their name"):
        errors["victim_name"] = problem
    you = "your" if self_report else "their"
    typed = values["victim_age"]
    if not typed:
        if self_report or audience_of(answers) is Audience.PARENT:
            errors["victim_age"] = f"Enter {you} age, like 13"
    else:
        age = parse_age(typed)
        if age is None:
            errors["victim_age"] = f"Enter {you} age as a number, like 13"
        elif age > MAX_CHILD_AGE:
            errors["victim_age"] = (f"Enter {you} age, like 13. This form is for people under 18" if self_report
                                    else "Enter an age under 18. This form is for children and young people")
        else:
            values["victim_age"] = str(age)
    return StepOutcome(values, errors)


def _validate_what(form: Mapping[str, str], _today: date, _region: str, _answers: Mapping[str, str]) -> StepOutcome:
    return _choice(form, "incident", incident_options(None),
                   "Choose what happened. If you are not sure, choose 'Something else'")


def _validate_details(form: Mapping[str, str], _today: date, _region: str, _answers: Mapping[str, str]) -> StepOutcome:
    summary = clean_text(form.get("summary"), multiline=True)
    error = "Write what happened in the box" if not summary else _too_long(summary, MAX_SUMMARY_CHARS, "What you wrote")
    return StepOutcome({"summary": summary}, {"summary": error} if error else {})


def _validate_where(form: Mapping[str, str], _today: date, _region: str, _answers: Mapping[str, str]) -> StepOutcome:
    values = {"platform": clean_text(form.get("platform")), "username": clean_text(form.get("username"))}
    errors: dict[str, str] = {}
    for name, limit, what in (("platform", MAX_PLATFORM_CHARS, "The app, game or website"),
                              ("username", MAX_USERNAME_CHARS, "The username or name")):
        problem = _too_long(values[name], limit, what)
        if problem:
            errors[name] = problem
    return StepOutcome(values, errors)


def parse_date_parts(day: str, month: str, year: str) -> date | None:
    """The date from the three boxes, or None if they do not make a real date."""
    if not (day.isdigit() and month.isdigit() and year.isdigit()) or len(year) != 4:
        return None
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def _validate_when(form: Mapping[str, str], today: date, _region: str, _answers: Mapping[str, str]) -> StepOutcome:
    parts = {k: clean_text(form.get(k)).replace(" ", "") for k in ("when_day", "when_month", "when_year")}
    if not any(parts.values()):
        return StepOutcome(parts, {})
    when = parse_date_parts(parts["when_day"], parts["when_month"], parts["when_year"])
    if when is None:
        return StepOutcome(parts, {"when": "Enter a real date, like 27 3 2025, or leave all the boxes empty"})
    if when > today:
        return StepOutcome(parts, {"when": "The date must be today or in the past"})
    if when.year < EARLIEST_YEAR:
        return StepOutcome(parts, {"when": f"Enter a year after {EARLIEST_YEAR}"})
    return StepOutcome(parts, {})


def _validate_danger(form: Mapping[str, str], _today: date, _region: str, _answers: Mapping[str, str]) -> StepOutcome:
    return _choice(form, "danger", (Option("yes", "Yes"), Option("no", "No")),
                   "Choose yes if anyone is in danger right now, or no if not")


def _validate_danger_now(form: Mapping[str, str], _today: date, _region: str,
                         _answers: Mapping[str, str]) -> StepOutcome:
    text = clean_text(form.get("danger_details"), multiline=True)
    error = ("Tell us what is happening right now" if not text
             else _too_long(text, MAX_DANGER_CHARS, "What you wrote"))
    return StepOutcome({"danger_details": text}, {"danger_details": error} if error else {})


def _validate_contact(form: Mapping[str, str], _today: date, region: str, _answers: Mapping[str, str]) -> StepOutcome:
    values = {"name": clean_text(form.get("name")), "email": clean_text(form.get("email")),
              "phone": clean_text(form.get("phone")), "postcode": clean_text(form.get("postcode")).upper()}
    errors: dict[str, str] = {}
    if values["postcode"] and normalise_postcode(values["postcode"]) is None:
        errors["postcode"] = "Enter a UK postcode, like SW1A 1AA, or leave it empty"
    if problem := _too_long(values["name"], MAX_NAME_CHARS, "Your name"):
        errors["name"] = problem
    if values["email"] and not is_email_address(values["email"]):
        errors["email"] = "Enter an email address in the right format, like name@example.com"
    if values["phone"] and not is_phone_number(values["phone"], region):
        errors["phone"] = "Enter a phone number, like 07700 900982"
    if not values["email"] and not values["phone"]:
        errors["email"] = "Enter an email address or a phone number, so we can contact you"
    return StepOutcome(values, errors)


def _validate_safe_contact(form: Mapping[str, str], _today: date, _region: str,
                           answers: Mapping[str, str]) -> StepOutcome:
    how = _choice(form, "contact_how", contact_how_options(answers), "Choose the safest way to contact you")
    message = _choice(form, "leave_message", YES_NO, "Choose yes if we can leave a message, or no if not")
    when = clean_text(form.get("contact_when"))
    errors = {**how.errors, **message.errors}
    if problem := _too_long(when, MAX_CONTACT_WHEN_CHARS, "What you wrote"):
        errors["contact_when"] = problem
    return StepOutcome({**how.values, "contact_when": when, **message.values}, errors)


def is_email_address(value: str) -> bool:
    """Valid for the intake normaliser, with a dot in the domain (so we can really reply)."""
    if len(value) > MAX_EMAIL_CHARS:
        return False
    try:
        normalised = normalise_email(value)
    except IdentifierError:
        return False
    return "." in normalised.rpartition("@")[2].strip(".")


def is_phone_number(value: str, region: str) -> bool:
    if len(value) > MAX_PHONE_CHARS:
        return False
    try:
        normalise_phone(value, region)
    except IdentifierError:
        return False
    return True


_VALIDATORS = {
    StepId.WHO: _validate_who,
    StepId.WHOSE: _validate_whose,
    StepId.ABOUT: _validate_about,
    StepId.WHAT: _validate_what,
    StepId.DETAILS: _validate_details,
    StepId.WHERE: _validate_where,
    StepId.WHEN: _validate_when,
    StepId.DANGER: _validate_danger,
    StepId.DANGER_NOW: _validate_danger_now,
    StepId.CONTACT: _validate_contact,
    StepId.SAFE_CONTACT: _validate_safe_contact,
}


# --- check answers -----------------------------------------------------------------------

@dataclass(frozen=True)
class SummaryRow:
    """One row of the check-answers page, with the step its "Change" link opens."""

    label: str
    value: str
    step: StepId
    change_text: str  # finishes "Change …" for screen-reader users


def incident_date(answers: Mapping[str, str]) -> date | None:
    return parse_date_parts(answers.get("when_day", ""), answers.get("when_month", ""),
                            answers.get("when_year", ""))


def summary_rows(state: FlowState) -> list[SummaryRow]:
    """The answers in plain words, for the reporter to check before sending."""
    a, audience = state.answers, state.audience
    when = incident_date(a)
    rows = [
        SummaryRow("Who you are", AUDIENCE_SUMMARY.get(audience, "") if audience else "", StepId.WHO,
                   "who you are"),
    ]
    if audience is Audience.YOUNG_PERSON:
        rows.append(SummaryRow("Who it happened to", "Me" if state.about_self else "Someone else", StepId.WHOSE,
                               "who it happened to"))
    if state.about_self:
        rows.append(SummaryRow("Your age", a.get("victim_age", ""), StepId.ABOUT, "your age"))
    else:
        rows += [
            SummaryRow("Their first name", a.get("victim_name") or "Not given", StepId.ABOUT, "their first name"),
            SummaryRow("Their age", a.get("victim_age") or "Not given", StepId.ABOUT, "their age"),
        ]
    rows += [
        SummaryRow("What happened", incident_label(a.get("incident", ""), audience, about_self=state.about_self
                                                   or audience is not Audience.YOUNG_PERSON),
                   StepId.WHAT, "what happened"),
        SummaryRow("In your words", a.get("summary", ""), StepId.DETAILS, "what you told us"),
        SummaryRow("App, game or website", a.get("platform") or "Not given", StepId.WHERE,
                   "the app, game or website"),
        SummaryRow("Their username or name", a.get("username") or "Not given", StepId.WHERE,
                   "their username or name"),
        SummaryRow("When it happened", f"{when.day} {when:%B %Y}" if when else "Not given", StepId.WHEN,
                   "when it happened"),
        SummaryRow("Anyone in danger right now", "Yes" if a.get("danger") == "yes" else "No",
                   StepId.DANGER, "if anyone is in danger"),
    ]
    if a.get("danger") == "yes":
        rows.append(SummaryRow("What is happening now", a.get("danger_details", ""), StepId.DANGER_NOW,
                               "what is happening now"))
    rows += [
        SummaryRow("Your name", a.get("name") or "Not given", StepId.CONTACT, "your name"),
        SummaryRow("Email address", a.get("email") or "Not given", StepId.CONTACT, "your email address"),
        SummaryRow("Phone number", a.get("phone") or "Not given", StepId.CONTACT, "your phone number"),
        SummaryRow("Postcode", a.get("postcode") or "Not given", StepId.CONTACT, "your postcode"),
        SummaryRow("Safest way to contact you", CONTACT_HOW_LABELS.get(a.get("contact_how", ""), ""),
                   StepId.SAFE_CONTACT, "the safest way to contact you"),
        SummaryRow("When it is safe", a.get("contact_when") or "Any time", StepId.SAFE_CONTACT,
                   "when it is safe to contact you"),
        SummaryRow("Can we leave a message", "Yes" if a.get("leave_message") == "yes" else "No",
                   StepId.SAFE_CONTACT, "if we can leave a message"),
    ]
    return rows


# --- building the intake report ----------------------------------------------------------

def build_report_draft(state: FlowState, platforms: Iterable[str] = ()) -> ReportDraft:
    """The intake draft for these answers (``prepare`` validates it again on submit).

    The typed platform is kept in the clear only when it names a platform we list (or one of
    ``platforms``, the platform organisations); otherwise only encrypted, in the source data.
    """
    listed = listed_platform(state.answers.get("platform"), platforms)
    a = {**state.answers, "platform": listed or ""}
    unlisted = None if listed else (state.answers.get("platform") or None)
    audience = state.audience
    when = incident_date(a)
    return ReportDraft(
        source=SOURCE_FOR_AUDIENCE[audience].value if audience else a.get("audience", ""),
        incident_type=a.get("incident", ""),
        summary=a.get("summary", ""),
        channel=Channel.PUBLIC_FORM,
        incident_at=datetime(when.year, when.month, when.day, tzinfo=UTC) if when else None,
        platform=a.get("platform") or None,
        escalation=(a.get("danger_details") or None) if a.get("danger") == "yes" else None,
        reporter=Reporter(name=a.get("name") or None, email=a.get("email") or None,
                          phone=a.get("phone") or None),
        subjects=_suspects(a, unlisted) + _victims(a),
        source_data=_source_data(a) | ({"platform_as_typed": unlisted} if unlisted else {}),
        entry_route=EntryRoute.BUTTON if state.button else EntryRoute.WEB_FORM,
        entry_org_id=state.button.org_id if state.button else None,
    )


def _victims(answers: Mapping[str, str]) -> tuple[SubjectDraft, ...]:
    """The child it happened to, when we know their name or age.

    A young person reporting about themself is the victim: their own name and age. Triage
    reads the victim's age (a child aged 12 or under) and whether the child is identifiable
    (named or aged), so these facts must reach the stored report as a victim subject.
    """
    age = parse_age(answers.get("victim_age", ""))
    name = answers.get("name") if reports_about_self(answers) else answers.get("victim_name")
    if age is None and not name:
        return ()
    return (SubjectDraft(role=SubjectRole.VICTIM.value, name=name or None, age=age),)


def _source_data(answers: Mapping[str, str]) -> dict[str, Any]:
    """What the form records beyond intake's fields: whether the reporter is the child, and
    how to contact them safely (kept encrypted with the report's source data)."""
    data: dict[str, Any] = {"reporter_is_victim": reports_about_self(answers)}
    if answers.get("postcode"):
        data["postcode"] = answers["postcode"]  # for routing to a force; triage never reads it
    if answers.get("contact_how"):
        data["safe_contact"] = {
            "how": answers["contact_how"],
            "when": answers.get("contact_when") or None,
            "leave_message": answers.get("leave_message") == "yes",
        }
    return data


def _suspects(answers: Mapping[str, str], unlisted_platform: str | None = None) -> tuple[SubjectDraft, ...]:
    """The person they told us about: a username keyed by a listed platform, else a description
    (encrypted, as the typed platform is: a username on an app we cannot name links nothing)."""
    username, platform = answers.get("username"), answers.get("platform")
    if not username:
        return ()
    if platform:
        identifier = IdentifierDraft(type="username", value=username, platform=platform)
        return (SubjectDraft(role=SubjectRole.SUSPECT.value, identifiers=(identifier,)),)
    where = f"on “{unlisted_platform}”, an app we do not list" if unlisted_platform else "(no app named)"
    return (SubjectDraft(role=SubjectRole.SUSPECT.value,
                         description=f"Username or name given by the reporter {where}: {username}"),)


# Where each kind of intake problem is answered, and what to tell the reporter.
_PROBLEM_FIELDS: dict[tuple[str | int, ...], tuple[StepId, str, str]] = {
    ("source",): (StepId.WHO, "audience", "Choose who you are"),
    ("incident_type",): (StepId.WHAT, "incident", "Choose what happened"),
    ("summary",): (StepId.DETAILS, "summary", "Check what you wrote about what happened"),
    ("escalation",): (StepId.DANGER_NOW, "danger_details", "Check what you wrote about what is happening now"),
    ("platform",): (StepId.WHERE, "platform", "Check the app, game or website"),
    ("subjects",): (StepId.WHERE, "username", "Check the username or name"),
    ("reporter", "name"): (StepId.CONTACT, "name", "Check your name"),
    ("reporter", "email"): (StepId.CONTACT, "email",
                            "Enter an email address in the right format, like name@example.com"),
    ("reporter", "phone"): (StepId.CONTACT, "phone", "Enter a phone number, like 07700 900982"),
}


def locate_problem(problem: Problem) -> tuple[StepId, str, str]:
    """The step, field and plain-words message for a problem found when the report was stored."""
    if problem.loc[:1] == ("subjects",) and problem.loc[2:3] == ("age",):  # only the victim has an age
        return StepId.ABOUT, "victim_age", "Check the age you gave"
    if problem.loc[:1] == ("subjects",) and problem.loc[2:3] == ("name",):  # or a name
        return StepId.ABOUT, "victim_name", "Check their first name"
    for length in (2, 1):
        found = _PROBLEM_FIELDS.get(tuple(problem.loc[:length]))
        if found:
            return found
    return StepId.DETAILS, "summary", "Something in your answers needs checking"


def first_problem_step(problems: list[Problem]) -> tuple[StepId, dict[str, str]]:
    """The earliest step with a problem, and the messages for its fields."""
    located = [locate_problem(p) for p in problems] or [locate_problem(Problem((), ""))]
    step = min((s for s, _, _ in located), key=STEP_ORDER.index)
    return step, {name: message for s, name, message in located if s is step}
