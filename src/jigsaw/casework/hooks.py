"""What case work asks of capabilities composed after it, without importing them.

Outcomes are recorded against packages, which are drafted from cases: case work cannot import
them (they come later in the plan), so the outcomes capability registers an
:class:`OutcomeSummary` on the platform when it opens, and closing a case "with the outcome"
asks it what was recorded.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session


@dataclass(frozen=True)
class OutcomeSummary:
    """``summarise(session, report_ids)``: one line per outcome recorded on the packages of those
    reports (kinds and counts, nothing personal); empty when none is recorded."""

    summarise: Callable[[Session, Sequence[int]], list[str]]
