"""Counts in pages and notices read as a person writes them."""

from __future__ import annotations

from jigsaw.formats.wording import counted


def test_one_is_singular_and_every_other_count_plural() -> None:
    assert counted(1, "package") == "1 package"
    assert counted(0, "package") == "0 packages"
    assert counted(3, "new package") == "3 new packages"
    assert counted(2, "child", "children") == "2 children"
    assert counted(1, "child", "children") == "1 child"
