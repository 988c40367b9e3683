"""Lockout and one-time codes under concurrent attack (issue 15, item 3).

An attacker who sends many sign-ins at once must get no more password guesses than the
lockout allows, every attempt must be answered (no database error instead of a refusal), and
one TOTP code raced from many connections must give one session only, on both backends.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from jigsaw.accounts import service as accounts
from jigsaw.accounts.models import StaffSession, User
from jigsaw.accounts.roles import Role
from jigsaw.platform import Platform
from jigsaw.security import passwords
from tests.factories import make_org, make_staff, next_code, session_of

ATTEMPTS = 12
MAX_FAILED = 5


def test_concurrent_wrong_passwords_get_no_more_guesses_than_the_lockout(
    platform: Platform, monkeypatch: pytest.MonkeyPatch,
) -> None:
    analyst = make_staff(platform, "a@centre.example", Role.ANALYST, make_org(platform, "Centre"))
    checked: list[str] = []
    real_verify = passwords.verify_password

    def counting_verify(stored: str | None, password: str) -> bool:
        if stored is not None and stored != passwords._DUMMY_HASH:
            checked.append(password)
        return real_verify(stored, password)

    monkeypatch.setattr(passwords, "verify_password", counting_verify)
    barrier = threading.Barrier(ATTEMPTS)

    def fail_once(n: int) -> bool:
        with session_of(platform) as session:
            barrier.wait()
            result = accounts.authenticate(session, analyst.email, f"guess number {n}", "123456", client="test",
                                           max_failed=MAX_FAILED, lockout_minutes=15)
            session.commit()
            return result.user is None

    with ThreadPoolExecutor(ATTEMPTS) as pool:
        refused = [f.result() for f in [pool.submit(fail_once, n) for n in range(ATTEMPTS)]]  # none raises
    assert all(refused)
    assert len(checked) <= MAX_FAILED, f"{len(checked)} passwords were tried against the real hash"
    with session_of(platform) as session:
        user = session.get(User, analyst.id)
        assert user is not None and user.locked_until is not None
    # Locked: even the right password and a fresh code are refused now, without checking them.
    checked.clear()
    with session_of(platform) as session:
        result = accounts.authenticate(session, analyst.email, analyst.password, next_code(platform, analyst),
                                       client="test", max_failed=MAX_FAILED)
    assert result.user is None and checked == []


def test_one_code_raced_from_many_connections_gives_one_session(platform: Platform) -> None:
    analyst = make_staff(platform, "a@centre.example", Role.ANALYST, make_org(platform, "Centre"))
    code = next_code(platform, analyst)
    racers = 6
    barrier = threading.Barrier(racers)

    def sign_in() -> bool:
        with session_of(platform) as session:
            barrier.wait()
            result = accounts.authenticate(session, analyst.email, analyst.password, code, client="test",
                                           max_failed=MAX_FAILED)
            if result.user is not None:
                accounts.start_session(session, result.user, lifetime_hours=1)
            session.commit()
            return result.user is not None

    with ThreadPoolExecutor(racers) as pool:
        outcomes = [f.result() for f in [pool.submit(sign_in) for _ in range(racers)]]  # none raises
    assert outcomes.count(True) == 1
    with session_of(platform) as session:
        assert session.scalar(select(func.count()).select_from(StaffSession)) == 1
