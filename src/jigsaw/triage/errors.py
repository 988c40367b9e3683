"""The error triage's services raise for a request they cannot carry out."""

from __future__ import annotations

from jigsaw.errors import InvalidInput


class TriageError(InvalidInput, ValueError):
    """A triage request that cannot be carried out; the message says why, for the person asking."""
