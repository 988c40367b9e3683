"""The signed links behind a platform's Report Abuse button (pure: no database, no web)."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from jigsaw.accounts.button_link import (
    CLOCK_SKEW,
    EXAMPLE_ACCOUNT,
    EXAMPLE_KEY,
    EXAMPLE_TS,
    LINK_VALIDITY,
    MAX_ACCOUNT_CHARS,
    LinkProblem,
    badge_svg,
    check_link,
    link_query,
    new_key,
    sign,
    snippet,
    worked_example,
)

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
TS = int(NOW.timestamp())
accounts = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\n"),
                   max_size=MAX_ACCOUNT_CHARS)


def checked(keys: list[bytes], org_id: int, query: dict[str, str], now: datetime = NOW):  # type: ignore[no-untyped-def]
    return check_link(keys, org_id, account=query.get("account"), ts=query.get("ts"), sig=query.get("sig"), now=now)


def test_the_signature_is_hmac_sha256_over_the_documented_string() -> None:
    key = bytes(range(32))
    expected = hmac.new(key, b"v1\n7\ndarktide_77\n1764547200", hashlib.sha256).hexdigest()
    assert sign(key, 7, "darktide_77", 1764547200) == expected


@given(key=st.binary(min_size=32, max_size=32), org_id=st.integers(1, 2**31 - 1), account=accounts,
       age=st.integers(-int(CLOCK_SKEW.total_seconds()), int(LINK_VALIDITY.total_seconds())))
def test_a_link_signed_with_the_platforms_key_is_trusted(key: bytes, org_id: int, account: str, age: int) -> None:
    result = checked([new_key(), key], org_id, link_query(key, org_id, account, TS - age))
    assert result.trusted and result.context is not None
    assert result.context.org_id == org_id
    assert result.context.account == (account.strip() or None)


@given(key=st.binary(min_size=32, max_size=32), account=accounts, other=accounts)
def test_a_changed_account_is_not_trusted(key: bytes, account: str, other: str) -> None:
    query = link_query(key, 7, account, TS)
    if other != account:
        assert checked([key], 7, {**query, "account": other}).problem is LinkProblem.BAD_SIGNATURE


def test_another_platforms_link_or_key_is_not_trusted() -> None:
    key = new_key()
    assert checked([key], 8, link_query(key, 7, "darktide_77", TS)).problem is LinkProblem.BAD_SIGNATURE
    assert checked([new_key()], 7, link_query(key, 7, "darktide_77", TS)).problem is LinkProblem.BAD_SIGNATURE


def test_old_and_future_links_are_not_trusted() -> None:
    key = new_key()
    too_old = TS - int(LINK_VALIDITY.total_seconds()) - 1
    assert checked([key], 7, link_query(key, 7, None, too_old)).problem is LinkProblem.EXPIRED
    ahead = TS + int(CLOCK_SKEW.total_seconds()) + 1
    assert checked([key], 7, link_query(key, 7, None, ahead)).problem is LinkProblem.FROM_THE_FUTURE


def test_unsigned_malformed_and_keyless_links_say_why() -> None:
    key = new_key()
    good = link_query(key, 7, "someone", TS)
    assert checked([key], 7, {}).problem is LinkProblem.UNSIGNED
    assert checked([key], 7, {"account": "someone"}).problem is LinkProblem.UNSIGNED
    for bad in ({**good, "ts": "soon"}, {**good, "sig": "abc"}, {**good, "ts": "9" * 13},
                {**good, "account": "x" * (MAX_ACCOUNT_CHARS + 1)}, {"sig": good["sig"]}):
        assert checked([key], 7, bad).problem is LinkProblem.MALFORMED, bad
    assert checked([], 7, good).problem is LinkProblem.NO_KEY


def test_the_signature_may_arrive_in_capitals() -> None:
    key = new_key()
    query = link_query(key, 7, "someone", TS)
    assert checked([key], 7, {**query, "sig": query["sig"].upper()}).trusted


def test_the_worked_example_uses_the_published_key() -> None:
    example = worked_example(7)
    assert bytes.fromhex(example.key_text) == EXAMPLE_KEY
    assert example.signature == sign(EXAMPLE_KEY, 7, EXAMPLE_ACCOUNT, EXAMPLE_TS)
    assert example.path_and_query.endswith(f"ts={EXAMPLE_TS}&sig={example.signature}")
    assert check_link([EXAMPLE_KEY], 7, account=EXAMPLE_ACCOUNT, ts=str(EXAMPLE_TS), sig=example.signature,
                      now=datetime.fromtimestamp(EXAMPLE_TS, UTC) + timedelta(minutes=1)).trusted


def test_the_snippet_is_a_plain_link_with_an_inline_badge() -> None:
    html = snippet("https://centre.example", 7, 'The "Centre"')
    assert html.startswith('<a href="https://centre.example/report/from/7?account={ACCOUNT}&amp;ts={TS}&amp;sig={SIG}"')
    assert 'rel="noopener noreferrer"' in html and "&quot;Centre&quot;" in html
    for forbidden in ("<script", "<img", "style=", "onclick", "javascript:", "<iframe"):
        assert forbidden not in html.lower()
    assert badge_svg() in html and 'aria-hidden="true"' in badge_svg()
