"""Linking's writes: a stored report joins its networks and series; analysts merge and unmerge.

:func:`link_report` is called after a report is stored, in the same transaction, so a report and
its links commit or roll back together. Merges and unmerges are analyst decisions, kept with
their provenance. The bulk recomputation of everything is :mod:`jigsaw.linking.rebuild`.

Identifier values are never joined on: joins go through ``identifiers.id``. Plaintext is decrypted
in memory only to classify a value the first time it is seen (known-shared list) and to derive its
fuzzy likeness keys, which are stored as blind indexes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, insert, or_, select, update
from sqlalchemy.orm import Session

from jigsaw.audit.chain import AuditAction
from jigsaw.audit.service import Actor, record
from jigsaw.db.bulk import chunks, execute, scalars
from jigsaw.errors import Conflict
from jigsaw.intake.interfaces import IdentifierRecord, MediaRecord, Observation, Subject
from jigsaw.linking import fuzzy
from jigsaw.linking.graph import Key
from jigsaw.linking.incremental import Touched, add_subjects, recompute, union
from jigsaw.linking.models import LinkIdentifier, LinkLikeness, LinkMedia, SubjectMerge
from jigsaw.linking.rules import LinkingConfig, known_shared_reason
from jigsaw.linking.settings import linking_config
from jigsaw.linking.sql_store import SHARED_REASONS, SqlNetworkStore
from jigsaw.linking.store import BankLookup, MediaHashes, _media_pdq, no_banks
from jigsaw.security.fieldcrypt import cipher_of
from jigsaw.signals.pdq import MATCH_THRESHOLD as PDQ_THRESHOLD
from jigsaw.signals.pdq import hamming

# -- per report ----------------------------------------------------------------------------

@dataclass(frozen=True)
class LinkResult:
    report_id: int
    subjects: int
    networks_changed: int
    media: int


IdentifierRow = tuple[int, str, str, str | None]  # (id, type, canonical value, platform)


def identifier_rows(session: Session, where: Any, limit: int | None = None) -> Any:
    """``(id, type, value, platform)`` of identifiers, the value decrypted by its column type."""
    return execute(session, select(IdentifierRecord.id, IdentifierRecord.type, IdentifierRecord.value,
                                 IdentifierRecord.platform).where(where).order_by(IdentifierRecord.id).limit(limit))


def classify_identifiers(
    session: Session, rows: Iterable[IdentifierRow], config: LinkingConfig,
) -> dict[int, str | None]:
    """First sight of identifiers: known-shared check and likeness keys, in memory only.

    Writes one ``link_identifiers`` row per identifier (count 0: the caller sets it) and the
    likeness keys of usernames, in one multi-row insert per table.
    """
    reasons: dict[int, str | None] = {}
    likeness: list[dict[str, Any]] = []
    cipher = None
    for ident_id, type_, value, platform in rows:
        reasons[ident_id] = known_shared_reason(type_, value, platform, config)
        if type_ == "username" and platform:
            cipher = cipher or cipher_of(session)
            keys = {cipher.blind_index(f"likeness|{k}") for k in fuzzy.likeness_keys(platform, value)}
            likeness.extend({"identifier_id": ident_id, "key_hash": k} for k in sorted(keys))
    if reasons:
        execute(session, insert(LinkIdentifier), [{"identifier_id": i, "subject_count": 0, "shared_reason": r}
                                                for i, r in reasons.items()])
    if likeness:
        execute(session, insert(LinkLikeness), likeness)
    return reasons


def classify_identifier(session: Session, identifier: IdentifierRecord, config: LinkingConfig) -> str | None:
    """:func:`classify_identifiers` for one identifier."""
    row = (identifier.id, identifier.type, identifier.value, identifier.platform)
    return classify_identifiers(session, [row], config)[identifier.id]


# The report's own holdings, and those of its subjects through any report (a subject's
# observations normally all come with its report; the second arm keeps "holders minus the
# report's subjects" exact even if one does not).
_OWN_OBSERVATIONS = (select(Observation.report_id, Observation.identifier_id, Observation.subject_id)
                     .where((Observation.report_id == bindparam("report"))
                            | Observation.subject_id.in_(bindparam("subjects", expanding=True)))
                     .where(Observation.subject_id.is_not(None)))
_REPORT_SUBJECTS = select(Subject.id).where(Subject.report_id == bindparam("report")).order_by(Subject.id)
_REPORT_MEDIA = (select(MediaRecord.id, MediaRecord.subject_id, MediaRecord.md5, MediaRecord.sha1, MediaRecord.sha256,
                        MediaRecord.pdq, MediaRecord.series)
                 .where(MediaRecord.report_id == bindparam("report")).order_by(MediaRecord.id))
_SET_COUNT = (update(LinkIdentifier).where(LinkIdentifier.identifier_id == bindparam("i"))
              .values(subject_count=bindparam("n")))


def link_report(
    session: Session, report_id: int, actor: Actor | None = None, *,
    config: LinkingConfig | None = None, banks: BankLookup | None = None,
) -> LinkResult:
    """Link a just-stored report into networks and series; call it in the storing transaction.

    ``banks`` resolves bank series for media (default: none; the web app and CLI pass
    :func:`matching_bank_lookup`). Records one COMBINATION audit entry.

    Runs on every report intake, so it is kept to about twenty statements whatever the report's
    size: one per kind of lookup, with ``IN`` lists, never one per identifier or media item.
    """
    config = config or linking_config(session)
    banks = banks or no_banks
    store = SqlNetworkStore(session)
    subjects = list(execute(session, _REPORT_SUBJECTS, {"report": report_id}).scalars())
    new = set(subjects)
    touched: dict[Key, set[int]] = defaultdict(set)  # key -> holder counts before this report

    own = execute(session, _OWN_OBSERVATIONS, {"report": report_id, "subjects": subjects}).all()
    ident_ids = sorted({i for r, i, _ in own if r == report_id})
    if ident_ids:
        reasons: dict[int, str | None] = {}
        for part in chunks(ident_ids):
            reasons.update(execute(session, SHARED_REASONS, {"ids": list(part)}).all())
        unseen = [i for i in ident_ids if i not in reasons]
        if unseen:
            reasons.update(classify_identifiers(session, identifier_rows(session, IdentifierRecord.id.in_(unseen)),
                                                config))
        store.reasons.update((("i", i), r) for i, r in reasons.items())
        counts = store.holder_counts([("i", i) for i in ident_ids])
        store.counts.update(counts)
        mine: dict[int, set[int]] = defaultdict(set)
        for _r, i, subject in own:
            if subject in new:
                mine[i].add(subject)
        for i in ident_ids:
            touched[("i", i)].add(counts[("i", i)] - len(mine[i]))
        execute(session, _SET_COUNT, [{"i": i, "n": counts[("i", i)]} for i in ident_ids])

    media_rows = execute(session, _REPORT_MEDIA, {"report": report_id}).all()
    found = banks([MediaHashes(m.md5, m.sha1, m.sha256, m.pdq) for m in media_rows]) if media_rows else []
    moved: dict[int, int] = {}  # image group label -> the label its group was merged into
    for m, (bank_series, bank_victim) in zip(media_rows, found, strict=True):
        group, befores, stale = _group_media(session, store, m, bank_series, bank_victim, new)
        touched[("g", group)].update(befores)
        moved.update(dict.fromkeys(stale, group))
    session.flush()
    # Image groups touched early in the report may have been merged into later ones.
    final: dict[Key, tuple[int, ...]] = {}
    for key, befores in touched.items():
        if key[0] == "g":
            key = ("g", _follow(moved, key[1]))
        final[key] = tuple(sorted(set(final.get(key, ())) | befores))
    changed = add_subjects(store, subjects, [Touched(k, b) for k, b in final.items()], config)
    session.flush()
    if actor is not None:
        record(session, actor, AuditAction.COMBINATION, "report", report_id, detail={
            "linked_subjects": len(subjects), "media": len(media_rows), "networks_changed": len(changed)})
    return LinkResult(report_id, len(subjects), len(changed), len(media_rows))


def _follow(moved: dict[int, int], group: int) -> int:
    """Image group labels only ever move down to a smaller label; follow one to where it is now."""
    while group in moved:
        group = moved[group]
    return group


def _group_media(
    session: Session, store: SqlNetworkStore, m: Any, bank_series: str | None, bank_victim: bool | None,
    new_subjects: set[int],
) -> tuple[int, set[int], set[int]]:
    """Put one media item into its image group and series; returns the group, the holder counts
    (before this report) of the groups it merged, and the group labels it merged away."""
    hashes = [col == getattr(m, col.key) for col in (MediaRecord.md5, MediaRecord.sha1, MediaRecord.sha256,
                                                     MediaRecord.pdq) if getattr(m, col.key)]
    candidates: set[int] = set()
    if hashes:
        candidates.update(scalars(session, select(LinkMedia.image_group).join(
            MediaRecord, MediaRecord.id == LinkMedia.media_id).where(or_(*hashes))))
    if m.pdq:
        near = [i for i in _media_pdq(session).near(session, m.pdq, PDQ_THRESHOLD) if i != m.id]
        for part in chunks(near):
            for media_id, group, pdq in execute(session,
                    select(LinkMedia.media_id, LinkMedia.image_group, MediaRecord.pdq)
                    .join(MediaRecord, MediaRecord.id == LinkMedia.media_id).where(LinkMedia.media_id.in_(part))):
                if pdq and hamming(pdq, m.pdq) <= PDQ_THRESHOLD and media_id != m.id:
                    candidates.add(group)
    holders = store.holders_many([("g", g) for g in candidates]) if candidates else {}
    befores = {len(holders.get(("g", g), set()) - new_subjects) for g in candidates}
    group = min(candidates | {m.id})
    names = {n for n in (m.series, bank_series) if n}
    series_candidates: set[int] = set()
    for part in chunks(sorted(candidates)):
        series_candidates.update(scalars(session, select(LinkMedia.series_id).where(LinkMedia.image_group.in_(part))))
    for name in names:
        series_candidates.update(scalars(session, select(LinkMedia.series_id).join(
            MediaRecord, MediaRecord.id == LinkMedia.media_id).where(MediaRecord.series == name)))
        series_candidates.update(scalars(session, select(LinkMedia.series_id).where(LinkMedia.bank_series == name)))
    series = min(series_candidates | {m.id})
    execute(session, insert(LinkMedia), [{"media_id": m.id, "image_group": group, "series_id": series,
                                        "bank_series": bank_series, "bank_victim_identified": bank_victim}])
    stale = candidates - {group}
    for part in chunks(sorted(stale)):
        execute(session, update(LinkMedia).where(LinkMedia.image_group.in_(part)).values(image_group=group))
    for part in chunks(sorted(series_candidates - {series})):
        execute(session, update(LinkMedia).where(LinkMedia.series_id.in_(part)).values(series_id=series))
    return group, befores, stale


# -- merges ---------------------------------------------------------------------------------

class MergeError(Conflict, ValueError):
    """A merge or unmerge that cannot be done as asked (the message says why)."""


def merge_subjects(session: Session, actor: Actor, a: int, b: int, reason: str,
                   config: LinkingConfig | None = None) -> SubjectMerge:
    """An analyst says subjects ``a`` and ``b`` are the same person: joined, with provenance."""
    if a == b:
        raise MergeError("a subject cannot be merged with itself")
    if not reason.strip():
        raise MergeError("say why the two subjects are the same person")
    if session.get(Subject, a) is None or session.get(Subject, b) is None:
        raise MergeError("no such subject")
    lo, hi = sorted((a, b))
    existing = session.scalar(select(SubjectMerge).where(SubjectMerge.subject_a == lo, SubjectMerge.subject_b == hi,
                                                         SubjectMerge.unmerged_at.is_(None)))
    if existing is not None:
        raise MergeError("these subjects are already merged")
    merge = SubjectMerge(subject_a=lo, subject_b=hi, reason=reason.strip(), merged_by=actor.label)
    session.add(merge)
    session.flush()
    store = SqlNetworkStore(session)
    missing = {s: s for s in (lo, hi) if s not in store.labels((lo, hi))}
    if missing:
        store.set_labels(missing)
    network = union(store, {lo, hi})
    record(session, actor, AuditAction.COMBINATION, "subject_merge", merge.id,
           detail={"subjects": [lo, hi], "network": network, "action": "merge"})
    return merge


def unmerge_subjects(session: Session, actor: Actor, merge_id: int, reason: str,
                     config: LinkingConfig | None = None) -> SubjectMerge:
    """Undo a merge: the record stays (who merged, who unmerged, when and why)."""
    merge = session.get(SubjectMerge, merge_id)
    if merge is None or merge.unmerged_at is not None:
        raise MergeError("no such active merge")
    if not reason.strip():
        raise MergeError("say why the merge is undone")
    merge.unmerged_at = datetime.now(UTC)
    merge.unmerged_by = actor.label
    merge.unmerge_reason = reason.strip()
    session.flush()
    store = SqlNetworkStore(session)
    labels = set(store.labels((merge.subject_a, merge.subject_b)).values())
    result = recompute(store, labels, config or linking_config(session))
    record(session, actor, AuditAction.ALTERATION, "subject_merge", merge.id,
           detail={"subjects": [merge.subject_a, merge.subject_b], "networks": sorted(result), "action": "unmerge"})
    return merge
