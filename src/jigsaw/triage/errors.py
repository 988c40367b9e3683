"""The error triage's services raise for a request they cannot carry out."""

from __future__ import annotations


class TriageError(ValueError):
    """A triage request that cannot be carried out; the message says why, for the person asking."""
