"""HTTP routes: HMA 2.x-compatible hashing, matching and curation, plus a batch match API.

HMA clients keep working by adding ``Authorization: Bearer <token>``: the paths, parameters and
response shapes follow HMA's ``/h``, ``/m`` and ``/c`` blueprints. Differences, on purpose:

* every route needs a token scope (``hashes:read`` / ``banks:write``) or a staff role;
* no server-side fetching: a ``url`` parameter is refused with 400 (no SSRF surface);
* uploads are hashed in memory and discarded; nothing is written;
* a duplicate bank is 409 (HMA answers 403, which clients cannot tell from an auth failure);
* ``POST /api/v1/match`` takes many hashes at once and returns every match with its bank
  metadata and distance, which HMA cannot (#1827, #1681).

Matching discloses what the centre holds, so (issue 15): a caller's PDQ threshold may not be
wider than the banks' own (two complementary hashes are within 128 bits of every PDQ); each
query answers with its nearest :data:`MAX_MATCHES_PER_QUERY` entries and a call with at most
:data:`MAX_MATCHES_PER_RESPONSE`; series, victim identification and tags are shown only to
the centre; and every match and lookup call is audited as a disclosure to the caller.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncGenerator
from typing import TYPE_CHECKING, Annotated, Any

import anyio
from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile as StarletteUpload
from starlette.formparsers import MultiPartException, MultiPartParser

from jigsaw.accounts.principal import Principal
from jigsaw.accounts.roles import OrgKind, Role, Scope
from jigsaw.audit.chain import AuditAction
from jigsaw.audit.service import record
from jigsaw.errors import InvalidInput
from jigsaw.http.deps import authorize, db_session, platform_of, require_csrf
from jigsaw.http.security import SlidingWindowLimiter, too_many_requests
from jigsaw.matching.banks import EntryError, make_entry
from jigsaw.matching.schemas import (
    MAX_BATCH,
    BankCreate,
    BankOut,
    HashesOut,
    HashQuery,
    LookupOut,
    MatchRequest,
    MatchResults,
    RawLookupOut,
    SignalsAdded,
)
from jigsaw.matching.service import MatchingService
from jigsaw.matching.storage import add_entry, create_bank, get_bank, list_banks
from jigsaw.media.errors import DecodeLimits
from jigsaw.signals import FIXED_SIZE, SignalError, signal_type

if TYPE_CHECKING:
    from jigsaw.media import MediaHashes

router = APIRouter(tags=["matching"])

read_access = authorize(scopes={Scope.HASHES_READ}, roles={Role.ANALYST, Role.SUPERVISOR},
                        org_kinds=tuple(OrgKind))
write_access = authorize(scopes={Scope.BANKS_WRITE}, roles={Role.SUPERVISOR, Role.ADMIN})

MAX_UPLOAD_BYTES = 256 * 1024 * 1024
UPLOAD_LIMITS = DecodeLimits(max_pixels=40_000_000, max_video_frames=100_000)
"""Decoding caps for uploads: 40 MP (a 9999 x 9999 image, under the CLI's 100 MP, is refused)."""
HASH_CONCURRENCY = 2
"""Uploads decoded at once, per process; more wait their turn (decoding is CPU- and memory-bound)."""
HASH_UPLOADS_PER_MINUTE = 120
"""Files one token or user may send to ``/h/hash`` a minute."""
MAX_MATCHES_PER_QUERY = 20
"""The nearest entries one hash answers with (the rest are left out and the result says so)."""
MAX_MATCHES_PER_RESPONSE = 1_000
"""The most matches one call may answer with; a call that would return more is refused."""
MATCH_PURPOSE = "hash matching requested by the caller"
CENTRE_ONLY = ("series", "victim_identified", "tags")
"""Match metadata only the centre sees: it says who a victim is known to be, and how far."""
__all__ = ["MAX_BATCH", "BankCreate", "HashQuery", "MatchRequest", "router"]


class TooManyMatches(InvalidInput, ValueError):
    """A call would answer with more matches than :data:`MAX_MATCHES_PER_RESPONSE`."""


Hits = list[tuple[str, int, int]]


def _nearest(raw: list[Hits]) -> tuple[list[Hits], list[bool]]:
    """Each query's nearest :data:`MAX_MATCHES_PER_QUERY` hits, and whether some were left
    out; refuses a call whose answer would still exceed :data:`MAX_MATCHES_PER_RESPONSE`."""
    kept: list[Hits] = []
    cut: list[bool] = []
    for hits in raw:
        hits = sorted(hits, key=lambda h: (h[2], h[0], h[1]))
        kept.append(hits[:MAX_MATCHES_PER_QUERY])
        cut.append(len(hits) > MAX_MATCHES_PER_QUERY)
    total = sum(len(hits) for hits in kept)
    if total > MAX_MATCHES_PER_RESPONSE:
        raise TooManyMatches(f"this call matches more than {MAX_MATCHES_PER_RESPONSE} entries; "
                             "send fewer hashes per call")
    return kept, cut


def _audit_disclosure(session: Session, principal: Principal, route: str, queries: int,
                      kept: list[Hits]) -> None:
    """Every match and lookup call tells the caller what the banks hold: record it, with the
    entries disclosed (bounded by :data:`MAX_MATCHES_PER_RESPONSE`)."""
    entries = sorted({entry_id for hits in kept for _, entry_id, _ in hits})
    record(session, principal.actor, AuditAction.DISCLOSURE, "bank_match", None,
           purpose=MATCH_PURPOSE, recipient=principal.actor.label,
           detail={"route": route, "queries": queries,
                   "matched": sum(1 for hits in kept if hits), "entries": entries})


def _shown_to(principal: Principal, match: dict[str, Any]) -> dict[str, Any]:
    if principal.at_centre:
        return match
    return match | {"series": None, "victim_identified": None, "tags": []}


def matching_service(request: Request) -> MatchingService:
    """The process's matcher for this app's database (its indexes live in memory and follow it)."""
    return platform_of(request).find(MatchingService)


def _no_url(request: Request) -> None:
    if "url" in request.query_params:
        raise HTTPException(status.HTTP_400_BAD_REQUEST,
                            "fetching media by URL is not supported; upload the file instead")


def _staff_csrf(request: Request, principal: Principal) -> None:
    """A staff session changing banks must echo its CSRF token (tokens need not)."""
    if principal.is_staff:
        require_csrf(request, request.headers.get("x-csrf-token"))


def _banks_param(banks: list[str] | None) -> list[str] | None:
    if not banks:
        return None
    return [b.strip() for item in banks for b in item.split(",") if b.strip()]


def _lookup(service: MatchingService, session: Session, principal: Principal, route: str,
            stype: str, signal: str, banks: list[str] | None) -> Hits:
    """One HMA lookup at the banks' own thresholds, capped and audited. A bad signal is 400
    and an unknown bank 404 (:mod:`jigsaw.web.errors`)."""
    raw = service.lookup_raw(stype, [signal], banks=banks, within_bank_threshold=True)
    kept, _cut = _nearest(raw)
    _audit_disclosure(session, principal, route, 1, kept)
    return kept[0]


# -- /h: hashing ----------------------------------------------------------------------------
async def _capped(request: Request) -> AsyncGenerator[bytes, None]:
    seen = 0
    async for chunk in request.stream():
        seen += len(chunk)
        if seen > MAX_UPLOAD_BYTES + 64 * 1024:
            raise HTTPException(status.HTTP_413_REQUEST_ENTITY_TOO_LARGE, "file too large")
        yield chunk


@router.post("/h/hash", dependencies=[Depends(_no_url)], response_model=HashesOut,
             response_model_exclude_unset=True)
async def hash_upload(request: Request, principal: Principal = Depends(read_access)) -> dict[str, str]:
    """Hash one uploaded file (multipart; field ``photo`` or ``video`` as in HMA) in memory.

    Decoding runs on a worker thread, at most :data:`HASH_CONCURRENCY` at a time, with
    :data:`UPLOAD_LIMITS` (fewer pixels than ``jigsaw hash`` allows); a file that is refused or
    cannot be decoded keeps its exact hashes and says why in ``error``. Each caller may send
    :data:`HASH_UPLOADS_PER_MINUTE` files a minute (429 with ``Retry-After`` beyond that)."""
    limiter, who = hash_limiter(request), principal.actor.label
    if not limiter.allow(who):
        raise too_many_requests(limiter, who, "too many uploads to hash; wait and try again")
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "send the file as multipart/form-data")
    # The app keeps every upload in memory (jigsaw.http.security.keep_uploads_in_memory).
    parser = MultiPartParser(request.headers, _capped(request), max_files=1, max_fields=4,
                                max_part_size=64 * 1024)
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, exc.message) from None
    uploads = [v for v in form.values() if isinstance(v, StarletteUpload)]
    if len(uploads) != 1:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "upload exactly one file")
    data = await uploads[0].read()
    name = uploads[0].filename
    await form.close()
    if len(data) > MAX_UPLOAD_BYTES:
        raise HTTPException(status.HTTP_413_REQUEST_ENTITY_TOO_LARGE, "file too large")
    hashes = await anyio.to_thread.run_sync(_hash, data, name, limiter=_hash_slots())
    del data
    out = {k: v for k in ("pdq", "md5", "sha1", "sha256") if (v := getattr(hashes, k, None))}
    if hashes.kind == "video" and hashes.md5:
        out["video_md5"] = hashes.md5
    if hashes.error:
        out["error"] = hashes.error
    return out


