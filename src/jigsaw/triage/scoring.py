"""Scoring a case against the model, and explaining the result (pure: no web or database).

The order of precedence for an item's value is deliberate:

1. **derived yes**: what the source data itself says (an escalation text, a bank match, a
   victim's age). An analyst cannot record this away: lowering a case the data puts in P0
   or P1 goes through an override, which a supervisor must approve.
2. **recorded**: what an analyst recorded on a subject, yes or no, with evidence.
3. **derived no**: where the data positively rules an item out (media present, none matched).
4. **unknown** otherwise. Unknowns are never scored as no in the explanation: each one that
   could raise the band is listed with the band it would give, and the worst case if every
   unknown were yes is shown beside the assessed band.

Actionability (identifiers, a resolvable location, a preservation deadline, new imagery, meme
flags) is computed apart from risk. It orders cases *within* a band and never changes the band.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from jigsaw.triage.model import (
    Band,
    Condition,
    ItemValue,
    TriageConfig,
    evaluate,
    items_in,
    most_urgent,
    passes,
    tests_in,
)

MAX_QUESTIONS = 6
ADVISORY = ("Triage is advisory: it orders the queue and explains why. It says nothing about guilt. "
            "A person decides what to do, and nothing is ever closed automatically.")


@dataclass(frozen=True)
class Evidence:
    """Where a value came from: a report, a media item, a bank match or an analyst's record."""

    kind: str
    label: str
    href: str | None = None
    recorded_by: str | None = None
    recorded_at: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "label": self.label, "href": self.href, "recorded_by": self.recorded_by,
                "recorded_at": self.recorded_at.isoformat() if self.recorded_at else None}


@dataclass(frozen=True)
class RecordedItem:
    """The latest value an analyst recorded for one item on a subject in this case."""

    item_id: str
    value: ItemValue
    evidence: str
    recorded_by: str
    recorded_at: datetime
    href: str | None = None


@dataclass(frozen=True)
class TriageInputs:
    """Everything an assessment reads: facts from intake, matching and linking, plus records."""

    facts: Mapping[str, Any]
    fact_evidence: Mapping[str, tuple[Evidence, ...]] = field(default_factory=dict)
    records: Mapping[str, RecordedItem] = field(default_factory=dict)


@dataclass(frozen=True)
class ItemResult:
    item_id: str
    label: str
    group: str
    value: ItemValue
    points: int  # points it scores now (0 unless yes)
    max_points: int
    source: str  # derived, recorded, default
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True)
class RuleResult:
    rule_id: str
    label: str
    band: Band
    next_step: str | None
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True)
class Unknown:
    item_id: str
    label: str
    points: int
    band_if_yes: Band
    could_raise: bool
    ask: str | None


@dataclass(frozen=True)
class Assessment:
    config_version: str
    band: Band  # the model's band: most urgent of the score band and every fired rule
    score: int
    score_band: Band
    groups: tuple[tuple[str, str, int, int, int], ...]  # id, label, raw, capped, cap
    items: tuple[ItemResult, ...]
    rules: tuple[RuleResult, ...]
    unknowns: tuple[Unknown, ...]
    worst_band: Band
    worst_score: int
    actionability: int
    factors: tuple[tuple[str, str, int], ...]  # id, label, points (fired only)
    next_steps: tuple[str, ...]

    def explanation(self) -> dict[str, Any]:
        """The whole explanation as JSON-ready data (stored with the assessment, shown to people)."""
        return {
            "advisory": ADVISORY,
            "config_version": self.config_version,
            "band": self.band.value,
            "score": self.score,
            "score_band": self.score_band.value,
            "rules": [{"id": r.rule_id, "label": r.label, "band": r.band.value, "next_step": r.next_step,
                       "evidence": [e.as_dict() for e in r.evidence]} for r in self.rules],
            "groups": [{"id": g, "label": label, "raw": raw, "capped": capped, "cap": cap}
                       for g, label, raw, capped, cap in self.groups],
            "items": [{"id": i.item_id, "label": i.label, "group": i.group, "value": i.value.value,
                       "points": i.points, "max_points": i.max_points, "source": i.source,
                       "evidence": [e.as_dict() for e in i.evidence]} for i in self.items],
            "unknowns": [{"id": u.item_id, "label": u.label, "points": u.points, "band_if_yes": u.band_if_yes.value,
                          "could_raise": u.could_raise, "ask": u.ask} for u in self.unknowns],
            "worst_case": {"band": self.worst_band.value, "score": self.worst_score},
            "actionability": {"score": self.actionability,
                              "factors": [{"id": f, "label": label, "points": p} for f, label, p in self.factors]},
            "next_steps": list(self.next_steps),
        }


