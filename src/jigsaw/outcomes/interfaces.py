"""What other capabilities may use of outcomes: the records themselves (operations boards and the
centre's statistics count from them) and the vocabulary they are counted in."""

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

__all__ = ["CATEGORY_LABELS", "CHILD_AGE_BANDS", "HOME_OFFICE_OUTCOMES", "KIND_LABELS", "NOT_YET_ASSIGNED",
           "WARRANT_OPEN", "ChildCategory", "NetworkDisruption", "NetworkEffect", "Outcome", "OutcomeKind",
           "WarrantStage", "counted_outcome_types"]
