"""Which recipient a package should go to, and why (pure: lookups are passed in).

The clues, strongest first:

1. a communications-data result on the case: the subscriber's address → postcode → force area;
2. a postal address identifier of a subject → postcode → force area;
3. the postcode a reporter gave on the public form;
4. a country on the referral (not the UK) → the international partner covering it.

A unit postcode found in the table names one force. A postcode the table lacks falls back to its
district, which may straddle forces: each force is proposed with its share of the district's live
postcodes, and none is chosen for the analyst. A choice is made for the package only when the
strongest clues agree on one recipient; otherwise the analyst chooses (a manual choice needs a
reason). With no clue at all the package cannot be sent, and :attr:`Routing.needs` says what
would give one, usually a communications-data request for an IP address.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from jigsaw.routing.places import area, display_postcode, district, is_uk


class Basis(StrEnum):
    COMMS_DATA = "comms_data"
    POSTAL_ADDRESS = "postal_address"
    PUBLIC_FORM = "public_form"
    DISTRICT = "postcode_district"
    COUNTRY = "country"
    MANUAL = "manual"


BASIS_LABELS = {
    Basis.COMMS_DATA: "Communications-data result", Basis.POSTAL_ADDRESS: "Postal address",
    Basis.PUBLIC_FORM: "Postcode from the public form", Basis.DISTRICT: "Postcode district (shared)",
    Basis.COUNTRY: "Country on the referral", Basis.MANUAL: "Chosen by hand",
}
_STRENGTH = {Basis.COMMS_DATA: 0, Basis.POSTAL_ADDRESS: 1, Basis.PUBLIC_FORM: 2, Basis.DISTRICT: 3,
             Basis.COUNTRY: 4, Basis.MANUAL: 5}


@dataclass(frozen=True)
class Recipient:
    """What routing knows of one recipient organisation."""

    org_id: int
    name: str
    kind: str
    ons_code: str | None = None
    aliases: tuple[str, ...] = ()
    postcode_areas: tuple[str, ...] = ()
    covers: tuple[str, ...] = ()  # countries, "*" for every country no other partner covers
    priority: int = 100
    international: bool = False


@dataclass(frozen=True)
class PostcodeClue:
    postcode: str  # normalised (SW1A1AA)
    basis: Basis  # COMMS_DATA, POSTAL_ADDRESS or PUBLIC_FORM
    source: str  # where it was read: "report JIG-…", "comms-data request … on CASE-…"


@dataclass(frozen=True)
class CountryClue:
    country: str  # ISO 3166-1 alpha-2
    source: str


@dataclass(frozen=True)
class Proposal:
    org_id: int
    name: str
    ons_code: str | None
    basis: Basis
    reason: str
    share: float | None = None  # the force's share of a straddling district, 0-1

    @property
    def strength(self) -> int:
        return _STRENGTH[self.basis]


@dataclass(frozen=True)
class Routing:
    proposals: tuple[Proposal, ...]
    chosen: Proposal | None
    needs: tuple[str, ...]  # what would give a basis (empty when a recipient is chosen)


def _by_code(recipients: Iterable[Recipient]) -> dict[str, Recipient]:
    found: dict[str, Recipient] = {}
    for r in recipients:
        for code in (r.ons_code, *r.aliases):
            if code:
                found.setdefault(code.upper(), r)
    return found


def partners_for(country: str, recipients: Sequence[Recipient]) -> list[Recipient]:
    """The international partners covering ``country``, in order; the catch-all (``*``) only when
    no partner covers it by name."""
    named = sorted((r for r in recipients if r.international and country in r.covers),
                   key=lambda r: (r.priority, r.name))
    if named:
        return named
    return sorted((r for r in recipients if r.international and "*" in r.covers), key=lambda r: (r.priority, r.name))


def propose(postcodes: Iterable[PostcodeClue], countries: Iterable[CountryClue], recipients: Sequence[Recipient],
            unit_force: Callable[[str], str | None], district_shares: Callable[[str], Mapping[str, int]], *,
            table_loaded: bool, pending_ips: Sequence[str] = (), pending_requests: Sequence[str] = ()) -> Routing:
    """The proposals for one package, the one chosen (if the clues agree) and what is still needed.

    ``unit_force(postcode)`` is the force area code of a unit postcode in the table;
    ``district_shares(district)`` the number of live postcodes per force area in a district;
    ``pending_ips`` describes IP addresses seen with no subscriber known yet, ``pending_requests`` the
    communications-data requests on the case still waiting for an answer (what is needed then).
    """
    codes = _by_code(recipients)
    by_area = {a: r for r in recipients for a in r.postcode_areas}
    proposals: list[Proposal] = []
    needs: list[str] = []
    unknown_codes: set[str] = set()
    for clue in postcodes:
        shown = display_postcode(clue.postcode)
        where = f"{BASIS_LABELS[clue.basis].lower()} {shown} ({clue.source})"
        dependency = by_area.get(area(clue.postcode))
        if dependency is not None:
            proposals.append(Proposal(dependency.org_id, dependency.name, dependency.ons_code, clue.basis,
                                      f"{where}: the {area(clue.postcode)} postcode area"))
            continue
        code = unit_force(clue.postcode)
        if code is not None:
            force = codes.get(code.upper())
            if force is None:
                unknown_codes.add(code)
                continue
            proposals.append(Proposal(force.org_id, force.name, force.ons_code, clue.basis,
                                      f"{where} is in police force area {code}"))
            continue
        shares = {c.upper(): n for c, n in district_shares(district(clue.postcode)).items() if n > 0}
        total = sum(shares.values())
        if not total:
            needs.append(f"{shown} ({clue.source}) is not in the postcode table"
                         + ("" if table_loaded else ": load the ONS Postcode Directory (jigsaw routing load FILE)"))
            continue
        for code, n in sorted(shares.items(), key=lambda kv: (-kv[1], kv[0])):
            force = codes.get(code)
            if force is None:
                unknown_codes.add(code)
                continue
            share = n / total
            straddle = "" if len(shares) == 1 else f", which straddles {len(shares)} forces"
            proposals.append(Proposal(force.org_id, force.name, force.ons_code, Basis.DISTRICT,
                                      f"{where}: {share:.0%} of district {district(clue.postcode)}'s live "
                                      f"postcodes are in {code}{straddle}", share))
    for country in countries:
        if is_uk(country.country):
            continue
        for rank, partner in enumerate(partners_for(country.country, recipients)):
            alternative = "" if rank == 0 else " (an alternative)"
            proposals.append(Proposal(partner.org_id, partner.name, partner.ons_code, Basis.COUNTRY,
                                      f"country {country.country} on the referral ({country.source}){alternative}"))
    for code in sorted(unknown_codes):
        needs.append(f"police force area {code} has no recipient: run jigsaw orgs seed")
    merged = _merge(proposals)
    chosen = _choose(merged)
    if chosen is None:
        if merged:
            needs.append("the clues point to more than one recipient: choose one, with a reason")
        elif pending_requests:
            needs.extend(f"an answer to {r}" for r in pending_requests)
        else:
            needs.extend(f"a communications-data request for the subscriber of {ip}" for ip in pending_ips)
            if not pending_ips and not needs:
                needs.append("a postcode (a postal address, or a communications-data result giving the "
                             "subscriber's address), a country, or a recipient chosen by hand with a reason")
    return Routing(tuple(merged), chosen, tuple(dict.fromkeys(needs)) if chosen is None else ())


def _merge(proposals: list[Proposal]) -> list[Proposal]:
    """One proposal per recipient: its strongest basis, every reason; strongest first."""
    grouped: dict[int, list[Proposal]] = {}
    for p in proposals:
        grouped.setdefault(p.org_id, []).append(p)
    merged: list[Proposal] = []
    for group in grouped.values():
        best = min(group, key=lambda p: (p.strength, -(p.share or 0)))
        reasons = list(dict.fromkeys(p.reason for p in sorted(group, key=lambda p: p.strength)))
        merged.append(Proposal(best.org_id, best.name, best.ons_code, best.basis, "; ".join(reasons), best.share))
    # Country proposals keep the partners' own order (their priority) among themselves.
    return sorted(merged, key=lambda p: (p.strength, -(p.share or 0)))


def _choose(merged: list[Proposal]) -> Proposal | None:
    if not merged:
        return None
    top = merged[0]
    if top.basis is Basis.DISTRICT:
        return top if top.share == 1 and not any(p.basis is Basis.DISTRICT for p in merged[1:]) else None
    if top.basis is Basis.COUNTRY:
        return top
    rivals = [p for p in merged[1:] if p.strength == top.strength]
    return None if rivals else top
