"""Keeping a report's triage history small: each assessment stores what changed (pure).

Every re-assessment used to store its whole explanation (about 15 KB) again, though most
re-assessments change little or nothing. Now an assessment stores either the whole
explanation (a *keyframe*) or a delta against the report's latest keyframe: the top-level
values that differ, and for lists of entries with an ``id`` (rules, items, unknowns,
groups) only the entries that changed and the new order. Reading any assessment back
takes at most two rows (it and its keyframe). A new keyframe is written when a delta would
be more than half the size of the whole.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

DELTA = "$delta"
MAX_DELTA_SHARE = 0.5  # a delta larger than this share of the whole explanation: store the whole


def is_delta(stored: Mapping[str, Any] | None) -> bool:
    return bool(stored) and DELTA in stored  # type: ignore[operator]


def keyframe_of(stored: Mapping[str, Any], own_id: int) -> int:
    """The id of the keyframe an assessment's stored explanation is read against (itself if whole)."""
    return int(stored[DELTA]["base"]) if is_delta(stored) else own_id


def _keyed_list(value: Any) -> dict[Any, Any] | None:
    """``value`` as ``{id: entry}`` if it is a list of dicts with distinct ids, else None."""
    if not isinstance(value, list) or not all(isinstance(v, dict) and "id" in v for v in value):
        return None
    by_id = {v["id"]: v for v in value}
    return by_id if len(by_id) == len(value) else None


def diff(base: Mapping[str, Any], new: Mapping[str, Any], base_id: int) -> dict[str, Any]:
    """``new`` as a delta against the keyframe ``base`` (stored under ``base_id``)."""
    put: dict[str, Any] = {}
    lists: dict[str, Any] = {}
    for key, value in new.items():
        old = base.get(key)
        if key in base and old == value:
            continue
        old_items, new_items = _keyed_list(old), _keyed_list(value)
        if old_items is not None and new_items is not None and (old_items or new_items):
            changed = [v for k, v in new_items.items() if old_items.get(k) != v]
            lists[key] = {"order": list(new_items), "changed": changed}
        else:
            put[key] = value
    removed = [key for key in base if key not in new]
    return {DELTA: {"base": base_id, "set": put, "lists": lists, "removed": removed}}


def apply(base: Mapping[str, Any], stored: Mapping[str, Any]) -> dict[str, Any]:
    """The whole explanation of ``stored`` (a delta against ``base``, or whole already)."""
    if not is_delta(stored):
        return dict(stored)
    delta = stored[DELTA]
    out = {k: v for k, v in base.items() if k not in set(delta.get("removed", ()))}
    out.update(delta.get("set", {}))
    for key, change in delta.get("lists", {}).items():
        known = {**(_keyed_list(base.get(key)) or {}), **{v["id"]: v for v in change["changed"]}}
        out[key] = [known[i] for i in change["order"]]
    return {key: out[key] for key in _order(base, delta, out)}


def _order(base: Mapping[str, Any], delta: Mapping[str, Any], out: Mapping[str, Any]) -> list[str]:
    keys = [k for k in base if k in out]
    keys += [k for k in delta.get("set", {}) if k not in keys]
    return keys


def to_store(new: Mapping[str, Any], keyframe: Mapping[str, Any] | None, keyframe_id: int | None,
             new_size: int | None = None) -> dict[str, Any]:
    """What to store for ``new``: a delta against the keyframe when that is small, else the whole.

    ``new_size``: the length of ``new`` as compact JSON, when the caller has that text already."""
    if keyframe is None or keyframe_id is None:
        return dict(new)
    delta = diff(keyframe, new, keyframe_id)
    if len(_json(delta)) > MAX_DELTA_SHARE * (len(_json(new)) if new_size is None else new_size):
        return dict(new)
    return delta


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), default=str)
