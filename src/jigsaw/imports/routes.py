"""``POST /api/v1/imports``: partners upload a CyberTipline batch, a VICS export or a CSV.

The upload is read within a size bound (Content-Length is checked first, then the bytes
actually read), parsed in a worker thread of the server (no process pool inside the web server), and
imported for the token's own organisation, so a partner can only ever create referrals
in its own name. The answer is the same summary the CLI prints with ``--json``.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, UploadFile, status
from sqlalchemy.orm import Session

from jigsaw.accounts.models import Organisation
from jigsaw.accounts.principal import Principal
from jigsaw.accounts.roles import OrgKind, Scope
from jigsaw.http.deps import authorize, db_session, platform_of
from jigsaw.imports import service, vics
from jigsaw.imports.csvmap import MappingError, load_mapping
from jigsaw.imports.limits import DEFAULT_LIMITS
from jigsaw.imports.schemas import ImportSummaryOut
from jigsaw.imports.sources import Document, is_zip, read_zip
from jigsaw.imports.summary import Issue

router = APIRouter(prefix="/api/v1/imports", tags=["imports"])
import_access = authorize(scopes={Scope.REPORTS_SUBMIT}, org_kinds=tuple(OrgKind))

FORMATS = {"cybertip": (".xml",), "vics": (".json",), "csv": (".csv",)}
_CHUNK = 1024 * 1024


def _read_bounded(upload: UploadFile, limit: int) -> bytes:
    if upload.size is not None and upload.size > limit:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, f"the upload exceeds {limit} bytes")
    parts: list[bytes] = []
    total = 0
    while chunk := upload.file.read(_CHUNK):
        total += len(chunk)
        if total > limit:
            raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, f"the upload exceeds {limit} bytes")
        parts.append(chunk)
    return b"".join(parts)


@router.post("", response_model=ImportSummaryOut, responses={413: {"description": "Upload too large"},
                            422: {"description": "Unknown format, unreadable archive or mapping"}})
def create_import(
    request: Request,
    format: str = Form(..., description="cybertip, vics or csv"),
    file: UploadFile = File(..., description="One document, or a zip of documents (cybertip, vics)."),
    mapping: UploadFile | None = File(None, description="CSV only: the YAML or JSON column mapping."),
    uk_map: str | None = Form(None, description="VICS only: VICS→UK category pairs such as '1=A,2=C'."),
    principal: Principal = Depends(import_access),
    session: Session = Depends(db_session),
) -> ImportSummaryOut:
    """Import referrals for your organisation; every document is reported (imported, duplicate, refused).

    A refused batch, archive or mapping is 422 (:mod:`jigsaw.web.errors`).
    """
    if format not in FORMATS:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"format must be one of {', '.join(FORMATS)}")
    limit = DEFAULT_LIMITS.max_upload_bytes
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > limit + _CHUNK:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, f"the upload exceeds {limit} bytes")
    data = _read_bounded(file, limit)
    name = (file.filename or f"upload.{format}").replace("/", "_").replace("\\", "_")[:200]
    organisation = session.get(Organisation, principal.organisation_id)
    if organisation is None:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "the token's organisation no longer exists")
    session.commit()  # release the token bookkeeping before the import opens its own transactions
    platform = platform_of(request)
    options = service.ImportOptions(
        organisation.id, organisation.name, principal.actor, token_id=principal.token_id,
        default_region=platform.settings.default_phone_region, workers=1,
    )
    if format == "csv":
        if mapping is None:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "a CSV import needs a mapping file")
        try:
            mapping_text = _read_bounded(mapping, 1024 * 1024).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MappingError(str(exc)) from None
        summary = service.import_csv(platform.engine, name, data, load_mapping(mapping_text), options)
    else:
        docs: list[Document | Issue] = (list(read_zip(data, name, FORMATS[format])) if is_zip(data)
                                        else [Document(name, data)])
        if format == "cybertip":
            summary = service.import_cybertip(platform.engine, docs, options)
        else:
            summary = service.import_vics(platform.engine, docs, options, vics.parse_uk_map(uk_map))
    return ImportSummaryOut.model_validate(summary.as_dict())