def _hash(data: bytes, name: str | None) -> MediaHashes:
    """Decode and hash on a worker thread: a large image would hold the event loop (and every
    other route) for seconds."""
    from jigsaw.media import hash_bytes  # the decoders load on first use

    return hash_bytes(data, name=name, limits=UPLOAD_LIMITS)


_slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.CapacityLimiter] = \
    weakref.WeakKeyDictionary()


def _hash_slots() -> anyio.CapacityLimiter:
    """The event loop's :data:`HASH_CONCURRENCY` decoding slots (a limiter belongs to one loop)."""
    loop = asyncio.get_running_loop()
    slots = _slots.get(loop)
    if slots is None:
        slots = _slots[loop] = anyio.CapacityLimiter(HASH_CONCURRENCY)
    return slots


def hash_limiter(request: Request) -> SlidingWindowLimiter:
    """Per app, so each running instance (and each test) counts its own uploads."""
    state = request.app.state
    if not hasattr(state, "hash_limiter"):
        state.hash_limiter = SlidingWindowLimiter(limit=HASH_UPLOADS_PER_MINUTE, window=60)
    limiter: SlidingWindowLimiter = state.hash_limiter
    return limiter


# -- /m: matching ---------------------------------------------------------------------------
@router.get("/m/raw_lookup", dependencies=[Depends(_no_url)], response_model=RawLookupOut)
def raw_lookup(
    signal_type_name: Annotated[str, Query(alias="signal_type")],
    signal: str,
    banks: Annotated[list[str] | None, Query()] = None,
    include_distance: bool = False,
    service: MatchingService = Depends(matching_service),
    session: Session = Depends(db_session),
    principal: Principal = Depends(read_access),
) -> dict[str, list[Any]]:
    """HMA shape: ``{"matches": [id, ...]}``, or ``[{bank_content_id, distance}]`` (the nearest
    :data:`MAX_MATCHES_PER_QUERY`; audited)."""
    hits = _lookup(service, session, principal, "/m/raw_lookup", signal_type_name, signal,
                   _banks_param(banks))
    if include_distance:
        return {"matches": [{"bank_content_id": i, "distance": str(d)} for _, i, d in hits]}
    return {"matches": [i for _, i, _ in hits]}


