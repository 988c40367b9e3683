"""Merges, fuzzy suggestions, API, CLI, pages and exports."""

from __future__ import annotations

import json
from pathlib import Path

import igraph
import pytest
import typer
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from typer.testing import CliRunner

from jigsaw.accounts.roles import OrgKind, Role
from jigsaw.audit.models import AuditEvent
from jigsaw.db.engine import session_scope
from jigsaw.db.migrate import alembic_config, upgrade
from jigsaw.intake.models import IdentifierRecord
from jigsaw.linking import cli as linking_cli
from jigsaw.linking import fuzzy, queries
from jigsaw.linking.actions import MergeError, merge_subjects, unmerge_subjects
from jigsaw.linking.models import LinkLikeness, LinkSubject, SubjectMerge
from jigsaw.linking.rules import LinkingConfig
from jigsaw.platform import Platform
from jigsaw.security.fieldcrypt import cipher_of
from tests.factories import csrf_from, login, make_org, make_staff, make_token
from tests.linking import scenario as sc_mod
from tests.linking.conftest import TEST_CAP

CONFIG = LinkingConfig(fan_out_cap=TEST_CAP)


def _stored(platform: Platform) -> sc_mod.Scenario:
    sc = sc_mod.build(cap=TEST_CAP)
    with session_scope(platform.engine) as session:
        sc_mod.store(session, sc, CONFIG)
    return sc


def _labels(platform: Platform) -> dict[int, int]:
    with session_scope(platform.engine) as session:
        return dict(session.execute(select(LinkSubject.subject_id, LinkSubject.network_id)).all())


def test_merge_unmerge_round_trip_keeps_provenance(platform: Platform) -> None:
    sc = _stored(platform)
    before = _labels(platform)
    a1, c1 = sc.ids["a1"], sc.ids["c1"]
    with session_scope(platform.engine) as session:
        merge = merge_subjects(session, sc_mod.ACTOR, c1, a1, "same device IMEI in seized phone")
        merge_id = merge.id
    merged = _labels(platform)
    assert merged[c1] == merged[a1] == before[a1]
    with session_scope(platform.engine) as session, pytest.raises(MergeError):
        merge_subjects(session, sc_mod.ACTOR, a1, c1, "again")
    with session_scope(platform.engine) as session:
        unmerge_subjects(session, sc_mod.ACTOR, merge_id, "IMEI belonged to a shop phone")
    assert _labels(platform) == before
    with session_scope(platform.engine) as session:
        row = session.get(SubjectMerge, merge_id)
        assert row is not None
        assert (row.subject_a, row.subject_b) == tuple(sorted((a1, c1)))
        assert row.reason == "same device IMEI in seized phone" and row.merged_by == "test"
        assert row.unmerged_by == "test" and row.unmerge_reason == "IMEI belonged to a shop phone"
        assert row.unmerged_at is not None and row.merged_at <= row.unmerged_at
        events = session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "subject_merge")
                                 .order_by(AuditEvent.seq)).all()
        assert [(e.action, e.detail["action"]) for e in events] == [("combination", "merge"), ("alteration", "unmerge")]
        history = queries.merges_of_subject(session, a1)
        assert history[0]["active"] is False and history[0]["unmerge_reason"] == "IMEI belonged to a shop phone"


def test_fuzzy_suggestions_never_link(platform: Platform) -> None:
    sc = _stored(platform)
    labels = _labels(platform)
    a1, f1 = sc.ids["a1"], sc.ids["f1"]
    assert labels[f1] == f1 and labels[a1] != labels[f1]
    with session_scope(platform.engine) as session:
        found = queries.suggestions(session, a1)
    assert [(s["subject_id"], s["candidate"]["value"]) for s in found] == [(f1, "darkwolf9")]
    assert found[0]["same_network"] is False and found[0]["reason"]
    assert _labels(platform) == labels


