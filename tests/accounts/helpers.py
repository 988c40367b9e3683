"""Personal tokens for tests, made through the accounts service as the CLI makes them."""

from __future__ import annotations

from jigsaw.accounts import service as accounts
from jigsaw.accounts.models import User
from jigsaw.db.engine import session_scope
from jigsaw.platform import Platform
from tests.factories import ACTOR, StaffAccount


def personal_token(platform: Platform, account: StaffAccount, days: int = 30) -> tuple[int, str]:
    """(token id, token) acting as ``account``."""
    with session_scope(platform.engine) as session:
        user = session.get(User, account.id)
        assert user is not None
        issued = accounts.create_personal_token(session, ACTOR, user, days=days)
        return issued.record.id, issued.token


def bearer(token: str, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **headers}
