"""The apps, games and sites the public form recognises by name.

What a reporter types as "where it happened" is free text, and free text from a child can say
more than the app's name ("the group chat for Oakfield Year 8"). A name this list (or a
platform organisation's) recognises is a category, stored in the clear so the queue can filter
on it and usernames can be keyed to it; anything else is kept only encrypted with the report.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Canonical name, then other ways people write it.
KNOWN_PLATFORMS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Snapchat", ("snap", "snapchat app")),
    ("Instagram", ("insta", "ig", "instagram dm", "instagram dms")),
    ("TikTok", ("tik tok",)),
    ("WhatsApp", ("whats app", "whatsapp messenger")),
    ("Facebook", ("fb",)),
    ("Messenger", ("facebook messenger", "fb messenger")),
    ("X (Twitter)", ("x", "twitter")),
    ("Threads", ()),
    ("Discord", ()),
    ("Roblox", ()),
    ("Minecraft", ()),
    ("Fortnite", ()),
    ("YouTube", ("you tube", "yt")),
    ("Twitch", ()),
    ("Telegram", ()),
    ("Signal", ()),
    ("Kik", ("kik messenger",)),
    ("Omegle", ()),
    ("Wink", ()),
    ("Yubo", ()),
    ("Hoop", ()),
    ("BeReal", ("be real",)),
    ("Reddit", ()),
    ("Pinterest", ()),
    ("Tumblr", ()),
    ("Steam", ()),
    ("Xbox Live", ("xbox", "xbox network")),
    ("PlayStation Network", ("playstation", "psn", "ps4", "ps5")),
    ("Nintendo Switch Online", ("nintendo", "switch")),
    ("Among Us", ()),
    ("Call of Duty", ("cod",)),
    ("OnlyFans", ("only fans",)),
    ("Tinder", ()),
    ("Grindr", ()),
    ("Skype", ()),
    ("Zoom", ()),
    ("Google Meet", ()),
    ("FaceTime", ("face time",)),
    ("iMessage", ("imessage", "text message", "sms", "texts")),
)


def _key(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", " ", text.casefold()).strip()


def listed_platform(typed: str | None, also: Iterable[str] = ()) -> str | None:
    """The canonical name for what the reporter typed, if it names a platform we list (or one
    of ``also``, the platform organisations' names); otherwise None."""
    if not typed or not _key(typed):
        return None
    wanted = _key(typed)
    for name in also:
        if _key(name) == wanted:
            return name
    for name, aliases in KNOWN_PLATFORMS:
        if wanted == _key(name) or wanted in (_key(a) for a in aliases):
            return name
    return None
