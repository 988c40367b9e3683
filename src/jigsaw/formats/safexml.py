"""Hardened XML parsing: defusedxml underneath, with size, depth and text bounds and line numbers.

The importers and the hash-bank readers take documents that strangers composed, so the parser refuses DTDs (which
carries XXE and "billion laughs"), entity declarations and external references (defusedxml),
and also bounds document size, element depth, element count and each text node. Each
element remembers the line it started on, so an error can point at the place in the file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol
from xml.etree.ElementTree import Element, ParseError
from xml.etree.ElementTree import fromstring as _c_fromstring  # only ever given plain documents: see _is_plain
from xml.parsers.expat import XML_PARAM_ENTITY_PARSING_NEVER, ExpatError, ParserCreate

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from jigsaw.errors import InvalidInput


class XmlBounds(Protocol):
    """The bounds a parse works within (:class:`jigsaw.imports.limits.Limits` is one)."""

    @property
    def max_document_bytes(self) -> int: ...
    @property
    def max_depth(self) -> int: ...
    @property
    def max_text_chars(self) -> int: ...
    @property
    def max_elements(self) -> int: ...


@dataclass(frozen=True)
class Bounds:
    """Default bounds: real CyberTipline reports are kilobytes and nest about 6 deep."""

    max_document_bytes: int = 20 * 1024 * 1024
    max_depth: int = 64
    max_text_chars: int = 100_000
    max_elements: int = 200_000


DEFAULT_BOUNDS = Bounds()


class XmlRefused(InvalidInput, ValueError):
    """A document that was not parsed: malformed, hostile or too large. ``line`` says where."""

    def __init__(self, reason: str, line: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line


@dataclass(slots=True)
class Node:
    """One element: a smaller, line-numbered stand-in for ``xml.etree`` elements."""

    tag: str
    attrib: dict[str, str]
    line: int
    text: str = ""
    children: list[Node] = field(default_factory=list)

    def __iter__(self) -> Iterator[Node]:
        """The children, as iterating an ``xml.etree`` element gives them."""
        return iter(self.children)

    def find(self, tag: str) -> Node | None:
        for child in self.children:
            if child.tag == tag:
                return child
        return None

    def findall(self, tag: str) -> Iterator[Node]:
        return (child for child in self.children if child.tag == tag)

    def findtext(self, tag: str) -> str | None:
        """Stripped text of the first child ``tag``; None when absent or blank."""
        child = self.find(tag)
        if child is None:
            return None
        value = child.text.strip()
        return value or None


class _Builder:
    """Element handlers installed straight on defusedxml's expat parser.

    defusedxml keeps its guards (DTD, entity and external-reference handlers); only the
    element and text handlers are ours, which avoids ElementTree's per-element layers (the
    import reads thousands of documents a second) and enforces the depth, element-count
    and text bounds as the document streams past. The handlers are closures over local
    state (no attribute lookups per element): they run for every element of every document.
    """

    def __init__(self, limits: XmlBounds, expat: Any) -> None:
        self.expat = expat
        self.root: Node | None = None
        max_elements, max_depth, max_text = limits.max_elements, limits.max_depth, limits.max_text_chars
        stack: list[Node] = []
        # Per open element: its text so far, or a list of pieces once there are several.
        texts: list[Any] = []
        push, pop, push_text, pop_text = stack.append, stack.pop, texts.append, texts.pop
        count = 0

        def start(tag: str, attrs: list[str]) -> None:
            nonlocal count
            count += 1
            if count > max_elements:
                raise XmlRefused(f"more than {max_elements} elements", self.line())
            if len(stack) >= max_depth:
                raise XmlRefused(f"elements nested deeper than {max_depth}", self.line())
            attrib = {_local(attrs[i]): attrs[i + 1] for i in range(0, len(attrs), 2)} if attrs else {}
            node = Node(tag.rpartition("}")[2] if "}" in tag else tag, attrib, expat.CurrentLineNumber)
            if stack:
                stack[-1].children.append(node)
            else:
                self.root = node
            push(node)
            push_text(None)

        def data(text: str) -> None:
            if not stack:
                return
            so_far = texts[-1]
            if so_far is None:
                size = len(text)
                texts[-1] = text
            elif isinstance(so_far, str):
                size = len(so_far) + len(text)
                texts[-1] = [so_far, text, size]
            else:
                size = so_far[-1] + len(text)
                so_far[-1] = size
                so_far.insert(-1, text)
            if size > max_text:
                raise XmlRefused(f"a text node longer than {max_text} characters", self.line())

        def end(tag: str) -> None:
            node = pop()
            text = pop_text()
            if text is not None:
                if not isinstance(text, str):
                    text = "".join(text[:-1])
                node.text = text if not node.children else text.strip()  # mixed content: keep the words

        self.start, self.data, self.end = start, data, end

    def line(self) -> int:
        return int(self.expat.CurrentLineNumber)


def _local(name: str) -> str:
    return name.rpartition("}")[2] if "}" in name else name


# defusedxml's guards, taken from one configured parser: they only raise, so they can be shared.
_GUARD = DefusedXMLParser(forbid_dtd=True, forbid_entities=True, forbid_external=True)


def _defused_expat() -> Any:
    """A fresh expat parser wearing defusedxml's DTD, entity and external-reference guards.

    Building a whole ``DefusedXMLParser`` per document costs as much as parsing a small one,
    so only the expat object is new; the refusing handlers are defusedxml's own.
    """
    expat = ParserCreate(None, "}")
    expat.buffer_text = True
    expat.ordered_attributes = True
    expat.StartDoctypeDeclHandler = _GUARD.defused_start_doctype_decl
    expat.EntityDeclHandler = _GUARD.defused_entity_decl
    expat.UnparsedEntityDeclHandler = _GUARD.defused_unparsed_entity_decl
    expat.ExternalEntityRefHandler = _GUARD.defused_external_entity_ref_handler
    expat.SetParamEntityParsing(XML_PARAM_ENTITY_PARSING_NEVER)
    return expat


# The quick path takes small documents with no markup declaration at all ("<!": no DTD, so no
# entities; no comment or CDATA) in an ASCII-compatible encoding that expat reads natively.
_QUICK_MAX_BYTES = 256 * 1024
_DECLARED_ENCODING = re.compile(rb"""\A(?:\xef\xbb\xbf)?\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)""")
_QUICK_ENCODINGS = frozenset({b"utf-8", b"utf8", b"us-ascii", b"ascii"})


def _is_plain(data: bytes) -> bool:
    """True when ``data`` cannot hold a DTD or entity declaration, even in an unusual encoding."""
    if len(data) > _QUICK_MAX_BYTES or b"<!" in data or b"\x00" in data:
        return False
    declared = _DECLARED_ENCODING.match(data)
    return declared is None or declared.group(1).lower() in _QUICK_ENCODINGS


def _nodes_from(root: Element, limits: XmlBounds) -> Node:
    """The :class:`Node` tree of an ElementTree tree, within the same bounds, every line 0.

    Text follows :class:`_Builder`: an element's own text is its leading text plus the tails
    of its children (stripped when it has children).
    """
    count = 0

    def convert(element: Element, depth: int) -> Node:
        nonlocal count
        count += 1
        if count > limits.max_elements or depth > limits.max_depth:
            raise XmlRefused("bounds exceeded")  # the line-tracking parse names which, and where
        tag = element.tag
        attrib = {_local(k): v for k, v in element.attrib.items()} if element.attrib else {}
        node = Node(tag.rpartition("}")[2] if "}" in tag else tag, attrib, 0)
        if len(element):
            text = "".join([element.text or "", *(child.tail or "" for child in element)])
            node.children = [convert(child, depth + 1) for child in element]
            if len(text) > limits.max_text_chars:
                raise XmlRefused("bounds exceeded")
            node.text = text.strip()
        elif element.text:
            if len(element.text) > limits.max_text_chars:
                raise XmlRefused("bounds exceeded")
            node.text = element.text
        return node

    return convert(root, 1)


def parse_xml(data: bytes, limits: XmlBounds = DEFAULT_BOUNDS, *, lines: bool = True) -> Node:
    """Parse ``data`` into :class:`Node` trees, or raise :class:`XmlRefused` with the line.

    ``lines=False`` lets a plain document (see :func:`_is_plain`) go through ElementTree's C
    tree builder, about 3x faster than these line-tracking handlers, with every line 0. A
    caller that finds something to report about such a tree parses again with lines. Any
    document the quick path does not take, or fails on, gets the full parse below, which
    gives the verdict and the line.
    """
    if len(data) > limits.max_document_bytes:
        raise XmlRefused(f"document is {len(data)} bytes; the limit is {limits.max_document_bytes}", None)
    if not lines and _is_plain(data):
        try:
            return _nodes_from(_c_fromstring(data), limits)  # noqa: S314 - plain: no DTD, so no entities
        except (ParseError, XmlRefused, ValueError, RecursionError):
            pass
    expat = _defused_expat()
    builder = _Builder(limits, expat)
    expat.StartElementHandler = builder.start
    expat.EndElementHandler = builder.end
    expat.CharacterDataHandler = builder.data
    try:
        expat.Parse(data, True)
    except XmlRefused:
        raise
    except DefusedXmlException as exc:
        raise XmlRefused(f"refused: {type(exc).__name__} (DTDs, entities and external references are not "
                         "accepted)", builder.line() or None) from None
    except ExpatError as exc:
        raise XmlRefused(f"malformed XML: {exc}", exc.lineno) from None
    except (ValueError, RecursionError, MemoryError) as exc:
        raise XmlRefused(f"unreadable XML: {exc}", builder.line() or None) from None
    if builder.root is None:
        raise XmlRefused("empty document", 1)
    return builder.root


def node_to_data(node: Node) -> Any:
    """A JSON-ready, verbatim-ish rendering of a subtree (``@attr`` keys, lists for repeats)."""
    if not node.children:
        if node.attrib:
            out: dict[str, Any] = {f"@{k}": v for k, v in node.attrib.items() if not k.startswith("noNamespace")}
            text = node.text.strip()
            if text:
                out["#text"] = text
            return out
        return node.text.strip()
    result: dict[str, Any] = {f"@{k}": v for k, v in node.attrib.items() if k != "noNamespaceSchemaLocation"}
    for child in node.children:
        value = node_to_data(child)
        if child.tag in result:
            existing = result[child.tag]
            if isinstance(existing, list):
                existing.append(value)
            else:
                result[child.tag] = [existing, value]
        else:
            result[child.tag] = value
    return result
