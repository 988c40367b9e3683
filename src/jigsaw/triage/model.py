"""The triage model as data: a versioned configuration, parsed and checked before use (pure).

The configuration (``config/triage-v1.yaml``) is plain YAML so that the people who own the
model can read, review and change it without reading Python, and so that every assessment can
name the exact version that produced it. Loading is strict: an unknown key, group, item, fact
or operator is an error rather than something silently ignored, because a typo in a safeguarding
rule fails open. Every name and input path is also checked against the deny list
(:mod:`jigsaw.triage.denylist`) before anything else, so a configuration that would use, say,
``post_code`` is refused with an error that names it.

Conditions are a small declarative language (no expressions, no code):

* ``{item: ID}`` is true when the item's value is *yes*;
* ``{fact: PATH, OP: VALUE}`` compares one of the :data:`FACTS` intake and import provide,
  with OP one of ``is``, ``equals``, ``in``, ``contains``, ``contains_any``, ``gte``, ``lte``;
* ``{any: [...]}``, ``{all: [...]}`` and ``{not: ...}`` combine them.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from importlib import resources
from typing import Any

import yaml

from jigsaw.errors import InvalidInput
from jigsaw.triage.denylist import prohibited


class Band(StrEnum):
    """Priority bands, most urgent first (KIRAT's Very High, High, Medium, Low)."""

    P0 = "P0"
    P1 = "P1"
    P2 = "P2"
    P3 = "P3"

    @property
    def rank(self) -> int:
        """0 for P0 (most urgent) to 3 for P3: sorting by rank puts urgent work first."""
        return int(self.value[1])


def most_urgent(*bands: Band) -> Band:
    return min(bands, key=lambda b: b.rank)


class ItemValue(StrEnum):
    """Unknown is kept apart from No: an unanswered question is not a reassuring answer."""

    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"


# The inputs a configuration may refer to, with what they mean. The adapter that reads them from
# intake, matching, linking and analysts' records is jigsaw.triage.inputs. Nothing else is read.
FACTS: dict[str, str] = {
    "report.escalated": "the report carries an escalation text (someone in danger now)",
    "report.annotations": "report flags from the source (e.g. sextortion, escalate_high_priority)",
    "report.incident_type": "the incident type chosen by the reporter or mapped from the source",
    "report.preservation_days_left": "days until the platform's data-preservation deadline, if one is known",
    "media.count": "number of media items (hashes) in the report",
    "media.classified_count": "media items carrying a UK category or an industry classification",
    "media.uk_categories": "UK categories (A/B/C) given to the report's media by the source",
    "media.industry_classifications": "industry classifications (A1/A2/B1/B2) on the report's media",
    "media.file_annotations": "file flags on the report's media (e.g. live_streaming, infant, potential_meme)",
    "media.unmatched_count": "media items that matched no hash bank (possibly new imagery)",
    "matches.count": "media items that matched a hash bank entry",
    "matches.uk_categories": "UK categories of the bank entries matched",
    "network.member": "whether a suspect belongs to a known offender network (unknown until linking says)",
    "victims.identified": "a child victim is identifiable (named, aged or with an identifier)",
    "victims.min_age": "the age of the youngest victim named in the report",
    "identifiers.count": "identifiers recorded for the report's suspects",
    "identifiers.location_resolved": "a timestamped IP address or an address is known for a suspect",
    "linked.reports": "other reports that share an identifier with this report's suspects",
}

OPERATORS = ("is", "equals", "in", "contains", "contains_any", "gte", "lte")


class ConfigError(InvalidInput, ValueError):
    """A configuration that cannot be used; the message names the offending key and why."""


# -- conditions -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemIs:
    item: str


@dataclass(frozen=True)
class FactTest:
    fact: str
    op: str
    value: Any


@dataclass(frozen=True)
class AnyOf:
    terms: tuple[Condition, ...]


@dataclass(frozen=True)
class AllOf:
    terms: tuple[Condition, ...]


@dataclass(frozen=True)
class Not:
    term: Condition


Condition = ItemIs | FactTest | AnyOf | AllOf | Not


def evaluate(condition: Condition, facts: Mapping[str, Any], items: Mapping[str, ItemValue]) -> bool:
    """True when ``condition`` holds. A fact that is unknown (``None``) satisfies no test."""
    if isinstance(condition, ItemIs):
        return items.get(condition.item) is ItemValue.YES
    if isinstance(condition, AnyOf):
        return any(evaluate(t, facts, items) for t in condition.terms)
    if isinstance(condition, AllOf):
        return all(evaluate(t, facts, items) for t in condition.terms)
    if isinstance(condition, Not):
        return not evaluate(condition.term, facts, items)
    return _test(condition, facts.get(condition.fact))


def _test(test: FactTest, actual: Any) -> bool:
    if actual is None:
        return False
    op, expected = test.op, test.value
    if op in ("is", "equals"):
        return bool(actual == expected)
    if op == "in":
        return actual in expected
    if op == "contains":
        return expected in actual
    if op == "contains_any":
        return any(v in actual for v in expected)
    if op == "gte":
        return bool(actual >= expected)
    return bool(actual <= expected)  # lte


def items_in(condition: Condition) -> set[str]:
    """The item ids a condition refers to (to explain which unknowns could change a rule)."""
    if isinstance(condition, ItemIs):
        return {condition.item}
    if isinstance(condition, AnyOf | AllOf):
        return set().union(*(items_in(t) for t in condition.terms))
    if isinstance(condition, Not):
        return items_in(condition.term)
    return set()


def tests_in(condition: Condition | None) -> list[FactTest]:
    """The fact tests a condition is made of, depth first (items it names are not followed)."""
    if isinstance(condition, FactTest):
        return [condition]
    if isinstance(condition, AnyOf | AllOf):
        return [t for term in condition.terms for t in tests_in(term)]
    if isinstance(condition, Not):
        return tests_in(condition.term)
    return []


def passes(tests: Sequence[FactTest], facts: Mapping[str, Any]) -> str:
    """Which of ``tests`` the facts pass, as a string of 0 and 1 in their order: all the model
    can see of the facts, since every condition is made of these tests (:func:`evaluate`)."""
    return "".join("1" if _test(t, facts.get(t.fact)) else "0" for t in tests)


# -- the configuration ----------------------------------------------------------------------------


@dataclass(frozen=True)
class BandSpec:
    band: Band
    label: str
    due_hours: int
    min_score: int | None  # None for P0, which only rules reach


@dataclass(frozen=True)
class Group:
    id: str
    label: str
    cap: int


@dataclass(frozen=True)
class Item:
    id: str
    group: str
    points: int
    label: str
    ask: str | None = None
    yes_when: Condition | None = None
    no_when: Condition | None = None


@dataclass(frozen=True)
class Rule:
    id: str
    band: Band
    label: str
    when: Condition
    next_step: str | None = None


@dataclass(frozen=True)
class Factor:
    id: str
    points: int
    label: str
    when: Condition


@dataclass(frozen=True)
class TriageConfig:
    version: str
    name: str
    description: str
    purpose: str
    owner: Mapping[str, str]
    basis: str
    bands: Mapping[Band, BandSpec]
    groups: Mapping[str, Group]
    items: Mapping[str, Item]
    rules: tuple[Rule, ...]
    actionability_base: int
    factors: tuple[Factor, ...]
    source_text: str = field(repr=False, default="")

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.source_text.encode()).hexdigest()

    def fact_tests(self) -> tuple[FactTest, ...]:
        """Every fact test in the items, rules and factors, each once, in the configuration's
        order. Facts that pass the same ones get the same assessment, evidence aside."""
        conditions = [c for i in self.items.values() for c in (i.yes_when, i.no_when)]
        conditions += [r.when for r in self.rules] + [f.when for f in self.factors]
        return tuple(dict.fromkeys(t for c in conditions for t in tests_in(c)))

    def due_hours(self, band: Band) -> int:
        return self.bands[band].due_hours

    def band_for_score(self, score: int) -> Band:
        """The score band: the most urgent band whose threshold the score reaches (never P0)."""
        for band in (Band.P1, Band.P2, Band.P3):
            threshold = self.bands[band].min_score
            if threshold is not None and score >= threshold:
                return band
        return Band.P3


