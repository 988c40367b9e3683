"""Shared helpers for the import tests: run an import against a platform, read rows back."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from jigsaw.audit.service import Actor
from jigsaw.db.engine import session_scope
from jigsaw.imports import service
from jigsaw.imports.sources import Document
from jigsaw.imports.summary import ImportSummary, Issue
from jigsaw.intake.models import IdentifierRecord, LineOfEnquiry, MediaRecord, Observation, Report, Subject
from jigsaw.platform import Platform

ACTOR = Actor("test-import")


def options(platform: Platform, fmt: str = "cybertip", **overrides: Any) -> service.ImportOptions:
    with session_scope(platform.engine) as session:
        org_id, org_name = service.resolve_organisation(session, ACTOR, None, fmt)
    return service.ImportOptions(org_id, org_name, ACTOR, **{"workers": 1, **overrides})


def import_docs(platform: Platform, docs: dict[str, bytes] | list[Document | Issue], **overrides: Any
                ) -> ImportSummary:
    items = [Document(k, v) for k, v in docs.items()] if isinstance(docs, dict) else docs
    return service.import_cybertip(platform.engine, items, options(platform, **overrides))


def counts(platform: Platform) -> dict[str, int]:
    with session_scope(platform.engine) as session:
        return {model.__tablename__: session.scalar(select(func.count()).select_from(model)) or 0
                for model in (Report, Subject, IdentifierRecord, Observation, MediaRecord, LineOfEnquiry)}
