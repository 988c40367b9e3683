"""Small-number suppression for anything the centre publishes (pure: no web, database or OS).

The rule, as the public review prints it (``RULE_TEXT``):

1. **Primary.** A count of 1 to 4 (in the body of a table or in a total) is not published: it is
   shown as ``[c]`` (confidential, the Office for National Statistics' symbol). Zero is shown:
   "none" discloses nothing about a person.
2. **Secondary.** A suppressed count must not be recoverable from the totals. Where the published
   cells and totals would pin a suppressed count to one value, the smallest other non-zero count
   in the same row or column (the body before the totals) is suppressed too, and so on until no
   suppressed count is pinned. Secondary cells are shown as ``[c]`` as well, so a reader cannot
   tell which suppressed cells are small.

"Recoverable" is meant exactly: a reader knows every published count and total, that the body of
each row adds up to its total and each column to its total, and that a suppressed count is at
least 1 (zero is published). A suppressed count is recoverable when those facts allow only one
value for it. A table with its totals is a circulation on a small graph (source → row → column →
sink → source, one edge per count), so a suppressed count can take another value exactly when its
edge lies on a cycle of suppressed edges along which the flow can be moved by one (up through any
suppressed edge; down only through one holding at least 2). :func:`alternative` returns such a
second table, which is how the tests check the claim without trusting this module's search.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

THRESHOLD = 5
"""Counts from 1 to ``THRESHOLD - 1`` are suppressed."""

SYMBOL = "[c]"

RULE_ID = "JS-PUB-SUPPRESS-1"
RULE_TEXT = (f"{SYMBOL}: withheld. Counts from 1 to {THRESHOLD - 1} are not published, in the body of a table "
             f"or in a total; where a withheld count could be worked out from the totals, the smallest other count "
             f"in its row or column is withheld too. Zero is published. (Rule {RULE_ID}.)")

Cell = tuple[int, int]
"""(row, column) in the table with its totals: row ``R`` holds the column totals, column ``C`` the
row totals, (R, C) the grand total."""


@dataclass(frozen=True)
class PublicTable:
    """A table ready to publish: ``cells`` has one more row and column than the body (the totals),
    each value an int or ``SYMBOL``."""

    rows: tuple[str, ...]
    columns: tuple[str, ...]
    cells: tuple[tuple[int | str, ...], ...]
    suppressed: frozenset[Cell]

    def row(self, i: int) -> tuple[int | str, ...]:
        return self.cells[i]


def with_totals(body: Sequence[Sequence[int]]) -> list[list[int]]:
    """The body with a total column on the right and a total row underneath."""
    if not body:
        return [[0]]
    width = len(body[0])
    if any(len(r) != width for r in body):
        raise ValueError("every row of a table has the same number of columns")
    if any(v < 0 for r in body for v in r):
        raise ValueError("counts are never negative")
    full = [[*r, sum(r)] for r in body]
    full.append([sum(full[i][j] for i in range(len(body))) for j in range(width + 1)])
    return full


def primary(full: Sequence[Sequence[int]]) -> set[Cell]:
    return {(i, j) for i, r in enumerate(full) for j, v in enumerate(r) if 0 < v < THRESHOLD}


# --- the graph of a table with its totals ----------------------------------------------------------
# Nodes: "s" (source), ("r", i), ("c", j), "t" (sink). Body cell (i, j): ("r", i) -> ("c", j);
# row total i: "s" -> ("r", i); column total j: ("c", j) -> "t"; grand total: "t" -> "s".

Node = object


def _edge(cell: Cell, rows: int, cols: int) -> tuple[Node, Node]:
    i, j = cell
    if i < rows and j < cols:
        return ("r", i), ("c", j)
    if i < rows:  # j == cols: the row's total
        return "s", ("r", i)
    if j < cols:  # i == rows: the column's total
        return ("c", j), "t"
    return "t", "s"


def _path(full: Sequence[Sequence[int]], hidden: set[Cell], skip: Cell, start: Node, goal: Node,
          ) -> list[tuple[Cell, int]] | None:
    """A path from ``start`` to ``goal`` through hidden cells other than ``skip``: each step is
    (cell, +1) along an edge (it may always grow) or (cell, -1) against one holding at least 2."""
    rows, cols = len(full) - 1, len(full[0]) - 1
    steps: dict[Node, list[tuple[Node, Cell, int]]] = {}
    for cell in hidden:
        if cell == skip:
            continue
        a, b = _edge(cell, rows, cols)
        steps.setdefault(a, []).append((b, cell, +1))
        if full[cell[0]][cell[1]] >= 2:
            steps.setdefault(b, []).append((a, cell, -1))
    came: dict[Node, tuple[Node, Cell, int] | None] = {start: None}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        if node == goal:
            out: list[tuple[Cell, int]] = []
            back = came[node]
            while back is not None:
                prev, cell, sign = back
                out.append((cell, sign))
                back = came[prev]
            return out[::-1]
        for nxt, cell, sign in steps.get(node, []):
            if nxt not in came:
                came[nxt] = (node, cell, sign)
                queue.append(nxt)
    return None


def alternative(full: Sequence[Sequence[int]], hidden: set[Cell] | frozenset[Cell], cell: Cell,
                ) -> list[list[int]] | None:
    """Another table with the same published counts and totals in which ``cell`` differs, or None
    when the published table pins it. (Every hidden count stays at least 1.)"""
    hidden = set(hidden)
    rows, cols = len(full) - 1, len(full[0]) - 1
    a, b = _edge(cell, rows, cols)
    for sign, (start, goal) in ((+1, (b, a)), (-1, (a, b))):
        if sign < 0 and full[cell[0]][cell[1]] < 2:
            continue
        path = _path(full, hidden, cell, start, goal)
        if path is None:
            continue
        moved = [list(r) for r in full]
        moved[cell[0]][cell[1]] += sign
        for c, s in path:
            moved[c[0]][c[1]] += s
        return moved
    return None


def pinned(full: Sequence[Sequence[int]], hidden: set[Cell] | frozenset[Cell]) -> list[Cell]:
    """The hidden cells the published table would give away."""
    return sorted(c for c in hidden if alternative(full, hidden, c) is None)


def choose_hidden(full: Sequence[Sequence[int]]) -> set[Cell]:
    """Primary suppression, then secondary until nothing hidden is pinned."""
    hidden = primary(full)
    rows, cols = len(full) - 1, len(full[0]) - 1
    while True:
        exposed = pinned(full, hidden)
        if not exposed:
            return hidden
        i, j = exposed[0]
        grand = (rows, cols)
        open_ = [(a, b) for a in range(rows + 1) for b in range(cols + 1)
                 if (a, b) not in hidden and full[a][b] > 0]
        # The grand total is the headline figure, published beside the table: withheld last.
        same_line = [c for c in open_ if (c[0] == i or c[1] == j) and c != grand]
        pool = same_line or [c for c in open_ if c != grand] or open_
        if not pool:  # every non-zero count is withheld: nothing is left to give one away
            return hidden
        # The body before the totals (a hidden total says less), then the smallest count.
        pool.sort(key=lambda c: (c[0] == rows or c[1] == cols, full[c[0]][c[1]], c))
        hidden.add(pool[0])


def suppress(rows: Sequence[str], columns: Sequence[str], body: Sequence[Sequence[int]]) -> PublicTable:
    """The table with its totals, every count the rule withholds replaced by ``SYMBOL``."""
    if len(body) != len(rows) or any(len(r) != len(columns) for r in body):
        raise ValueError("the body has one row per row label and one column per column label")
    full = with_totals(body) if rows else [[0] * (len(columns) + 1)]
    hidden = choose_hidden(full)
    cells = tuple(tuple(SYMBOL if (i, j) in hidden else v for j, v in enumerate(r)) for i, r in enumerate(full))
    return PublicTable(tuple(rows), tuple(columns), cells, frozenset(hidden))


def suppress_value(value: int) -> int | str:
    """A lone published count (a headline figure with no table around it): the primary rule only,
    since nothing else is published to subtract it from."""
    return SYMBOL if 0 < value < THRESHOLD else value


def unsuppressed(rows: Sequence[str], columns: Sequence[str], body: Sequence[Sequence[int]]) -> PublicTable:
    """The same table for staff: every count shown (marked OFFICIAL-SENSITIVE where it is printed)."""
    full = with_totals(body) if rows else [[0] * (len(columns) + 1)]
    return PublicTable(tuple(rows), tuple(columns), tuple(tuple(r) for r in full), frozenset())
