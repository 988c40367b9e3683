"""An Algorithmic Transparency Recording Standard (ATRS) record of the live model (pure).

Generated from the configuration in force rather than written by hand, so the published
description cannot drift from what the queue actually does: every rule, item, weight, cap and
timescale below is read from the same :class:`TriageConfig` that scores cases. The shape follows
ATRS tiers 1 (plain-language overview) and 2 (owner, description and rationale, decision process
and human oversight, data, risks and mitigations).
"""

from __future__ import annotations

from typing import Any

from jigsaw.triage.denylist import PROHIBITED_STEMS, PROHIBITED_WORDS
from jigsaw.triage.model import FACTS, TriageConfig, describe
from jigsaw.triage.scoring import ADVISORY, facts_in

EXCLUDED_CATEGORIES = ("ethnicity", "nationality", "religion", "postcode or area", "deprivation", "marital status")

RISKS: tuple[tuple[str, str], ...] = (
    ("Over-reliance: staff treat the band as a decision.",
     "The band is labelled advisory on every page; a person decides; overrides are easy, reasoned and monitored; "
     "nothing is closed automatically and the lowest band still has a 30-day human review."),
    ("Missing information scored as reassurance.",
     "Unknown is kept apart from No; the unknowns that could raise the band are listed with the worst case."),
    ("Proxy discrimination (the HART lesson: postcode and socio-economic profiling).",
     "Protected characteristics and proxies are refused by a deny list when any configuration is loaded."),
    ("Low base rates: a high band is not a finding of guilt.",
     "Bands order work; they are never disclosed as risk predictions about a person."),
    ("Unvalidated weights.",
     "Points are practitioner-set; monitoring compares bands with outcomes once outcomes are recorded, "
     "and override rates by band and analyst show where the model and people disagree."),
    ("Improper downgrades of urgent cases.",
     "Lowering a P0 or P1 case needs a supervisor other than the requester; every override is audited."),
    ("Unreviewed model changes.",
     "Every configuration change is proposed, approved by a second person, audited, and named on each assessment."),
)


def atrs_record(config: TriageConfig) -> dict[str, Any]:
    """Tier 1 and tier 2 fields, generated from ``config``."""
    bands = [{"band": b.band.value, "label": b.label, "act_within_hours": b.due_hours,
              "reached_by": "a rule only" if b.min_score is None else f"score {b.min_score} or more, or a rule"}
             for b in config.bands.values()]
    conditions = [c for i in config.items.values() for c in (i.yes_when, i.no_when) if c is not None]
    conditions += [r.when for r in config.rules] + [f.when for f in config.factors]
    used_facts = sorted(set().union(*(facts_in(c) for c in conditions)))
    return {
        "standard": "UK Algorithmic Transparency Recording Standard (tiers 1 and 2)",
        "tier_1": {
            "name": config.name,
            "description": config.description,
            "purpose": config.purpose,
            "how_it_works": (
                "Each report is checked against rules that force the most urgent band, then given a score from 0 to "
                "100 made of capped groups of yes/no/unknown items. The more urgent of the two sets the band, which "
                "sets the time by which a person must act. " + ADVISORY),
            "human_oversight": "A person reviews every case in every band and may override the band with a reason.",
            "contact": config.owner.get("contact", ""),
        },
        "tier_2": {
            "owner_and_responsibility": dict(config.owner),
            "model_version": config.version,
            "configuration_sha256": config.sha256,
            "description_and_rationale": config.basis,
            "decision_process": {
                "bands": bands,
                "rules": [{"id": r.id, "label": r.label, "band": r.band.value, "condition": describe(r.when, config)}
                          for r in config.rules],
                "score_groups": [{"id": g.id, "label": g.label, "cap": g.cap,
                                  "items": [{"id": i.id, "label": i.label, "points": i.points}
                                            for i in config.items.values() if i.group == g.id]}
                                 for g in config.groups.values()],
                "actionability": {
                    "note": "Orders cases within a band; never changes the band.",
                    "base": config.actionability_base,
                    "factors": [{"id": f.id, "label": f.label, "points": f.points} for f in config.factors]},
            },
            "human_oversight": {
                "advisory": ADVISORY,
                "overrides": "Any analyst may change a band with a reason code and text. Lowering a P0 or P1 case is "
                             "pending until a different supervisor approves it.",
                "re_assessment": "Re-scored automatically when a report, bank match or analyst record arrives; "
                                 "every assessment is kept.",
                "monitoring": "Supervisors see counts per band, overdue work, override rates by band and analyst, "
                              "and bands against outcomes once outcomes are recorded.",
                "configuration_changes": "Proposed, approved by a second person (a supervisor), audited.",
            },
            "data": {
                "inputs": [{"name": fact, "meaning": FACTS[fact]} for fact in used_facts],
                "analyst_recorded_items": [i.id for i in config.items.values() if i.yes_when is None],
                "exclusions": {
                    "never_used": list(EXCLUDED_CATEGORIES),
                    "enforced_by": "a deny list checked on every configuration load",
                    "deny_list_stems": sorted(PROHIBITED_STEMS),
                    "deny_list_words": sorted(PROHIBITED_WORDS),
                },
                "not_used_and_why": "Recidivism tools (CPORT, CASIC, RM2000) are for convicted offenders and are "
                                    "not used to triage alleged offenders.",
            },
            "impact_assessments": "To be completed by the operator: DPIA (DPA 2018 Part 3), equality impact "
                                  "assessment, ethics review.",
            "risks_and_mitigations": [{"risk": r, "mitigation": m} for r, m in RISKS],
        },
    }


