"""The demo's story: five months of a centre's work, as fictional drafts (pure: stores nothing).

What a newcomer should see, and where it comes from:

* **A sextortion ring, three people linked by what they share** (not one person's accounts):
  ``darktide_77`` on PixelPlay and ``jay.friendly`` on ChatterBox demand payment into the same
  bitcoin wallet; ``jay.friendly`` and ``mia_x_official`` on QuickChat registered with the same
  phone number. Children, parents and the platforms report them over weeks.
* **A repeat groomer** (``coach_steve`` on GameHub) reported by parents and a teacher over months,
  ending with a child saying "he's outside my school now": a danger-now escalation.
* **Known imagery**: PixelPlay and NCMEC referrals whose media hashes match the centre's bank, in
  two named series, so matches, categories and series appear.
* **Everyday reports** from young people, parents and professionals about one-off accounts.
* **Case work under way**: cases in every status, owned by the demo analysts, with notes, enquiries,
  a preservation request about to lapse and a communications-data request; the groomer's
  "outside my school" report waits as an unacknowledged duty alert.

Every identifier is fictional: mailboxes on ``*.test`` domains (RFC 2606: no real mailbox can
exist there), phone numbers from Ofcom's drama range (07700 900xxx), IP addresses from the
documentation ranges (which the linker rightly refuses to join on), wallets made up from the
bech32 alphabet. The linker's refusal of placeholder values stays; the story uses values that join.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from jigsaw.demo.data import demo_drafts
from jigsaw.intake.domain import (
    Channel,
    IdentifierDraft,
    IncidentType,
    MediaDraft,
    ReportDraft,
    Reporter,
    Source,
    SubjectDraft,
)

CENTRE = "Demo Child Protection Centre"
PIXELPLAY = "PixelPlay"
CHATTERBOX = "ChatterBox"
NCMEC = "NCMEC (demo)"
PUBLIC = ""  # the public Report Abuse form: no submitting organisation

BANK_NAME = "DEMO_KNOWN_IMAGERY"
SERIES_NORTHWIND = "Northwind (demo series)"
SERIES_HARBOUR = "Harbour (demo series)"

_BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


@dataclass(frozen=True)
class BankHash:
    """One known hash in the demo bank, with the classification an analyst would see."""

    md5: str
    pdq: str
    uk_category: str
    vics_category: int
    series: str | None


@dataclass(frozen=True)
class StoryReport:
    """A report and who sent it (``submitter`` names an organisation, or :data:`PUBLIC`)."""

    key: str  # stable name the case plan refers to
    submitter: str
    draft: ReportDraft
    button: str | None = None  # the platform whose Report Abuse button the reporter pressed


@dataclass(frozen=True)
class CasePlan:
    """What the analysts have done with the case a story report opened."""

    report_key: str
    status: str
    assignee: str | None  # a demo staff email
    actions: tuple[tuple[str, str | None, dict[str, str]], ...] = ()  # (kind, text, details)
    close_reason: str | None = None
    close_explanation: str | None = None


@dataclass(frozen=True)
class PackagePlan:
    """An intelligence package made from a story report's case, and how far it has gone.

    ``status`` is where it stands (draft … accepted or rejected); ``recipient`` names an organisation
    chosen by hand with ``reason`` (None: routed from the record); ``response`` is what the force
    said when it returned or accepted it."""

    report_key: str
    status: str
    summary: str
    recipient: str | None = None
    reason: str | None = None
    tlp: str | None = "amber"
    comment: str | None = None  # the supervisor's return comment, or the force's answer


@dataclass(frozen=True)
class Story:
    bank: tuple[BankHash, ...]
    reports: tuple[StoryReport, ...]
    cases: tuple[CasePlan, ...] = field(default=())
    packages: tuple[PackagePlan, ...] = field(default=())
    # A few fictional rows of a postcode directory (postcode, police force area), loaded only into an
    # empty postcode table, so the demo routes by postcode without the ONS file.
    postcodes: tuple[tuple[str, str], ...] = field(default=())


def _asked(about_self: bool, how: str, when: str | None, *, leave_message: bool) -> dict[str, object]:
    """What the public form records about contacting the reporter safely."""
    return {"reporter_is_victim": about_self,
            "safe_contact": {"how": how, "when": when, "leave_message": leave_message}}


def _wallet(rng: random.Random) -> str:
    return "bc1q" + "".join(rng.choice(_BECH32) for _ in range(38))


def _flip_bits(pdq_hex: str, rng: random.Random, bits: int) -> str:
    value = int(pdq_hex, 16)
    for position in rng.sample(range(256), bits):
        value ^= 1 << position
    return f"{value:064x}"


def story(now: datetime | None = None, *, everyday: int = 40, seed: int = 2026) -> Story:
    """The whole demo, dated back from ``now`` (reports span about five months)."""
    now = now or datetime.now(UTC)
    rng = random.Random(seed)

    def ago(days: float, hours: float = 0) -> datetime:
        return now - timedelta(days=days, hours=hours)

    bank = tuple(
        BankHash(f"{rng.getrandbits(128):032x}", f"{rng.getrandbits(256):064x}", category, vics, series)
        for category, vics, series in (
            ("A", 1, SERIES_NORTHWIND), ("A", 1, SERIES_NORTHWIND), ("B", 2, SERIES_NORTHWIND),
            ("C", 2, SERIES_HARBOUR), ("B", 2, SERIES_HARBOUR), ("C", 2, None),
        )
    )
    wallet = _wallet(rng)
    ring_phone = "07700 900318"
    darktide = (IdentifierDraft("username", "darktide_77", platform=PIXELPLAY),
                IdentifierDraft("email", "darktide77@mailbox.pixelplay.test"))
    jay = (IdentifierDraft("username", "jay.friendly", platform=CHATTERBOX),
           IdentifierDraft("phone", ring_phone))
    mia = (IdentifierDraft("username", "mia_x_official", platform="QuickChat"),
           IdentifierDraft("phone", "+44 7700 900318"),
           IdentifierDraft("email", "mia.x.official@mailbox.quickchat.test"))
    steve = (IdentifierDraft("username", "coach_steve", platform="GameHub"),
             IdentifierDraft("email", "steve.coach@mailbox.gamehub.test"))
    nightjar = (IdentifierDraft("username", "nightjar_share", platform=PIXELPLAY),
                IdentifierDraft("esp_user_id", "PP-5518-2290", platform=PIXELPLAY),
                IdentifierDraft("ip", "203.0.113.44", seen_at=ago(20, 3), port=50122))

    def suspect(*ids: IdentifierDraft, description: str | None = None) -> SubjectDraft:
        return SubjectDraft("suspect", description=description, identifiers=ids)

    def child(name: str, age: int, *ids: IdentifierDraft) -> SubjectDraft:
        return SubjectDraft("victim", name=name, age=age, identifiers=ids)

    reports = [
        # -- the sextortion ring ----------------------------------------------------------------------
        StoryReport("ring-1", PUBLIC, ReportDraft(
            source=Source.YOUNG_PERSON, incident_type=IncidentType.SEXTORTION, channel=Channel.PUBLIC_FORM,
            summary="I sent a photo to someone on PixelPlay I thought was my age. Now darktide_77 says he will "
                    "send it to everyone at my school unless I pay £200 in bitcoin to a wallet he sent me.",
            platform=PIXELPLAY, incident_at=ago(142), received_at=ago(141, 20),
            reporter=Reporter(name="Ellie", email="ellie.reports@mailbox.school.test"),
            source_data=_asked(True, "email", "After 4pm on school days", leave_message=False),
            subjects=(child("Ellie", 14), suspect(*darktide, IdentifierDraft("crypto_wallet", wallet),
                                                  description="Claimed to be a 15-year-old boy."))),
            button=PIXELPLAY),
        StoryReport("ring-2", PIXELPLAY, ReportDraft(
            source=Source.PLATFORM, incident_type=IncidentType.SEXTORTION, external_id="pp-ts-40117",
            summary="Trust & Safety referral: account darktide_77 sent payment demands to 6 accounts that "
                    "declared ages 13-15; account suspended, data preserved for 90 days.",
            platform=PIXELPLAY, incident_at=ago(139), received_at=ago(138, 2),
            annotations=("sextortion",),
            subjects=(suspect(*darktide, IdentifierDraft("ip", "198.51.100.23", seen_at=ago(139, 4), port=41877)),))),
        StoryReport("ring-3", PUBLIC, ReportDraft(
            source=Source.PARENT, incident_type=IncidentType.SEXTORTION, channel=Channel.PUBLIC_FORM,
            summary="My son was tricked by 'jay.friendly' on ChatterBox into sending an image. They want money "
                    "sent to a bitcoin address, the same one we were told another family got.",
            platform=CHATTERBOX, incident_at=ago(96), received_at=ago(95, 5),
            reporter=Reporter(name="Mark (parent)", phone="07700 900112"),
            source_data=_asked(False, "phone", "Evenings after 7pm", leave_message=True),
            subjects=(child("Leo", 15), suspect(*jay, IdentifierDraft("crypto_wallet", wallet))))),
        StoryReport("ring-4", CHATTERBOX, ReportDraft(
            source=Source.PLATFORM, incident_type=IncidentType.SEXTORTION, external_id="cb-2291-774",
            summary="Referral: jay.friendly operated a pattern of befriend-then-extort messages; registration "
                    "phone number shared with a second account on another service.",
            platform=CHATTERBOX, incident_at=ago(60), received_at=ago(58),
            subjects=(suspect(*jay),))),
        StoryReport("ring-5", PUBLIC, ReportDraft(
            source=Source.YOUNG_PERSON, incident_type=IncidentType.SEXTORTION, channel=Channel.PUBLIC_FORM,
            summary="mia_x_official on QuickChat said she was a girl in year 10. After I sent a picture the "
                    "account changed and is threatening to post it tonight at 9 unless I pay.",
            escalation="They say they will post it tonight at 9pm.",
            platform="QuickChat", incident_at=ago(1, 4), received_at=ago(0, 5),
            reporter=Reporter(name="Noah"),
            source_data={"reporter_is_victim": True},
            subjects=(child("Noah", 13), suspect(*mia)))),
        StoryReport("button-1", PUBLIC, ReportDraft(
            source=Source.YOUNG_PERSON, incident_type=IncidentType.IMAGE_REQUEST, channel=Channel.PUBLIC_FORM,
            summary="giftcard_gary keeps messaging me on PixelPlay saying he will send me a gift card if I send "
                    "him a picture in my pyjamas. I pressed report on his profile.",
            platform=PIXELPLAY, incident_at=ago(9), received_at=ago(8, 6),
            reporter=Reporter(name="Jess", email="jess.r@mailbox.school.test"),
            source_data=_asked(True, "email", "Weekends", leave_message=False),
            subjects=(child("Jess", 11),
                      suspect(IdentifierDraft("username", "giftcard_gary", platform=PIXELPLAY)))),
            button=PIXELPLAY),
        # -- the repeat groomer ----------------------------------------------------------------------
        StoryReport("steve-1", PUBLIC, ReportDraft(
            source=Source.PARENT, incident_type=IncidentType.ONLINE_GROOMING, channel=Channel.PUBLIC_FORM,
            summary="An adult calling himself Coach Steve has been messaging my daughter in GameHub every night, "
                    "sending her game credit and telling her to keep it secret.",
            platform="GameHub", incident_at=ago(128), received_at=ago(127, 3),
            reporter=Reporter(name="Priya (parent)", email="priya.parent@mailbox.home.test"),
            source_data=_asked(False, "email", None, leave_message=True),
            subjects=(child("Maya", 12), suspect(*steve, description="Says he runs a junior e-sports team.")))),
        StoryReport("steve-2", PUBLIC, ReportDraft(
            source=Source.PROFESSIONAL, incident_type=IncidentType.SEXUAL_COMMUNICATION, channel=Channel.PUBLIC_FORM,
            summary="Designated safeguarding lead: three pupils in Year 7 have shown me sexual messages from a "
                    "GameHub account coach_steve offering 'trials' for his team.",
            platform="GameHub", incident_at=ago(75), received_at=ago(74, 6),
            reporter=Reporter(name="Mr Okafor (DSL)", email="dsl@mailbox.academy.test", phone="07700 900245"),
            source_data=_asked(False, "phone", "School hours, 8am to 4pm", leave_message=True),
            subjects=(suspect(*steve),))),
        StoryReport("steve-3", PUBLIC, ReportDraft(
            source=Source.YOUNG_PERSON, incident_type=IncidentType.MEETING_ARRANGED, channel=Channel.PUBLIC_FORM,
            summary="coach_steve said he would pick me up after school for a team trial. I said no but he's "
                    "outside my school now in a grey car.",
            escalation="He's outside my school now.",
            platform="GameHub", incident_at=ago(0, 1), received_at=ago(0, 0.6),
            reporter=Reporter(name="Amira"),
            source_data={"reporter_is_victim": True},
            subjects=(child("Amira", 12), suspect(*steve)))),
        # -- known imagery ---------------------------------------------------------------------------
        StoryReport("images-1", PIXELPLAY, ReportDraft(
            source=Source.PLATFORM, incident_type=IncidentType.INDECENT_IMAGES, external_id="pp-ts-40388",
            summary="Hash-match referral: account nightjar_share uploaded 3 files matching industry hash lists.",
            platform=PIXELPLAY, incident_at=ago(21), received_at=ago(20),
            subjects=(suspect(*nightjar),),
            media=(MediaDraft(md5=bank[0].md5, pdq=bank[0].pdq, media_type="image/jpeg"),
                   MediaDraft(md5=bank[2].md5, pdq=_flip_bits(bank[2].pdq, rng, 6), media_type="image/jpeg"),
                   MediaDraft(md5=f"{rng.getrandbits(128):032x}", pdq=f"{rng.getrandbits(256):064x}",
                              media_type="image/png")))),
        StoryReport("images-2", NCMEC, ReportDraft(
            source=Source.PARTNER_AGENCY, incident_type=IncidentType.INDECENT_IMAGES, external_id="148302211",
            summary="CyberTipline report referred to the UK: ESP-reported upload of files, IP geolocated to "
                    "the United Kingdom.",
            platform=PIXELPLAY, incident_at=ago(12), received_at=ago(11),
            subjects=(suspect(IdentifierDraft("esp_user_id", "PP-5518-2290", platform=PIXELPLAY),
                              IdentifierDraft("email", "nightjar.share@mailbox.pixelplay.test")),),
            media=(MediaDraft(md5=bank[1].md5, pdq=bank[1].pdq, media_type="image/jpeg"),
                   MediaDraft(md5=bank[3].md5, pdq=bank[3].pdq, media_type="image/jpeg")))),
        StoryReport("images-3", NCMEC, ReportDraft(
            source=Source.PARTNER_AGENCY, incident_type=IncidentType.INDECENT_IMAGES, external_id="149977035",
            summary="CyberTipline report referred to the UK: uploads to a cloud account; one file in a known series.",
            platform="CloudLocker", incident_at=ago(4), received_at=ago(3, 2),
            subjects=(suspect(IdentifierDraft("username", "harbourlights", platform="CloudLocker")),),
            media=(MediaDraft(md5=bank[4].md5, pdq=bank[4].pdq, media_type="image/jpeg"),))),
    ]
    # Platform referrals in the story come from the platforms above; everyday reports come from people.
    # Most of a centre's intake is not an emergency: few everyday reports are sextortion, none live-streaming.
    everyday_drafts: list[ReportDraft] = []
    sextortion = 0
    for draft in demo_drafts(everyday * 3, seed=seed):
        if draft.source == Source.PLATFORM or draft.incident_type == IncidentType.LIVESTREAMING:
            continue
        if draft.incident_type == IncidentType.SEXTORTION:
            sextortion += 1
            if sextortion > 2:
                continue
        everyday_drafts.append(draft)
    everyday_drafts = everyday_drafts[:everyday]
    for i, draft in enumerate(everyday_drafts):
        days = 150 * (len(everyday_drafts) - i) / max(len(everyday_drafts), 1)
        reports.append(StoryReport(f"everyday-{i}", PUBLIC, _dated(draft, ago(days), i)))

    analyst, supervisor = "analyst@demo.example", "supervisor@demo.example"
    second = "analyst2@demo.example"

    def day(days_ahead: int) -> str:
        return (now + timedelta(days=days_ahead)).date().isoformat()

    cases = (
        CasePlan("ring-1", "awaiting_information", analyst, (
            ("note", "Ellie's report and PixelPlay's referral name the same account and the same wallet; "
                     "ChatterBox reports pay into that wallet too. Treating as one group.", {}),
            ("preservation_request", None,
             {"platform": PIXELPLAY, "what": "darktide_77: account data, IP logs and messages",
              "reference": "PP-LE-88213", "expires_on": day(5)}),
            ("comms_data_request", "Subscriber for the number registered to jay.friendly and mia_x_official.",
             {"reference": "CD-2026-0117", "purpose": "Preventing or detecting crime",
              "necessity": "The number links two extortion accounts; its subscriber is the line of enquiry.",
              "proportionality": "One number, subscriber details only; no content or traffic data.",
              "identifier": "phone +447700900318", "seen_at": (now - timedelta(days=58)).isoformat(),
              "status": "submitted"}),
        )),
        CasePlan("steve-1", "in_progress", second, (
            ("enquiry", "PND and local intelligence checks on the GameHub account holder: no trace yet.",
             {"system": "police_systems"}),
            ("reporter_contact", "Spoke to Maya's mother; she has kept screenshots of the messages.",
             {"method": "phone"}),
        )),
        CasePlan("images-1", "ready_for_dissemination", analyst, (
            ("note", "Two matches in the Northwind series; the uploader's PixelPlay id reappears in an NCMEC "
                     "referral from an IP in the UK.", {}),
            ("enquiry", "Open-source check of the PixelPlay profile: public name and a town in the bio.",
             {"system": "open_source"}),
            ("comms_data_request", "Subscriber for the IP address of the uploads.",
             {"reference": "CD-2026-0142", "purpose": "Preventing or detecting crime",
              "necessity": "Only the provider can say who used the address at the time of the uploads.",
              "proportionality": "One IP address at one time; subscriber details only.",
              "identifier": "ip 198.51.100.23", "seen_at": (now - timedelta(days=21)).isoformat(),
              "status": "approved", "result": "Subscriber: N. Jarrow, Flat 4, 12 Example Street, London SE1 7PB"}),
        )),
        CasePlan("everyday-5", "in_progress", analyst, (
            ("information_request", "Asked the school for the pupil's account name on the platform.",
             {"asked_of": "reporting school"}),
        )),
        CasePlan("everyday-7", "disseminated", supervisor, (
            ("note", "Package sent to the local force; awaiting their result.", {}),
        )),
        CasePlan("everyday-9", "closed", analyst, (), "no_further_action",
                 "The account belongs to another pupil of the same age; the school is handling it."),
        CasePlan("everyday-11", "closed", second, (), "not_in_remit"),
        CasePlan("everyday-13", "awaiting_information", second, (
            ("information_request", "Asked ChatterBox whether the account is still active.",
             {"asked_of": CHATTERBOX}),
        )),
    )
    packages = (
        PackagePlan("images-1", "accepted", "The PixelPlay account nightjar_share uploaded files matching two "
                    "images of the Northwind series; the subscriber of the IP address used lives in south London.",
                    comment="Allocated to our online child abuse team; ref DMP/OCA/0412."),
        PackagePlan("steve-1", "dispatched", "A GameHub account, coach_steve, grooms girls aged 12 with game "
                    "credit and invitations to 'trials'; the newest report says he waited outside a school.",
                    recipient="Demo Metropolitan Police", reason="The school the children attend is in the Demo "
                    "Metropolitan Police area (reporting DSL)."),
        PackagePlan("everyday-7", "acknowledged", "An adult asked a child for images on a chat platform; the "
                    "account holder's address is in the force area.", recipient="Demo Metropolitan Police",
                    reason="The reporter says the man lives near the child's home in the force area."),
        PackagePlan("images-2", "submitted", "NCMEC referral: the same PixelPlay user id as in the Northwind "
                    "case uploaded two further known images.", recipient="Demo Metropolitan Police",
                    reason="The same subscriber as package for the earlier uploads (CD-2026-0142)."),
        PackagePlan("images-3", "returned", "A CloudLocker account holds a file of a known series.",
                    recipient="Demo Metropolitan Police", reason="Working assumption only",
                    comment="We have no basis for the force yet: ask CloudLocker for the account's IP logs first."),
        PackagePlan("everyday-5", "rejected", "A pupil was sent sexual messages; the school reported it.",
                    recipient="Demo Metropolitan Police", reason="The reporting school's address",
                    comment="Not our area: the pupil lives and goes to school in Kent."),
        PackagePlan("ring-1", "draft", "Sextortion group (darktide_77, jay.friendly, mia_x_official) paying into "
                    "one bitcoin wallet; waiting for the subscriber of the shared phone number."),
    )
    postcodes = (("SE1 7PB", "E23000001"), ("SE1 7PA", "E23000001"), ("SE1 7PD", "E23000001"),
                 ("ME1 1AA", "E23000032"), ("ME1 1AB", "E23000032"))
    return Story(bank=bank, reports=tuple(reports), cases=cases, packages=packages, postcodes=postcodes)


def _dated(draft: ReportDraft, received: datetime, i: int) -> ReportDraft:
    """An everyday report, dated, as one person sent it through the form, about a one-off account."""
    subjects = tuple(replace(s, identifiers=tuple(x for x in s.identifiers if x.value != "shadowfox"))
                     for s in draft.subjects)
    return replace(draft, received_at=received, subjects=subjects, incident_at=received - timedelta(days=1 + i % 5),
                   channel=Channel.PUBLIC_FORM, external_id=None, escalation=None)


# --- Most Wanted and the education programme (issue 13) --------------------------------------------

@dataclass(frozen=True)
class AppealPlan:
    """A Most Wanted appeal the demo publishes (two supervisors approve it; an analyst wrote it)."""

    reason: str
    region: str
    public: dict[str, object]
    justification: dict[str, object]


def most_wanted() -> AppealPlan:
    """One fictional man missing in breach of his notification requirements."""
    return AppealPlan(
        reason="notification_breach", region="North West",
        public={"name": "Gary Talbot", "aliases": ["Gaz Tolland"], "age": 47,
                "description": "White man, about 1.75 m, heavy build, shaved head, grey beard, "
                               "scar through the left eyebrow.",
                "area_last_seen": "Blackpool, near the North Pier, in October",
                "caution": "Do not approach him. Call 999."},
        justification={
            "legal_basis": "Common law policing purpose; Data Protection Act 2018 Part 3 (law enforcement).",
            "necessity": "Missing for nine weeks; the force's enquiries and partner agencies' checks found nothing.",
            "proportionality": "Name, aliases, age, description and area only, for 28 days; the vigilante risk is "
                               "weighed against the risk he poses while untraced.",
            "risks": {"family": {"level": "medium", "assessment": "Former partner told and supported by the force."},
                      "vigilante": {"level": "medium", "assessment": "No address is published; the page says "
                                                                     "not to approach."},
                      "rehabilitation": {"level": "low", "assessment": "He is in breach; the appeal ends on arrest."}},
        },
    )


SUBSCRIBERS = (("alerts.reader@example.org", ()), ("northwest.parent@example.org", ("North West",)),
               ("londoner@example.org", ("London",)))
"""Demo subscribers (fictional addresses, RFC 2606 ``.example``) and the areas each asked for."""


@dataclass(frozen=True)
class SessionPlan:
    setting_name: str
    setting_type: str
    setting_urn: str | None
    area: str
    days_ago: int
    format: str
    children: dict[str, int]
    parents: int = 0
    professionals: int = 0
    resource: str = "Jessie & Friends"
    resource_version: str = "3"


DELIVERERS = (("PC Sam Lee", "ambassador", "Northshire Police", "ThinkUKnow Introduction", 200),
              ("Priya Nair", "network_member", "Hillside Primary School", "ThinkUKnow Introduction", 420))
"""(name, role, organisation, course, trained days ago) of the demo's fictional deliverers."""


def education_sessions() -> tuple[SessionPlan, ...]:
    """A term of sessions: three settings, one of them twice, and a parents' evening."""
    return (
        SessionPlan("Hillside Primary School", "primary_school", "900101", "North West", 40, "classroom",
                    {"4-7": 27}),
        SessionPlan("Hillside Primary School", "primary_school", "900101", "North West", 33, "classroom",
                    {"8-10": 29}),
        SessionPlan("Hillside Primary School", "primary_school", "900101", "North West", 33, "parents_session",
                    {}, parents=31),
        SessionPlan("Riverside Academy", "secondary_school", "900202", "North West", 20, "small_group",
                    {"11-13": 12, "14-18": 6}, resource="Band Runner", resource_version="2"),
        SessionPlan("Eastgate Youth Club", "youth_group", None, "North West", 12, "small_group",
                    {"11-13": 9, "14-18": 11}, professionals=3, resource="Exploited", resource_version="1"),
    )
