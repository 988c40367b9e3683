"""The recipients Jigsaw ships with: UK police forces by ONS police force area, and the main
international partners (pure data; ``jigsaw orgs seed`` loads it).

The ONS codes are those of the Police Force Area table the ONS Postcode Directory's ``pfa`` column
uses (``E23000001`` Metropolitan … ``E23000039``, ``W15000001`` to ``W15000004``, ``S23000009``
Police Scotland, ``N23000001`` PSNI; older releases wrote Northern Ireland as the pseudo code
``N99999999``, the Channel Islands ``L99999999`` and the Isle of Man ``M99999999``). British
Transport Police has no area of its own: it is chosen by hand.

The point-of-contact addresses are placeholders under the reserved ``.invalid`` domain, so nothing
is ever mailed to a real force until an administrator sets its single point of contact
(``jigsaw routing contact NAME --email ADDRESS``); seeding again never overwrites one that was set.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from jigsaw.markings import Classification, Tlp

PLACEHOLDER_DOMAIN = "spoc.invalid"


@dataclass(frozen=True)
class RecipientSeed:
    name: str
    kind: str  # an accounts OrgKind value: uk_force or partner_agency
    ons_code: str | None = None
    country: str | None = None  # ISO 3166-1 alpha-2 of the partner's own country
    # The countries whose referrals go to this partner (the partner's own country first).
    covers: tuple[str, ...] = ()
    # Postcode areas routed here whatever the postcode table says (the Crown Dependencies).
    postcode_areas: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()  # other ONS codes the directory has used for the same area
    max_classification: Classification = Classification.OFFICIAL_SENSITIVE
    max_tlp: Tlp = Tlp.RED
    international: bool = False
    accepts_stix: bool = False
    priority: int = 100  # among partners covering one country, lower is proposed first
    notes: str = field(default="", compare=False)

    @property
    def placeholder_email(self) -> str:
        slug = re.sub(r"[^a-z0-9]+", "-", self.name.casefold()).strip("-")
        return f"{slug}@{PLACEHOLDER_DOMAIN}"


_ENGLAND = (
    ("E23000001", "Metropolitan Police Service"), ("E23000002", "Cumbria Constabulary"),
    ("E23000003", "Lancashire Constabulary"), ("E23000004", "Merseyside Police"),
    ("E23000005", "Greater Manchester Police"), ("E23000006", "Cheshire Constabulary"),
    ("E23000007", "Northumbria Police"), ("E23000008", "Durham Constabulary"),
    ("E23000009", "North Yorkshire Police"), ("E23000010", "West Yorkshire Police"),
    ("E23000011", "South Yorkshire Police"), ("E23000012", "Humberside Police"),
    ("E23000013", "Cleveland Police"), ("E23000014", "West Midlands Police"),
    ("E23000015", "Staffordshire Police"), ("E23000016", "West Mercia Police"),
    ("E23000017", "Warwickshire Police"), ("E23000018", "Derbyshire Constabulary"),
    ("E23000019", "Nottinghamshire Police"), ("E23000020", "Lincolnshire Police"),
    ("E23000021", "Leicestershire Police"), ("E23000022", "Northamptonshire Police"),
    ("E23000023", "Cambridgeshire Constabulary"), ("E23000024", "Norfolk Constabulary"),
    ("E23000025", "Suffolk Constabulary"), ("E23000026", "Bedfordshire Police"),
    ("E23000027", "Hertfordshire Constabulary"), ("E23000028", "Essex Police"),
    ("E23000029", "Thames Valley Police"), ("E23000030", "Hampshire and Isle of Wight Constabulary"),
    ("E23000031", "Surrey Police"), ("E23000032", "Kent Police"), ("E23000033", "Sussex Police"),
    ("E23000034", "City of London Police"), ("E23000035", "Devon and Cornwall Police"),
    ("E23000036", "Avon and Somerset Constabulary"), ("E23000037", "Gloucestershire Constabulary"),
    ("E23000038", "Wiltshire Police"), ("E23000039", "Dorset Police"),
)
_WALES = (
    ("W15000001", "North Wales Police"), ("W15000002", "Gwent Police"), ("W15000003", "South Wales Police"),
    ("W15000004", "Dyfed-Powys Police"),
)

EU_MEMBER_STATES = ("AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV",
                    "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE")

UK_FORCES: tuple[RecipientSeed, ...] = (
    *(RecipientSeed(name, "uk_force", code) for code, name in _ENGLAND + _WALES),
    RecipientSeed("Police Scotland", "uk_force", "S23000009"),
    RecipientSeed("Police Service of Northern Ireland", "uk_force", "N23000001", aliases=("N99999999",)),
    RecipientSeed("British Transport Police", "uk_force", None, notes="no police force area: chosen by hand"),
    RecipientSeed("States of Jersey Police", "uk_force", None, postcode_areas=("JE",), aliases=("L99999999",)),
    RecipientSeed("Guernsey Police", "uk_force", None, postcode_areas=("GY",)),
    RecipientSeed("Isle of Man Constabulary", "uk_force", "M99999999", postcode_areas=("IM",)),
)

PARTNERS: tuple[RecipientSeed, ...] = (
    RecipientSeed("Federal Bureau of Investigation", "partner_agency", country="US", covers=("US",), priority=10,
                  international=True, accepts_stix=True, max_tlp=Tlp.RED),
    RecipientSeed("Homeland Security Investigations", "partner_agency", country="US", covers=("US",), priority=20,
                  international=True, accepts_stix=True, max_tlp=Tlp.RED),
    RecipientSeed("National Center for Missing & Exploited Children", "partner_agency", country="US",
                  covers=("US",), priority=30, international=True, accepts_stix=False,
                  max_classification=Classification.OFFICIAL, max_tlp=Tlp.AMBER,
                  notes="a clearinghouse, not law enforcement: OFFICIAL and TLP:AMBER at most"),
    RecipientSeed("Royal Canadian Mounted Police", "partner_agency", country="CA", covers=("CA",), priority=10,
                  international=True, accepts_stix=True),
    RecipientSeed("Australian Federal Police", "partner_agency", country="AU", covers=("AU",), priority=10,
                  international=True, accepts_stix=True),
    RecipientSeed("Europol", "partner_agency", country="NL", covers=EU_MEMBER_STATES, priority=50,
                  international=True, accepts_stix=True, max_tlp=Tlp.AMBER_STRICT),
    RecipientSeed("Interpol", "partner_agency", country="FR", covers=("*",), priority=90, international=True,
                  accepts_stix=True, max_tlp=Tlp.AMBER,
                  notes="every other country, through its National Central Bureau"),
)

RECIPIENTS: tuple[RecipientSeed, ...] = UK_FORCES + PARTNERS
