"""Issue 15, item 6: one bad string no longer sinks a VICS batch.

The fault: a lone surrogate (``"\\ud800"``) in one case export aborted the whole import with a
traceback (UTF-8 cannot encode it, so encrypting the report failed) and nothing was imported; the
API answered with a raw codec message. Now each document's strings are checked as it is read: the
bad document is refused, naming the document and the field, and the rest are imported.
"""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from jigsaw.accounts.roles import OrgKind
from jigsaw.formats.text import dotted, find_bad_text, may_hold_bad_text, text_problem
from jigsaw.platform import Platform
from tests.factories import make_org, make_token
from tests.imports.helpers import counts
from tests.imports.test_http_bounds import _zip


def _case(case_id: str, md5: str, **media: str) -> bytes:
    return json.dumps({"value": [{"CaseID": case_id, "Media": [
        {"MediaID": 1, "Category": 1, "MD5": md5, **media}]}]}).encode()


def test_a_lone_surrogate_refuses_its_document_only(client: TestClient, platform: Platform) -> None:
    org = make_org(platform, "PixelPlay", OrgKind.PLATFORM)
    headers = {"Authorization": f"Bearer {make_token(platform, org, 'reports:submit')}"}
    # json.dumps writes the lone surrogate as the escape "\ud800", as the attacker sent it.
    bad = _case("case-bad", "1" * 32, FileName="holiday\udc00.jpg")
    assert b"\\udc00" in bad
    batch = _zip({"a.json": _case("case-a", "0" * 32), "b.json": bad, "c.json": _case("case-c", "2" * 32)})
    r = client.post("/api/v1/imports", headers=headers, data={"format": "vics"},
                    files={"file": ("cases.zip", batch, "application/zip")})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["imported"] == 2 and body["documents"] == 3
    [error] = body["errors"]
    assert error["file"].endswith("b.json")
    assert error["reason"] == ("value[0].Media[0].FileName: contains a lone surrogate (U+DC00), "
                               "which is not valid Unicode")
    assert "codec" not in r.text and "holiday" not in r.text
    assert counts(platform)["reports"] == 2


def test_the_field_is_named_keys_included() -> None:
    assert find_bad_text({"value": [{"CaseID": "ok", "Notes": ["fine", "nul\x00"]}]}) == (
        ("value", 0, "Notes", 1), "contains a NUL character")
    assert dotted(("value", 0, "Notes", 1)) == "value[0].Notes[1]"
    bad_key = find_bad_text({"value": [{"bad\ud800": 1}]})
    assert bad_key == (("value", 0, "(a field name)"), "contains a lone surrogate (U+D800), which is not valid Unicode")
    assert dotted(bad_key[0]) == "value[0] (a field name)"
    assert find_bad_text({"value": [{"CaseID": "emoji \U0001f600"}]}) is None
    # The cheap scan sees every spelling json.loads accepts.
    assert may_hold_bad_text(b'{"a": "\\ud800"}') and may_hold_bad_text(b'{"a": "\\u0000"}')
    assert may_hold_bad_text('{"a": "\ud800"}'.encode("utf-8", "surrogatepass"))
    assert not may_hold_bad_text(b'{"a": "plain \\u00e9"}')


@given(st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x10FFFF, exclude_categories=())))
def test_text_problem_agrees_with_utf8_and_nul(value: str) -> None:
    try:
        value.encode("utf-8")
        storable = "\x00" not in value
    except UnicodeEncodeError:
        storable = False
    assert (text_problem(value) is None) == storable


@given(st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x10FFFF, exclude_categories=())))
def test_the_scan_never_misses_what_the_walk_finds(value: str) -> None:
    raw = json.dumps({"value": [value]})
    for data in (raw.encode(), json.dumps({"value": [value]}, ensure_ascii=False).encode("utf-8", "surrogatepass")):
        if find_bad_text(json.loads(data)) is not None:
            assert may_hold_bad_text(data)