def resolve_items(config: TriageConfig, inputs: TriageInputs) -> dict[str, tuple[ItemValue, str]]:
    """Each item's value and where it came from, by the precedence in the module docstring."""
    out: dict[str, tuple[ItemValue, str]] = {}
    no_items: Mapping[str, ItemValue] = {}
    for item in config.items.values():
        record = inputs.records.get(item.id)
        if item.yes_when is not None and evaluate(item.yes_when, inputs.facts, no_items):
            out[item.id] = (ItemValue.YES, "derived")
        elif record is not None and record.value is not ItemValue.UNKNOWN:
            out[item.id] = (record.value, "recorded")
        elif item.no_when is not None and evaluate(item.no_when, inputs.facts, no_items):
            out[item.id] = (ItemValue.NO, "derived")
        else:
            out[item.id] = (ItemValue.UNKNOWN, "recorded" if record is not None else "default")
    return out


@dataclass(frozen=True)
class _Outcome:
    band: Band
    score: int
    score_band: Band
    groups: tuple[tuple[str, str, int, int, int], ...]
    fired: tuple[str, ...]


def _outcome(config: TriageConfig, facts: Mapping[str, Any], values: Mapping[str, ItemValue]) -> _Outcome:
    raw: dict[str, int] = dict.fromkeys(config.groups, 0)
    for item in config.items.values():
        if values[item.id] is ItemValue.YES:
            raw[item.group] += item.points
    groups = tuple((g.id, g.label, raw[g.id], min(raw[g.id], g.cap), g.cap) for g in config.groups.values())
    score = min(100, sum(capped for _, _, _, capped, _ in groups))
    score_band = config.band_for_score(score)
    fired = tuple(r.id for r in config.rules if evaluate(r.when, facts, values))
    rule_bands = [r.band for r in config.rules if r.id in fired]
    return _Outcome(most_urgent(score_band, *rule_bands), score, score_band, groups, fired)


def assess(config: TriageConfig, inputs: TriageInputs) -> Assessment:
    """Score ``inputs`` against ``config``: band, score, reasons, unknowns and next steps."""
    resolved = resolve_items(config, inputs)
    values = {k: v for k, (v, _) in resolved.items()}
    now = _outcome(config, inputs.facts, values)

    items = tuple(_item_result(config, inputs, item_id, value, source) for item_id, (value, source) in resolved.items())
    item_evidence = {i.item_id: i.evidence for i in items}
    rules = tuple(
        RuleResult(r.id, r.label, r.band, r.next_step,
                   tuple(e for i in sorted(items_in(r.when)) if values.get(i) is ItemValue.YES
                         for e in item_evidence.get(i, ())))
        for r in config.rules if r.id in now.fired
    )

    unknown_ids = [k for k, v in values.items() if v is ItemValue.UNKNOWN]
    unknowns = []
    for item_id in unknown_ids:
        band_if_yes = _band_if_yes(config, inputs.facts, values, now, item_id)
        item = config.items[item_id]
        unknowns.append(Unknown(item_id, item.label, item.points, band_if_yes, band_if_yes.rank < now.band.rank,
                                item.ask))
    unknowns.sort(key=lambda u: (u.band_if_yes.rank, -u.points, u.item_id))
    worst = _outcome(config, inputs.facts, {**values, **dict.fromkeys(unknown_ids, ItemValue.YES)})

    factors = tuple((f.id, f.label, f.points) for f in config.factors if evaluate(f.when, inputs.facts, values))
    actionability = max(0, min(100, config.actionability_base + sum(p for _, _, p in factors)))

    return Assessment(
        config_version=config.version, band=now.band, score=now.score, score_band=now.score_band,
        groups=now.groups, items=items, rules=rules, unknowns=tuple(unknowns), worst_band=worst.band,
        worst_score=worst.score, actionability=actionability, factors=factors,
        next_steps=_next_steps(config, now.band, rules, unknowns),
    )


