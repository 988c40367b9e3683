"""The pure rules: status moves, close reasons, and what each actions-log entry must say."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from jigsaw.casework.entries import EntryInvalid, preservation_state, validate_comms_update, validate_entry
from jigsaw.casework.lifecycle import (
    REFERENCE_ALPHABET,
    CaseStatus,
    CloseReason,
    TransitionRefused,
    check_close,
    check_move,
    check_reopen,
    make_reference,
)


@pytest.mark.parametrize(("current", "target"), [
    (CaseStatus.NEW, CaseStatus.IN_PROGRESS), (CaseStatus.IN_PROGRESS, CaseStatus.AWAITING_INFORMATION),
    (CaseStatus.AWAITING_INFORMATION, CaseStatus.IN_PROGRESS),
    (CaseStatus.IN_PROGRESS, CaseStatus.READY_FOR_DISSEMINATION),
    (CaseStatus.READY_FOR_DISSEMINATION, CaseStatus.DISSEMINATED), (CaseStatus.DISSEMINATED, CaseStatus.IN_PROGRESS),
])
def test_allowed_moves(current: CaseStatus, target: CaseStatus) -> None:
    check_move(current, target)


@pytest.mark.parametrize(("current", "target", "message"), [
    (CaseStatus.IN_PROGRESS, CaseStatus.CLOSED, "use close"),
    (CaseStatus.CLOSED, CaseStatus.IN_PROGRESS, "reopened first"),
    (CaseStatus.NEW, CaseStatus.DISSEMINATED, "cannot move"),
    (CaseStatus.IN_PROGRESS, CaseStatus.NEW, "cannot move"),
    (CaseStatus.DISSEMINATED, CaseStatus.READY_FOR_DISSEMINATION, "cannot move"),
])
def test_refused_moves(current: CaseStatus, target: CaseStatus, message: str) -> None:
    with pytest.raises(TransitionRefused, match=message):
        check_move(current, target)


def test_close_reasons_need_what_they_need() -> None:
    assert check_close(CaseStatus.IN_PROGRESS, CloseReason.NOT_IN_REMIT, "", "") == {}
    assert check_close(CaseStatus.IN_PROGRESS, CloseReason.NO_FURTHER_ACTION, "  ", "") == {
        "explanation": "no further action needs an explanation"}
    assert "duplicate_of" in check_close(CaseStatus.NEW, CloseReason.DUPLICATE, "", "")
    assert "status" in check_close(CaseStatus.CLOSED, CloseReason.DISSEMINATED, "", "")
    check_reopen(CaseStatus.CLOSED)
    with pytest.raises(TransitionRefused):
        check_reopen(CaseStatus.IN_PROGRESS)


def test_references_are_case_dash_four_dash_four_from_an_unambiguous_alphabet() -> None:
    ref = make_reference(lambda n: 0)
    assert ref == "CASE-AAAA-AAAA"
    assert "0" not in REFERENCE_ALPHABET and "O" not in REFERENCE_ALPHABET and "I" not in REFERENCE_ALPHABET


def test_comms_data_request_needs_every_statutory_field() -> None:
    with pytest.raises(EntryInvalid) as caught:
        validate_entry("comms_data_request", None, {"reference": "CD-1", "purpose": "Prevent harm to a child"})
    assert set(caught.value.problems) == {"necessity", "proportionality", "identifier", "seen_at"}
    valid = validate_entry("comms_data_request", None, {
        "reference": "CD-1", "purpose": "s.60A(7)(b)", "necessity": "Only the ISP can say who held the address",
        "proportionality": "One address, one time", "identifier": "2001:db8::1 port 51234",
        "seen_at": "2026-11-20T21:00:00"})
    assert valid.status == "drafted" and valid.details["seen_at"] == "2026-11-20T21:00:00+00:00"
    with pytest.raises(EntryInvalid) as bad_time:
        validate_entry("comms_data_request", None, {"reference": "x", "purpose": "x", "necessity": "x",
                                                    "proportionality": "x", "identifier": "x", "seen_at": "last night"})
    assert set(bad_time.value.problems) == {"seen_at"}


def test_comms_data_request_moves_and_result_only_once_approved() -> None:
    assert validate_comms_update("drafted", "submitted", None)[0] == "submitted"
    assert validate_comms_update("submitted", "approved", "1 High St, Leeds LS1 1AA") == (
        "approved", "1 High St, Leeds LS1 1AA")
    with pytest.raises(EntryInvalid, match="result"):
        validate_comms_update("drafted", "submitted", "1 High St")
    with pytest.raises(EntryInvalid, match="cannot become"):
        validate_comms_update("refused", "submitted", None)


def test_other_kinds() -> None:
    with pytest.raises(EntryInvalid) as caught:
        validate_entry("preservation_request", None, {"platform": "PixelPlay"})
    assert set(caught.value.problems) == {"what", "expires_on"}
    kept = validate_entry("preservation_request", "", {"platform": "PixelPlay", "what": "Account u-99812",
                                                      "expires_on": "2027-01-31"})
    assert kept.expires_at == datetime(2027, 1, 31, 23, 59, 59, tzinfo=UTC)
    with pytest.raises(EntryInvalid, match="system"):
        validate_entry("enquiry", "Checked PNC", {"system": "gossip"})
    with pytest.raises(EntryInvalid, match="text"):
        validate_entry("note", "   ", {})
    with pytest.raises(EntryInvalid, match="kind"):
        validate_entry("status_change", "x", {})  # written by the service, never by a person


def test_preservation_warning_window() -> None:
    now = datetime(2026, 12, 1, tzinfo=UTC)
    assert preservation_state(now - timedelta(seconds=1), now) == "lapsed"
    assert preservation_state(now + timedelta(days=6), now) == "expiring"
    assert preservation_state(now + timedelta(days=8), now) is None
