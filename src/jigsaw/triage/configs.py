"""Triage configurations: proposed, approved by a second person, and the one in force.

The configuration in force is read on every assessment, so each text is parsed once per platform
(:class:`ParsedConfigs`, keyed by its stored hash) and only the active row's id and hash are read.
"""

from __future__ import annotations

import functools
import getpass
from datetime import UTC, datetime

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from jigsaw.accounts.roles import Role
from jigsaw.audit.chain import AuditAction
from jigsaw.audit.service import Actor, record
from jigsaw.db.base import table_of
from jigsaw.platform import platform_for
from jigsaw.triage.errors import TriageError
from jigsaw.triage.model import TriageConfig, load_config, shipped_text
from jigsaw.triage.models import ConfigStatus, TriageConfigVersion


@functools.cache
def shipped_config() -> TriageConfig:
    """The configuration shipped with this release (a file of the package: parsed once)."""
    return load_config(shipped_text())


class ParsedConfigs:
    """One platform's parsed configurations, by the SHA-256 stored with each version."""

    def __init__(self) -> None:
        self._by_sha: dict[str, TriageConfig] = {}

    def get(self, sha256: str) -> TriageConfig | None:
        return self._by_sha.get(sha256)

    def put(self, sha256: str, text: str) -> TriageConfig:
        config = shipped_config() if text == shipped_text() else load_config(text)
        self._by_sha[sha256] = config
        return config


_configs_t = table_of(TriageConfigVersion)
_ACTIVE = (select(_configs_t.c.id, _configs_t.c.sha256).where(_configs_t.c.status == ConfigStatus.APPROVED)
           .order_by(_configs_t.c.approved_at.desc(), _configs_t.c.id.desc()).limit(1))
_CONFIG_TEXT = select(_configs_t.c.text).where(_configs_t.c.id == bindparam("id"))


def active_config(session: Session) -> TriageConfig:
    """The newest approved configuration, or the one shipped with this release if none is.

    Runs on every assessment, so it reads only the id and hash and parses a text once.
    """
    row = session.execute(_ACTIVE).first()
    if row is None:
        return shipped_config()
    parsed = platform_for(session).find(ParsedConfigs)
    config = parsed.get(row[1])
    if config is None:
        text = session.execute(_CONFIG_TEXT, {"id": row[0]}).scalar()
        config = parsed.put(row[1], text or "")
    return config


def operator_label() -> str:
    """Who ran a CLI command when no --by was given (the OS account)."""
    return f"cli:{getpass.getuser()}"


def propose_config(session: Session, text: str, proposed_by: str, note: str | None = None) -> TriageConfigVersion:
    """Store a new configuration version for approval. It is checked in full first."""
    config = load_config(text)
    taken = {shipped_config().version} | set(session.scalars(select(TriageConfigVersion.version)))
    if config.version in taken:
        raise TriageError(f"version {config.version!r} already exists; give the proposal a new version")
    row = TriageConfigVersion(version=config.version, sha256=config.sha256, text=text, status=ConfigStatus.PROPOSED,
                              proposed_by=proposed_by, note=note)
    session.add(row)
    session.flush()
    record(session, Actor(proposed_by), AuditAction.ADMINISTRATION, "triage_config", config.version,
           detail={"event": "proposed", "sha256": config.sha256})
    return row


def approve_config(session: Session, version: str, approver_email: str, *, approver_actor: Actor | None = None
                   ) -> TriageConfigVersion:
    """Approve a proposed version: the approver must be an active supervisor and not the proposer."""
    from jigsaw.accounts.models import User

    row = session.scalar(select(TriageConfigVersion).where(TriageConfigVersion.version == version))
    if row is None:
        raise TriageError(f"no proposed configuration {version!r}")
    if row.status != ConfigStatus.PROPOSED:
        raise TriageError(f"configuration {version!r} is {row.status}, not proposed")
    user = session.scalar(select(User).where(func.lower(User.email) == approver_email.strip().lower()))
    if user is None or user.role != Role.SUPERVISOR.value or not user.active:
        raise TriageError(f"{approver_email} is not an active supervisor")
    if user.email.lower() == row.proposed_by.strip().lower():
        raise TriageError("a configuration must be approved by a different person from the one who proposed it")
    config = load_config(row.text)  # re-checked: the deny list may have grown since it was proposed
    now = datetime.now(UTC)
    approved = select(TriageConfigVersion).where(TriageConfigVersion.status == ConfigStatus.APPROVED)
    for previous in session.scalars(approved):
        previous.status = ConfigStatus.RETIRED
    row.status, row.approved_by, row.approved_at = ConfigStatus.APPROVED, user.email, now
    session.flush()
    record(session, approver_actor or Actor(f"user:{user.id}", user.organisation_id), AuditAction.ADMINISTRATION,
           "triage_config", version, detail={"event": "approved", "sha256": config.sha256,
                                             "proposed_by": row.proposed_by})
    return row


def config_versions(session: Session) -> list[TriageConfigVersion]:
    return list(session.scalars(select(TriageConfigVersion).order_by(TriageConfigVersion.id.desc())))


def check_config_text(text: str) -> TriageConfig:
    """Load a configuration for the CLI's check command (errors propagate as ConfigError)."""
    return load_config(text)
