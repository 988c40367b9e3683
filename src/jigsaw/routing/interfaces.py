"""What other capabilities may use of routing: the recipients, what each may receive, and the
routing proposals for the reports a package is about."""

from jigsaw.routing.propose import BASIS_LABELS, Basis, Proposal, Routing
from jigsaw.routing.service import (
    RecipientInfo,
    RecipientNotFound,
    Target,
    profiles_by_org,
    recipient_info,
    recipients,
    route,
    route_many,
)

__all__ = ["BASIS_LABELS", "Basis", "Proposal", "RecipientInfo", "RecipientNotFound", "Routing", "Target",
           "profiles_by_org", "recipient_info", "recipients", "route", "route_many"]
