"""What a capability declares about itself, so the platform can be composed from one list.

Each capability package has a ``manifest.py`` holding one :class:`Capability`. The
composition root (:mod:`jigsaw.bootstrap`) reads the manifests in the order of its
``CAPABILITIES`` list; the web app, the CLI, the template loader, the staff navigation,
the table registry and the event bus are all built from them, so adding a capability is
one folder and one line.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import typer
    from fastapi import APIRouter
    from sqlalchemy.orm import Session

    from jigsaw.accounts.principal import Principal
    from jigsaw.platform import Platform


@dataclass(frozen=True)
class NavItem:
    """A link in the staff header, shown to the roles that may open the page behind it."""

    label: str
    url: str
    roles: frozenset[str]
    order: int = 100  # lower comes first in the header


@dataclass(frozen=True)
class Subscription:
    """A handler for one domain event, run inside the publisher's transaction."""

    event: type
    handler: Callable[[Any, Any], None]


@dataclass(frozen=True)
class ReportPanel:
    """A section another capability adds to the analyst's report page.

    ``context(session, report_id, query)`` returns the template's variables (``query`` is the
    page's query string); the page includes ``template`` with them. ``top`` panels are drawn
    under the report's heading (where it stands: its case), the others after what happened.
    """

    template: str
    context: Callable[[Any, int, Mapping[str, str]], Mapping[str, Any]]
    top: bool = False


@dataclass(frozen=True)
class PackagePanel:
    """A section another capability adds to a dissemination package's page: the centre's
    (``/packages/{id}``) and the recipient's (``/inbox/packages/{id}``).

    ``context(session, principal, package_id)`` returns the template's variables; it decides
    what the principal may see and do there (the recipient records, the centre reads).
    """

    template: str
    context: Callable[[Any, Any, int], Mapping[str, Any]]


@dataclass(frozen=True)
class Banner:
    """A notice drawn above the content of every staff page while something needs a person now.

    ``href`` links to what it is about; ``action_url`` (with ``action_label``) is a POST the
    banner offers as a button (the page adds the CSRF token). ``level`` is ``danger``,
    ``warning`` or ``info``.
    """

    message: str
    href: str | None = None
    href_label: str = "Open"
    action_url: str | None = None
    action_label: str | None = None
    level: str = "danger"


@dataclass(frozen=True)
class Capability:
    """One capability's declaration.

    - ``after``: capabilities whose event handlers must run before this one's (triage scores
      from network membership, so it runs after linking); the bus orders handlers by it,
      never by import order.
    - ``json_prefixes``: URL prefixes that always answer errors in JSON (machine routes);
      under ``bad_request_prefixes`` invalid input is answered 400 rather than 422 (routes
      that follow another system's blueprint).
    - ``landing``: the page each role lands on after signing in.
    - ``tables``: the modules that define its tables, so the migrations see every table.
    - ``static``: a folder served at ``/static/<name>/`` (scripts and styles of its pages).
    - ``report_panels``: sections drawn on the analyst's report page; ``package_panels``: sections
      drawn on a dissemination package's page (the centre's and the recipient's).
    - ``open``: builds per-platform state (caches, indexes) when a platform opens.
    - ``banners``: what must stay in front of a signed-in user on every staff page
      (``banners(session, principal)``), e.g. an unacknowledged duty alert.
    - ``unlogged_paths``: path prefixes whose access-log lines are dropped (the public report
      form: the line alone would say that an address reported abuse); ``anonymous_paths``: path
      prefixes whose lines are kept with the client address blanked (anonymous tips).
    - ``due_work``: periodic work (``due_work(platform, now)`` → counts of what it did), run by the
      same loop that escalates duty alerts and delivers mail (``jigsaw serve``, ``jigsaw alerts check``),
      before the mail it queues is delivered.
    """

    name: str
    routers: tuple[APIRouter, ...] = ()
    templates: Path | None = None
    static: Path | None = None
    template_filters: Mapping[str, Callable[..., Any]] = field(default_factory=dict)
    nav: tuple[NavItem, ...] = ()
    landing: Mapping[str, str] = field(default_factory=dict)
    json_prefixes: tuple[str, ...] = ()
    bad_request_prefixes: tuple[str, ...] = ()
    unlogged_paths: tuple[str, ...] = ()
    anonymous_paths: tuple[str, ...] = ()
    report_panels: tuple[ReportPanel, ...] = ()
    package_panels: tuple[PackagePanel, ...] = ()
    cli: Callable[[typer.Typer], None] | None = None
    tables: tuple[str, ...] = ()
    subscriptions: tuple[Subscription, ...] = ()
    after: tuple[str, ...] = ()
    open: Callable[[Platform], None] | None = None
    banners: Callable[[Session, Principal], list[Banner]] | None = None
    due_work: Callable[[Platform, datetime], Mapping[str, int]] | None = None


def handler_order(capabilities: tuple[Capability, ...]) -> tuple[Capability, ...]:
    """The capabilities ordered so that each comes after every capability it names in ``after``.

    Ties keep the order of the list, so the result is the same however the platform is used.
    """
    by_name = {c.name: c for c in capabilities}
    ordered: list[Capability] = []
    state: dict[str, str] = {}

    def visit(cap: Capability, path: tuple[str, ...]) -> None:
        if state.get(cap.name) == "done":
            return
        if state.get(cap.name) == "visiting":
            raise ValueError(f"capabilities order themselves in a cycle: {' -> '.join((*path, cap.name))}")
        state[cap.name] = "visiting"
        for name in cap.after:
            if name not in by_name:
                raise ValueError(f"capability {cap.name!r} runs after {name!r}, which is not composed")
            visit(by_name[name], (*path, cap.name))
        state[cap.name] = "done"
        ordered.append(cap)

    for cap in capabilities:
        visit(cap, ())
    return tuple(ordered)
