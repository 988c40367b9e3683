"""Routing: recipients (UK forces, international partners), the postcode table and proposals."""

from __future__ import annotations

from jigsaw.capability import Capability
from jigsaw.routing import cli

CAPABILITY = Capability(
    name="routing",
    cli=cli.register,
    tables=("jigsaw.routing.models",),
)
