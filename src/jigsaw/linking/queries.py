"""Reading networks, series, neighbourhoods and suggestions from the persisted membership.

Reads are cheap because membership is persisted: a network is one indexed query on
``link_subjects.network_id``. Values are decrypted only for what is returned to the analyst.
Every function here returns plain dicts and lists (the JSON shapes of the API and the CLI,
described by :mod:`jigsaw.linking.schemas`). Adapters call the ``read_*`` functions, which take
the reader and a purpose and record the consultation themselves, so no route or command can
serve a network without auditing it; the unaudited building blocks below them are for those
functions and for tests.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from jigsaw.audit.chain import AuditAction
from jigsaw.audit.service import Actor, record
from jigsaw.db.bulk import chunks
from jigsaw.errors import NotFound
from jigsaw.intake.interfaces import IdentifierRecord, MediaRecord, Observation, Report, Subject
from jigsaw.linking import fuzzy
from jigsaw.linking.graph import Key, neighbourhood, pair_edges
from jigsaw.linking.models import LinkIdentifier, LinkLikeness, LinkMedia, LinkSubject, SubjectMerge
from jigsaw.linking.rules import LinkingConfig, cap_reason
from jigsaw.linking.sql_store import SqlNetworkStore, joining_keys
from jigsaw.security.fieldcrypt import cipher_of


class NetworkNotFound(NotFound, LookupError):
    """No network has this id."""


class SeriesNotFound(NotFound, LookupError):
    """No series has this id (imagery seen in one report only is not a series)."""


class SubjectNotFound(NotFound, LookupError):
    """No subject has this id."""


# -- audited reads: what adapters call --------------------------------------------------------

def read_networks(session: Session, reader: Actor, config: LinkingConfig, *, purpose: str,
                  limit: int = 100, offset: int = 0) -> dict[str, Any]:
    """:func:`list_networks`, recorded as a consultation naming the networks returned."""
    result = list_networks(session, config, limit=limit, offset=offset)
    record(session, reader, AuditAction.CONSULTATION, "networks", None, purpose=purpose,
           detail={"networks": [n["id"] for n in result["networks"]]})
    return result


def read_network(session: Session, reader: Actor, config: LinkingConfig, network_id: int,
                 *, purpose: str) -> dict[str, Any]:
    """One network (:func:`network_detail`), recorded as a consultation; unknown: :class:`NetworkNotFound`."""
    result = network_detail(session, config, network_id)
    if result is None:
        raise NetworkNotFound("no such network")
    record(session, reader, AuditAction.CONSULTATION, "network", network_id, purpose=purpose)
    return result


def read_series_list(session: Session, reader: Actor, *, purpose: str, limit: int = 200,
                     offset: int = 0) -> dict[str, Any]:
    """:func:`list_series`, recorded as a consultation naming the series returned."""
    result = list_series(session, limit=limit, offset=offset)
    record(session, reader, AuditAction.CONSULTATION, "series", None, purpose=purpose,
           detail={"series": [s["id"] for s in result["series"]]})
    return result


def read_series(session: Session, reader: Actor, series_id: int, *, purpose: str) -> dict[str, Any]:
    """One series (:func:`series_detail`), recorded as a consultation; unknown: :class:`SeriesNotFound`."""
    result = series_detail(session, series_id)
    if result is None:
        raise SeriesNotFound("no such series")
    record(session, reader, AuditAction.CONSULTATION, "series", series_id, purpose=purpose)
    return result


def read_subject_network(session: Session, reader: Actor, config: LinkingConfig, subject_id: int, *,
                         purpose: str, detail: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A subject's neighbourhood (:func:`subject_view`), recorded as a consultation with its size."""
    view = subject_view_or_raise(session, config, subject_id)
    record(session, reader, AuditAction.CONSULTATION, "subject_network", subject_id, purpose=purpose,
           detail={"nodes": len(view["nodes"]), **(detail or {})})
    return view


