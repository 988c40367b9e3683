"""Wording shared by pages, banners and flash notices: counts read as a person writes them."""

from __future__ import annotations


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """``count`` and ``noun`` as a reader expects them: "1 package", "3 packages", "0 packages"."""
    return f"{count} {noun if count == 1 else plural or noun + 's'}"