def _band_if_yes(config: TriageConfig, facts: Mapping[str, Any], values: Mapping[str, ItemValue],
                 now: _Outcome, item_id: str) -> Band:
    """The band if one unknown item were yes: only its group's score and the rules naming it change.

    Computed incrementally because it runs once per unknown item on every assessment.
    """
    item = config.items[item_id]
    score = 0
    for gid, _label, raw, capped, cap in now.groups:
        score += min(raw + item.points, cap) if gid == item.group else capped
    band = config.band_for_score(min(100, score))
    changed = {**values, item_id: ItemValue.YES}
    fired = set(now.fired)
    for rule in config.rules:
        if item_id in _rule_items(config, rule.id):
            if evaluate(rule.when, facts, changed):
                fired.add(rule.id)
            else:
                fired.discard(rule.id)
    return most_urgent(band, *(r.band for r in config.rules if r.id in fired))


_RULE_ITEMS: dict[tuple[int, str], frozenset[str]] = {}


def _rule_items(config: TriageConfig, rule_id: str) -> frozenset[str]:
    key = (id(config), rule_id)
    found = _RULE_ITEMS.get(key)
    if found is None:
        rule = next(r for r in config.rules if r.id == rule_id)
        found = _RULE_ITEMS[key] = frozenset(items_in(rule.when))
    return found


def _item_result(config: TriageConfig, inputs: TriageInputs, item_id: str, value: ItemValue,
                 source: str) -> ItemResult:
    item = config.items[item_id]
    evidence: tuple[Evidence, ...] = ()
    if source == "derived":
        condition = item.yes_when if value is ItemValue.YES else item.no_when
        if condition is not None:
            evidence = tuple(e for fact in sorted(facts_in(condition)) for e in inputs.fact_evidence.get(fact, ()))
    elif source == "recorded":
        record = inputs.records[item_id]
        evidence = (Evidence("record", record.evidence or "(no evidence text)", record.href, record.recorded_by,
                             record.recorded_at),)
    points = item.points if value is ItemValue.YES else 0
    return ItemResult(item_id, item.label, item.group, value, points, item.points, source, evidence)


def facts_in(condition: Condition) -> set[str]:
    return {t.fact for t in tests_in(condition)}


def _next_steps(config: TriageConfig, band: Band, rules: tuple[RuleResult, ...],
                unknowns: list[Unknown]) -> tuple[str, ...]:
    steps = [r.next_step for r in rules if r.next_step]
    # The questions that could raise the band most, most urgent first; the full list is in unknowns.
    for unknown in [u for u in unknowns if u.could_raise][:MAX_QUESTIONS]:
        if unknown.could_raise:
            ask = unknown.ask or f"Find out: {unknown.label.lower()}."
            steps.append(f"{ask} (If yes: {unknown.band_if_yes.value}.)")
    hours = config.due_hours(band)
    steps.append(f"A person reviews this case within {_duration(hours)} ({band.value} "
                 f"{config.bands[band].label}); nothing is closed automatically.")
    return tuple(dict.fromkeys(steps))


def _duration(hours: int) -> str:
    return f"{hours} hours" if hours < 72 else f"{hours // 24} days"


@dataclass(frozen=True)
class PreviousDue:
    """The case's position before this assessment, to carry its clock forward."""

    band: Band
    due_at: datetime
    first_assessed_at: datetime


