"""Marked PDF documents (fpdf2), made in memory: the shared kernel behind every PDF Jigsaw prints.

A document's marking banner (``OFFICIAL-SENSITIVE PERSONAL · TLP:AMBER``, or ``OFFICIAL`` for a
public document) is printed at the top and bottom of every page, with the document's reference and
"page n of N" in the footer, so a page torn from a printout still says how to handle it. DejaVu
Sans is used where it is installed (every script prints); otherwise the core Helvetica font, with
characters outside Latin-1 replaced.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

UNICODE_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
UNICODE_BOLD = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")


def clean(text: str, unicode: bool) -> str:
    """``text`` as the chosen font can print it."""
    if unicode:
        return text
    for dash in ("\u00b7", "\u2014", "\u2013"):
        text = text.replace(dash, "-")
    return text.encode("latin-1", "replace").decode("latin-1")


class MarkedDoc(FPDF):
    """An A4 document with its banner at the top and bottom of every page."""

    def __init__(self, banner: str, reference: str, *, unicode: bool | None = None, compress: bool = True) -> None:
        super().__init__(format="A4")
        self.unicode = UNICODE_FONT.exists() and UNICODE_BOLD.exists() if unicode is None else unicode
        self.family = "DejaVu" if self.unicode else "Helvetica"
        if self.unicode:
            self.add_font("DejaVu", "", str(UNICODE_FONT))
            self.add_font("DejaVu", "B", str(UNICODE_BOLD))
        self.banner, self.reference = self.c(banner), self.c(reference)
        self.set_compression(compress)
        self.set_author("Jigsaw")
        self.set_auto_page_break(True, margin=22)

    def c(self, text: object) -> str:
        return clean(str(text), self.unicode)

    @property
    def width(self) -> float:
        return self.w - self.l_margin - self.r_margin

    def header(self) -> None:
        self.set_font(self.family, "B", 11)
        self.set_text_color(160, 0, 0)
        self.cell(0, 7, self.banner, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0, 0, 0)
        self.ln(2)

    def footer(self) -> None:
        self.set_y(-16)
        self.set_font(self.family, "", 8)
        self.cell(0, 4, self.c(f"{self.reference} · page {self.page_no()} of {{nb}}"), align="C",
                  new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(self.family, "B", 11)
        self.set_text_color(160, 0, 0)
        self.cell(0, 7, self.banner, align="C")
        self.set_text_color(0, 0, 0)

    def title_line(self, text: str) -> None:
        self.set_font(self.family, "B", 15)
        self.multi_cell(self.width, 8, self.c(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(self.family, "", 10)

    def heading(self, text: str) -> None:
        self.ln(2)
        self.set_font(self.family, "B", 12)
        self.multi_cell(self.width, 7, self.c(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(self.family, "", 10)

    def para(self, text: str, *, bold: bool = False) -> None:
        self.set_font(self.family, "B" if bold else "", 10)
        self.multi_cell(self.width, 5, self.c(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(self.family, "", 10)

    def grid(self, header: list[str], rows: list[list[str]]) -> None:
        """A simple grid; the first column takes what the others leave."""
        n = len(header)
        rest = min(28.0, (self.width * 0.55) / max(n - 1, 1))
        widths = [self.width - rest * (n - 1)] + [rest] * (n - 1)
        self.set_font(self.family, "B", 9)
        for text, w in zip(header, widths, strict=True):
            self.cell(w, 6, self.c(text), border=1)
        self.ln(6)
        self.set_font(self.family, "", 9)
        for row in rows:
            for j, (text, w) in enumerate(zip(row, widths, strict=True)):
                self.cell(w, 6, self.c(text), border=1, align="L" if j == 0 else "R")
            self.ln(6)
        self.set_font(self.family, "", 10)

    def bytes(self) -> bytes:
        return bytes(self.output())


def table_document(*, title: str, banner: str, reference: str, lines: Sequence[str], header: Sequence[str],
                   rows: Sequence[Sequence[object]], notes: Sequence[str] = (), unicode: bool | None = None,
                   compress: bool = True) -> bytes:
    """A landscape PDF of one table (a sitrep's figures by force) under a title and a few lines, the
    banner at the top and bottom of every page; ``notes`` follow the table (revisions since it was
    frozen). Made in memory, never written to disk."""
    doc = MarkedDoc(banner, reference, unicode=unicode, compress=compress)
    doc.set_title(title)
    doc.add_page(orientation="L")
    doc.set_font(doc.family, "B", 14)
    doc.multi_cell(doc.width, 8, doc.c(title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    doc.set_font(doc.family, "", 9)
    for text in lines:
        doc.multi_cell(doc.width, 5, doc.c(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    doc.ln(2)
    doc.set_font(doc.family, "", 6.5)
    with doc.table(col_widths=(4, *([1] * (len(header) - 1))), text_align="CENTER", first_row_as_headings=True,
                   line_height=3.6) as table:
        for values in (header, *rows):
            out = table.row()
            for value in values:
                out.cell(doc.c(value))
    if notes:
        doc.ln(3)
        doc.set_font(doc.family, "", 9)
        for text in notes:
            doc.multi_cell(doc.width, 5, doc.c(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(doc.output())
