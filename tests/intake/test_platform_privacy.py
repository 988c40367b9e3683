"""What a reporter types as "where it happened" is kept in the clear only when it names a platform."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import text

from jigsaw.accounts.roles import OrgKind
from jigsaw.intake.platforms import listed_platform
from jigsaw.platform import Platform
from tests.factories import make_org, session_of
from tests.intake.test_public_form import CHILD, Journey, stored


def test_listed_names_are_recognised_however_they_are_written() -> None:
    assert listed_platform("  snap ") == "Snapchat"
    assert listed_platform("INSTA") == "Instagram"
    assert listed_platform("Roblox!") == "Roblox"
    assert listed_platform("pixel play", also=["PixelPlay", "Pixel Play"]) == "Pixel Play"
    assert listed_platform("the Year 8 group chat at Oakfield") is None
    assert listed_platform("") is None and listed_platform("  --  ") is None


def test_an_unlisted_platform_is_kept_only_encrypted(client: TestClient, platform: Platform) -> None:
    typed = "Oakfield Year 8 group chat"
    journey = Journey(client)
    journey.answer_all({**CHILD, "where": {"platform": typed, "username": "@Bad_Guy99"}})
    report = stored(platform, journey.send())
    assert report.platform is None and report.source_data["platform_as_typed"] == typed
    suspect = next(s for s in report.subjects if s.role == "suspect")
    assert suspect.observations == [] and "Oakfield Year 8 group chat" in (suspect.description or "")
    with session_of(platform) as session:
        for table, column in (("reports", "platform"), ("identifiers", "platform")):
            found = session.execute(text(f"SELECT count(*) FROM {table} WHERE {column} LIKE '%Oakfield%'")).scalar()
            assert found == 0, table


def test_a_listed_platform_or_a_platform_organisation_is_named_and_keys_the_username(
    client: TestClient, platform: Platform,
) -> None:
    make_org(platform, "PixelPlay", OrgKind.PLATFORM)
    for typed, expected in (("snap", "Snapchat"), ("pixelplay", "PixelPlay")):
        client.cookies.clear()
        journey = Journey(client)
        journey.answer_all({**CHILD, "where": {"platform": typed, "username": "@Bad_Guy99"}})
        report = stored(platform, journey.send())
        assert report.platform == expected and "platform_as_typed" not in report.source_data
        (observation,) = next(s for s in report.subjects if s.role == "suspect").observations
        assert observation.identifier.platform == expected.casefold()
