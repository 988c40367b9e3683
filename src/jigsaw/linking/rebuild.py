"""Recomputing every network and series in bulk, from observations and media.

:func:`rebuild` reads the observation and media tables once into numpy arrays, forms the
components with a compiled union-find (:func:`jigsaw.linking.graph.label_partition`), and must
give exactly the labels that applying :func:`jigsaw.linking.actions.link_report` report by
report gives (tested). It reads and writes through the DB-API cursor (:mod:`jigsaw.db.bulk`):
millions of rows pass through here, and only the rows whose value changed are written back.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from jigsaw.audit.chain import AuditAction
from jigsaw.audit.service import Actor, record
from jigsaw.db.bulk import CHUNK, PAIR_BASE, bulk_execute, bulk_insert, chunks, fetch_columns, fetch_pairs
from jigsaw.intake.interfaces import IdentifierRecord
from jigsaw.linking.actions import classify_identifiers, identifier_rows
from jigsaw.linking.graph import communities, encode_keys, key_counts, label_partition, pair_edges, unique_counts
from jigsaw.linking.media_groups import media_partitions
from jigsaw.linking.models import LinkIdentifier, LinkLikeness, LinkMedia, SubjectMerge
from jigsaw.linking.rules import LinkingConfig
from jigsaw.linking.settings import linking_config
from jigsaw.linking.store import BankLookup, BankSeries, MediaHashes, no_banks


@dataclass(frozen=True)
class RebuildResult:
    subjects: int
    networks: int  # with two or more subjects
    media: int
    series: int
    seconds: dict[str, float]




def _in_sorted(values: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """``np.isin(values, keys)`` for sorted unique non-negative ``keys``, without the sort of all
    ``values`` that ``isin`` does: a lookup table when ids are dense, else a binary search."""
    if len(keys) == 0 or len(values) == 0:
        return np.zeros(len(values), bool)
    top = int(max(keys[-1], values.max()))
    if int(values.min()) >= 0 and top < 4 * (len(values) + len(keys)) + (1 << 20):
        table = np.zeros(top + 1, bool)
        table[keys] = True
        return table[values]
    pos = np.minimum(np.searchsorted(keys, values), len(keys) - 1)
    return keys[pos] == values


def _classify_unseen(session: Session, config: LinkingConfig) -> int:
    """Classify every identifier that has no ``link_identifiers`` row yet; returns how many.

    ``link_report`` classifies identifiers as they arrive, so usually only ids above the highest
    classified one are new: when the classified rows number exactly the identifiers up to that
    id (the foreign key keeps them a subset), only ``id > high-water`` is read, an index range.
    Otherwise (reports stored with linking paused) the gaps are found by comparing both id lists
    in numpy, never with a ``NOT IN`` over millions of rows.
    """
    high = session.scalar(select(func.max(LinkIdentifier.identifier_id))) or 0
    n_done = session.scalar(select(func.count()).select_from(LinkIdentifier)) or 0
    n_below = session.scalar(select(func.count()).select_from(IdentifierRecord)
                             .where(IdentifierRecord.id <= high)) or 0
    done = 0
    if n_done != n_below:
        (all_ids,) = fetch_columns(session, "SELECT id FROM identifiers", 1)
        (classified,) = fetch_columns(session, "SELECT identifier_id FROM link_identifiers", 1)
        gaps = np.setdiff1d(all_ids, classified).tolist()
        for part in chunks(gaps, CHUNK):
            done += len(classify_identifiers(session, identifier_rows(session, IdentifierRecord.id.in_(part)),
                                             config))
        high = int(all_ids.max()) if len(all_ids) else 0
    while True:  # keyset pages: no cursor stays open while the pages are written
        rows = identifier_rows(session, IdentifierRecord.id > high, limit=5000).all()
        if not rows:
            return done
        done += len(classify_identifiers(session, [tuple(r) for r in rows], config))
        high = rows[-1][0]


def rebuild(
    session: Session, actor: Actor | None = None, *, config: LinkingConfig | None = None,
    banks: BankLookup | None = None, reclassify: bool = False, with_communities: bool = True,
) -> RebuildResult:
    """Recompute every network and series from observations and media, in bulk.

    Gives the same labels as applying :func:`jigsaw.linking.actions.link_report` report by report (tested). Merges
    are kept: they are analyst decisions, not derived data. Only rows whose value changed are
    written back, so a rebuild over links kept current by :func:`~jigsaw.linking.actions.link_report` writes little.
    """
    config = config or linking_config(session)
    seconds: dict[str, float] = {}
    t0 = time.perf_counter()

    # Identifiers: classify the ones never seen (or all, after the known-shared list changed).
    if reclassify:
        session.execute(delete(LinkLikeness))
        session.execute(delete(LinkIdentifier))
    _classify_unseen(session, config)
    (shared_ids,) = fetch_columns(
        session, "SELECT identifier_id FROM link_identifiers WHERE shared_reason IS NOT NULL", 1)
    seconds["classify"] = time.perf_counter() - t0

    t = time.perf_counter()
    (subject_ids,) = fetch_columns(session, "SELECT id FROM subjects", 1)
    obs_s, obs_i = fetch_pairs(session, "observations", "subject_id", "identifier_id", "WHERE subject_id IS NOT NULL")
    seconds["load_observations"] = time.perf_counter() - t

    t = time.perf_counter()
    media = _load_media(session)
    seconds["load_media"] = time.perf_counter() - t
    t = time.perf_counter()
    bank_of, known_media = _bank_series_for(session, media, banks or no_banks)
    groups, series = _media_partitions(media, bank_of)
    seconds["media_groups"] = time.perf_counter() - t

    t = time.perf_counter()
    # Keys that join: identifiers within the cap and not known-shared; image groups within the cap.
    ikeys, icounts = key_counts(obs_s, obs_i)
    i_ok = ikeys[(icounts <= config.fan_out_cap) & ~_in_sorted(ikeys, unique_counts(shared_ids)[0])]
    has_subject = media["subject"] >= 0
    g_s, g_g = media["subject"][has_subject], groups[has_subject]
    gkeys, gcounts = key_counts(g_s, g_g)
    g_ok = gkeys[gcounts <= config.fan_out_cap]
    keep_i = _in_sorted(obs_i, i_ok)
    keep_g = _in_sorted(g_g, g_ok)
    node = np.concatenate([obs_s[keep_i], g_s[keep_g]])
    key = np.concatenate([encode_keys(1, obs_i[keep_i]), encode_keys(2, g_g[keep_g])])
    merges = session.execute(select(SubjectMerge.subject_a, SubjectMerge.subject_b)
                             .where(SubjectMerge.unmerged_at.is_(None))).all()
    part = label_partition(subject_ids, node, key,
                           np.asarray([a for a, _ in merges], np.int64), np.asarray([b for _, b in merges], np.int64))
    seconds["components"] = time.perf_counter() - t

    t = time.perf_counter()
    community = np.full(len(part.ids), -1, np.int64)
    if with_communities:
        _communities(part, node, key, community, config)
    seconds["communities"] = time.perf_counter() - t

    t = time.perf_counter()
    written = _write_subjects(session, part.ids, part.labels, community)
    written += _write_counts(session, ikeys, icounts)
    written += _write_media(session, media["id"], groups, series, bank_of, known_media)
    seconds["write"] = time.perf_counter() - t
    seconds["rows_written"] = float(written)
    seconds["total"] = time.perf_counter() - t0
    sizes = unique_counts(part.labels)[1]
    n_series = len(unique_counts(series)[0])
    if actor is not None:
        record(session, actor, AuditAction.COMBINATION, "networks", None, detail={
            "action": "rebuild", "subjects": len(part.ids), "media": len(media["id"])})
    return RebuildResult(len(part.ids), int((sizes >= 2).sum()), len(media["id"]), n_series, seconds)


def _delete_ids(session: Session, table: str, column: str, ids: np.ndarray) -> int:
    return bulk_execute(session, f"DELETE FROM {table} WHERE {column} = ?",  # noqa: S608 - fixed names
                         ((i,) for i in ids.tolist()))


def _write_subjects(session: Session, ids: np.ndarray, labels: np.ndarray, community: np.ndarray) -> int:
    """Write only the ``link_subjects`` rows that differ from what is stored (``ids`` sorted)."""
    old_net, old_ids = fetch_pairs(session, "link_subjects", "network_id", "subject_id")
    order = np.argsort(old_ids)
    old_ids, old_net = old_ids[order], old_net[order]
    old_com = np.full(len(old_ids), -1, np.int64)
    c_ids, c_val = fetch_columns(
        session, "SELECT subject_id, community FROM link_subjects WHERE community IS NOT NULL", 2)
    old_com[np.searchsorted(old_ids, c_ids)] = c_val
    written = _delete_ids(session, "link_subjects", "subject_id", np.setdiff1d(old_ids, ids, assume_unique=True))
    stored = _in_sorted(ids, old_ids)
    fresh = ~stored
    written += bulk_insert(session, "link_subjects", ("subject_id", "network_id", "community"), (
        (s, n, None if c < 0 else c) for s, n, c in
        zip(ids[fresh].tolist(), labels[fresh].tolist(), community[fresh].tolist(), strict=True)))
    at = np.searchsorted(old_ids, ids[stored])
    differs = (old_net[at] != labels[stored]) | (old_com[at] != community[stored])
    written += bulk_execute(session, "UPDATE link_subjects SET network_id = ?, community = ? WHERE subject_id = ?", (
        (n, None if c < 0 else c, s) for s, n, c in
        zip(ids[stored][differs].tolist(), labels[stored][differs].tolist(), community[stored][differs].tolist(),
            strict=True)))
    return written


def _write_counts(session: Session, ikeys: np.ndarray, icounts: np.ndarray) -> int:
    """Write only the ``link_identifiers.subject_count`` values that changed.

    Only non-zero stored counts are read (through the ``subject_count`` index); an identifier no
    longer observed goes back to 0. Every identifier already has its row (classified above).
    """
    old_count, old_ids = fetch_pairs(session, "link_identifiers", "subject_count", "identifier_id",
                                      "WHERE subject_count > 0")
    new_packed = (icounts.astype(np.int64) << 32) | ikeys
    changed = np.setdiff1d(new_packed, (old_count << 32) | old_ids, assume_unique=True)
    gone = np.setdiff1d(old_ids, ikeys, assume_unique=True)
    return bulk_execute(session, "UPDATE link_identifiers SET subject_count = ? WHERE identifier_id = ?",
                         [*zip((changed >> 32).tolist(), (changed & (PAIR_BASE - 1)).tolist(), strict=True),
                          *((0, i) for i in gone.tolist())])


def _write_media(session: Session, ids: np.ndarray, groups: np.ndarray, series: np.ndarray,
                 bank_of: list[BankSeries], known: dict[int, tuple[int, int]]) -> int:
    """Write only new or changed ``link_media`` rows (bank series of stored rows never change here)."""
    gone = np.setdiff1d(np.fromiter(known, np.int64, len(known)), ids)
    written = _delete_ids(session, "link_media", "media_id", gone)
    inserts, updates = [], []
    for m, g, s, b in zip(ids.tolist(), groups.tolist(), series.tolist(), bank_of, strict=True):
        if m not in known:
            inserts.append((m, g, s, b[0], b[1]))
        elif known[m] != (g, s):
            updates.append((g, s, m))
    written += bulk_insert(session, "link_media", ("media_id", "image_group", "series_id", "bank_series",
                                                    "bank_victim_identified"), inserts)
    return written + bulk_execute(session, "UPDATE link_media SET image_group = ?, series_id = ? WHERE media_id = ?",
                                   updates)


def _load_media(session: Session) -> dict[str, Any]:
    cursor = session.connection().connection.cursor()
    try:
        cursor.execute("SELECT id, coalesce(subject_id, -1), report_id, md5, sha1, sha256, pdq, series "
                       "FROM media ORDER BY id")
        rows = cursor.fetchall()
    finally:
        cursor.close()
    cols = list(zip(*rows, strict=True)) if rows else [()] * 8
    return {
        "id": np.asarray(cols[0], np.int64), "subject": np.asarray(cols[1], np.int64),
        "report": np.asarray(cols[2], np.int64), "md5": list(cols[3]), "sha1": list(cols[4]),
        "sha256": list(cols[5]), "pdq": list(cols[6]), "series": list(cols[7]),
    }


def _bank_series_for(
    session: Session, media: dict[str, Any], banks: BankLookup,
) -> tuple[list[BankSeries], dict[int, tuple[int, int]]]:
    """Bank series already resolved for a media item are kept; only new items are looked up.

    Also returns each stored row's ``(image_group, series_id)``, for the write-back to compare.
    """
    known: dict[int, BankSeries] = {}
    stored: dict[int, tuple[int, int]] = {}
    for m, g, s, b, v in session.execute(select(LinkMedia.media_id, LinkMedia.image_group, LinkMedia.series_id,
                                                LinkMedia.bank_series, LinkMedia.bank_victim_identified)):
        known[m] = (b, v)
        stored[m] = (g, s)
    ids = media["id"].tolist()
    todo = [i for i, m in enumerate(ids) if m not in known]
    found = banks([MediaHashes(media["md5"][i], media["sha1"][i], media["sha256"][i], media["pdq"][i])
                   for i in todo]) if todo else []
    out = [known.get(m, (None, None)) for m in ids]
    for i, value in zip(todo, found, strict=True):
        out[i] = value
    return out, stored


def _media_partitions(media: dict[str, Any], bank_of: list[BankSeries]) -> tuple[np.ndarray, np.ndarray]:
    names = [(media["series"][i], bank_of[i][0]) for i in range(len(media["id"]))]
    return media_partitions(media["id"], [media["md5"], media["sha1"], media["sha256"]], media["pdq"], names)


def _communities(part: Any, node: np.ndarray, key: np.ndarray, out: np.ndarray, config: LinkingConfig) -> None:
    """Leiden communities for every network of at least ``community_min_size`` subjects."""
    labels, sizes = unique_counts(part.labels)
    big = labels[(sizes >= config.community_min_size) & (sizes <= 50_000)]
    if len(big) == 0:
        return
    position = {int(s): i for i, s in enumerate(part.ids.tolist())}
    label_of = part.labels[np.searchsorted(part.ids, node)]
    for lab in big.tolist():
        mask = label_of == lab
        holdings: dict[int, list[int]] = defaultdict(list)
        for s, k in zip(node[mask].tolist(), key[mask].tolist(), strict=True):
            holdings[s].append(k)
        members = part.ids[part.labels == lab].tolist()
        edges = [(e.a, e.b) for e in pair_edges(holdings)]
        for s, c in communities(members, edges).items():
            out[position[s]] = c
