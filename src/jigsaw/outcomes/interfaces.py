"""What other capabilities may use of outcomes: the records themselves (operations boards and the
centre's statistics count from them), the vocabulary they are counted in, and recording one (an
operation's board records warrant stages through the same checks as the force's page).

Only the vocabulary and the tables are imported at import time: capabilities composed before
outcomes (triage, case work) may import this module without a cycle through dissemination. The
service is reached inside the functions below.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from jigsaw.outcomes.kinds import (
    CATEGORY_LABELS,
    CHILD_AGE_BANDS,
    HOME_OFFICE_OUTCOMES,
    KIND_LABELS,
    NOT_YET_ASSIGNED,
    WARRANT_OPEN,
    ChildCategory,
    NetworkEffect,
    OutcomeKind,
    WarrantStage,
    counted_outcome_types,
)
from jigsaw.outcomes.models import NetworkDisruption, Outcome
from jigsaw.outcomes.rules import OutcomeInputError, WarrantState

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from jigsaw.accounts.principal import Principal


def record_outcome(session: Session, principal: Principal, package_id: int, raw: Mapping[str, Any], *,
                   now: datetime | None = None) -> tuple[Outcome, bool]:
    """Record one outcome as the package's recipient (see :func:`jigsaw.outcomes.service.record_outcome`):
    the stored record and whether it is new (False: the same reference and body again)."""
    from jigsaw.outcomes import service

    done = service.record_outcome(session, principal, package_id, raw, now=now)
    return done.outcome, done.created


def warrants_of(session: Session, package_id: int) -> dict[int, WarrantState]:
    """Each suspect's warrant on a package as it stands (the latest live stage), by subject id."""
    from jigsaw.outcomes import service

    return service.warrants_of(session, package_id)


__all__ = ["CATEGORY_LABELS", "CHILD_AGE_BANDS", "HOME_OFFICE_OUTCOMES", "KIND_LABELS", "NOT_YET_ASSIGNED",
           "WARRANT_OPEN", "ChildCategory", "NetworkDisruption", "NetworkEffect", "Outcome", "OutcomeInputError",
           "OutcomeKind", "WarrantStage", "WarrantState", "counted_outcome_types", "record_outcome", "warrants_of"]
