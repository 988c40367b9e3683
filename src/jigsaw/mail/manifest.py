"""Outgoing mail through an outbox."""

from __future__ import annotations

from jigsaw.capability import Capability

CAPABILITY = Capability(name="mail")