def subject_view_or_raise(session: Session, config: LinkingConfig, subject_id: int) -> dict[str, Any]:
    """:func:`subject_view` (unaudited), or :class:`SubjectNotFound`."""
    view = subject_view(session, config, subject_id)
    if view is None:
        raise SubjectNotFound("No such subject.")
    return view


# -- unaudited building blocks ----------------------------------------------------------------

def _identifier_dict(ident: IdentifierRecord) -> dict[str, Any]:
    return {"id": ident.id, "type": ident.type, "value": ident.value, "platform": ident.platform}


def _subjects(session: Session, subject_ids: Sequence[int]) -> list[dict[str, Any]]:
    """Subjects with their report and identifiers (decrypted for the reader)."""
    out: dict[int, dict[str, Any]] = {}
    for part in chunks(sorted(subject_ids)):
        for sid, rid, role, ref in session.execute(
                select(Subject.id, Subject.report_id, Subject.role, Report.reference)
                .join(Report, Report.id == Subject.report_id).where(Subject.id.in_(part))):
            out[sid] = {"id": sid, "report_id": rid, "report_reference": ref, "role": role, "identifiers": []}
        for holder, ident in session.execute(
                select(Observation.subject_id, IdentifierRecord)
                .join(IdentifierRecord, IdentifierRecord.id == Observation.identifier_id)
                .where(Observation.subject_id.in_(part)).order_by(Observation.id)):
            if holder is None:
                continue
            entry = _identifier_dict(ident)
            if entry not in out[holder]["identifiers"]:
                out[holder]["identifiers"].append(entry)
    return [out[s] for s in sorted(out)]


def _reports(session: Session, report_ids: Iterable[int]) -> list[dict[str, Any]]:
    ids = sorted(set(report_ids))
    rows: list[dict[str, Any]] = []
    for part in chunks(ids):
        rows.extend({"id": i, "reference": ref, "received_at": at.isoformat()} for i, ref, at in session.execute(
            select(Report.id, Report.reference, Report.received_at).where(Report.id.in_(part))))
    return sorted(rows, key=lambda r: r["id"])


def capped_identifiers(session: Session, config: LinkingConfig, subject_ids: Sequence[int] | None = None,
                       limit: int = 500) -> list[dict[str, Any]]:
    """Values that do not join (known-shared, or over the fan-out cap), with why and how many.

    Shown rather than dropped: an analyst can still follow a capped value by hand.
    """
    q = (select(LinkIdentifier, IdentifierRecord)
         .join(IdentifierRecord, IdentifierRecord.id == LinkIdentifier.identifier_id)
         .where(or_(LinkIdentifier.shared_reason.is_not(None), LinkIdentifier.subject_count > config.fan_out_cap)))
    if subject_ids is not None:
        held: set[int] = set()
        for part in chunks(sorted(subject_ids)):
            held.update(session.scalars(select(Observation.identifier_id).where(Observation.subject_id.in_(part))))
        if not held:
            return []
        q = q.where(LinkIdentifier.identifier_id.in_(sorted(held)))
    rows = session.execute(q.order_by(LinkIdentifier.subject_count.desc(), LinkIdentifier.identifier_id)
                           .limit(limit)).all()
    return [{**_identifier_dict(ident), "subjects": flag.subject_count,
             "reason": cap_reason(flag.subject_count, flag.shared_reason, config)} for flag, ident in rows]


def list_networks(session: Session, config: LinkingConfig, *, limit: int = 100, offset: int = 0,
                  min_size: int = 2) -> dict[str, Any]:
    """Networks (two or more subjects), largest first, each with subjects and reports."""
    sizes = (select(LinkSubject.network_id, func.count().label("n")).group_by(LinkSubject.network_id)
             .having(func.count() >= min_size))
    total = session.scalar(select(func.count()).select_from(sizes.subquery())) or 0
    page = session.execute(sizes.order_by(func.count().desc(), LinkSubject.network_id).limit(limit)
                           .offset(offset)).all()
    networks = [network_detail(session, config, nid, with_capped=True) for nid, _ in page]
    return {"total": total, "networks": [n for n in networks if n is not None],
            "capped_identifiers": capped_identifiers(session, config)}


