"""The annual review as PDF and CSV, and a threat assessment as PDF, each with its marking.

PDFs are made in memory through :mod:`jigsaw.pdfdoc`, the marking banner at the top and bottom of
every page. The CSV is the public version's tables only (suppressed): a staff CSV would be an
unmarked copy of small numbers, so there is none; staff take the marked PDF.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from typing import Any

from fastapi import Response

from jigsaw.markings import TLP_MEANING, Marking
from jigsaw.pdfdoc import MarkedDoc
from jigsaw.publications import threat
from jigsaw.publications.models import ThreatAssessment
from jigsaw.publications.service import AnnualReview


class PDFResponse(Response):
    media_type = "application/pdf"


class CSVResponse(Response):
    media_type = "text/csv"


def _fmt(value: object) -> str:
    return f"{value:,}" if isinstance(value, int) else ("" if value is None else str(value))


def _handling(doc: MarkedDoc, marking: Marking) -> None:
    doc.para(f"Marking: {marking.banner}", bold=True)
    if marking.tlp is not None:
        doc.para(f"TLP:{marking.tlp.value.upper()}: {TLP_MEANING[marking.tlp]}.")
    if marking.handling:
        doc.para(f"Handling: {marking.handling}")


def review_pdf(r: AnnualReview) -> bytes:
    doc = MarkedDoc(r.marking.banner, r.reference)
    doc.set_title(r.reference)
    doc.add_page()
    doc.title_line(f"Annual review {r.period.name}")
    doc.para(f"{r.period.label}: {r.period.start:%d %B %Y} to {r.period.end:%d %B %Y}. "
             f"Counted from the record on {r.generated_at:%Y-%m-%d %H:%M} UTC.")
    _handling(doc, r.marking)
    doc.para(r.caveat)
    doc.heading("Headline figures")
    doc.grid(["Figure (rule)", r.period.name or "", r.prior_period.name or "", "Change"],
              [[f"{f.label} ({f.rule_id})" + (" - a record" if f.is_record else ""), _fmt(f.value), _fmt(f.prior),
                f.change] for f in r.headlines])
    doc.heading("From reports to outcomes")
    doc.grid(["Stage (rule)", r.period.name or ""], [[f"{f.label} ({f.rule_id})", _fmt(f.value)] for f in r.funnel])
    doc.heading("Education (children and settings are separate figures, never added)")
    doc.grid(["Figure (rule)", r.period.name or "", r.prior_period.name or ""],
              [[f"{f.label} ({f.rule_id})", _fmt(f.value), _fmt(f.prior)] for f in r.reach])
    for t in r.tables:
        doc.heading(f"Reports by {t.title.lower()}")
        labels = [*t.table.rows, "Total"]
        doc.grid([t.title, *t.table.columns, "Total"],
                  [[label, *(_fmt(v) for v in row)] for label, row in zip(labels, t.table.cells, strict=True)])
    doc.heading("How each figure is counted")
    for rule_id, label, text in r.rules:
        doc.para(f"{label} ({rule_id})", bold=True)
        doc.para(text)
    return doc.bytes()


def review_csv(r: AnnualReview) -> str:
    """The public tables, one row per cell: section, row, column, value (``[c]`` where withheld)."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["financial_year", "section", "row", "column", "value", "rule"])
    for f in r.headlines + r.reach:
        w.writerow([r.period.name, "headline", f.label, r.period.name, _fmt(f.value).replace(",", ""), f.rule_id])
        if f.prior is not None:
            w.writerow([r.period.name, "headline", f.label, r.prior_period.name, _fmt(f.prior).replace(",", ""),
                        f.rule_id])
    for f in r.funnel:
        w.writerow([r.period.name, "funnel", f.label, r.period.name, _fmt(f.value).replace(",", ""), f.rule_id])
    for t in r.tables:
        for label, row in zip([*t.table.rows, "Total"], t.table.cells, strict=True):
            for column, value in zip([*t.table.columns, "Total"], row, strict=True):
                w.writerow([r.period.name, t.key, label, column, value, "JS-PUB-REFERRAL-1"])
    return out.getvalue()


def threat_pdf(ta: ThreatAssessment, figures: Mapping[str, Any], marking: Marking, author: str | None,
               approver: str | None) -> bytes:
    ref = f"{ta.reference} v{ta.version}"
    doc = MarkedDoc(marking.banner, ref)
    doc.set_title(ta.title)
    doc.add_page()
    doc.title_line(ta.title)
    status = threat.STATUS_LABELS[threat.Status(ta.status)]
    doc.para(f"{ref} · {status} · period {figures['period']['label']} compared with {figures['compare']['label']}")
    doc.para(f"Drafted by {author or 'unknown'}" + (f"; approved by {approver} on {ta.approved_at:%Y-%m-%d}"
                                                    if approver and ta.approved_at else "; not approved"))
    if ta.frozen_at:
        doc.para(f"Figures frozen at approval, {ta.frozen_at:%Y-%m-%d %H:%M} UTC.")
    _handling(doc, marking)
    doc.para(f"Reports: {figures['reports']['now']:,} (before: {figures['reports']['before']:,}); referrals: "
             f"{figures['referrals']['now']:,} (before: {figures['referrals']['before']:,}).")
    sections = ta.sections or {}
    tables = {"platforms": "platforms", "incident_types": "areas", "victims": "ages", "emerging": "emerging"}
    for key, title in threat.SECTIONS:
        doc.heading(title)
        if sections.get(key):
            doc.para(sections[key])
        rows = figures.get(tables.get(key, ""), [])
        if key in tables:
            if rows:
                doc.grid(["", "Now", "Before", "Change"],
                          [[str(t["label"]), _fmt(t["now"]), _fmt(t["before"]),
                            f"{t['change']:+,}" + (f" ({t['change_pct']:+.0f}%)" if t["change_pct"] is not None
                                                   else "")] for t in rows[:15]])
            else:
                doc.para("Nothing to show" + (f" (a platform needs at least {figures['min_base']} reports before "
                                              "to count as emerging)." if key == "emerging" else "."))
    doc.heading("How the figures are counted")
    for rule_id, text in figures.get("rules", {}).items():
        doc.para(rule_id, bold=True)
        doc.para(text)
    return doc.bytes()


def download(body: bytes | str, media_type: str, filename: str) -> Response:
    kind = PDFResponse if media_type == "application/pdf" else CSVResponse
    return kind(body, media_type=media_type, headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})
