"""A package as a PDF (fpdf2, through :mod:`jigsaw.pdfdoc`), the marking banner at the top and bottom of every page.

The PDF is made in memory and answered; it is never written to disk. It carries what the package
page shows a recipient: markings, dates, the summary and graded items, and the evidence summary
(identifiers, hash-match counts, triage, open lines of enquiry); never an image.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fpdf.enums import XPos, YPos

from jigsaw.http.timefmt import utc
from jigsaw.pdfdoc import MarkedDoc


@dataclass(frozen=True)
class PrintablePackage:
    reference: str
    banner: str
    handling: str
    status: str
    band: str
    recipient: str | None
    dispatched_at: datetime | None
    action_by: datetime | None
    review_by: datetime | None
    summary: str
    items: Sequence[tuple[str, str, str]]  # (grade short, words, text)
    evidence: Mapping[str, Any]


def _when(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment else "not yet"


def render(p: PrintablePackage, *, unicode: bool | None = None, compress: bool = True) -> bytes:
    """The PDF's bytes. With ``unicode`` (the default where DejaVu Sans is installed) every script
    prints; otherwise the core Helvetica font is used and characters outside Latin-1 become ``?``."""
    doc = MarkedDoc(p.banner, p.reference, unicode=unicode, compress=compress)
    family = doc.family
    c = doc.c
    doc.set_title(f"Intelligence package {p.reference}")
    doc.add_page()
    width = doc.w - doc.l_margin - doc.r_margin

    def heading(text: str) -> None:
        doc.ln(2)
        doc.set_font(family, "B", 12)
        doc.multi_cell(width, 7, c(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        doc.set_font(family, "", 10)

    def line(text: str) -> None:
        doc.multi_cell(width, 5, c(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    doc.set_font(family, "B", 15)
    doc.multi_cell(width, 8, c(f"Intelligence package {p.reference}"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    doc.set_font(family, "", 10)
    line(f"Recipient: {p.recipient or 'not chosen yet'}")
    line(f"Status: {p.status} · Band: {p.band}")
    line(f"Dispatched: {_when(p.dispatched_at)} · Action by: {_when(p.action_by)} · Review by: {_when(p.review_by)}")
    if p.handling:
        line(f"Handling instructions: {p.handling}")
    heading("Summary")
    line(p.summary)
    heading("Intelligence (graded 3x5x2)")
    for grade, words, text in p.items:
        doc.set_font(family, "B", 10)
        line(f"{grade} ({words})")
        doc.set_font(family, "", 10)
        line(text)
    ev = p.evidence
    heading("Subjects")
    for s in ev.get("subjects", []):
        bits = [s.get("ref", ""), s.get("role", ""), s.get("name") or "name not known"]
        if s.get("age") is not None:
            bits.append(f"age {s['age']}")
        line(" · ".join(str(b) for b in bits if b))
    heading("Identifiers (times in UTC)")
    for i in ev.get("identifiers", []):
        platform = f" on {i['platform']}" if i.get("platform") else ""
        holders = f" [{', '.join(i.get('subjects', []))}]" if i.get("subjects") else ""
        line(f"{i['type']}: {i['value']}{platform}{holders} · first seen {utc(i.get('first_seen'), empty='?')} · "
             f"last seen {utc(i.get('last_seen'), empty='?')} · seen {i.get('times_seen', 1)} time(s)")
    if ev.get("media_links_withheld"):
        line(f"{ev['media_links_withheld']} link(s) to media withheld.")
    matches = ev.get("hash_matches", {})
    heading("Hash matches (counts only)")
    line(f"{matches.get('media_matched', 0)} media item(s) matched known material.")
    for label, key in (("By UK category", "by_category"), ("By VICS category", "by_vics_category"),
                       ("By series", "by_series")):
        counts = matches.get(key) or {}
        if counts:
            line(f"{label}: " + ", ".join(f"{k}: {v}" for k, v in counts.items()))
    tri = ev.get("triage", {})
    heading(f"Triage: band {tri.get('band', p.band)}")
    line(tri.get("advisory", ""))
    for r in tri.get("reports", []):
        reasons = "; ".join([*r.get("rules", []), *r.get("factors", [])]) or "no rule fired"
        line(f"{r.get('band') or 'not assessed'} (score {r.get('score', '?')}): {reasons}")
    heading("Open lines of enquiry")
    lines = ev.get("lines_of_enquiry", [])
    for entry in lines:
        line(f"- {entry['title']}")
    if not lines:
        line("None recorded.")
    return bytes(doc.output())
