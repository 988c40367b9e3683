"""Time-based one-time passwords (RFC 6238) for the staff second factor."""

from __future__ import annotations

from datetime import UTC, datetime

import pyotp

ISSUER = "Jigsaw"


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, account: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=ISSUER)


def verify(secret: str, code: str, *, last_used_step: int | None = None) -> int | None:
    """Return the accepted time step, or None. A step already used is refused (no replay)."""
    code = code.strip().replace(" ", "")
    if not code.isdigit() or len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    now_step = totp.timecode(datetime.now(UTC))
    for step in (now_step - 1, now_step, now_step + 1):  # one step of clock drift either way
        if last_used_step is not None and step <= last_used_step:
            continue
        if pyotp.utils.strings_equal(totp.generate_otp(step), code):
            return step
    return None

