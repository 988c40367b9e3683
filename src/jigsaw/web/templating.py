"""Jinja2 templates: each capability keeps its own templates folder; this joins them."""

from __future__ import annotations

from pathlib import Path

from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape

_SRC = Path(__file__).resolve().parent.parent
TEMPLATE_DIRS = [
    _SRC / "web" / "templates",
    _SRC / "accounts" / "templates",
    _SRC / "audit" / "templates",
    _SRC / "intake" / "templates",
    _SRC / "linking" / "templates",
    _SRC / "triage" / "templates",
]


def build_templates() -> Jinja2Templates:
    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(str(d)) for d in TEMPLATE_DIRS if d.exists()]),
        autoescape=select_autoescape(default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return Jinja2Templates(env=env)


templates = build_templates()
