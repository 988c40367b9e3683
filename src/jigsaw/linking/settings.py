"""Linking's configuration, read once from the environment when a platform opens.

``JIGSAW_LINK_FAN_OUT_CAP``, ``JIGSAW_LINK_SHARED_NETWORKS`` (comma-separated CIDRs, added to
the defaults) and ``JIGSAW_LINK_SHARED_VALUES`` (comma-separated ``type|platform|value``).
The rules themselves (:mod:`jigsaw.linking.rules`) stay pure: they take a
:class:`~jigsaw.linking.rules.LinkingConfig`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from jigsaw.linking.rules import DEFAULT_FAN_OUT_CAP, DEFAULT_SHARED_NETWORKS, LinkingConfig
from jigsaw.platform import platform_for


def config_from_env(env: Mapping[str, str] | None = None) -> LinkingConfig:
    """The configuration the environment (or ``env``) describes."""
    source = os.environ if env is None else env
    cap = int(source.get("JIGSAW_LINK_FAN_OUT_CAP", DEFAULT_FAN_OUT_CAP))
    extra_nets = _split(source.get("JIGSAW_LINK_SHARED_NETWORKS", ""))
    values = frozenset(_split(source.get("JIGSAW_LINK_SHARED_VALUES", "")))
    return LinkingConfig(fan_out_cap=cap, shared_networks=DEFAULT_SHARED_NETWORKS + tuple(extra_nets),
                         shared_values=values)


def linking_config(bind: Session | Connection) -> LinkingConfig:
    """The configuration of the platform that owns ``bind`` (read when it opened)."""
    return platform_for(bind).find(LinkingConfig)


def _split(raw: str) -> list[str]:
    return [part.strip() for part in raw.split(",") if part.strip()]