def network_detail(session: Session, config: LinkingConfig, network_id: int,
                   *, with_capped: bool = True) -> dict[str, Any] | None:
    members = sorted(session.scalars(select(LinkSubject.subject_id).where(LinkSubject.network_id == network_id)))
    if not members:
        return None
    subjects = _subjects(session, members)
    communities = dict(session.execute(select(LinkSubject.subject_id, LinkSubject.community)
                                       .where(LinkSubject.network_id == network_id)).all())
    for s in subjects:
        s["community"] = communities.get(s["id"])
    media_count = session.scalar(select(func.count(MediaRecord.id)).where(MediaRecord.subject_id.in_(members[:5000])))
    out: dict[str, Any] = {
        "id": network_id, "size": len(members), "subjects": subjects,
        "reports": _reports(session, (s["report_id"] for s in subjects)), "media": media_count or 0,
    }
    if with_capped:
        out["capped_identifiers"] = capped_identifiers(session, config, members)
    return out


def network_of(session: Session, subject_id: int) -> int | None:
    return session.scalar(select(LinkSubject.network_id).where(LinkSubject.subject_id == subject_id))


# -- series ---------------------------------------------------------------------------------

def _series_rows(session: Session, series_ids: Sequence[int] | None) -> dict[int, list[Any]]:
    q = (select(LinkMedia.series_id, MediaRecord.id, MediaRecord.report_id, MediaRecord.subject_id,
                MediaRecord.series, LinkMedia.bank_series, MediaRecord.victim_identified,
                LinkMedia.bank_victim_identified, Report.received_at, LinkMedia.image_group)
         .join(MediaRecord, MediaRecord.id == LinkMedia.media_id).join(Report, Report.id == MediaRecord.report_id))
    out: dict[int, list[Any]] = defaultdict(list)
    if series_ids is None:
        for row in session.execute(q):
            out[row[0]].append(row)
    else:
        for part in chunks(sorted(series_ids)):
            for row in session.execute(q.where(LinkMedia.series_id.in_(part))):
                out[row[0]].append(row)
    return out


def _series_dict(session: Session, series_id: int, rows: list[Any], *, full: bool) -> dict[str, Any] | None:
    names = sorted({n for r in rows for n in (r.series, r.bank_series) if n})
    report_ids = {r.report_id for r in rows}
    if not names and len(report_ids) < 2:
        return None  # imagery seen in one report only is not (yet) a series
    flags = [v for r in rows for v in (r.victim_identified, r.bank_victim_identified) if v is not None]
    subject_ids = sorted({r.subject_id for r in rows if r.subject_id is not None})
    seen = [r.received_at for r in rows]
    out: dict[str, Any] = {
        "id": series_id, "names": names, "status": "known" if names else "possible_new_series",
        "victim_identified": any(flags) if flags else None,
        "first_seen": min(seen).isoformat(), "last_seen": max(seen).isoformat(),
        "media": len(rows), "image_groups": len({r.image_group for r in rows}),
        "reports": _reports(session, report_ids),
        "subjects": _subjects(session, subject_ids) if full else [{"id": s} for s in subject_ids],
    }
    return out


def list_series(session: Session, *, limit: int = 200, offset: int = 0) -> dict[str, Any]:
    """Known series (named by a bank or the source) and possible new ones (recurring, unnamed)."""
    grouped = _series_rows(session, None)
    items = [d for sid, rows in sorted(grouped.items())
             if (d := _series_dict(session, sid, rows, full=False)) is not None]
    items.sort(key=lambda d: (d["status"] != "known", -len(d["reports"]), d["id"]))
    page = items[offset:offset + limit]
    full = [_series_dict(session, d["id"], grouped[d["id"]], full=True) for d in page]
    return {"total": len(items), "series": [d for d in full if d is not None]}


