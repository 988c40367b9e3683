"""``POST /api/v1/imports``: partners upload a CyberTipline batch, a VICS export or a CSV.

The upload is read within a size bound (Content-Length is checked first, then the bytes
actually read), parsed in a worker thread of the server (no process pool inside the web server), and
imported for the token's own organisation, so a partner can only ever create referrals
in its own name. The answer is the same summary the CLI prints with ``--json``.

The server holds a batch while it parses it, so HTTP imports have tighter bounds than the CLI
(:data:`jigsaw.imports.limits.HTTP_LIMITS`: a zip may expand to 64 MiB), zip members are
expanded one at a time (VICS documents are parsed and dropped as they are read; a CyberTipline
batch is joined as a whole), and at most :data:`MAX_CONCURRENT_IMPORTS` run at once per
process (more are answered 429 with ``Retry-After``).

With ``JIGSAW_DASK_SCHEDULER`` set, a zip batch is parsed and encoded on that Dask cluster
instead (the writer stays here, as on the CLI); a single document is still parsed in the
server. A cluster that cannot be used answers 503 with ``Retry-After`` before anything is written.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from contextlib import nullcontext
from dataclasses import replace
from typing import BinaryIO

from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, UploadFile, status
from sqlalchemy.orm import Session

from jigsaw.accounts.models import Organisation
from jigsaw.accounts.principal import Principal
from jigsaw.accounts.roles import OrgKind, Scope
from jigsaw.http.deps import authorize, db_session, platform_of
from jigsaw.imports import service, vics
from jigsaw.imports.csvmap import MappingError, load_mapping
from jigsaw.imports.dispatch import ClusterUnavailable, DaskCluster, connect_cluster
from jigsaw.imports.limits import HTTP_LIMITS
from jigsaw.imports.schemas import ImportSummaryOut
from jigsaw.imports.sources import ZIP_MAGIC, Document, read_zip
from jigsaw.imports.summary import Issue

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/v1/imports", tags=["imports"])
import_access = authorize(scopes={Scope.REPORTS_SUBMIT}, org_kinds=tuple(OrgKind))

FORMATS = {"cybertip": (".xml",), "vics": (".json",), "csv": (".csv",)}
_CHUNK = 1024 * 1024
MAX_CONCURRENT_IMPORTS = 2
RETRY_AFTER_SECONDS = 30


def import_slots(request: Request) -> threading.BoundedSemaphore:
    """Per app: the imports that may run at once in this process."""
    state = request.app.state
    if not hasattr(state, "import_slots"):
        state.import_slots = threading.BoundedSemaphore(MAX_CONCURRENT_IMPORTS)
    slots: threading.BoundedSemaphore = state.import_slots
    return slots


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


def _bounded_file(upload: UploadFile, limit: int) -> BinaryIO:
    """The upload's own in-memory file, rewound, once its size is known to be within ``limit``
    (a zip is read in place rather than copied)."""
    handle = upload.file
    size = handle.seek(0, 2)
    if size > limit:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, f"the upload exceeds {limit} bytes")
    handle.seek(0)
    return handle


@router.post("", response_model=ImportSummaryOut, responses={
    413: {"description": "Upload too large"}, 422: {"description": "Unknown format, unreadable archive or mapping"},
    429: {"description": "Too many imports running; see Retry-After"}})
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

    A refused batch, archive or mapping is 422 (:mod:`jigsaw.web.errors`); a zip may expand to
    64 MiB; while two imports are running another is answered 429 with ``Retry-After``.
    """
    if format not in FORMATS:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"format must be one of {', '.join(FORMATS)}")
    limit = HTTP_LIMITS.max_upload_bytes
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > limit + _CHUNK:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, f"the upload exceeds {limit} bytes")
    slots = import_slots(request)
    if not slots.acquire(blocking=False):
        raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS, "other imports are running; try again shortly",
                            headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
    try:
        return _run_import(request, format, file, mapping, uk_map, principal, session)
    finally:
        slots.release()


def _run_import(request: Request, format: str, file: UploadFile, mapping: UploadFile | None, uk_map: str | None,
                principal: Principal, session: Session) -> ImportSummaryOut:
    limit = HTTP_LIMITS.max_upload_bytes
    upload = _bounded_file(file, limit)
    name = (file.filename or f"upload.{format}").replace("/", "_").replace("\\", "_")[:200]
    organisation = session.get(Organisation, principal.organisation_id)
    if organisation is None:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "the token's organisation no longer exists")
    session.commit()  # release the token bookkeeping before the import opens its own transactions
    platform = platform_of(request)
    options = service.ImportOptions(
        organisation.id, organisation.name, principal.actor, token_id=principal.token_id,
        default_region=platform.settings.default_phone_region, workers=1, limits=HTTP_LIMITS,
    )
    if format == "csv":
        if mapping is None:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "a CSV import needs a mapping file")
        try:
            mapping_text = _read_bounded(mapping, 1024 * 1024).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MappingError(str(exc)) from None
        summary = service.import_csv(platform.engine, name, upload.read(), load_mapping(mapping_text), options)
    else:
        zipped = upload.read(len(ZIP_MAGIC)) == ZIP_MAGIC
        upload.seek(0)
        uk_categories = vics.parse_uk_map(uk_map) if format == "vics" else {}
        # A generator: members are expanded as the import asks for them.
        docs: Iterable[Document | Issue] = (read_zip(upload, name, FORMATS[format], HTTP_LIMITS) if zipped
                                            else [Document(name, upload.read())])
        with _cluster(platform.settings.dask_scheduler if zipped else None) as cluster:
            options = replace(options, cluster=cluster)
            if format == "cybertip":
                summary = service.import_cybertip(platform.engine, docs, options)
            else:
                summary = service.import_vics(platform.engine, docs, options, uk_categories)
    return ImportSummaryOut.model_validate(summary.as_dict())


def _cluster(scheduler: str | None) -> DaskCluster | nullcontext[None]:
    """The configured parsing cluster, connected; 503 if it cannot be used (nothing written yet)."""
    if not scheduler:
        return nullcontext()
    try:
        return connect_cluster(scheduler)
    except ClusterUnavailable as exc:
        log.error("API import refused: %s", exc)  # the address is for the operator, not the partner's answer
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "the import workers are unavailable; try again "
                            "shortly", headers={"Retry-After": str(RETRY_AFTER_SECONDS)}) from None
