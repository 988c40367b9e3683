"""Exports of a package read with :func:`jigsaw.dissemination.service.read_package`: STIX 2.1 and PDF.

The caller has already read (and so audited) the package; these only shape it. A recipient's
export holds what its page shows (the centre's own references removed).
"""

from __future__ import annotations

from fastapi import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from jigsaw.accounts.models import Organisation
from jigsaw.dissemination import pdf, stix
from jigsaw.dissemination.evidence import for_recipient
from jigsaw.dissemination.grading import Assessment, Grade, Handling, SourceEvaluation
from jigsaw.dissemination.lifecycle import STATUS_LABELS, PackageStatus
from jigsaw.dissemination.models import PackageReport
from jigsaw.dissemination.service import PackageView
from jigsaw.intake.interfaces import MediaRecord
from jigsaw.matching.interfaces import MediaMatchRecord


def _grade(i: object) -> Grade:
    return Grade(SourceEvaluation(i.source_evaluation), Assessment(i.assessment),  # type: ignore[attr-defined]
                 Handling(i.handling), i.conditions)  # type: ignore[attr-defined]


def _evidence(view: PackageView) -> dict[str, object]:
    return for_recipient(view.package.evidence or {}) if view.for_recipient else dict(view.package.evidence or {})


def matched_files(session: Session, package_id: int) -> list[stix.FileHashes]:
    """The hashes of the package's media that matched known material (hashes only, never names)."""
    rows = session.execute(
        select(MediaRecord.md5, MediaRecord.sha1, MediaRecord.sha256, MediaRecord.pdq)
        .join(PackageReport, PackageReport.report_id == MediaRecord.report_id)
        .where(PackageReport.package_id == package_id,
               MediaRecord.id.in_(select(MediaMatchRecord.media_id).where(
                   MediaMatchRecord.report_id == MediaRecord.report_id)))
        .order_by(MediaRecord.id)).all()
    return [stix.FileHashes(*r) for r in rows]


def centre_name(session: Session) -> str:
    name = session.scalar(select(Organisation.name).where(Organisation.kind == "centre").order_by(Organisation.id))
    return name or "Jigsaw centre"


def stix_package(session: Session, view: PackageView) -> stix.StixPackage:
    p = view.package
    receipt = None
    if p.status in (PackageStatus.ACCEPTED.value, PackageStatus.REJECTED.value) and p.responded_at:
        receipt = (p.status, p.response_reason, p.responded_at)
    elif p.acknowledged_at:
        receipt = ("acknowledged", None, p.acknowledged_at)
    return stix.StixPackage(
        reference=p.reference, created_at=p.created_at, published_at=p.dispatched_at or p.created_at,
        summary=p.summary, items=[(i.text, _grade(i).short) for i in view.items], marking=view.marking,
        evidence=_evidence(view), centre_name=centre_name(session),
        recipient_name=view.recipient.name if view.recipient else None, files=matched_files(session, p.id),
        receipt=receipt, action_by=p.action_by)


def stix_json(session: Session, view: PackageView) -> str:
    return stix.to_json(stix_package(session, view))


def printable(view: PackageView) -> pdf.PrintablePackage:
    p = view.package
    return pdf.PrintablePackage(
        reference=p.reference, banner=view.marking.banner, handling=p.handling or "",
        status=STATUS_LABELS[PackageStatus(p.status)], band=p.band,
        recipient=view.recipient.name if view.recipient else None, dispatched_at=p.dispatched_at,
        action_by=p.action_by, review_by=p.review_by, summary=p.summary,
        items=[(g.short, g.words, i.text) for i in view.items for g in (_grade(i),)], evidence=_evidence(view))


def pdf_bytes(view: PackageView) -> bytes:
    return pdf.render(printable(view))


def pdf_response(view: PackageView) -> Response:
    """The package's PDF as a download that no cache keeps (pages and the API answer the same)."""
    return Response(pdf_bytes(view), media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{view.package.reference}.pdf"',
                             "Cache-Control": "no-store"})
