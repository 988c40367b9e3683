"""Media: the hashing library and ``jigsaw hash`` (no routes or tables of its own)."""

from __future__ import annotations

from jigsaw.capability import Capability
from jigsaw.media import cli

CAPABILITY = Capability(name="media", cli=cli.register)
