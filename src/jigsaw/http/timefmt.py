"""Times as staff read them: Europe/London, with the zone written (GMT or BST).

Stored times are UTC; an analyst in the centre reads local time, and a time without its zone
is a trap twice a year.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")

FORMATS = {
    "minute": "%d %b %Y %H:%M",
    "second": "%d %b %Y %H:%M:%S",
    "long": "%d %B %Y %H:%M",
    "date": "%d %b %Y",
    "short": "%d %b %H:%M",
}


def london(value: datetime | str | None, style: str = "minute", *, empty: str = "—") -> str:
    """``value`` (an aware datetime, or an ISO 8601 string) in London time, e.g. ``01 Dec 2026 14:05 GMT``.

    Dates alone (``style="date"``) carry no zone. ``None`` gives ``empty``.
    """
    return _written(value, LONDON, style, empty)


def utc(value: datetime | str | None, style: str = "minute", *, empty: str = "—") -> str:
    """``value`` in UTC, e.g. ``23 Jul 2026 20:35 UTC``: for records that leave the centre, such
    as a package's evidence, where the recipient may be in any time zone."""
    return _written(value, UTC, style, empty)


def _written(value: datetime | str | None, zone: tzinfo, style: str, empty: str) -> str:
    if value is None or value == "":
        return empty
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        raise ValueError("naive datetimes have no zone to convert from; store aware UTC times")
    local = moment.astimezone(zone)
    text = local.strftime(FORMATS[style])
    return text if style == "date" else f"{text} {local.tzname()}"
