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
from jigsaw.audit.service import Actor, NewEntry, append_many, record
from jigsaw.db.base import table_of
from jigsaw.db.bulk import chunks, connection, execute, insert_rows, scalars
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
    likeness: list[tuple[int, int]] = []
    cipher = None
    for ident_id, type_, value, platform in rows:
        reasons[ident_id] = known_shared_reason(type_, value, platform, config)
        if type_ == "username" and platform:
            cipher = cipher or cipher_of(session)
            likeness.extend((k, ident_id) for k in fuzzy.key_hashes(platform, value, cipher.blind_index))
    conn = connection(session)
    insert_rows(conn, table_of(LinkIdentifier), ("identifier_id", "subject_count", "shared_reason"),
                [(i, 0, r) for i, r in reasons.items()])
    likeness.sort()  # in key order, each page of the key table is visited once
    insert_rows(conn, table_of(LinkLikeness), ("key_hash", "identifier_id"), likeness)
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
_OVER_CAP = select(LinkIdentifier.identifier_id, LinkIdentifier.subject_count).where(
    LinkIdentifier.identifier_id.in_(bindparam("ids", expanding=True)), LinkIdentifier.subject_count > bindparam("cap"))
_SET_COUNT = (update(LinkIdentifier).where(LinkIdentifier.identifier_id == bindparam("i"))
              .values(subject_count=bindparam("n")))


def _new_holders(own: Iterable[Any], new: set[int]) -> dict[int, set[int]]:
    """Identifier -> the new subjects holding it, from ``(report, identifier, subject)`` rows."""
    mine: dict[int, set[int]] = defaultdict(set)
    for _r, i, subject in own:
        if subject in new:
            mine[i].add(subject)
    return mine


def _holder_counts(session: Session, store: SqlNetworkStore, ident_ids: list[int], mine: dict[int, set[int]],
                   config: LinkingConfig) -> dict[Key, int]:
    """How many subjects hold each identifier now, primed into ``store``. One already over the
    fan-out cap joins nothing however many more hold it, so its stored count is carried forward
    by its new holders instead of counted again (a hub, such as a platform's billing address in
    every report, would be counted over as many rows as there are reports, every batch)."""
    counts: dict[Key, int] = {}
    for part in chunks(ident_ids):
        counts.update((("i", i), n + len(mine[i])) for i, n in execute(
            session, _OVER_CAP, {"ids": list(part), "cap": config.fan_out_cap}))
    counts.update(store.holder_counts([("i", i) for i in ident_ids if ("i", i) not in counts]))
    store.counts.update(counts)
    return counts


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
        mine = _new_holders(own, new)
        counts = _holder_counts(session, store, ident_ids, mine, config)
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


# -- per batch -------------------------------------------------------------------------------

_BATCH_SUBJECTS = (select(Subject.id, Subject.report_id).where(Subject.report_id.in_(bindparam("ids", expanding=True)))
                   .order_by(Subject.id))
_BATCH_OBSERVATIONS = (select(Observation.report_id, Observation.identifier_id, Observation.subject_id)
                       .where(Observation.report_id.in_(bindparam("ids", expanding=True)),
                              Observation.subject_id.is_not(None)))
_BATCH_MEDIA = (select(MediaRecord.id, MediaRecord.subject_id, MediaRecord.md5, MediaRecord.sha1, MediaRecord.sha256,
                       MediaRecord.pdq, MediaRecord.series, MediaRecord.report_id)
                .where(MediaRecord.report_id.in_(bindparam("ids", expanding=True))).order_by(MediaRecord.id))
_HASH_COLUMNS = (MediaRecord.md5, MediaRecord.sha1, MediaRecord.sha256, MediaRecord.pdq)


class _Partition:
    """A union-find over hashable nodes; each set's label is its smallest integer label."""

    def __init__(self) -> None:
        self.parent: dict[Any, Any] = {}

    def find(self, node: Any) -> Any:
        self.parent.setdefault(node, node)
        root = node
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[node] != root:
            self.parent[node], node = root, self.parent[node]
        return root

    def union(self, a: Any, b: Any) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)

    def groups(self) -> dict[Any, list[Any]]:
        out: dict[Any, list[Any]] = defaultdict(list)
        for node in list(self.parent):
            out[self.find(node)].append(node)
        return out


