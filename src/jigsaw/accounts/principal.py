"""Who is making a request: a staff user with a role, or an organisation's API token."""

from __future__ import annotations

from dataclasses import dataclass

from jigsaw.accounts.roles import OrgKind, Role, Scope
from jigsaw.audit.service import Actor


@dataclass(frozen=True)
class Principal:
    organisation_id: int
    organisation_kind: OrgKind
    user_id: int | None = None
    role: Role | None = None
    token_id: int | None = None
    scopes: frozenset[Scope] = frozenset()
    label: str = ""
    via_token: bool = False  # a bearer token, not a browser session (a personal token has user_id too)

    @property
    def is_staff(self) -> bool:
        return self.user_id is not None

    @property
    def personal_token(self) -> bool:
        """A staff member's personal API token: it acts as that user, audited as them."""
        return self.via_token and self.user_id is not None

    @property
    def at_centre(self) -> bool:
        return self.organisation_kind is OrgKind.CENTRE

    @property
    def actor(self) -> Actor:
        """The audit log's name for whoever acts: a personal token is recorded as its user."""
        who = f"user:{self.user_id}" if self.user_id is not None else f"token:{self.token_id}"
        return Actor(who, self.organisation_id)
