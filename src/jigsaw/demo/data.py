"""Generating fictional reports (pure: returns drafts, stores nothing)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

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

PLATFORMS = ["ChatterBox", "PixelPlay", "SnapStream", "GameHub", "FriendFeed", "QuickChat"]
FIRST_NAMES = ["Alex", "Sam", "Jordan", "Casey", "Riley", "Morgan", "Taylor", "Jamie", "Charlie", "Robin"]
HANDLES = ["shadowfox", "skater_kid", "gamerpro", "nightowl", "starlight", "bluejay", "coolcat", "dragon99"]
SUMMARIES = {
    IncidentType.IMAGE_REQUEST: "Someone I met in a game kept asking me to send pictures of myself. "
                                "They said they would stop being my friend if I didn't.",
    IncidentType.SEXTORTION: "A person online says they will share a photo of me with my school "
                             "unless I pay them or send more.",
    IncidentType.ONLINE_GROOMING: "An adult has been messaging my daughter every night, telling her to "
                                  "keep it secret and giving her gifts in the game.",
    IncidentType.MEETING_ARRANGED: "Someone from a chat app keeps asking to meet me at the shopping centre.",
    IncidentType.SEXUAL_COMMUNICATION: "An account keeps sending sexual messages to pupils in my class.",
    IncidentType.LIVESTREAMING: "I was asked to go on a live stream and do things I didn't want to.",
    IncidentType.INDECENT_IMAGES: "Platform referral: account shared files matching known hashes.",
}


def demo_drafts(count: int = 40, seed: int = 7) -> list[ReportDraft]:
    """``count`` varied fictional reports; some share identifiers so linking has work to do."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    shared_suspect = IdentifierDraft("username", "shadowfox", platform="PixelPlay")
    drafts: list[ReportDraft] = []
    for i in range(count):
        incident = rng.choice(list(SUMMARIES))
        source = (Source.PLATFORM if incident is IncidentType.INDECENT_IMAGES
                  else rng.choice([Source.YOUNG_PERSON, Source.PARENT, Source.PROFESSIONAL, Source.PUBLIC]))
        platform = rng.choice(PLATFORMS)
        suspect_ids = [
            IdentifierDraft("username", f"{rng.choice(HANDLES)}{rng.randint(1, 99)}", platform=platform),
            IdentifierDraft("email", f"user{rng.randint(100, 999)}@Example.COM"),
            IdentifierDraft("ip", f"198.51.100.{rng.randint(1, 254)}", seen_at=now - timedelta(days=rng.randint(1, 30)),
                            port=rng.randint(1024, 65535)),
        ]
        if i % 5 == 0:
            suspect_ids.append(shared_suspect)
        victim_name = rng.choice(FIRST_NAMES)
        subjects = [
            SubjectDraft("suspect", description="Says they are 15 but writes like an adult.",
                         identifiers=tuple(suspect_ids)),
            SubjectDraft("victim", name=victim_name, age=rng.randint(11, 16), identifiers=(
                IdentifierDraft("username", f"{victim_name.lower()}_{rng.randint(10, 99)}", platform=platform),)),
        ]
        media: tuple[MediaDraft, ...] = ()
        if incident is IncidentType.INDECENT_IMAGES:
            media = tuple(MediaDraft(md5=f"{rng.getrandbits(128):032x}", pdq=f"{rng.getrandbits(256):064x}")
                          for _ in range(rng.randint(1, 4)))
        drafts.append(ReportDraft(
            source=source.value, incident_type=incident.value, summary=SUMMARIES[incident],
            channel=Channel.DEMO, incident_at=now - timedelta(days=rng.randint(0, 60)), platform=platform,
            escalation="They said they are outside my house now." if i % 13 == 0 else None,
            reporter=Reporter(name=f"{rng.choice(FIRST_NAMES)} (demo)",
                              email=f"reporter{i}@example.org", phone=f"07700 900{rng.randint(0, 999):03d}"),
            subjects=tuple(subjects), media=media, external_id=f"demo-{i}",
        ))
    return drafts
