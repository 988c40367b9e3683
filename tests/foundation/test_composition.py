"""The composition root: one list of capabilities, per-platform state, namespaced templates."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from jinja2 import ChainableUndefined

from jigsaw import bootstrap
from jigsaw.capability import Capability, handler_order
from jigsaw.events import ReportStored
from jigsaw.http.templating import build_templates
from jigsaw.linking import hooks as linking_hooks
from jigsaw.linking.rules import LinkingConfig
from jigsaw.matching.service import MatchingService
from jigsaw.platform import Platform, platform_for
from jigsaw.security.fieldcrypt import cipher_of
from tests.conftest import make_settings


def test_the_list_is_the_composition() -> None:
    caps = bootstrap.capabilities()
    assert tuple(c.name for c in caps) == bootstrap.CAPABILITIES
    assert len(set(bootstrap.CAPABILITIES)) == len(bootstrap.CAPABILITIES)


def test_handlers_run_in_declared_order_whatever_is_imported(sqlite_platform: Platform) -> None:
    handlers = sqlite_platform.events.handlers(ReportStored)
    owners = [h.__module__.split(".")[1] for h in handlers]
    # Media is matched, then linked into networks, then scored: triage reads both; case work
    # joins the report to a case by its links and ranks the case by its band; duty alerts read the band.
    assert owners[:3] == ["matching", "linking", "triage"]
    assert owners.index("casework") > owners.index("triage")
    assert owners.index("alerts") > owners.index("triage")
    assert handlers[1].__module__ == linking_hooks.__name__


def test_handler_order_follows_after_and_refuses_cycles() -> None:
    a, b, c = Capability("a", after=("c",)), Capability("b"), Capability("c", after=("b",))
    assert [x.name for x in handler_order((a, b, c))] == ["b", "c", "a"]
    with pytest.raises(ValueError, match="cycle"):
        handler_order((Capability("x", after=("y",)), Capability("y", after=("x",))))
    with pytest.raises(ValueError, match="not composed"):
        handler_order((Capability("x", after=("nobody",)),))


def test_two_platforms_in_one_process_share_nothing(tmp_path: Path) -> None:
    first = bootstrap.open_platform(make_settings(tmp_path / "one"))
    second = bootstrap.open_platform(make_settings(tmp_path / "two"))
    try:
        assert first.engine is not second.engine
        assert first.events is not second.events
        assert first.find(MatchingService) is not second.find(MatchingService)
        assert first.find(LinkingConfig) is not second.find(LinkingConfig) or \
            first.find(LinkingConfig) == second.find(LinkingConfig)
        assert first.session_key != second.session_key
        assert cipher_of(first.engine) is first.cipher and cipher_of(second.engine) is second.cipher
        with first.session() as s1, second.session() as s2:
            assert platform_for(s1) is first and platform_for(s2) is second
        # A value written under one platform's key does not decrypt under the other's.
        token = first.cipher.encrypt("x", "reports.summary")
        with pytest.raises(Exception, match="cannot decrypt"):
            second.cipher.decrypt(token, "reports.summary")
        # An event published on one platform runs none of the other's handlers.
        seen: list[str] = []
        first.events.subscribe(ReportStored, lambda _s, _e: seen.append("first"))
        second.events.subscribe(ReportStored, lambda _s, _e: seen.append("second"))
        with first.session() as s1:
            first.events.handlers(ReportStored)[-1](s1, ReportStored(0))
        assert seen == ["first"]
    finally:
        first.close()
        second.close()


def test_templates_are_namespaced_by_capability() -> None:
    for cap in bootstrap.capabilities():
        if cap.templates is not None:
            assert {p.name for p in cap.templates.iterdir()} == {cap.name}


def test_no_template_hides_a_missing_include() -> None:
    for cap in bootstrap.capabilities():
        if cap.templates is not None:
            for path in cap.templates.rglob("*.html"):
                assert "ignore missing" not in path.read_text(), path


class _Anything(ChainableUndefined):
    """Stands in for any context value: attributes, calls and iteration all succeed, empty."""

    def __call__(self, *args: Any, **kwargs: Any) -> _Anything:
        return self

    def __lt__(self, other: object) -> bool:
        return False

    __gt__ = __le__ = __ge__ = __lt__


def test_every_template_compiles_and_renders() -> None:
    templates = build_templates(bootstrap.capabilities())
    env = templates.env.overlay(undefined=_Anything)
    names = env.list_templates(extensions=["html"])
    assert len(names) >= 25
    for name in names:
        env.get_template(name).render(principal=None, csrf_token="t")
