"""Identifier normalisation: one canonical spelling per identifier, clear errors otherwise."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jigsaw.identifiers import IdentifierError, IdentifierType, normalise


@pytest.mark.parametrize(("raw", "expected"), [
    ("Alice.Smith@Example.COM", "alice.smith@example.com"),
    ("  bob@EXAMPLE.org ", "bob@example.org"),
    ("user@bücher.example", "user@xn--bcher-kva.example"),
    ("ÄNNE@example.com", "änne@example.com"),
])
def test_email_casefolded_with_idna_domain(raw: str, expected: str) -> None:
    assert normalise("email", raw).value == expected


@pytest.mark.parametrize("bad", ["no-at-sign", "@example.com", "user@", "two words@example.com"])
def test_bad_email_says_what(bad: str) -> None:
    with pytest.raises(IdentifierError, match="email"):
        normalise("email", bad)


@pytest.mark.parametrize(("raw", "region", "expected"), [
    ("07700 900123", "GB", "+447700900123"),
    ("+44 (0)7700-900123".replace("(0)", ""), "GB", "+447700900123"),
    ("(202) 555-0143", "US", "+12025550143"),
    ("0044 7700 900123", "GB", "+447700900123"),
])
def test_phone_e164(raw: str, region: str, expected: str) -> None:
    assert normalise("phone", raw, default_region=region).value == expected


def test_impossible_phone_is_rejected() -> None:
    with pytest.raises(IdentifierError, match="phone"):
        normalise("phone", "12")


@pytest.mark.parametrize(("raw", "expected"), [
    ("2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
    ("[2001:db8::1]", "2001:db8::1"),
    ("::ffff:192.0.2.7", "192.0.2.7"),
    ("198.51.100.4", "198.51.100.4"),
])
def test_ip_canonical(raw: str, expected: str) -> None:
    assert normalise("ip", raw).value == expected


@given(st.ip_addresses())
def test_ip_normalisation_is_canonical_and_idempotent(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> None:
    once = normalise("ip", address.exploded).value
    assert normalise("ip", once).value == once
    assert ipaddress.ip_address(once) == (getattr(address, "ipv4_mapped", None) or address)


@given(st.emails())
def test_email_normalisation_is_idempotent(email: str) -> None:
    try:
        once = normalise("email", email).value
    except IdentifierError:
        return  # hypothesis emails include some that IDNA 2008 refuses; those must fail cleanly
    assert normalise("email", once).value == once


def test_usernames_are_keyed_by_platform() -> None:
    a = normalise("username", "@ShadowFox", platform=" PixelPlay ")
    b = normalise("username", "shadowfox", platform="pixelplay")
    c = normalise("username", "shadowfox", platform="GameHub")
    assert a == b and a.key == b.key
    assert a.key != c.key
    with pytest.raises(IdentifierError, match="platform"):
        normalise("username", "shadowfox")


def test_url_canonical() -> None:
    assert normalise("url", "HTTPS://Example.COM:443/a/b?x=1#frag").value == "https://example.com/a/b?x=1"
    assert normalise("url", "example.com").value == "http://example.com/"


def test_unknown_type_lists_the_allowed_ones() -> None:
    with pytest.raises(IdentifierError, match="expected one of"):
        normalise("shoe_size", "9")


def test_every_type_rejects_empty_values() -> None:
    for kind in IdentifierType:
        with pytest.raises(IdentifierError):
            normalise(kind, "   ", platform="x")


def test_imei_check_digit() -> None:
    assert normalise("imei", "35-209900-176148-1").value == "352099001761481"
    assert normalise("imei", "35209900176148").value == "352099001761481"  # check digit computed
    with pytest.raises(IdentifierError, match="check digit"):
        normalise("imei", "352099001761482")


def test_crypto_wallets() -> None:
    assert normalise("crypto_wallet", "0xAbCdEf0123456789abcdef0123456789ABCDEF01").value == \
        "0xabcdef0123456789abcdef0123456789abcdef01"
    assert normalise("crypto_wallet", "BC1QAR0SRRR7XFKVY5L643LYDNW9RE59GTZZWF5MDQ").value.startswith("bc1q")
    with pytest.raises(IdentifierError):
        normalise("crypto_wallet", "not a wallet")


def test_payment_and_address() -> None:
    assert normalise("payment_id", "gb82 west 1234 5698 7654 32").value == "GB82WEST12345698765432"
    assert normalise("postal_address", " 1  High Street ,London ").value == "1 high street, london"
