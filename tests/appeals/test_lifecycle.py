"""The appeal rules on their own: two approvals by two people neither the author, the public
allow-list, the review clock, references and passphrases."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jigsaw.appeals import lifecycle as rules
from jigsaw.appeals.lifecycle import AppealRefused, AppealStatus

AUTHOR = 1


@given(st.lists(st.integers(min_value=1, max_value=5), max_size=8))
def test_publication_needs_two_distinct_approvers_who_are_not_the_author(attempts: list[int]) -> None:
    """Replay any sequence of approval attempts; the reference: publish on the 2nd distinct non-author."""
    approvers: list[int] = []
    published_at: int | None = None
    for i, who in enumerate(attempts):
        if published_at is not None:
            with pytest.raises(AppealRefused):
                rules.check_approval(AppealStatus.PUBLISHED, AUTHOR, who, approvers)
            continue
        if who == AUTHOR or who in approvers:
            with pytest.raises(AppealRefused):
                rules.check_approval(AppealStatus.AWAITING_APPROVAL, AUTHOR, who, approvers)
            continue
        publishes = rules.check_approval(AppealStatus.AWAITING_APPROVAL, AUTHOR, who, approvers)
        approvers.append(who)
        assert publishes == (len(approvers) == 2)
        if publishes:
            published_at = i
    distinct = []
    for who in attempts:
        if who != AUTHOR and who not in distinct:
            distinct.append(who)
    assert (published_at is not None) == (len(distinct) >= 2)


def test_one_approval_never_publishes() -> None:
    assert rules.check_approval(AppealStatus.AWAITING_APPROVAL, AUTHOR, 2, []) is False
    with pytest.raises(AppealRefused, match="author"):
        rules.check_approval(AppealStatus.AWAITING_APPROVAL, AUTHOR, AUTHOR, [2])
    with pytest.raises(AppealRefused, match="second person"):
        rules.check_approval(AppealStatus.AWAITING_APPROVAL, AUTHOR, 2, [2])
    with pytest.raises(AppealRefused, match="not awaiting"):
        rules.check_approval(AppealStatus.DRAFT, AUTHOR, 2, [])


def test_public_fields_are_an_allow_list() -> None:
    fields, problems = rules.public_fields({"name": "A Person", "age": "40", "conviction": "x", "victims": "y"})
    assert "public" in problems and "conviction" in problems["public"] and "victims" in problems["public"]
    assert set(fields.as_dict()) == set(rules.PUBLIC_FIELDS)
    _, problems = rules.public_fields({"name": "A Person", "description": "Convicted in 2019 of offences"})
    assert "description" in problems
    _, problems = rules.public_fields({"name": "A Person", "caution": "Known to approach a child near schools"})
    assert "caution" in problems
    _, problems = rules.public_fields({"name": "A Person", "age": 16})
    assert "adult" in problems["age"]
    fields, problems = rules.public_fields({"name": "  A   Person ", "aliases": "Al, , Bo", "age": 40})
    assert problems == {} and fields.name == "A Person" and fields.aliases == ("Al", "Bo")


def test_justification_needs_every_part_and_each_risk() -> None:
    _, problems = rules.justification({})
    assert {"legal_basis", "necessity", "proportionality", "risk_family", "risk_vigilante",
            "risk_rehabilitation"} <= set(problems)
    risks = {r: {"level": "high" if r == "vigilante" else "low", "assessment": "assessed"} for r in rules.RISKS}
    _, problems = rules.justification({"legal_basis": "x", "necessity": "y", "proportionality": "z", "risks": risks})
    assert "proportionality" in problems  # a high risk must be weighed in the proportionality text
    _, problems = rules.justification({"legal_basis": "x", "necessity": "y",
                                       "proportionality": "the vigilante risk is outweighed", "risks": risks})
    assert problems == {}


def test_review_clock_flags_then_lapses() -> None:
    review_by = date(2026, 12, 1)
    at = lambda d, h=12: datetime(d.year, d.month, d.day, h, tzinfo=UTC)  # noqa: E731
    assert rules.review_state(review_by, at(review_by)) is rules.ReviewState.IN_DATE
    assert rules.review_state(review_by, at(review_by + timedelta(days=1))) is rules.ReviewState.OVERDUE
    assert rules.review_state(review_by, at(review_by + timedelta(days=4), 1)) is rules.ReviewState.LAPSED
    assert rules.default_review_by(review_by) == review_by + timedelta(days=28)
    with pytest.raises(AppealRefused):
        rules.check_review_by(review_by + timedelta(days=29), review_by)
    with pytest.raises(AppealRefused):
        rules.check_review_by(review_by, review_by)


def test_ending_rules() -> None:
    with pytest.raises(AppealRefused):
        rules.check_end(AppealStatus.DRAFT, AppealStatus.LOCATED)
    with pytest.raises(AppealRefused):
        rules.check_end(AppealStatus.LOCATED, AppealStatus.WITHDRAWN)
    rules.check_end(AppealStatus.PUBLISHED, AppealStatus.LOCATED)
    rules.check_end(AppealStatus.DRAFT, AppealStatus.WITHDRAWN)


def test_passphrases_read_back_whatever_the_spacing() -> None:
    import secrets

    phrase = rules.make_passphrase(secrets.randbelow)
    assert len(phrase) == 17 and phrase.count("-") == 2
    assert rules.normalise_passphrase(phrase.lower().replace("-", " ")) == phrase
    slug = rules.make_slug(secrets.randbelow)
    assert len(slug) == 8 and slug.isalnum()