def test_the_likeness_key_migration_converts_stored_keys(platform: Platform) -> None:
    """0020 turns the whole blind indexes 0019 stored into the 64-bit keys written since, without the key."""
    sc = _stored(platform)
    with session_scope(platform.engine) as session:
        written = set(session.execute(select(LinkLikeness.key_hash, LinkLikeness.identifier_id)).tuples())
        cipher = cipher_of(session)
        usernames = session.execute(select(IdentifierRecord.id, IdentifierRecord.platform, IdentifierRecord.value)
                                    .where(IdentifierRecord.type == "username")).all()
    assert written and usernames
    with platform.engine.connect() as conn:
        command.downgrade(alembic_config(platform.engine, conn), "0019")
        conn.execute(text("INSERT INTO link_likeness (identifier_id, key_hash) VALUES (:i, :k)"), [
            {"i": ident, "k": cipher.blind_index(f"likeness|{key}")}
            for ident, where, value in usernames for key in fuzzy.likeness_keys(where, value)])
        conn.commit()
    upgrade(platform.engine)
    with session_scope(platform.engine) as session:
        assert set(session.execute(select(LinkLikeness.key_hash, LinkLikeness.identifier_id)).tuples()) == written
        found = queries.suggestions(session, sc.ids["a1"])
    assert [(s["subject_id"], s["candidate"]["value"]) for s in found] == [(sc.ids["f1"], "darkwolf9")]


def _analyst(platform: Platform, client: TestClient) -> None:
    org = make_org(platform, "Centre")
    login(client, platform, make_staff(platform, "analyst@centre.test", Role.ANALYST, org))


def test_api_shapes_access_and_audit(platform: Platform, linking_client: TestClient) -> None:
    sc = _stored(platform)
    centre = make_org(platform, "Centre")
    platform_org = make_org(platform, "Platform", OrgKind.PLATFORM)
    token = make_token(platform, centre, "reports:read")
    no_scope = make_token(platform, centre, "reports:submit")
    outsider = make_token(platform, platform_org, "reports:read")
    assert linking_client.get("/api/v1/networks").status_code == 401
    assert linking_client.get("/api/v1/networks", headers={"Authorization": f"Bearer {no_scope}"}).status_code == 403
    assert linking_client.get("/api/v1/networks", headers={"Authorization": f"Bearer {outsider}"}).status_code == 403
    auth = {"Authorization": f"Bearer {token}", "X-Purpose": "operation TEST network review"}
    body = linking_client.get("/api/v1/networks", headers=auth).json()
    assert body["total"] == 2 and {"networks", "capped_identifiers", "total"} <= set(body)
    network = body["networks"][0]
    assert {"id", "size", "subjects", "reports", "capped_identifiers"} <= set(network)
    assert {"id", "identifiers", "report_id", "role"} <= set(network["subjects"][0])
    assert {"type", "value"} <= set(network["subjects"][0]["identifiers"][0])
    one = linking_client.get(f"/api/v1/networks/{network['id']}", headers=auth).json()
    assert one["subjects"] == network["subjects"]
    assert linking_client.get("/api/v1/networks/999999", headers=auth).status_code == 404
    series = linking_client.get("/api/v1/series", headers=auth).json()
    assert series["total"] == 3  # no bank here: GREEN_HAT and two possible new series
    first = series["series"][0]
    assert {"id", "names", "status", "victim_identified", "first_seen", "last_seen", "reports",
            "subjects"} <= set(first)
    assert linking_client.get(f"/api/v1/series/{first['id']}", headers=auth).json()["id"] == first["id"]
    with session_scope(platform.engine) as session:
        reads = session.scalars(select(AuditEvent).where(AuditEvent.action == "consultation",
                                                         AuditEvent.entity_type.in_(["networks", "network", "series"])))
        purposes = {e.purpose for e in reads}
    assert purposes == {"operation TEST network review"}
    assert sc.ids


