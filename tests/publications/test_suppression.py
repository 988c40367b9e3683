"""Small-number suppression: nothing from 1 to 4 is published, and no withheld count can be
worked out from the published counts and totals (checked with a second table as the witness)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from jigsaw.publications import suppression as sup
from jigsaw.publications.suppression import SYMBOL


def _consistent(full: list[list[int]], public: sup.PublicTable, other: list[list[int]]) -> bool:
    """``other`` is a table a reader of ``public`` cannot tell from ``full``."""
    rows, cols = len(full) - 1, len(full[0]) - 1
    for i in range(rows + 1):
        if sum(other[i][:cols]) != other[i][cols]:
            return False
    for j in range(cols + 1):
        if sum(other[i][j] for i in range(rows)) != other[rows][j]:
            return False
    for i in range(rows + 1):
        for j in range(cols + 1):
            shown = public.cells[i][j]
            if shown == SYMBOL:
                if other[i][j] < 1:  # a reader knows a withheld count is not zero
                    return False
            elif other[i][j] != shown:
                return False
    return True


small_counts = st.one_of(st.integers(0, 6), st.integers(0, 60))
bodies = st.integers(1, 6).flatmap(lambda r: st.integers(1, 4).flatmap(
    lambda c: st.lists(st.lists(small_counts, min_size=c, max_size=c), min_size=r, max_size=r)))


@settings(max_examples=300, deadline=None)
@given(bodies)
def test_no_withheld_count_is_recoverable_from_the_totals(body: list[list[int]]) -> None:
    rows = [f"r{i}" for i in range(len(body))]
    cols = [f"c{j}" for j in range(len(body[0]))]
    public = sup.suppress(rows, cols, body)
    full = sup.with_totals(body)
    for i, row in enumerate(full):
        for j, value in enumerate(row):
            if 0 < value < sup.THRESHOLD:
                assert public.cells[i][j] == SYMBOL, (i, j, value)
            if value == 0:
                assert public.cells[i][j] == 0
    for cell in public.suppressed:
        other = sup.alternative(full, public.suppressed, cell)
        assert other is not None, f"{cell} of {full} is pinned by the published table"
        assert other[cell[0]][cell[1]] != full[cell[0]][cell[1]]
        assert _consistent(full, public, other)


def test_a_lone_small_count_in_a_row_takes_a_second_cell_with_it() -> None:
    public = sup.suppress(["Snapchat", "Roblox"], ["referral", "informational"], [[3, 40], [20, 30]])
    assert public.cells[0][0] == SYMBOL
    # Without a second withheld cell, 3 = 43 - 40: the row's 40 and the column's 20 go too.
    assert sum(1 for r in public.cells for v in r if v == SYMBOL) >= 4
    assert public.cells[2][2] == 93  # the grand total (the headline figure) is still published


def test_two_ones_that_add_up_to_a_published_two_are_not_safe() -> None:
    """Two withheld cells are not enough when their total pins them (1 + 1 = 2, each at least 1)."""
    full = sup.with_totals([[1, 1, 10]])
    assert sup.pinned(full, {(0, 0), (0, 1)}) == [(0, 0), (0, 1)]
    public = sup.suppress(["a", "b"], ["x", "y", "z"], [[1, 1, 10], [9, 9, 9]])
    assert public.cells[0][2] == SYMBOL and public.cells[2][3] == 39
    full = sup.with_totals([[1, 1, 10], [9, 9, 9]])
    assert sup.pinned(full, public.suppressed) == []


def test_nothing_small_means_nothing_withheld() -> None:
    public = sup.suppress(["a", "b"], ["x"], [[5, ], [0, ]])
    assert public.suppressed == frozenset()
    assert public.cells == ((5, 5), (0, 0), (5, 5))


def test_a_lone_figure_uses_the_primary_rule() -> None:
    assert [sup.suppress_value(v) for v in (0, 1, 4, 5, 1200)] == [0, SYMBOL, SYMBOL, 5, 1200]
