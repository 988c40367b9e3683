"""Charts drawn on the server as SVG, with no script (pure: no web, database or OS).

Staff pages run under a strict Content-Security-Policy, and PDFs are printed from the same
pages, so every chart is a plain SVG document: ``leather`` draws it (it writes through
ElementTree, which escapes labels, and emits neither ``<script>`` nor ``style`` attributes), and
this module adds what a reader and a screen reader need: a title, a description naming every
value, and integer ticks for counts. Callers put the result straight into a template.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from xml.sax.saxutils import escape, quoteattr

import leather
from markupsafe import Markup

__all__ = ["bar_chart", "column_chart"]

FILL = "#1d70b8"
"""One colour for every series: the charts show counts, never a comparison by colour alone."""

_SVG_OPEN = re.compile(r"^<svg ")
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
"""Characters XML 1.0 cannot carry (control characters, lone surrogates): dropped from labels."""


def _label(text: str) -> str:
    return _NOT_XML.sub("", text)


def column_chart(title: str, points: Sequence[tuple[str, int]], *, width: int = 640, height: int = 260) -> Markup:
    """Vertical columns, one per labelled count in order (months of a year, years of a series)."""
    if not points:
        return _empty(title)
    chart = leather.Chart()
    points = [(_label(label), value) for label, value in points]
    chart.add_columns(points, fill_color=FILL)
    chart.add_y_scale(0, _nice_top(value for _, value in points))
    chart.add_y_axis(ticks=_count_ticks(value for _, value in points))
    return _finish(chart, title, points, width, height)


def bar_chart(title: str, pairs: Sequence[tuple[str, int]], *, width: int = 640, height: int | None = None) -> Markup:
    """Horizontal bars, one per labelled count (a breakdown by platform, by incident type...)."""
    if not pairs:
        return _empty(title)
    chart = leather.Chart()
    pairs = [(_label(label), value) for label, value in pairs]
    chart.add_bars([(value, label) for label, value in pairs], fill_color=FILL)
    chart.add_x_scale(0, _nice_top(value for _, value in pairs))
    chart.add_x_axis(ticks=_count_ticks(value for _, value in pairs))
    return _finish(chart, title, pairs, width, height or max(120, 40 + 28 * len(pairs)))


def _finish(chart: leather.Chart, title: str, points: Sequence[tuple[str, int]], width: int, height: int) -> Markup:
    title = _label(title)
    svg = chart.to_svg(width=width, height=height)
    described = ", ".join(f"{label}: {value:,}" for label, value in points)
    head = (f'<svg role="img" aria-label={quoteattr(title)} viewBox="0 0 {width} {height}" '
            f'preserveAspectRatio="xMinYMin meet" ')
    body = _SVG_OPEN.sub(head, svg, count=1)
    first_close = body.index(">") + 1
    labelled = (body[:first_close] + f"<title>{escape(title)}</title><desc>{escape(described)}</desc>"
                + body[first_close:])
    return Markup(labelled)  # noqa: S704 - built by ElementTree and escape(), never from raw input


def _empty(title: str) -> Markup:
    return Markup(f'<p class="chart-empty">{escape(title)}: nothing to show.</p>')  # noqa: S704 - escaped


def _nice_top(values: Iterable[int]) -> int:
    """The scale's top: at least 1 (an all-zero series still draws), rounded up to a round number."""
    top = max([int(v) for v in values] or [0])
    if top <= 5:
        return max(top, 1)
    magnitude = 10 ** int(math.log10(top))
    for step in (1, 2, 5, 10):
        if top <= step * magnitude:
            return step * magnitude
    return top


def _count_ticks(values: Iterable[int]) -> list[int]:
    """Whole-number ticks from 0 to the scale's top, at most six of them."""
    top = _nice_top(values)
    step = max(1, math.ceil(top / 5))
    return list(range(0, top + 1, step))
