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

    @property
    def is_staff(self) -> bool:
        return self.user_id is not None

    @property
    def at_centre(self) -> bool:
        return self.organisation_kind is OrgKind.CENTRE

    @property
    def actor(self) -> Actor:
        who = f"user:{self.user_id}" if self.user_id is not None else f"token:{self.token_id}"
        return Actor(who, self.organisation_id)
