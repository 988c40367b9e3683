"""The hand-rolled expat handlers: text assembled across chunks, bounds enforced, line numbers;
and the quick path that must build the same trees."""

from __future__ import annotations

from xml.sax.saxutils import escape

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jigsaw.formats.safexml import Node, XmlRefused, parse_xml
from jigsaw.imports.limits import Limits


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


# --- the quick path (lines=False) must give the same tree, less the line numbers ------------------

_TAGS = st.sampled_from(["a", "b", "reportId", "x:c", "d-e"])
_TEXT = st.text(alphabet=st.sampled_from(list("ab 7\n\t&<>\"'é€")), max_size=12)


@st.composite
def _element(draw: st.DrawFn, depth: int = 0) -> str:
    tag = draw(_TAGS)
    names = st.sampled_from(["id", "type", "x:k"])
    attrs = "".join(f' {k}="{escape(v, {chr(34): "&quot;"})}"'
                    for k, v in draw(st.dictionaries(names, _TEXT, max_size=2)).items())
    parts = [escape(draw(_TEXT))]
    if depth < 4:
        for child in draw(st.lists(_element(depth + 1), max_size=3)):
            parts += [child, escape(draw(_TEXT))]
    return f"<{tag}{attrs}>{''.join(parts)}</{tag}>"


def _shape(node: Node) -> tuple[object, ...]:
    return node.tag, node.attrib, node.text, [_shape(c) for c in node.children]


def _lineless(node: Node) -> bool:
    return node.line == 0 and all(_lineless(c) for c in node.children)


@settings(max_examples=300, deadline=None)
@given(_element())
def test_quick_path_builds_the_same_tree(body: str) -> None:
    data = f'<?xml version="1.0" encoding="UTF-8"?><root xmlns:x="urn:x">{body}</root>'.encode()
    exact = parse_xml(data)
    quick = parse_xml(data, lines=False)
    assert _shape(quick) == _shape(exact)
    assert _lineless(quick)  # it really took the quick path


@pytest.mark.parametrize("data", [
    b'<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>',  # a DTD is never given to the quick parser
    b'<?xml version="1.0" encoding="cp500"?><a/>',  # nor an encoding that could hide one
    b"<a><b><c/></b></a>",
])
def test_quick_path_refuses_exactly_as_the_full_parse(data: bytes) -> None:
    limits = Limits(max_depth=2)
    with pytest.raises(XmlRefused) as exact:
        parse_xml(data, limits)
    with pytest.raises(XmlRefused) as quick:
        parse_xml(data, limits, lines=False)
    assert (quick.value.reason, quick.value.line) == (exact.value.reason, exact.value.line)


def test_quick_path_declines_declarations_and_other_encodings() -> None:
    assert parse_xml(b"<a>\n<!-- note --><b>1</b></a>", lines=False).children[0].line == 2
    utf16 = parse_xml("<a>\n<b>hi</b></a>".encode("utf-16"), lines=False)
    assert utf16.children[0].text == "hi" and utf16.children[0].line == 2
