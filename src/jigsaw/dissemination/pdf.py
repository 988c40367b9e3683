"""A package as a PDF (fpdf2), the marking banner at the top and bottom of every page.

The PDF is made in memory and answered; it is never written to disk. It carries what the package
page shows a recipient: markings, dates, the summary and graded items, and the evidence summary
(identifiers, hash-match counts, triage, open lines of enquiry); never an image.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from jigsaw.http.timefmt import utc

UNICODE_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
UNICODE_BOLD = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")


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


class _Doc(FPDF):
    def __init__(self, banner: str, reference: str, family: str) -> None:
        super().__init__(format="A4")
        self.banner, self.reference, self.family = banner, reference, family

    def header(self) -> None:
        self.set_font(self.family, "B", 11)
        self.set_text_color(160, 0, 0)
        self.cell(0, 7, self.banner, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0, 0, 0)
        self.ln(2)

    def footer(self) -> None:
        self.set_y(-16)
        self.set_font(self.family, "", 8)
        self.cell(0, 4, f"{self.reference} · page {self.page_no()} of {{nb}}", align="C",
                  new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(self.family, "B", 11)
        self.set_text_color(160, 0, 0)
        self.cell(0, 7, self.banner, align="C")
        self.set_text_color(0, 0, 0)


def _clean(text: str, unicode: bool) -> str:
    if unicode:
        return text
    for dash in ("\u00b7", "\u2014", "\u2013"):
        text = text.replace(dash, "-")
    return text.encode("latin-1", "replace").decode("latin-1")


def render(p: PrintablePackage, *, unicode: bool | None = None, compress: bool = True) -> bytes:
    """The PDF's bytes. With ``unicode`` (the default where DejaVu Sans is installed) every script
    prints; otherwise the core Helvetica font is used and characters outside Latin-1 become ``?``."""
    unicode = UNICODE_FONT.exists() and UNICODE_BOLD.exists() if unicode is None else unicode
    family = "DejaVu" if unicode else "Helvetica"
    c = lambda text: _clean(str(text), unicode)  # noqa: E731
    doc = _Doc(c(p.banner), c(p.reference), family)
    if unicode:
        doc.add_font("DejaVu", "", str(UNICODE_FONT))
        doc.add_font("DejaVu", "B", str(UNICODE_BOLD))
    doc.set_compression(compress)
    doc.set_title(f"Intelligence package {p.reference}")
    doc.set_author("Jigsaw")
    doc.set_auto_page_break(True, margin=22)
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


def render_table(*, title: str, banner: str, reference: str, lines: Sequence[str], header: Sequence[str],
                 rows: Sequence[Sequence[object]], notes: Sequence[str] = (), unicode: bool | None = None,
                 compress: bool = True) -> bytes:
    """A landscape PDF of one table (a sitrep's figures by force) under a title and a few lines, with
    the marking banner at the top and bottom of every page, as a package's PDF has; ``notes`` follow
    the table (revisions since it was frozen). Made in memory, never written to disk."""
    unicode = UNICODE_FONT.exists() and UNICODE_BOLD.exists() if unicode is None else unicode
    family = "DejaVu" if unicode else "Helvetica"
    c = lambda text: _clean(str(text), unicode)  # noqa: E731
    doc = _Doc(c(banner), c(reference), family)
    if unicode:
        doc.add_font("DejaVu", "", str(UNICODE_FONT))
        doc.add_font("DejaVu", "B", str(UNICODE_BOLD))
    doc.set_compression(compress)
    doc.set_title(title)
    doc.set_author("Jigsaw")
    doc.set_auto_page_break(True, margin=22)
    doc.add_page(orientation="L")
    width = doc.w - doc.l_margin - doc.r_margin
    doc.set_font(family, "B", 14)
    doc.multi_cell(width, 8, c(title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    doc.set_font(family, "", 9)
    for text in lines:
        doc.multi_cell(width, 5, c(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    doc.ln(2)
    doc.set_font(family, "", 6.5)
    with doc.table(col_widths=(4, *([1] * (len(header) - 1))), text_align="CENTER", first_row_as_headings=True,
                   line_height=3.6) as table:
        for values in (header, *rows):
            out = table.row()
            for value in values:
                out.cell(c(value))
    if notes:
        doc.ln(3)
        doc.set_font(family, "", 9)
        for text in notes:
            doc.multi_cell(width, 5, c(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(doc.output())
