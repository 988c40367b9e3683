"""A package's life, pure: statuses and moves, who may make each, the four-eyes rule, and the
dates that follow from its band.

    draft ──submit──▶ submitted ──approve (a supervisor, not the author)──▶ dispatched
      ▲                  │                                                     │
      └──── returned ◀───┘ return (with comments)          acknowledge (the force)
                                                                               ▼
                                                 accepted ◀──accept── acknowledged ──reject (with a reason)──▶ rejected

Approval dispatches: the package goes to its recipient in the same step, so nothing approved can
sit unsent. A rejected package is re-routed as a new draft (the force keeps its record).

Dates (HMICFRS timescales for KIRAT bands): a package must be actioned within 24 hours (P0),
7 days (P1), 14 days (P2) or 30 days (P3) of dispatch, and is reviewed at the centre at twice
that (the Project Spade lesson: intelligence left a year goes stale and warrants are refused). A
P0 not acknowledged within an hour, or a P1 within one working day, escalates at the centre.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

import holidays as bank_holidays

from jigsaw.errors import Conflict, NotAllowed

LONDON = ZoneInfo("Europe/London")


class PackageStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"  # by the approving supervisor, with comments, to the author
    DISPATCHED = "dispatched"
    ACKNOWLEDGED = "acknowledged"
    ACCEPTED = "accepted"
    REJECTED = "rejected"  # by the force, with a reason ("not our area")


STATUS_LABELS = {
    PackageStatus.DRAFT: "Draft", PackageStatus.SUBMITTED: "Awaiting approval",
    PackageStatus.RETURNED: "Returned to the author", PackageStatus.DISPATCHED: "Dispatched",
    PackageStatus.ACKNOWLEDGED: "Acknowledged by the force", PackageStatus.ACCEPTED: "Accepted by the force",
    PackageStatus.REJECTED: "Returned by the force",
}

EDITABLE = frozenset({PackageStatus.DRAFT, PackageStatus.RETURNED})
SENT = frozenset({PackageStatus.DISPATCHED, PackageStatus.ACKNOWLEDGED, PackageStatus.ACCEPTED,
                  PackageStatus.REJECTED})
"""Statuses a recipient sees: it never sees drafts or what is awaiting approval."""
AWAITING_ACTION = frozenset({PackageStatus.DISPATCHED, PackageStatus.ACKNOWLEDGED, PackageStatus.ACCEPTED})
"""Sent and not returned: flagged at the centre once past the action-by date with no outcome."""


class Transition(StrEnum):
    SUBMIT = "submit"
    APPROVE = "approve"
    RETURN = "return"
    ACKNOWLEDGE = "acknowledge"
    ACCEPT = "accept"
    REJECT = "reject"


_MOVES: dict[Transition, tuple[frozenset[PackageStatus], PackageStatus]] = {
    Transition.SUBMIT: (frozenset({PackageStatus.DRAFT, PackageStatus.RETURNED}), PackageStatus.SUBMITTED),
    Transition.APPROVE: (frozenset({PackageStatus.SUBMITTED}), PackageStatus.DISPATCHED),
    Transition.RETURN: (frozenset({PackageStatus.SUBMITTED}), PackageStatus.RETURNED),
    Transition.ACKNOWLEDGE: (frozenset({PackageStatus.DISPATCHED}), PackageStatus.ACKNOWLEDGED),
    # A force may accept or return without a separate acknowledgement: either acknowledges too.
    Transition.ACCEPT: (frozenset({PackageStatus.DISPATCHED, PackageStatus.ACKNOWLEDGED}), PackageStatus.ACCEPTED),
    Transition.REJECT: (frozenset({PackageStatus.DISPATCHED, PackageStatus.ACKNOWLEDGED}), PackageStatus.REJECTED),
}

CENTRE_MOVES = frozenset({Transition.SUBMIT, Transition.APPROVE, Transition.RETURN})
FORCE_MOVES = frozenset({Transition.ACKNOWLEDGE, Transition.ACCEPT, Transition.REJECT})


class MoveRefused(Conflict):
    """The package is not in a status this move starts from; the message says where it is."""


class FourEyesRefused(NotAllowed):
    """The author of a package tried to approve (or return) it: a second person must."""


def target(move: Transition, current: PackageStatus) -> PackageStatus:
    """Where ``move`` takes a package in ``current``; raises :class:`MoveRefused` if it cannot."""
    sources, to = _MOVES[move]
    if current not in sources:
        raise MoveRefused(f"a {current.value} package cannot be {_PAST[move]} "
                          f"(it can be from: {', '.join(sorted(s.value for s in sources))})")
    return to


_PAST = {Transition.SUBMIT: "submitted", Transition.APPROVE: "approved", Transition.RETURN: "returned",
         Transition.ACKNOWLEDGE: "acknowledged", Transition.ACCEPT: "accepted", Transition.REJECT: "rejected"}


def available(current: PackageStatus, *, centre: bool) -> list[Transition]:
    """The moves a package in ``current`` offers to the centre or to the recipient."""
    allowed = CENTRE_MOVES if centre else FORCE_MOVES
    return [m for m in Transition if m in allowed and current in _MOVES[m][0]]


def check_four_eyes(author_id: int | None, approver_id: int | None) -> None:
    """The one rule of approval: the approver is a named person who is not the author."""
    if approver_id is None:
        raise FourEyesRefused("a package is approved by a named supervisor")
    if author_id is not None and approver_id == author_id:
        raise FourEyesRefused("you wrote this package: a second supervisor must approve it")


# --- dates -------------------------------------------------------------------------------------

ACTION_WINDOWS = {"P0": timedelta(hours=24), "P1": timedelta(days=7), "P2": timedelta(days=14),
                  "P3": timedelta(days=30)}
DEFAULT_BAND = "P3"
"""A package whose reports have no band yet is dated as P3 (the page says it is not assessed)."""


def package_band(bands: Iterable[str | None]) -> str:
    """The most urgent band of a package's reports (P0 first)."""
    known = sorted(b for b in bands if b in ACTION_WINDOWS)
    return known[0] if known else DEFAULT_BAND


