"""People's names and record references for audit entries, looked up in bulk.

An entry names who acted as ``user:4`` and what was touched as ``report 41``: stable and
cheap to write, but an auditor reads people and references. This resolves a page (or an
export) of entries with one query per kind of name, never one per row.

Reports and cases belong to capabilities above the audit log, which it must not import; it
reads just their ``id`` and ``reference`` columns, which are stable, public and unencrypted.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import TableClause, column, select, table
from sqlalchemy.orm import Session

from jigsaw.accounts.models import ApiToken, User
from jigsaw.audit.models import AuditEvent

# Tables whose rows carry a human reference, by the entity type the audit log uses for them.
REFERENCED_TABLES = {"report": "reports", "case": "cases"}
# Which entity type a reference names, by its prefix.
REFERENCE_PREFIXES = {"JIG-": "report", "CASE-": "case"}
_CHUNK = 500


def _reference_table(name: str) -> TableClause:
    return table(name, column("id"), column("reference"))


def _ids(values: Iterable[str | None]) -> list[int]:
    return sorted({int(v) for v in values if v and v.isdigit() and len(v) < 19})


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start:start + _CHUNK]


def _actor_id(actor: str, kind: str) -> str | None:
    prefix, _, rest = actor.partition(":")
    return rest if prefix == kind else None


def person(user: User) -> str:
    return f"{user.display_name} <{user.email}>"


@dataclass
class Names:
    """Readable names for a set of entries; anything unresolved falls back to what is stored."""

    actors: dict[str, str] = field(default_factory=dict)
    records: dict[tuple[str, str], str] = field(default_factory=dict)

    def actor(self, event: AuditEvent) -> str:
        return self.actors.get(event.actor, event.actor)

    def record(self, event: AuditEvent) -> str:
        if event.entity_id is None:
            return event.entity_type.replace("_", " ")
        return self.records.get((event.entity_type, event.entity_id), f"{event.entity_type} {event.entity_id}")


def resolve(session: Session, events: Sequence[AuditEvent]) -> Names:
    names = Names()
    user_ids = _ids([_actor_id(e.actor, "user") for e in events]
                    + [e.entity_id for e in events if e.entity_type == "user"])
    token_ids = _ids([_actor_id(e.actor, "token") for e in events]
                     + [e.entity_id for e in events if e.entity_type == "api_token"])
    users: dict[int, User] = {}
    for chunk in _chunks(user_ids):
        users.update({u.id: u for u in session.scalars(select(User).where(User.id.in_(chunk)))})
    for user_id, user in users.items():
        names.actors[f"user:{user_id}"] = person(user)
        names.records[("user", str(user_id))] = f"user {person(user)}"
    for chunk in _chunks(token_ids):
        for token in session.scalars(select(ApiToken).where(ApiToken.id.in_(chunk))):
            owner = person(token.user) if token.user else token.organisation.name
            names.actors[f"token:{token.id}"] = f"token “{token.name}” of {owner}"
            names.records[("api_token", str(token.id))] = f"API token {token.id} “{token.name}” of {owner}"
    for entity_type, table_name in REFERENCED_TABLES.items():
        wanted = _ids([e.entity_id for e in events if e.entity_type == entity_type])
        refs = _reference_table(table_name)
        for chunk in _chunks(wanted):
            for row_id, reference in session.execute(select(refs.c.id, refs.c.reference).where(refs.c.id.in_(chunk))):
                names.records[(entity_type, str(row_id))] = f"{entity_type} {reference}"
    return names


@dataclass(frozen=True)
class Found:
    """What a reference typed by an auditor names: a record, or a person (by email)."""

    entity_type: str
    entity_id: str
    label: str

    @property
    def is_person(self) -> bool:
        return self.entity_type == "user"


def find_reference(session: Session, reference: str) -> Found | None:
    """A ``JIG-…`` or ``CASE-…`` reference, or a staff email address; None if nothing has it."""
    text = reference.strip()
    if "@" in text:
        user = session.scalar(select(User).where(User.email == text.casefold()))
        return Found("user", str(user.id), person(user)) if user else None
    upper = text.upper()
    for prefix, entity_type in REFERENCE_PREFIXES.items():
        if upper.startswith(prefix):
            refs = _reference_table(REFERENCED_TABLES[entity_type])
            row_id = session.scalar(select(refs.c.id).where(refs.c.reference == upper))
            return Found(entity_type, str(row_id), f"{entity_type} {upper}") if row_id is not None else None
    return None