def series_detail(session: Session, series_id: int) -> dict[str, Any] | None:
    rows = _series_rows(session, [series_id]).get(series_id)
    return _series_dict(session, series_id, rows, full=True) if rows else None


# -- the neighbourhood view -----------------------------------------------------------------

def subject_view(
    session: Session, config: LinkingConfig, subject_id: int, *, hops: int = 2, max_nodes: int = 300,
    hub_degree: int = 25,
) -> dict[str, Any] | None:
    """A subject's neighbourhood for drawing: nodes, edges with their evidence, collapsed hubs."""
    if session.get(Subject, subject_id) is None:
        return None
    store = SqlNetworkStore(session)
    neighbours: dict[int, set[int]] = {}
    holdings: dict[int, list[Key]] = {}
    frontier = {subject_id}
    for _ in range(hops):
        todo = frontier - neighbours.keys()
        keys = joining_keys(session, todo, config)
        holdings.update(keys)
        nxt: set[int] = set()
        for s in todo:
            near: set[int] = set()
            for key in keys.get(s, []):
                near |= store.holders(key)
            near |= {b if a == s else a for a, b in _merges_of(session, s)}
            near.discard(s)
            neighbours[s] = near
            nxt |= near
            if len(neighbours) + len(nxt) > 4 * max_nodes:
                break
        frontier = nxt
    nodes, hubs, truncated = neighbourhood(subject_id, neighbours, hops=hops, max_nodes=max_nodes,
                                           hub_degree=hub_degree)
    node_set = set(nodes)
    missing = node_set - holdings.keys()
    holdings.update(joining_keys(session, missing, config))
    merges = _merges_among(session, node_set)
    view_holdings: dict[int, list[Any]] = {s: list(holdings.get(s, [])) for s in nodes}
    for m in merges:
        view_holdings[m.subject_a].append(("m", m.id))
        view_holdings[m.subject_b].append(("m", m.id))
    edges = pair_edges(view_holdings, node_set)
    subjects = {s["id"]: s for s in _subjects(session, nodes)}
    labels = store.labels(nodes)
    evidence = _evidence(session, {k for e in edges for k in e.keys}, node_set, merges)
    return {
        "subject_id": subject_id, "network_id": labels.get(subject_id),
        "nodes": [{**subjects[s], "network_id": labels.get(s), "start": s == subject_id} for s in nodes],
        "edges": [{"source": e.a, "target": e.b,
                   "evidence": [evidence[k] for k in e.keys if k in evidence],
                   "reports": sorted({subjects[e.a]["report_reference"], subjects[e.b]["report_reference"]})}
                  for e in edges],
        "hubs": [{"via": h.via, "count": h.count} for h in hubs],
        "truncated": truncated,
        "capped_identifiers": capped_identifiers(session, config, nodes),
    }


def _merges_of(session: Session, subject: int) -> list[tuple[int, int]]:
    return list(session.execute(select(SubjectMerge.subject_a, SubjectMerge.subject_b).where(
        SubjectMerge.unmerged_at.is_(None),
        or_(SubjectMerge.subject_a == subject, SubjectMerge.subject_b == subject))))


def _merges_among(session: Session, subjects: set[int]) -> list[SubjectMerge]:
    out: list[SubjectMerge] = []
    for part in chunks(sorted(subjects)):
        out.extend(session.scalars(select(SubjectMerge).where(SubjectMerge.unmerged_at.is_(None),
                                                              SubjectMerge.subject_a.in_(part))))
    return [m for m in out if m.subject_b in subjects]


