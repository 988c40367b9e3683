"""GraphML and CSV exports of a network view, for i2 Analyst's Notebook and Maltego users.

The renderers are pure: they take the view dict of :func:`jigsaw.linking.queries.subject_view`
(nodes and edges with evidence) and return text. Both formats carry the same nodes and edges; CSV
is two files (nodes, edges), the shape i2's and Maltego's tabular importers expect.
:func:`export_subject_network` is what adapters call: it renders and records the disclosure.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring

from sqlalchemy.orm import Session

from jigsaw.audit.chain import AuditAction
from jigsaw.audit.service import Actor, record
from jigsaw.linking.queries import subject_view_or_raise
from jigsaw.linking.rules import LinkingConfig

GRAPHML_NS = "http://graphml.graphdrawing.org/xmlns"

NODE_FIELDS = ("id", "label", "role", "report", "network", "identifiers")
EDGE_FIELDS = ("source", "target", "kind", "evidence", "reports")


def _node_row(node: Mapping[str, Any]) -> dict[str, str]:
    idents = "; ".join(f"{i['type']}:{i['value']}" + (f"@{i['platform']}" if i.get("platform") else "")
                       for i in node.get("identifiers", []))
    return {"id": f"s{node['id']}", "label": f"Subject {node['id']} ({node.get('role', '')})",
            "role": str(node.get("role", "")), "report": str(node.get("report_reference", "")),
            "network": str(node.get("network_id", "")), "identifiers": idents}


def _evidence_text(item: Mapping[str, Any]) -> str:
    if item["kind"] == "identifier":
        return f"{item['type']}:{item['value']}"
    if item["kind"] == "media":
        hashes = sorted({it.get("sha256") or it.get("md5") or it.get("pdq") or "" for it in item["items"]})
        return "media:" + ",".join(h for h in hashes if h)
    return f"merge:{item.get('merge_id')}"


def _edge_row(edge: Mapping[str, Any]) -> dict[str, str]:
    kinds = sorted({e["kind"] for e in edge.get("evidence", [])})
    return {"source": f"s{edge['source']}", "target": f"s{edge['target']}", "kind": "+".join(kinds),
            "evidence": "; ".join(_evidence_text(e) for e in edge.get("evidence", [])),
            "reports": "; ".join(edge.get("reports", []))}


def to_graphml(view: Mapping[str, Any]) -> str:
    """GraphML (undirected) with string attributes on nodes and edges."""
    root = Element("graphml", xmlns=GRAPHML_NS)
    for name in NODE_FIELDS[1:]:
        SubElement(root, "key", {"id": f"n_{name}", "for": "node", "attr.name": name, "attr.type": "string"})
    for name in EDGE_FIELDS[2:]:
        SubElement(root, "key", {"id": f"e_{name}", "for": "edge", "attr.name": name, "attr.type": "string"})
    graph = SubElement(root, "graph", id="network", edgedefault="undirected")
    for node in view["nodes"]:
        row = _node_row(node)
        el = SubElement(graph, "node", id=row["id"])
        for name in NODE_FIELDS[1:]:
            SubElement(el, "data", key=f"n_{name}").text = row[name]
    for i, edge in enumerate(view["edges"]):
        row = _edge_row(edge)
        el = SubElement(graph, "edge", id=f"e{i}", source=row["source"], target=row["target"])
        for name in EDGE_FIELDS[2:]:
            SubElement(el, "data", key=f"e_{name}").text = row[name]
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(root, encoding="unicode")


def _csv(rows: list[dict[str, str]], fields: tuple[str, ...]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=fields)
    writer.writeheader()
    for row in rows:
        # Cells starting with = + - @ would run as formulas in a spreadsheet: neutralise them.
        writer.writerow({k: ("'" + v if v[:1] in ("=", "+", "-", "@") else v) for k, v in row.items()})
    return buffer.getvalue()


def to_csv_nodes(view: Mapping[str, Any]) -> str:
    return _csv([_node_row(n) for n in view["nodes"]], NODE_FIELDS)


def to_csv_edges(view: Mapping[str, Any]) -> str:
    return _csv([_edge_row(e) for e in view["edges"]], EDGE_FIELDS)


@dataclass(frozen=True)
class ExportFormat:
    media_type: str
    suffix: str
    render: Callable[[Mapping[str, Any]], str]


FORMATS = {
    "graphml": ExportFormat("application/graphml+xml", "graphml", to_graphml),
    "nodes.csv": ExportFormat("text/csv", "nodes.csv", to_csv_nodes),
    "edges.csv": ExportFormat("text/csv", "edges.csv", to_csv_edges),
}


def export_subject_network(session: Session, exporter: Actor, config: LinkingConfig, subject_id: int,
                           fmt: str, *, purpose: str, recipient: str) -> str:
    """A subject's network rendered as ``fmt`` (a key of :data:`FORMATS`), recorded as a disclosure.

    An export leaves Jigsaw's audit trail with the analyst, so it is a disclosure to ``recipient``
    (the analyst's organisation), not a consultation.
    """
    view = subject_view_or_raise(session, config, subject_id)
    record(session, exporter, AuditAction.DISCLOSURE, "subject_network", subject_id, purpose=purpose,
           recipient=recipient, detail={"format": fmt, "nodes": len(view["nodes"]), "edges": len(view["edges"])})
    return FORMATS[fmt].render(view)
