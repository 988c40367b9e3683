"""Outgoing mail through an outbox: queued in the caller's transaction, sent over SMTP with retries."""

from __future__ import annotations

from jigsaw.capability import Capability
from jigsaw.mail import cli

CAPABILITY = Capability(
    name="mail",
    cli=cli.register,
    tables=("jigsaw.mail.models",),
)