# -- loading and validation --------------------------------------------------------------------------

SHIPPED_RESOURCE = "triage-v1.yaml"


@functools.cache
def shipped_text() -> str:
    """The configuration shipped with this release of Jigsaw (read once per process)."""
    return resources.files("jigsaw.triage").joinpath("config").joinpath(SHIPPED_RESOURCE).read_text(encoding="utf-8")


def load_config(text: str) -> TriageConfig:
    """Parse and check a configuration; raise :class:`ConfigError` naming the first problem.

    The deny-list check runs over the raw document first, so a prohibited input is reported as
    such even where it would also be an unknown name.
    """
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise ConfigError("the configuration must be a mapping")
    check_denylist(raw)
    return _Parser(raw, text).config()


def check_denylist(raw: Mapping[str, Any]) -> None:
    """Refuse any item, group, rule, factor, input path or compared value naming a prohibited input."""
    for where, name in _names(raw):
        hit = prohibited(name)
        if hit is not None:
            raise ConfigError(
                f"prohibited input {name!r} at {where}: triage never uses {hit.category} "
                f"(matched {hit.matched!r}); remove it from the configuration"
            )


def _names(raw: Mapping[str, Any]) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for section in ("groups",):
        for key in (raw.get(section) or {}):
            found.append((f"{section}.{key}", str(key)))
    for section in ("items", "rules"):
        for i, entry in enumerate(raw.get(section) or []):
            if isinstance(entry, dict):
                found.append((f"{section}[{i}].id", str(entry.get("id", ""))))
                for cond_key in ("yes_when", "no_when", "when"):
                    if cond_key in entry:
                        found.extend(_condition_names(entry[cond_key], f"{section}[{i}].{cond_key}"))
                if "group" in entry:
                    found.append((f"{section}[{i}].group", str(entry["group"])))
    for i, entry in enumerate((raw.get("actionability") or {}).get("factors") or []):
        if isinstance(entry, dict):
            found.append((f"actionability.factors[{i}].id", str(entry.get("id", ""))))
            if "when" in entry:
                found.extend(_condition_names(entry["when"], f"actionability.factors[{i}].when"))
    for i, name in enumerate(raw.get("inputs") or []):
        found.append((f"inputs[{i}]", str(name)))
    return found


