"""Times as staff read them: Europe/London, with the zone written (GMT or BST).

Stored times are UTC; an analyst in the centre reads local time, and a time without its zone
is a trap twice a year.
"""

from __future__ import annotations

from datetime import UTC, datetime
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
    if value is None or value == "":
        return empty
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        raise ValueError("naive datetimes have no zone to convert from; store aware UTC times")
    local = moment.astimezone(LONDON)
    text = local.strftime(FORMATS[style])
    return text if style == "date" else f"{text} {local.tzname()}"


def utc(value: datetime | str | None, style: str = "minute", *, empty: str = "—") -> str:
    """``value`` in UTC, e.g. ``23 Jul 2026 20:35 UTC``: for records that leave the centre, such
    as a package's evidence, where the recipient may be in any time zone."""
    if value is None or value == "":
        return empty
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        raise ValueError("naive datetimes have no zone to convert from; store aware UTC times")
    text = moment.astimezone(UTC).strftime(FORMATS[style])
    return text if style == "date" else f"{text} UTC"