def due_at(config: TriageConfig, band: Band, now: datetime, previous: PreviousDue | None) -> datetime:
    """When a person must have acted, by KIRAT-style timescales.

    A new case is due its band's time after it is first assessed. When new information makes a
    case more urgent, the clock restarts from now for the new band, but never later than the old
    due time. When a case becomes less urgent, the longer time runs from when it was first
    assessed, since it has been waiting since then, and never earlier than the old due time.
    """
    hours = timedelta(hours=config.due_hours(band))
    if previous is None:
        return now + hours
    if band.rank < previous.band.rank:
        return min(previous.due_at, now + hours)
    if band.rank > previous.band.rank:
        return max(previous.due_at, previous.first_assessed_at + hours)
    return previous.due_at


# -- scoring many reports ------------------------------------------------------------------------

_HOLE_KIND = "\x00evidence"
_HOLE = re.compile(r'\{"kind":"\\u0000evidence","label":"([^"]*)","href":null,"recorded_by":null,"recorded_at":null\}')
_HOLES = re.compile(rf"{_HOLE.pattern}(?:,{_HOLE.pattern})*")
_COMPACT = (",", ":")
_string = json.encoder.encode_basestring_ascii  # what json.dumps writes for a str (ensure_ascii)
MAX_TEMPLATES = 4096


@dataclass(frozen=True)
class Scored:
    """What the queue and the history store of one assessment, the explanation as JSON text."""

    band: Band
    score: int
    actionability: int
    worst_band: Band
    explanation: str  # json.dumps(assessment.explanation(), separators=(",", ":"))
    whole: Callable[[], dict[str, Any]] = field(default=dict, compare=False, repr=False)
    """The explanation as data (``json.loads(explanation)``, made without parsing the text): for a
    re-assessment's delta against its keyframe. Read only: parts are shared between reports."""


def _evidence_json(e: Evidence) -> str:
    """``json.dumps(e.as_dict(), separators=(",", ":"))``, written out: it runs for every piece of
    evidence of every report scored in a batch. Strings go through the json module's own encoder."""
    at = e.recorded_at.isoformat() if e.recorded_at else None
    return (f'{{"kind":{_string(e.kind)},"label":{_string(e.label)},"href":{_maybe(e.href)},'
            f'"recorded_by":{_maybe(e.recorded_by)},"recorded_at":{_maybe(at)}}}')


def _maybe(value: str | None) -> str:
    return "null" if value is None else _string(value)


_Template = tuple[Scored, tuple[str | tuple[str, ...], ...], dict[str, Any]]  # head, text parts, skeleton