def _condition_names(node: Any, where: str) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("fact", "item"):
                found.append((f"{where}.{key}", str(value)))
            elif key in ("any", "all", "not"):
                found.extend(_condition_names(value, f"{where}.{key}"))
            else:
                found.append((f"{where}", str(key)))
                found.extend(_condition_names(value, f"{where}.{key}"))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found.extend(_condition_names(value, f"{where}[{i}]"))
    elif isinstance(node, str):
        found.append((where, node))
    return found


_TOP_KEYS = {"version", "name", "description", "purpose", "owner", "basis", "bands", "groups", "items",
             "rules", "actionability", "inputs"}
_ITEM_KEYS = {"id", "group", "points", "label", "ask", "yes_when", "no_when"}
_RULE_KEYS = {"id", "band", "label", "when", "next_step"}
_FACTOR_KEYS = {"id", "points", "label", "when"}


class _Parser:
    def __init__(self, raw: dict[str, Any], text: str) -> None:
        self.raw = raw
        self.text = text

    def config(self) -> TriageConfig:
        raw = self.raw
        _only(raw, _TOP_KEYS, "the configuration")
        version = _str(raw, "version", "the configuration")
        bands = self._bands(raw.get("bands"))
        groups = self._groups(raw.get("groups"))
        items = self._items(raw.get("items"), groups)
        rules = self._rules(raw.get("rules"), items)
        base, factors = self._actionability(raw.get("actionability"), items)
        owner = raw.get("owner") or {}
        if not isinstance(owner, dict):
            raise ConfigError("owner must be a mapping (organisation, role, contact)")
        for i, name in enumerate(raw.get("inputs") or []):
            if name not in FACTS:
                raise ConfigError(f"inputs[{i}]: unknown input {name!r}")
        return TriageConfig(
            version=version, name=_str(raw, "name", "the configuration"),
            description=_str(raw, "description", "the configuration"),
            purpose=_str(raw, "purpose", "the configuration"), owner={k: str(v) for k, v in owner.items()},
            basis=str(raw.get("basis", "")), bands=bands, groups=groups, items=items, rules=rules,
            actionability_base=base, factors=factors, source_text=self.text,
        )

    def _bands(self, raw: Any) -> dict[Band, BandSpec]:
        if not isinstance(raw, dict) or set(raw) != {b.value for b in Band}:
            raise ConfigError("bands must define exactly P0, P1, P2 and P3")
        out: dict[Band, BandSpec] = {}
        for band in Band:
            spec = raw[band.value]
            where = f"bands.{band.value}"
            if not isinstance(spec, dict):
                raise ConfigError(f"{where} must be a mapping")
            _only(spec, {"label", "due_hours", "min_score"}, where)
            hours = _int(spec, "due_hours", where, low=1)
            min_score = None
            if band is Band.P0:
                if "min_score" in spec:
                    raise ConfigError("bands.P0 takes no min_score: only a rule can make a case Immediate")
            else:
                min_score = _int(spec, "min_score", where, low=0, high=100)
            out[band] = BandSpec(band, _str(spec, "label", where), hours, min_score)
        if out[Band.P3].min_score != 0:
            raise ConfigError("bands.P3.min_score must be 0, so every score has a band")
        scores = [out[b].min_score or 0 for b in (Band.P1, Band.P2, Band.P3)]
        timescales = [out[b].due_hours for b in Band]
        if scores != sorted(scores, reverse=True) or len(set(scores)) != 3:
            raise ConfigError("min_score must fall strictly from P1 to P3")
        if timescales != sorted(timescales):
            raise ConfigError("due_hours must not fall from P0 to P3")
        return out

    def _groups(self, raw: Any) -> dict[str, Group]:
        if not isinstance(raw, dict) or not raw:
            raise ConfigError("groups must be a non-empty mapping")
        out = {}
        for gid, spec in raw.items():
            where = f"groups.{gid}"
            if not isinstance(spec, dict):
                raise ConfigError(f"{where} must be a mapping")
            _only(spec, {"label", "cap"}, where)
            out[str(gid)] = Group(str(gid), _str(spec, "label", where), _int(spec, "cap", where, low=0, high=100))
        return out

    def _items(self, raw: Any, groups: Mapping[str, Group]) -> dict[str, Item]:
        if not isinstance(raw, list) or not raw:
            raise ConfigError("items must be a non-empty list")
        out: dict[str, Item] = {}
        for i, spec in enumerate(raw):
            where = f"items[{i}]"
            if not isinstance(spec, dict):
                raise ConfigError(f"{where} must be a mapping")
            _only(spec, _ITEM_KEYS, where)
            item_id = _ident(spec, where)
            if item_id in out:
                raise ConfigError(f"{where}: item {item_id!r} is defined twice")
            group = _str(spec, "group", where)
            if group not in groups:
                raise ConfigError(f"{where}: unknown group {group!r}")
            yes_when = _condition(spec["yes_when"], f"{where}.yes_when", None) if "yes_when" in spec else None
            no_when = _condition(spec["no_when"], f"{where}.no_when", None) if "no_when" in spec else None
            for cond, key in ((yes_when, "yes_when"), (no_when, "no_when")):
                if cond is not None and items_in(cond):
                    raise ConfigError(f"{where}.{key}: an item is derived from facts only, not from other items")
            out[item_id] = Item(item_id, group, _int(spec, "points", where, low=0, high=100),
                                _str(spec, "label", where), spec.get("ask"), yes_when, no_when)
        return out

    def _rules(self, raw: Any, items: Mapping[str, Item]) -> tuple[Rule, ...]:
        if not isinstance(raw, list):
            raise ConfigError("rules must be a list")
        out: list[Rule] = []
        seen: set[str] = set()
        for i, spec in enumerate(raw):
            where = f"rules[{i}]"
            if not isinstance(spec, dict):
                raise ConfigError(f"{where} must be a mapping")
            _only(spec, _RULE_KEYS, where)
            rule_id = _ident(spec, where)
            if rule_id in seen:
                raise ConfigError(f"{where}: rule {rule_id!r} is defined twice")
            seen.add(rule_id)
            try:
                band = Band(str(spec.get("band")))
            except ValueError:
                raise ConfigError(f"{where}.band must be one of P0, P1, P2, P3") from None
            if "when" not in spec:
                raise ConfigError(f"{where}: a rule needs a 'when' condition")
            when = _condition(spec["when"], f"{where}.when", items)
            out.append(Rule(rule_id, band, _str(spec, "label", where), when, spec.get("next_step")))
        return tuple(out)

    def _actionability(self, raw: Any, items: Mapping[str, Item]) -> tuple[int, tuple[Factor, ...]]:
        if raw is None:
            return 0, ()
        if not isinstance(raw, dict):
            raise ConfigError("actionability must be a mapping with base and factors")
        _only(raw, {"base", "factors"}, "actionability")
        base = _int(raw, "base", "actionability", low=0, high=100) if "base" in raw else 0
        factors = []
        for i, spec in enumerate(raw.get("factors") or []):
            where = f"actionability.factors[{i}]"
            if not isinstance(spec, dict):
                raise ConfigError(f"{where} must be a mapping")
            _only(spec, _FACTOR_KEYS, where)
            factors.append(Factor(_ident(spec, where), _int(spec, "points", where, low=-100, high=100),
                                  _str(spec, "label", where), _condition(spec.get("when"), f"{where}.when", items)))
        return base, tuple(factors)


