"""Notices after an action ("Case claimed"), kept in the staff session on the server.

A redirect after a POST cannot carry a message except through the URL, and text in a URL can
be forged into a page as a system notice by anyone who sends a link. So the route calls
:func:`flash` and the next page drawn for that session shows and clears the notices.
"""

from __future__ import annotations

from typing import Literal

from fastapi import Request

from jigsaw.accounts.models import StaffSession
from jigsaw.http.deps import db_session

Kind = Literal["info", "success", "warning", "error"]
MAX_NOTICES = 5


def flash(request: Request, message: str, kind: Kind = "success") -> None:
    """Queue ``message`` for the next page this staff session sees (no-op without a staff session)."""
    staff_session = _staff_session(request)
    if staff_session is None:
        return
    notices = list(staff_session.notices or [])
    notices.append({"kind": kind, "message": message[:500]})
    staff_session.notices = notices[-MAX_NOTICES:]


def take_notices(request: Request) -> list[dict[str, str]]:
    """The session's queued notices, cleared as they are read."""
    staff_session = _staff_session(request)
    if staff_session is None or not staff_session.notices:
        return []
    notices = list(staff_session.notices)
    staff_session.notices = []
    return notices


def _staff_session(request: Request) -> StaffSession | None:
    session_id = getattr(request.state, "staff_session_id", None)
    if session_id is None:
        return None
    return db_session(request).get(StaffSession, session_id)
