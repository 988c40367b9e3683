"""Jinja2 templates, built per app from the composed capabilities.

Each capability keeps its templates under ``<capability>/templates/<capability>/`` and names
them with that prefix (``intake/report.html``); the shell's own templates (``staff_base.html``,
``error.html``) sit in ``http/templates``. The staff navigation is the union of the
capabilities' nav items, filtered by role when a page is drawn.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from starlette.responses import Response

from jigsaw.capability import Banner, Capability, NavItem
from jigsaw.formats.text import isolate_bidi
from jigsaw.http.deps import db_session, platform_of
from jigsaw.http.flash import take_notices
from jigsaw.http.timefmt import london, utc

SHELL_TEMPLATES = Path(__file__).resolve().parent / "templates"


def _shown(value: Any) -> Any:
    """Every ``{{ value }}`` passes here before it is escaped: text holding bidirectional
    controls is isolated (:func:`jigsaw.formats.text.isolate_bidi`). Markup the app built
    itself (``tojson``, rendered fragments) is left alone."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return isolate_bidi(value)
    return value


def build_templates(capabilities: tuple[Capability, ...]) -> Jinja2Templates:
    """One environment for an app: the shell's templates, then each capability's namespace."""
    folders = [SHELL_TEMPLATES]
    filters: dict[str, Any] = {}
    nav: list[NavItem] = []
    for cap in capabilities:
        if cap.templates is not None:
            _check_namespace(cap)
            folders.append(cap.templates)
        filters.update(cap.template_filters)
        nav.extend(cap.nav)
    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(str(d)) for d in folders]),
        autoescape=select_autoescape(default=True),
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_shown,
    )
    env.filters.update(filters)
    env.filters["london"] = london
    env.filters["utc"] = utc
    env.globals["nav_items"] = tuple(sorted(nav, key=lambda item: item.order))
    return Jinja2Templates(env=env)


def _check_namespace(cap: Capability) -> None:
    assert cap.templates is not None
    entries = {p.name for p in cap.templates.iterdir() if not p.name.startswith(".")}
    if entries != {cap.name}:
        raise ValueError(f"{cap.templates} must hold one folder named {cap.name!r} (templates are namespaced), "
                         f"found {sorted(entries)}")


def render(request: Request, name: str, context: Mapping[str, Any], *, status_code: int = 200,
           headers: Mapping[str, str] | None = None) -> Response:
    """Render ``name`` with the app's templates (``request.app.state.templates``)."""
    templates: Jinja2Templates = request.app.state.templates
    context = dict(context)
    principal = context.get("principal")
    if principal is not None and "notices" not in context:
        context["notices"] = take_notices(request)
    if principal is not None and "banners" not in context:
        context["banners"] = collect_banners(request, principal)
        if context["banners"] and not context.get("csrf_token"):
            context["csrf_token"] = getattr(request.state, "csrf_token", "")  # the banners' buttons post
    return templates.TemplateResponse(request, name, context, status_code=status_code,
                                      headers=dict(headers) if headers else None)


def collect_banners(request: Request, principal: Any) -> list[Banner]:
    """Every composed capability's banners for ``principal``, in the capabilities' order."""
    found: list[Banner] = []
    caps = platform_of(request).capabilities
    hooks = [cap.banners for cap in caps if cap.banners is not None]
    if not hooks:
        return found
    session = db_session(request)
    for hook in hooks:
        found.extend(hook(session, principal))
    return found


__all__ = ["SHELL_TEMPLATES", "build_templates", "collect_banners", "render"]