def link_reports(
    session: Session, report_ids: Iterable[int], actor: Actor | None = None, *,
    config: LinkingConfig | None = None, banks: BankLookup | None = None,
) -> list[LinkResult]:
    """Link a just-stored batch into networks and series, set-based: the same networks, image
    groups and series as :func:`link_report` on each report in turn, with a fixed number of
    statements per batch (chunked ``IN`` lists and ``executemany``), not per report.

    The batch's identifiers are counted and classified together; its media are grouped with an
    in-memory union-find over the existing groups and series they meet (equal hashes, PDQ within
    the threshold, shared series names) and each other; then one incremental network update runs
    over every key the batch touched, against the counts before the batch (a key the batch pushes
    over the fan-out cap recomputes its networks, as one report doing so does). Records one
    COMBINATION audit entry per report, appended together.
    """
    batch = sorted(set(report_ids))
    if not batch:
        return []
    config = config or linking_config(session)
    banks = banks or no_banks
    store = SqlNetworkStore(session)
    session.flush()
    subjects_of: dict[int, list[int]] = defaultdict(list)
    for part in chunks(batch):
        for subject_id, report_id in execute(session, _BATCH_SUBJECTS, {"ids": list(part)}):
            subjects_of[report_id].append(subject_id)
    subjects = sorted(s for ids in subjects_of.values() for s in ids)
    new = set(subjects)
    touched: dict[Key, set[int]] = defaultdict(set)

    own: list[Any] = []
    for part in chunks(batch):
        own.extend(execute(session, _BATCH_OBSERVATIONS, {"ids": list(part)}).all())
    ident_ids = sorted({i for _, i, _ in own})
    if ident_ids:
        reasons: dict[int, str | None] = {}
        for part in chunks(ident_ids):
            reasons.update(execute(session, SHARED_REASONS, {"ids": list(part)}).all())
        unseen = [i for i in ident_ids if i not in reasons]
        for part in chunks(unseen):
            reasons.update(classify_identifiers(session, identifier_rows(session, IdentifierRecord.id.in_(part)),
                                                config))
        store.reasons.update((("i", i), r) for i, r in reasons.items())
        mine = _new_holders(own, new)
        counts = _holder_counts(session, store, ident_ids, mine, config)
        for i in ident_ids:
            touched[("i", i)].add(counts[("i", i)] - len(mine[i]))
        execute(session, _SET_COUNT, [{"i": i, "n": counts[("i", i)]} for i in ident_ids])

    media_rows: list[Any] = []
    for part in chunks(batch):
        media_rows.extend(execute(session, _BATCH_MEDIA, {"ids": list(part)}).all())
    if media_rows:
        for key, befores in _group_batch_media(session, store, media_rows, banks, new).items():
            touched[key].update(befores)
    add_subjects(store, subjects, [Touched(k, tuple(sorted(b))) for k, b in touched.items()], config)
    session.flush()
    media_of: dict[int, int] = defaultdict(int)
    for m in media_rows:
        media_of[m.report_id] += 1
    results = [LinkResult(r, len(subjects_of.get(r, ())), 0, media_of.get(r, 0)) for r in batch]
    if actor is not None:
        append_many(session, [NewEntry(actor, AuditAction.COMBINATION, "report", r.report_id, detail={
            "linked_subjects": r.subjects, "media": r.media, "batch_reports": len(batch)}) for r in results])
    return results


