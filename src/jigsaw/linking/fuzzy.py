"""Near-identical usernames, for "possible same person" suggestions (pure: no web or DB imports).

Fuzzy likeness never links subjects: "dark_wolf99" and "darkwolf9" may be one person or two, and
only an analyst can say (docs/design/linking.md §2: fuzzy matches make suggestions, never merges).

Finding candidates must not mean decrypting every username on a platform. Each username
therefore gets a few *likeness keys*, stored only as keyed digests (blind indexes):

* its **skeleton**: casefolded, with digits, ``_``, ``.`` and ``-`` removed ("dark_wolf99" → "darkwolf");
* its **deletion variants** (the username with one character removed; SymSpell's trick): two
  strings within edit distance 1 always share a variant, or one is a variant of the other.

Two usernames on the same platform that share a key are candidates; the candidates alone are then
decrypted in memory and checked with :func:`likeness`. A key is stored as the first 64 bits of
its blind index (:func:`key_hashes`): a chance collision only adds a candidate that
:func:`likeness` turns down.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

_DECOR = re.compile(r"[0-9_.\-]+")
MAX_VARIANT_LENGTH = 40  # longer handles get only their skeleton key (keeps the key table small)
MAX_DISTANCE = 2


@dataclass(frozen=True)
class Likeness:
    distance: int  # Levenshtein distance between the two canonical usernames
    reason: str    # why they look alike, for the analyst
    score: float   # 0..1, higher is more alike


def skeleton(username: str) -> str:
    return _DECOR.sub("", username.casefold())


def likeness_keys(platform: str, username: str) -> set[str]:
    """Plaintext keys to be blind-indexed; two usernames sharing one are fuzzy candidates."""
    name = username.casefold()
    keys: set[str] = set()
    skel = skeleton(name)
    if len(skel) >= 4:  # "ab12" and "ab_9" are too short to suggest anything
        keys.add(f"s|{platform}|{skel}")
    if 4 <= len(name) <= MAX_VARIANT_LENGTH:
        keys.add(f"d|{platform}|{name}")
        keys.update(f"d|{platform}|{name[:i]}{name[i + 1:]}" for i in range(len(name)))
    return keys


def key_hashes(platform: str, username: str, blind_index: Callable[[str], str]) -> set[int]:
    """The stored form of a username's likeness keys: the first 64 bits of each key's blind index
    (hexadecimal, from ``blind_index``) as a signed integer, which a database BIGINT holds."""
    return {int.from_bytes(bytes.fromhex(blind_index(f"likeness|{key}")[:16]), "big", signed=True)
            for key in likeness_keys(platform, username)}


def levenshtein(a: str, b: str, limit: int = MAX_DISTANCE) -> int:
    """Edit distance, giving up (returning ``limit + 1``) once it must exceed ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def likeness(a: str, b: str) -> Likeness | None:
    """How two different usernames on one platform look alike, or ``None`` if they do not."""
    x, y = a.casefold(), b.casefold()
    if x == y:
        return None
    distance = levenshtein(x, y)
    same_skeleton = len(skeleton(x)) >= 4 and skeleton(x) == skeleton(y)
    if distance <= 1:
        return Likeness(distance, "differ by one character", 0.9)
    if same_skeleton:
        return Likeness(distance, "same letters, different digits or separators", 0.8)
    if distance <= MAX_DISTANCE and min(len(x), len(y)) >= 6:
        return Likeness(distance, "differ by two characters", 0.6)
    return None
