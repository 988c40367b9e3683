"""The search box's readings of a text (pure), and that they are intake's own canonical forms."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from jigsaw.identifiers import IdentifierType
from jigsaw.intake.domain import IdentifierDraft, ReportDraft, SubjectDraft
from jigsaw.intake.models import IdentifierRecord, Observation
from jigsaw.intake.service import identifier_blind_index, submit_report
from jigsaw.platform import Platform
from jigsaw.search.query import ReferenceKind, SearchError, candidates, check_purpose
from tests.factories import ACTOR, session_of


def kinds(text: str, **kw: str) -> set[str]:
    return {i.type.value for i in candidates(text, **kw).identifiers}


def test_email_is_read_as_email_case_folded() -> None:
    found = candidates("  ShadowFox@Mail.PixelPlay.test ")
    emails = [i for i in found.identifiers if i.type is IdentifierType.EMAIL]
    assert [e.value for e in emails] == ["shadowfox@mail.pixelplay.test"]
    assert IdentifierType.PHONE.value not in found.types


def test_digits_are_phone_imei_and_cybertip() -> None:
    assert {"phone", "payment_id"} <= set(candidates("07700900456").types)
    found = candidates("490154203237518")
    assert {"imei", "payment_id"} <= set(found.types) and "phone" not in found.types  # 15 digits: no GB number
    tip = candidates("123456789")
    assert [r.value for r in tip.references if r.kind is ReferenceKind.CYBERTIP] == ["cybertip:123456789"]
    imei = next(i for i in found.identifiers if i.type is IdentifierType.IMEI)
    assert imei.value == "490154203237518"


def test_phone_national_and_international_are_one_number() -> None:
    national = next(i for i in candidates("07700 900456").identifiers if i.type is IdentifierType.PHONE)
    international = next(i for i in candidates("+44 7700 900456").identifiers if i.type is IdentifierType.PHONE)
    assert national == international and national.value == "+447700900456"
    # The default region decides what a national number means.
    us = next(i for i in candidates("(202) 555-0142", default_region="US").identifiers
              if i.type is IdentifierType.PHONE)
    assert us.value == "+12025550142"


def test_dotted_quad_is_an_ip_not_a_phone() -> None:
    assert kinds("192.0.2.44") == {"ip"}
    assert kinds("2001:0db8::0001") == {"ip"}


def test_postcode_and_address() -> None:
    assert "postal_address" in kinds("SW1A 1AA")
    address = next(i for i in candidates("1 High  Street, Exampleton").identifiers
                   if i.type is IdentifierType.POSTAL_ADDRESS)
    assert address.value == "1 high street, exampleton"


def test_usernames_need_a_platform() -> None:
    without = candidates("@ShadowFox")
    assert "username" not in without.types and without.hints
    withp = candidates("@ShadowFox", platform=" PixelPlay ")
    user = next(i for i in withp.identifiers if i.type is IdentifierType.USERNAME)
    assert (user.value, user.platform) == ("shadowfox", "pixelplay")
    assert "esp_user_id" in withp.types


def test_references_are_recognised_in_any_case() -> None:
    assert candidates("jig-7k2m-9qxd").references[0].value == "JIG-7K2M-9QXD"
    assert candidates("jig-7k2m-9qxd").identifiers == ()
    assert candidates("Case-AB12-CD34").references[0].kind is ReferenceKind.CASE


def test_a_given_type_is_the_only_reading_and_says_what_is_wrong() -> None:
    assert kinds("07700 900456", type_="phone") == {"phone"}
    with pytest.raises(SearchError, match="not an email"):
        candidates("07700 900456", type_="email")
    with pytest.raises(SearchError, match="needs the platform"):
        candidates("shadowfox", type_="username")
    with pytest.raises(SearchError, match="unknown search type"):
        candidates("x", type_="shoe_size")
    with pytest.raises(SearchError, match="JIG-XXXX-XXXX"):
        candidates("12345", type_="report")


def test_wallets() -> None:
    assert "crypto_wallet" in kinds("0xAbCdEf0123456789aBcDeF0123456789AbCdEf01")


@pytest.mark.parametrize("purpose", [None, "", "  ", "ab", "x" * 201])
def test_purpose_is_required(purpose: str | None) -> None:
    with pytest.raises(SearchError):
        check_purpose(purpose)


def test_purpose_is_trimmed() -> None:
    assert check_purpose("  CASE-AB12-CD34   follow up ") == "CASE-AB12-CD34 follow up"


def _stored_blind(platform: Platform, type_: str, value: str) -> str | None:
    """Store a report naming ``value`` through intake, read back the blind index it stored, roll back."""
    draft = ReportDraft(source="platform", incident_type="grooming", summary="Property test report.",
                        subjects=(SubjectDraft(role="suspect", identifiers=(IdentifierDraft(type_, value),)),))
    with session_of(platform) as session:
        try:
            report = submit_report(session, draft, ACTOR)
        except ValueError:
            return None  # intake refuses it; the search need not find it
        blind = session.scalar(select(IdentifierRecord.blind_index)
                               .join(Observation, Observation.identifier_id == IdentifierRecord.id)
                               .where(Observation.report_id == report.id))
        session.rollback()
        return blind


def _candidate_blinds(platform: Platform, text: str) -> set[str]:
    with session_of(platform) as session:
        return {identifier_blind_index(session, i) for i in candidates(text).identifiers}


_cases = st.sampled_from([str.upper, str.lower, str.title, lambda s: s])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(email=st.emails(), recase=_cases, pad=st.sampled_from(["", " ", "\t"]))
def test_email_candidate_blind_index_is_intakes(sqlite_platform: Platform, email: str, recase: object,
                                                pad: str) -> None:
    stored = _stored_blind(sqlite_platform, "email", email)
    if stored is None:
        return
    typed = f"{pad}{recase(email)}{pad}"  # type: ignore[operator]
    assert stored in _candidate_blinds(sqlite_platform, typed)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(digits=st.text("0123456789", min_size=9, max_size=9), style=st.integers(0, 3))
def test_phone_candidate_blind_index_is_intakes(sqlite_platform: Platform, digits: str, style: int) -> None:
    national = f"07{digits}"
    stored = _stored_blind(sqlite_platform, "phone", national)
    if stored is None:
        return
    typed = [national, f"+44 {national[1:5]} {national[5:]}", f"0044{national[1:]}",
             f"({national[:5]}) {national[5:8]}-{national[8:]}"][style]
    assert stored in _candidate_blinds(sqlite_platform, typed)
