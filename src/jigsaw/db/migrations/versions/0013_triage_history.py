"""Triage history keeps what changed: existing re-assessments become deltas of their keyframe.

Each re-assessment used to store the whole explanation again (about 15 KB). From this revision
an assessment stores either the whole explanation (a keyframe) or a delta against the report's
latest keyframe (``{"$delta": {"base", "set", "lists", "removed"}}``, see jigsaw.triage.history).
This revision rewrites the stored history the same way, report by report, and downgrading
writes every explanation whole again: no assessment's meaning changes either way (a test reads
every explanation back before and after). The delta rules are copied here, frozen, so later
changes to the application cannot change what this revision does.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_DELTA = "$delta"
_assessments = sa.table("triage_assessments", sa.column("id", sa.Integer), sa.column("report_id", sa.Integer),
                        sa.column("explanation", sa.JSON))


def _keyed(value: Any) -> dict[Any, Any] | None:
    if not isinstance(value, list) or not all(isinstance(v, dict) and "id" in v for v in value):
        return None
    by_id = {v["id"]: v for v in value}
    return by_id if len(by_id) == len(value) else None


def _diff(base: dict[str, Any], new: dict[str, Any], base_id: int) -> dict[str, Any]:
    put: dict[str, Any] = {}
    lists: dict[str, Any] = {}
    for key, value in new.items():
        old = base.get(key)
        if key in base and old == value:
            continue
        old_items, new_items = _keyed(old), _keyed(value)
        if old_items is not None and new_items is not None and (old_items or new_items):
            lists[key] = {"order": list(new_items), "changed": [v for k, v in new_items.items() if old_items.get(k) != v]}
        else:
            put[key] = value
    return {_DELTA: {"base": base_id, "set": put, "lists": lists, "removed": [k for k in base if k not in new]}}


def _apply(base: dict[str, Any], stored: dict[str, Any]) -> dict[str, Any]:
    if _DELTA not in stored:
        return stored
    delta = stored[_DELTA]
    out = {k: v for k, v in base.items() if k not in set(delta.get("removed", ()))}
    out.update(delta.get("set", {}))
    for key, change in delta.get("lists", {}).items():
        known = {**(_keyed(base.get(key)) or {}), **{v["id"]: v for v in change["changed"]}}
        out[key] = [known[i] for i in change["order"]]
    keys = [k for k in base if k in out] + [k for k in delta.get("set", {}) if k not in base]
    return {k: out[k] for k in keys}


def _size(value: Any) -> int:
    return len(json.dumps(value, separators=(",", ":"), default=str))


def _rows(bind: sa.Connection) -> Any:
    return bind.execute(sa.select(_assessments.c.id, _assessments.c.report_id, _assessments.c.explanation)
                        .order_by(_assessments.c.report_id, _assessments.c.id)).all()


def upgrade() -> None:
    bind = op.get_bind()
    updates: list[dict[str, Any]] = []
    keyframe: tuple[int, dict[str, Any]] | None = None
    report: int | None = None
    for row_id, report_id, explanation in _rows(bind):
        if report_id != report or keyframe is None or _DELTA in (explanation or {}):
            report, keyframe = report_id, None if _DELTA in (explanation or {}) else (row_id, explanation or {})
            continue
        delta = _diff(keyframe[1], explanation or {}, keyframe[0])
        if _size(delta) > 0.5 * _size(explanation):
            keyframe = (row_id, explanation)
            continue
        updates.append({"rid": row_id, "explanation": delta})
        if len(updates) >= 500:
            _write(bind, updates)
            updates = []
    _write(bind, updates)


def downgrade() -> None:
    bind = op.get_bind()
    whole: dict[int, dict[str, Any]] = {}
    updates: list[dict[str, Any]] = []
    report: int | None = None
    for row_id, report_id, explanation in _rows(bind):
        if report_id != report:
            report, whole = report_id, {}
        if _DELTA in (explanation or {}):
            explanation = _apply(whole.get(int(explanation[_DELTA]["base"]), {}), explanation)
            updates.append({"rid": row_id, "explanation": explanation})
        whole[row_id] = explanation
        if len(updates) >= 500:
            _write(bind, updates)
            updates = []
    _write(bind, updates)


def _write(bind: sa.Connection, updates: list[dict[str, Any]]) -> None:
    if updates:
        bind.execute(_assessments.update().where(_assessments.c.id == sa.bindparam("rid"))
                     .values(explanation=sa.bindparam("explanation")), updates)
