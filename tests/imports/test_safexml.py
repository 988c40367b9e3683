"""The hand-rolled expat handlers: text assembled across chunks, bounds enforced, line numbers."""

from __future__ import annotations

import pytest

from jigsaw.imports.limits import Limits
from jigsaw.imports.safexml import XmlRefused, parse_xml


def test_text_across_many_chunks_is_joined_and_bounded() -> None:
    body = "x" * 30_000 + "&amp;" + "y" * 30_000  # past expat's buffer and split by an entity
    root = parse_xml(f"<a><b>{body}</b></a>".encode())
    b = root.find("b")
    assert b is not None and b.text == "x" * 30_000 + "&" + "y" * 30_000
    with pytest.raises(XmlRefused, match="text node longer than 50000"):
        parse_xml(f"<a><b>{body}</b></a>".encode(), Limits(max_text_chars=50_000))


def test_mixed_content_keeps_stripped_words_and_leaf_text_verbatim() -> None:
    root = parse_xml(b"<a>\n  hello <b> kept as is </b> world\n</a>")
    assert root.text == "hello  world"
    assert root.children[0].text == " kept as is "
    assert root.children[0].line == 2


def test_depth_and_element_bounds() -> None:
    with pytest.raises(XmlRefused, match="deeper than 2"):
        parse_xml(b"<a><b><c/></b></a>", Limits(max_depth=2))
    with pytest.raises(XmlRefused, match="more than 2 elements"):
        parse_xml(b"<a><b/><c/></a>", Limits(max_elements=2))
    with pytest.raises(XmlRefused, match="refused"):
        parse_xml(b'<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>')
