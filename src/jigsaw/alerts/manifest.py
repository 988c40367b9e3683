"""Duty alerts: banners, duty email, acknowledgement and escalation."""

from __future__ import annotations

from jigsaw.capability import Capability

CAPABILITY = Capability(name="alerts", after=("triage",))