def to_markdown(record: dict[str, Any]) -> str:
    """The same record as a readable Markdown document."""
    t1, t2 = record["tier_1"], record["tier_2"]
    lines = [f"# {t1['name']}: algorithmic transparency record", "", f"*{record['standard']}*", "",
             "## Tier 1", ""]
    for key in ("description", "purpose", "how_it_works", "human_oversight", "contact"):
        lines += [f"**{key.replace('_', ' ').capitalize()}.** {t1[key]}", ""]
    lines += ["## Tier 2", "", "### Owner and responsibility", ""]
    lines += [f"- {k}: {v}" for k, v in t2["owner_and_responsibility"].items()]
    lines += ["", f"Model version `{t2['model_version']}` (configuration SHA-256 `{t2['configuration_sha256']}`).", "",
              "### Description and rationale", "", t2["description_and_rationale"], "",
              "### Decision process", "", "| band | label | act within | reached by |", "| --- | --- | --- | --- |"]
    lines += [f"| {b['band']} | {b['label']} | {b['act_within_hours']} h | {b['reached_by']} |"
              for b in t2["decision_process"]["bands"]]
    lines += ["", "Rules:", ""]
    lines += [f"- **{r['band']}** {r['label']}: {r['condition']}" for r in t2["decision_process"]["rules"]]
    lines += ["", "Score groups (points, capped per group, total at most 100):", ""]
    for g in t2["decision_process"]["score_groups"]:
        items = "; ".join(f"{i['label']} ({i['points']})" for i in g["items"])
        lines.append(f"- **{g['label']}** (cap {g['cap']}): {items}")
    act = t2["decision_process"]["actionability"]
    lines += ["", f"Actionability ({act['note']}) base {act['base']}: "
              + "; ".join(f"{f['label']} ({f['points']:+d})" for f in act["factors"]), "",
              "### Human oversight", ""]
    lines += [f"- {k.replace('_', ' ').capitalize()}: {v}" for k, v in t2["human_oversight"].items()]
    data = t2["data"]
    lines += ["", "### Data", "", "Inputs:", ""]
    lines += [f"- `{i['name']}`: {i['meaning']}" for i in data["inputs"]]
    lines += ["", "Recorded by analysts: " + ", ".join(data["analyst_recorded_items"]), "",
              "Never used: " + ", ".join(data["exclusions"]["never_used"])
              + f" ({data['exclusions']['enforced_by']}).", "", data["not_used_and_why"], "",
              "### Impact assessments", "", t2["impact_assessments"], "", "### Risks and mitigations", ""]
    lines += [f"- **{r['risk']}** {r['mitigation']}" for r in t2["risks_and_mitigations"]]
    return "\n".join(lines) + "\n"
