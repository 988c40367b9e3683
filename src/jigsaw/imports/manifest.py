"""Imports: bulk referrals (CyberTipline XML, VICS, CSV) through ``jigsaw import`` and the API."""

from __future__ import annotations

from jigsaw.capability import Capability
from jigsaw.imports import cli, routes

CAPABILITY = Capability(
    name="imports",
    routers=(routes.router,),
    cli=cli.register,
)