class Scorer:
    """:func:`assess` for many reports under one configuration, at a fraction of the cost.

    An assessment depends on the facts and records only; the evidence is carried into the
    explanation and changes nothing else. Reports without analysts' records that have the same
    facts (most of an import: the facts are flags, small sets and counts) get the same band,
    score, unknowns and steps, so the explanation is made once per set of facts as JSON text with
    a hole where each fact's evidence goes, and filled per report. The text is exactly
    ``json.dumps(assess(config, inputs).explanation(), separators=(",", ":"))`` (a test checks
    it); a report with records is assessed in full.
    """

    def __init__(self, config: TriageConfig, shared_facts: Collection[str] = ()) -> None:
        self.config = config
        self._templates: dict[tuple[Any, ...], _Template] = {}
        tests = config.fact_tests()
        self._own_tests = tuple(t for t in tests if t.fact not in shared_facts)
        self._shared_tests = tuple(t for t in tests if t.fact in shared_facts)

    def view(self, inputs: TriageInputs) -> str:
        """What the model sees of ``inputs``, as a short text: the configuration and the fact
        tests the report's own facts pass (a digest), then :meth:`shared_view`. Inputs with the
        same view get the same band, score, actionability, unknowns and next steps; only the
        evidence cited can differ."""
        own = hashlib.blake2b(f"{self.config.version}\x1f{passes(self._own_tests, inputs.facts)}".encode(),
                              digest_size=8).hexdigest()
        return f"{own}.{self.shared_view(inputs.facts, inputs.records)}"

    @staticmethod
    def shared_part(view: str | None) -> str | None:
        """The :meth:`shared_view` inside a stored :meth:`view` (None for none)."""
        return None if view is None else view.partition(".")[2]

    def shared_view(self, facts: Mapping[str, Any], records: Mapping[str, RecordedItem]) -> str:
        """The part of :meth:`view` that other reports can change: the tests of ``shared_facts``
        passed, and a digest of the analysts' records in force (linked suspects bring theirs)."""
        seen = []
        for item_id in sorted(records):
            r = records[item_id]
            seen.append(f"{item_id}={r.value.value}@{r.recorded_at.isoformat()}|{r.recorded_by}|{r.href}|{r.evidence}")
        digest = hashlib.blake2b("\x1f".join(seen).encode(), digest_size=8).hexdigest() if seen else "-"
        return f"{passes(self._shared_tests, facts)}.{digest}"

    def score(self, inputs: TriageInputs) -> Scored:
        if inputs.records:
            assessment = assess(self.config, inputs)
            explanation = assessment.explanation()
            return Scored(assessment.band, assessment.score, assessment.actionability, assessment.worst_band,
                          json.dumps(explanation, separators=_COMPACT), lambda: explanation)
        key = (tuple((k, frozenset(v) if isinstance(v, set) else v) for k, v in inputs.facts.items()),
               tuple(inputs.fact_evidence))
        found = self._templates.get(key)
        if found is None:
            if len(self._templates) >= MAX_TEMPLATES:
                self._templates.clear()
            found = self._templates[key] = self._template(inputs)
        head, parts, skeleton = found
        texts: dict[int, str] = {}
        evidence: dict[str, str] = {}
        for fact, items in inputs.fact_evidence.items():
            text = texts.get(id(items))
            if text is None:
                text = texts[id(items)] = ",".join(_evidence_json(e) for e in items)
            evidence[fact] = text
        out = [p if isinstance(p, str) else ",".join(t for t in (evidence[f] for f in p) if t) for p in parts]
        fact_evidence = inputs.fact_evidence
        return Scored(head.band, head.score, head.actionability, head.worst_band, "".join(out),
                      lambda: _filled(skeleton, fact_evidence))

    def _template(self, inputs: TriageInputs) -> _Template:
        holes = {fact: (Evidence(_HOLE_KIND, fact),) for fact in inputs.fact_evidence}
        assessment = assess(self.config, TriageInputs(facts=inputs.facts, fact_evidence=holes))
        text = json.dumps(assessment.explanation(), separators=_COMPACT)
        parts: list[str | tuple[str, ...]] = []
        at = 0
        for run in _HOLES.finditer(text):
            parts.append(text[at:run.start()])
            parts.append(tuple(_HOLE.findall(run.group(0))))
            at = run.end()
        parts.append(text[at:])
        return (Scored(assessment.band, assessment.score, assessment.actionability, assessment.worst_band, ""),
                tuple(parts), json.loads(text))


def _filled(skeleton: dict[str, Any], fact_evidence: Mapping[str, tuple[Evidence, ...]]) -> dict[str, Any]:
    """A template's explanation with this report's evidence in its holes (rules' and items'
    evidence lists are the only places evidence goes); entries without holes are shared."""
    dicts: dict[str, list[dict[str, Any]]] = {}

    def evidence_of(fact: str) -> list[dict[str, Any]]:
        found = dicts.get(fact)
        if found is None:
            found = dicts[fact] = [e.as_dict() for e in fact_evidence[fact]]
        return found

    out = dict(skeleton)
    for key in ("rules", "items"):
        entries = []
        for entry in skeleton[key]:
            if any(e["kind"] == _HOLE_KIND for e in entry["evidence"]):
                evidence: list[dict[str, Any]] = []
                for e in entry["evidence"]:
                    if e["kind"] == _HOLE_KIND:
                        evidence.extend(evidence_of(e["label"]))
                    else:
                        evidence.append(e)
                entry = {**entry, "evidence": evidence}
            entries.append(entry)
        out[key] = entries
    return out