def test_cli_json(platform: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    _stored(platform)
    monkeypatch.setenv("JIGSAW_DATA_DIR", str(platform.settings.data_dir))
    monkeypatch.setenv("JIGSAW_DATABASE_URL", platform.settings.database_url)
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """Test entry."""

    linking_cli.register(app)
    runner = CliRunner()
    result = runner.invoke(app, ["networks", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert len(data["networks"]) == 2
    assert {(c["type"], c["value"]) for c in data["capped_identifiers"]} == sc_mod.EXPECTED_CAPPED
    subject = data["networks"][0]["subjects"][0]
    assert {"id", "identifiers"} <= set(subject) and {"type", "value"} <= set(subject["identifiers"][0])
    assert data["networks"][0]["reports"]
    rebuilt = runner.invoke(app, ["networks", "rebuild"])
    assert rebuilt.exit_code == 0, rebuilt.output
    again = json.loads(runner.invoke(app, ["networks", "--json"]).output)
    assert [n["subjects"] for n in again["networks"]] == [n["subjects"] for n in data["networks"]]
    series = json.loads(runner.invoke(app, ["series", "--json"]).output)
    assert len(series["series"]) == 3 and {"names", "reports", "subjects"} <= set(series["series"][0])


def test_network_page_table_fallback_exports(platform: Platform, linking_client: TestClient,
                                             tmp_path: Path) -> None:
    sc = _stored(platform)
    _analyst(platform, linking_client)
    a2 = sc.ids["a2"]
    page = linking_client.get(f"/networks/subject/{a2}")
    assert page.status_code == 200
    html = page.text
    assert 'id="network-nodes"' in html and 'id="network-edges"' in html  # works without JS
    assert '<script src="/static/linking/network.js" defer></script>' in html and "<script>" not in html
    assert "wolf.den@gmail.com" in html and "+447700900111" in html
    assert f"/networks/subject/{a2}/export.graphml" in html
    assert linking_client.get("/static/linking/network.js").status_code == 200
    graph = linking_client.get(f"/networks/subject/{a2}/graph.json").json()
    assert {n["id"] for n in graph["nodes"]} == {sc.ids["a1"], sc.ids["a2"], sc.ids["a3"]}
    assert all(e["evidence"] for e in graph["edges"])
    # Decoy page lists its capped values.
    decoy = linking_client.get(f"/networks/subject/{sc.ids['x0']}").text
    assert "100.64.3.4" in decoy and "fan out" in decoy
    # Exports: GraphML parses back with the same nodes and edges; CSVs have the same rows.
    gml = linking_client.get(f"/networks/subject/{a2}/export.graphml")
    assert gml.status_code == 200 and "attachment" in gml.headers["content-disposition"]
    path = tmp_path / "n.graphml"
    path.write_bytes(gml.content)
    g = igraph.Graph.Read_GraphML(str(path))
    assert sorted(g.vs["id"]) == sorted(f"s{n['id']}" for n in graph["nodes"])
    got_edges = sorted(tuple(sorted((g.vs[e.source]["id"], g.vs[e.target]["id"]))) for e in g.es)
    want_edges = sorted(tuple(sorted((f"s{e['source']}", f"s{e['target']}"))) for e in graph["edges"])
    assert got_edges == want_edges
    nodes_csv = linking_client.get(f"/networks/subject/{a2}/export.nodes.csv").text.strip().splitlines()
    edges_csv = linking_client.get(f"/networks/subject/{a2}/export.edges.csv").text.strip().splitlines()
    assert len(nodes_csv) == 1 + len(graph["nodes"]) and len(edges_csv) == 1 + len(graph["edges"])
    with session_scope(platform.engine) as session:
        disclosures = session.scalars(select(AuditEvent).where(AuditEvent.action == "disclosure")).all()
    assert len(disclosures) == 3 and {d.purpose for d in disclosures} == {"analyst export"}
    assert all(d.recipient and d.recipient.startswith("organisation:") for d in disclosures)
    # Merge through the page (CSRF-protected form), then the series pages render.
    response = linking_client.post("/networks/merge", data={
        "subject_a": sc.ids["a1"], "subject_b": sc.ids["f1"], "reason": "same phone in device dump",
        "csrf_token": csrf_from(html)}, follow_redirects=False)
    assert response.status_code == 303
    assert _labels(platform)[sc.ids["f1"]] == _labels(platform)[sc.ids["a1"]]
    assert linking_client.get("/series").status_code == 200
    listing = linking_client.get("/networks")
    assert listing.status_code == 200 and "Values that do not join" in listing.text
    series_id = next(iter(queries_series_ids(platform)))
    assert "Reports" in linking_client.get(f"/series/{series_id}").text


def queries_series_ids(platform: Platform) -> list[int]:
    with session_scope(platform.engine) as session:
        return [s["id"] for s in queries.list_series(session)["series"]]