def _group_batch_media(
    session: Session, store: SqlNetworkStore, media_rows: list[Any], banks: BankLookup, new_subjects: set[int],
) -> dict[Key, set[int]]:
    """Image groups and series for a batch's media (see :func:`link_reports`); returns each final
    image group's key with the holder counts, before the batch, of the groups merged into it."""
    found = banks([MediaHashes(m.md5, m.sha1, m.sha256, m.pdq) for m in media_rows])
    batch_ids = {m.id for m in media_rows}
    by_id = {m.id: m for m in media_rows}
    groups, series = _Partition(), _Partition()
    # Nodes: ("m", media id) for the batch's media; ("g", label) / ("s", label) for existing groups and
    # series. Labels are media ids, so the smallest integer in a set is the label it ends with.
    for m in media_rows:
        groups.find(("m", m.id))
        series.find(("m", m.id))
    # Equal hashes: existing media (already linked) and the batch's own.
    by_value: dict[tuple[str, str], list[int]] = defaultdict(list)
    for m in media_rows:
        for col in _HASH_COLUMNS:
            value = getattr(m, col.key)
            if value:
                by_value[(col.key, value)].append(m.id)
    for ids in by_value.values():
        for other in ids[1:]:
            groups.union(("m", ids[0]), ("m", other))
    existing_groups: set[int] = set()
    for col in _HASH_COLUMNS:
        values = sorted({v for (name, v) in by_value if name == col.key})
        for some_values in chunks(values):
            for value, group in execute(session, select(col, LinkMedia.image_group).join(
                    LinkMedia, LinkMedia.media_id == MediaRecord.id).where(col.in_(some_values))):
                existing_groups.add(group)
                for media_id in by_value[(col.key, value)]:
                    groups.union(("m", media_id), ("g", group))
    with_pdq = [m for m in media_rows if m.pdq]
    if with_pdq:
        near_lists = _media_pdq(session).search(session, [m.pdq for m in with_pdq], PDQ_THRESHOLD)
        near_existing: dict[int, set[int]] = defaultdict(set)
        for m, near in zip(with_pdq, near_lists, strict=True):
            for other in near:
                if other == m.id:
                    continue
                if other in batch_ids:
                    if hamming(by_id[other].pdq, m.pdq) <= PDQ_THRESHOLD:
                        groups.union(("m", m.id), ("m", other))
                else:
                    near_existing[other].add(m.id)
        for part in chunks(sorted(near_existing)):
            for media_id, group, pdq in execute(session,
                    select(LinkMedia.media_id, LinkMedia.image_group, MediaRecord.pdq)
                    .join(MediaRecord, MediaRecord.id == LinkMedia.media_id).where(LinkMedia.media_id.in_(part))):
                for batch_media in near_existing[media_id]:
                    if pdq and hamming(pdq, by_id[batch_media].pdq) <= PDQ_THRESHOLD:
                        existing_groups.add(group)
                        groups.union(("m", batch_media), ("g", group))
    # Holder counts of the existing groups before the batch (its media are not linked yet).
    holders = store.holders_many([("g", g) for g in existing_groups]) if existing_groups else {}
    # Series: a media item's series joins the series of every media item in the groups it meets
    # and every series carrying one of its names (its own series name or its bank's).
    names = {m.id: {n for n in (m.series, bank[0]) if n} for m, bank in zip(media_rows, found, strict=True)}
    group_series: dict[int, set[int]] = defaultdict(set)
    for part in chunks(sorted(existing_groups)):
        for group, series_id in execute(session, select(LinkMedia.image_group, LinkMedia.series_id)
                                        .where(LinkMedia.image_group.in_(part))):
            group_series[group].add(series_id)
    all_names = sorted(set().union(*names.values()))
    name_series: dict[str, set[int]] = defaultdict(set)
    for some_names in chunks(all_names):
        for name, series_id in execute(session, select(MediaRecord.series, LinkMedia.series_id).join(
                LinkMedia, LinkMedia.media_id == MediaRecord.id).where(MediaRecord.series.in_(some_names))):
            name_series[name].add(series_id)
        for name, series_id in execute(session, select(LinkMedia.bank_series, LinkMedia.series_id)
                                       .where(LinkMedia.bank_series.in_(some_names))):
            name_series[name].add(series_id)
    by_name: dict[str, list[int]] = defaultdict(list)
    for media_id, own_names in names.items():
        for name in own_names:
            by_name[name].append(media_id)
            for series_id in name_series.get(name, ()):
                series.union(("m", media_id), ("s", series_id))
    for ids in by_name.values():
        for other in ids[1:]:
            series.union(("m", ids[0]), ("m", other))
    touched: dict[Key, set[int]] = {}
    final_group: dict[int, int] = {}
    for members in groups.groups().values():
        label = min(n[1] for n in members)
        in_batch = [n[1] for n in members if n[0] == "m"]
        old = [n[1] for n in members if n[0] == "g"]
        for media_id in in_batch:
            final_group[media_id] = label
            series.union(("m", in_batch[0]), ("m", media_id))
            for group in old:
                for series_id in group_series.get(group, ()):
                    series.union(("m", media_id), ("s", series_id))
        touched[("g", label)] = {len(holders.get(("g", g), set()) - new_subjects) for g in old}
        stale = sorted(set(old) - {label})
        for part in chunks(stale):
            execute(session, update(LinkMedia).where(LinkMedia.image_group.in_(part)).values(image_group=label))
    final_series: dict[int, int] = {}
    for members in series.groups().values():
        label = min(n[1] for n in members)
        for node in members:
            if node[0] == "m":
                final_series[node[1]] = label
        stale = sorted({n[1] for n in members if n[0] == "s"} - {label})
        for part in chunks(stale):
            execute(session, update(LinkMedia).where(LinkMedia.series_id.in_(part)).values(series_id=label))
    insert_rows(connection(session), table_of(LinkMedia),
                ("media_id", "image_group", "series_id", "bank_series", "bank_victim_identified"),
                [(m.id, final_group[m.id], final_series[m.id], bank_series, bank_victim)
                 for m, (bank_series, bank_victim) in zip(media_rows, found, strict=True)])
    return touched


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