def _evidence(session: Session, keys: set[Any], nodes: set[int], merges: list[SubjectMerge]) -> dict[Any, Any]:
    out: dict[Any, Any] = {}
    ident_ids = sorted(k[1] for k in keys if k[0] == "i")
    for part in chunks(ident_ids):
        for ident in session.scalars(select(IdentifierRecord).where(IdentifierRecord.id.in_(part))):
            out[("i", ident.id)] = {"kind": "identifier", **_identifier_dict(ident)}
    groups = sorted(k[1] for k in keys if k[0] == "g")
    for part in chunks(groups):
        rows = session.execute(select(LinkMedia.image_group, MediaRecord.id, MediaRecord.subject_id, MediaRecord.md5,
                                      MediaRecord.sha256, MediaRecord.pdq)
                               .join(MediaRecord, MediaRecord.id == LinkMedia.media_id)
                               .where(LinkMedia.image_group.in_(part))).all()
        for g, mid, sid, md5, sha256, pdq in rows:
            if sid not in nodes:
                continue
            entry = out.setdefault(("g", g), {"kind": "media", "image_group": g, "items": []})
            entry["items"].append({"media_id": mid, "subject_id": sid, "md5": md5, "sha256": sha256, "pdq": pdq})
    for m in merges:
        out[("m", m.id)] = {"kind": "merge", "merge_id": m.id, "reason": m.reason, "merged_by": m.merged_by,
                            "merged_at": m.merged_at.isoformat()}
    return out


# -- fuzzy suggestions ----------------------------------------------------------------------

def suggestions(session: Session, subject_id: int, limit: int = 50) -> list[dict[str, Any]]:
    """"Possible same person" suggestions from near-identical usernames: never links."""
    mine = list(session.scalars(select(IdentifierRecord).join(Observation, Observation.identifier_id ==
                                                              IdentifierRecord.id)
                                .where(Observation.subject_id == subject_id, IdentifierRecord.type == "username")))
    out: list[dict[str, Any]] = []
    own_network = network_of(session, subject_id)
    cipher = cipher_of(session)
    for ident in {i.id: i for i in mine}.values():
        assert ident.platform is not None
        hashes = sorted(fuzzy.key_hashes(ident.platform, ident.value, cipher.blind_index))
        if not hashes:
            continue
        candidates = set(session.scalars(select(LinkLikeness.identifier_id).where(
            LinkLikeness.key_hash.in_(hashes), LinkLikeness.identifier_id != ident.id)))
        for other in session.scalars(select(IdentifierRecord).where(IdentifierRecord.id.in_(sorted(candidates)))):
            if other.platform != ident.platform:
                continue
            alike = fuzzy.likeness(ident.value, other.value)  # decrypted in memory only
            if alike is None:
                continue
            holders = sorted({s for s in session.scalars(select(Observation.subject_id).where(
                Observation.identifier_id == other.id)) if s is not None and s != subject_id})
            for s in holders:
                out.append({"subject_id": s, "network_id": network_of(session, s),
                            "same_network": network_of(session, s) == own_network,
                            "identifier": _identifier_dict(ident), "candidate": _identifier_dict(other),
                            "distance": alike.distance, "reason": alike.reason, "score": alike.score})
    out.sort(key=lambda d: (-d["score"], d["subject_id"]))
    return out[:limit]


def merges_of_subject(session: Session, subject_id: int) -> list[dict[str, Any]]:
    rows = session.scalars(select(SubjectMerge).where(
        or_(SubjectMerge.subject_a == subject_id, SubjectMerge.subject_b == subject_id)).order_by(SubjectMerge.id))
    return [{"id": m.id, "subjects": [m.subject_a, m.subject_b], "reason": m.reason, "merged_by": m.merged_by,
             "merged_at": m.merged_at.isoformat(), "active": m.active, "unmerged_by": m.unmerged_by,
             "unmerged_at": m.unmerged_at.isoformat() if m.unmerged_at else None,
             "unmerge_reason": m.unmerge_reason} for m in rows]
