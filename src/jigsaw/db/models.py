"""Imports every capability's tables so that ``Base.metadata`` (and Alembic) sees them all."""

from jigsaw.accounts import models as accounts_models
from jigsaw.audit import models as audit_models
from jigsaw.intake import models as intake_models
from jigsaw.linking import models as linking_models
from jigsaw.matching import storage as matching_storage
from jigsaw.triage import models as triage_models

__all__ = ["accounts_models", "audit_models", "intake_models", "linking_models", "matching_storage", "triage_models"]