def _only(spec: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(spec) - allowed)
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(map(repr, unknown))}")


def _str(spec: Mapping[str, Any], key: str, where: str) -> str:
    value = spec.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where}.{key} must be a non-empty string")
    return value.strip()


def _int(spec: Mapping[str, Any], key: str, where: str, *, low: int, high: int | None = None) -> int:
    value = spec.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < low or (high is not None and value > high):
        bound = f"{low}..{high}" if high is not None else f">= {low}"
        raise ConfigError(f"{where}.{key} must be an integer {bound}")
    return value


def _ident(spec: Mapping[str, Any], where: str) -> str:
    value = _str(spec, "id", where)
    if not value.replace("_", "").isalnum() or not value[0].isalpha() or value.lower() != value:
        raise ConfigError(f"{where}.id {value!r} must be lower_snake_case")
    return value


def _condition(node: Any, where: str, items: Mapping[str, Item] | None) -> Condition:
    """Parse a condition. ``items`` None means item references are not allowed here."""
    if not isinstance(node, dict) or not node:
        raise ConfigError(f"{where} must be a condition mapping")
    if "any" in node or "all" in node:
        key = "any" if "any" in node else "all"
        _only(node, {key}, where)
        terms = node[key]
        if not isinstance(terms, list) or not terms:
            raise ConfigError(f"{where}.{key} must be a non-empty list")
        parsed = tuple(_condition(t, f"{where}.{key}[{i}]", items) for i, t in enumerate(terms))
        return AnyOf(parsed) if key == "any" else AllOf(parsed)
    if "not" in node:
        _only(node, {"not"}, where)
        return Not(_condition(node["not"], f"{where}.not", items))
    if "item" in node:
        _only(node, {"item"}, where)
        item_id = str(node["item"])
        if items is not None and item_id not in items:
            raise ConfigError(f"{where}: unknown item {item_id!r}")
        return ItemIs(item_id)
    if "fact" in node:
        fact = str(node["fact"])
        if fact not in FACTS:
            raise ConfigError(f"{where}: unknown input {fact!r} (known: {', '.join(sorted(FACTS))})")
        ops = [k for k in node if k != "fact"]
        if len(ops) != 1 or ops[0] not in OPERATORS:
            raise ConfigError(f"{where}: give exactly one operator of {', '.join(OPERATORS)}")
        op = ops[0]
        value = node[op]
        if op in ("in", "contains_any") and not isinstance(value, list):
            raise ConfigError(f"{where}.{op} must be a list")
        if op in ("gte", "lte") and (not isinstance(value, int | float) or isinstance(value, bool)):
            raise ConfigError(f"{where}.{op} must be a number")
        return FactTest(fact, op, tuple(value) if isinstance(value, list) else value)
    raise ConfigError(f"{where}: expected one of item, fact, any, all, not")


def describe(condition: Condition, config: TriageConfig) -> str:
    """A condition in words, for the ATRS record and the explanation."""
    if isinstance(condition, ItemIs):
        item = config.items.get(condition.item)
        return item.label if item else condition.item
    if isinstance(condition, AnyOf | AllOf):
        joiner = " or " if isinstance(condition, AnyOf) else " and "
        return "(" + joiner.join(describe(t, config) for t in condition.terms) + ")"
    if isinstance(condition, Not):
        return f"not {describe(condition.term, config)}"
    value: Any = condition.value
    if isinstance(value, tuple | list | Sequence) and not isinstance(value, str):
        value = ", ".join(map(str, value))
    return f"{condition.fact} {condition.op.replace('_', ' ')} {value}"