@router.get("/m/lookup", dependencies=[Depends(_no_url)], response_model=LookupOut)
def lookup(
    signal_type_name: Annotated[str, Query(alias="signal_type")],
    signal: str,
    banks: Annotated[list[str] | None, Query()] = None,
    service: MatchingService = Depends(matching_service),
    session: Session = Depends(db_session),
    principal: Principal = Depends(read_access),
) -> dict[str, list[dict[str, Any]]]:
    """HMA shape: ``{BANK: [{bank_content_id, distance}]}`` (the nearest
    :data:`MAX_MATCHES_PER_QUERY`; audited)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for bank, i, d in _lookup(service, session, principal, "/m/lookup", signal_type_name, signal,
                              _banks_param(banks)):
        out.setdefault(bank, []).append({"bank_content_id": i, "distance": str(d)})
    return out


@router.post("/api/v1/match", response_model=MatchResults)
def match_many(
    body: MatchRequest,
    service: MatchingService = Depends(matching_service),
    session: Session = Depends(db_session),
    principal: Principal = Depends(read_access),
) -> dict[str, Any]:
    """Match up to 10,000 hashes in one call; every match carries bank metadata and distance.

    A ``threshold`` wider than the banks' own is refused; each hash answers with its nearest
    matches (``truncated`` says some were left out) and a call with at most 1,000. Series,
    victim identification and tags are shown to the centre only. Every call is audited."""
    service.refresh()
    service.check_threshold(body.threshold, body.banks)
    by_type: dict[str, list[int]] = {}
    for i, h in enumerate(body.hashes):
        try:
            by_type.setdefault(signal_type(h.signal_type, among=FIXED_SIZE).name, []).append(i)
        except SignalError as exc:  # name the hash; the status (422) comes from jigsaw.web.errors
            raise SignalError(f"hashes[{i}]: {exc}") from None
    results: list[dict[str, Any]] = [
        {"signal_type": h.signal_type, "value": h.value, "matches": [], "truncated": False}
        for h in body.hashes]
    raw: list[Hits] = [[] for _ in body.hashes]
    for stype, positions in by_type.items():
        values = [body.hashes[i].value for i in positions]
        found = service.lookup_raw(stype, values, banks=body.banks, threshold=body.threshold,
                                   refresh=False, within_bank_threshold=True)
        for i, hits in zip(positions, found, strict=True):
            raw[i] = hits
    kept, cut = _nearest(raw)  # refuses an answer too large before any metadata is read
    _audit_disclosure(session, principal, "/api/v1/match", len(body.hashes), kept)
    for i, matches in enumerate(service.describe(kept, session=session)):
        results[i]["matches"] = [_shown_to(principal, m.as_dict()) for m in matches]
        results[i]["truncated"] = cut[i]
    return {"results": results,
            "matched": sum(1 for r in results if r["matches"])}


# -- /c: curation ---------------------------------------------------------------------------
def _bank_json(bank: Any, counts: dict[str, int] | None = None) -> dict[str, Any]:
    out = {"name": bank.name, "matching_enabled_ratio": 1.0 if bank.enabled else 0.0,
           "description": bank.description, "source": bank.source,
           "pdq_threshold": bank.pdq_threshold, "created_at": bank.created_at.isoformat()}
    if counts is not None:
        out["entries"] = counts
    return out


@router.get("/c/banks", response_model=list[BankOut], response_model_exclude_unset=True)
def banks_index(session: Session = Depends(db_session),
                _: Principal = Depends(read_access)) -> list[dict[str, Any]]:
    return [_bank_json(b, c) for b, c in list_banks(session)]


@router.post("/c/banks", status_code=status.HTTP_201_CREATED, response_model=BankOut,
             response_model_exclude_unset=True)
def bank_create(body: BankCreate, request: Request, session: Session = Depends(db_session),
                principal: Principal = Depends(write_access)) -> dict[str, Any]:
    _staff_csrf(request, principal)
    bank = create_bank(session, body.name, description=body.description, source=body.source,
                       pdq_threshold=body.pdq_threshold)  # a duplicate is 409, a bad name 400
    bank.enabled = body.enabled if body.enabled_ratio is None else body.enabled_ratio > 0
    record(session, principal.actor, AuditAction.ADMINISTRATION, "bank", bank.id,
           detail={"event": "bank.create", "name": bank.name})
    return _bank_json(bank)


@router.post("/c/bank/{bank_name}/signal", response_model=SignalsAdded)
def bank_add_signals(bank_name: str, body: dict[str, str], request: Request,
                     session: Session = Depends(db_session),
                     principal: Principal = Depends(write_access)) -> dict[str, Any]:
    """HMA shape: body ``{signal_type: hash, ...}``; returns ``{"id", "signals"}``. Each hash
    is its own bank entry here, so ``ids`` lists them per signal type."""
    _staff_csrf(request, principal)
    if not body:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "No signals given")
    bank = get_bank(session, bank_name)  # an unknown bank is 404
    ids: dict[str, int] = {}
    signals: dict[str, str] = {}
    for name, value in body.items():
        try:
            rec = make_entry(name, value)
        except InvalidInput as exc:  # name the signal; the status (400) comes from jigsaw.web.errors
            raise EntryError(f"Invalid {name} signal: {exc}") from None
        entry, _created = add_entry(session, bank, rec)
        ids[rec.signal_type], signals[rec.signal_type] = entry.id, rec.value
    record(session, principal.actor, AuditAction.ADMINISTRATION, "bank", bank.id,
           detail={"event": "bank.add_signal", "entries": list(ids.values())})
    return {"id": next(iter(ids.values())), "ids": ids, "signals": signals}
