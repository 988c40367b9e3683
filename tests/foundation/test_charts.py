"""Server-side SVG charts: no script, labels escaped, every value described, empty series handled."""

from __future__ import annotations

import defusedxml.ElementTree as ET
from hypothesis import given
from hypothesis import strategies as st

from jigsaw.charts import bar_chart, column_chart

SVG = "{http://www.w3.org/2000/svg}"


def test_column_chart_is_a_labelled_svg_with_no_script() -> None:
    svg = column_chart("Reports by month", [("Apr", 12), ("May", 0), ("Jun", 431)])
    root = ET.fromstring(str(svg))
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img" and root.get("aria-label") == "Reports by month"
    assert root.find(f"{SVG}title").text == "Reports by month"  # type: ignore[union-attr]
    assert root.find(f"{SVG}desc").text == "Apr: 12, May: 0, Jun: 431"  # type: ignore[union-attr]
    assert not list(root.iter(f"{SVG}script"))
    assert "style=" not in svg
    assert len(list(root.iter(f"{SVG}rect"))) >= 3  # background and the columns


def test_hostile_labels_are_escaped() -> None:
    svg = bar_chart("<script>alert(1)</script>", [("<img src=x onerror=alert(1)>", 3), ("a & b", 1)])
    assert "<script>" not in svg and "<img" not in svg
    root = ET.fromstring(str(svg))
    assert root.find(f"{SVG}title").text == "<script>alert(1)</script>"  # type: ignore[union-attr]


def test_an_empty_series_says_so_and_an_all_zero_one_still_draws() -> None:
    assert "nothing to show" in column_chart("Arrests", [])
    assert "nothing to show" in bar_chart("Platforms", [])
    ET.fromstring(str(column_chart("Arrests", [("Apr", 0), ("May", 0)])))


@given(st.lists(st.tuples(st.text(min_size=1, max_size=20), st.integers(min_value=0, max_value=10**7)),
                min_size=1, max_size=14))
def test_any_counts_give_well_formed_svg_describing_each_value(points: list[tuple[str, int]]) -> None:
    for draw in (column_chart, bar_chart):
        root = ET.fromstring(str(draw("T", points)))
        desc = root.find(f"{SVG}desc").text or ""  # type: ignore[union-attr]
        for _, value in points:
            assert f"{value:,}" in desc
        assert not list(root.iter(f"{SVG}script"))