def action_by(band: str, sent_at: datetime) -> datetime:
    return sent_at + ACTION_WINDOWS.get(band, ACTION_WINDOWS[DEFAULT_BAND])


def review_by(band: str, sent_at: datetime) -> datetime:
    return sent_at + 2 * ACTION_WINDOWS.get(band, ACTION_WINDOWS[DEFAULT_BAND])


WORKDAY_START = time(9, 0)


def centre_holidays(around: date) -> frozenset[date]:
    """Bank holidays in England and Wales, where the centre's working day is kept, from the year
    before ``around`` to the year after (an acknowledgement clock never runs longer than that).
    Substitute days are included: Boxing Day on a Saturday is observed on the Monday."""
    years = range(around.year - 1, around.year + 2)
    return frozenset(bank_holidays.country_holidays("GB", subdiv="ENG", years=years))


def _is_working_day(day: date, holidays: frozenset[date]) -> bool:
    return day.weekday() < 5 and day not in holidays


def add_working_day(moment: datetime, holidays: Iterable[date] = ()) -> datetime:
    """One working day after ``moment`` (London time: Monday to Friday, less ``holidays``).

    Sent during a working day, it is due at the same time on the next working day; sent on a
    weekend or holiday, the clock starts at 09:00 on the next working day, so it is due at 09:00
    the working day after that."""
    off = frozenset(holidays)
    local = moment.astimezone(LONDON)
    if not _is_working_day(local.date(), off):
        day = local.date()
        while not _is_working_day(day, off):
            day += timedelta(days=1)
        local = datetime.combine(day, WORKDAY_START, tzinfo=LONDON)
    day = local.date() + timedelta(days=1)
    while not _is_working_day(day, off):
        day += timedelta(days=1)
    return datetime.combine(day, local.timetz().replace(tzinfo=None), tzinfo=LONDON).astimezone(moment.tzinfo)


def acknowledge_by(band: str, sent_at: datetime, holidays: Iterable[date] = ()) -> datetime | None:
    """When a package not yet acknowledged escalates at the centre: P0 after an hour, P1 after one
    working day; P2 and P3 do not escalate (their action-by date is watched instead)."""
    if band == "P0":
        return sent_at + timedelta(hours=1)
    if band == "P1":
        return add_working_day(sent_at, holidays)
    return None


# --- references ------------------------------------------------------------------------------

REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: references are read aloud


def make_reference(random_index: Callable[[int], int], prefix: str = "PKG") -> str:
    """A package reference ``PKG-XXXX-XXXX`` (a batch: ``BATCH-XXXX-XXXX``)."""
    chars = "".join(REFERENCE_ALPHABET[random_index(len(REFERENCE_ALPHABET))] for _ in range(8))
    return f"{prefix}-{chars[:4]}-{chars[4:]}"
