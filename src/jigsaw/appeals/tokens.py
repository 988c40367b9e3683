"""Signed tokens in the subscribers' links (itsdangerous): confirm, and unsubscribe.

A confirmation link expires after :data:`CONFIRM_MAX_AGE`. An unsubscribe link never expires (an
old alert must still unsubscribe, RFC 8058 §3.2) and needs no cookie or login: the signed token
names the subscriber and the nonce their links were made with, so subscribing again afresh (a new
nonce) voids the old links. Each purpose has its own salt, so one kind of token is never accepted
as another.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import timedelta

from itsdangerous import BadSignature, SignatureExpired, Signer, URLSafeTimedSerializer

from jigsaw.errors import InvalidInput

CONFIRM_MAX_AGE = timedelta(hours=72)
_CONFIRM_SALT = "jigsaw.appeals.subscription.confirm.v1"
_UNSUBSCRIBE_SALT = "jigsaw.appeals.subscription.unsubscribe.v1"


@dataclass(frozen=True)
class TokenSubject:
    subscriber_id: int
    nonce: str


class TokenRefused(InvalidInput, ValueError):
    """A token that is forged, for another purpose, or expired (``expired`` says which)."""

    def __init__(self, expired: bool) -> None:
        super().__init__("this link has expired" if expired else "this link is not valid")
        self.expired = expired


def confirm_token(key: bytes, subscriber_id: int, nonce: str) -> str:
    return URLSafeTimedSerializer(key, salt=_CONFIRM_SALT).dumps([subscriber_id, nonce])


def read_confirm_token(key: bytes, token: str, *, max_age: timedelta = CONFIRM_MAX_AGE) -> TokenSubject:
    try:
        value = URLSafeTimedSerializer(key, salt=_CONFIRM_SALT).loads(token, max_age=int(max_age.total_seconds()))
    except SignatureExpired:
        raise TokenRefused(expired=True) from None
    except BadSignature:
        raise TokenRefused(expired=False) from None
    return _subject(value)


class UnsubscribeSigner:
    """Signs unsubscribe tokens ``{id}.{nonce}.{signature}``: an alert makes one per subscriber, so
    the key is derived once (itsdangerous' ``Signer`` with its key derivation done up front)."""

    def __init__(self, key: bytes) -> None:
        derived = hmac.new(key, _UNSUBSCRIBE_SALT.encode(), hashlib.sha256).digest()
        self._signer = Signer(derived, key_derivation="none", digest_method=hashlib.sha256)

    def token(self, subscriber_id: int, nonce: str) -> str:
        return self._signer.sign(f"{subscriber_id}.{nonce}").decode()

    def read(self, token: str) -> TokenSubject:
        try:
            value = self._signer.unsign(token).decode()
        except BadSignature:
            raise TokenRefused(expired=False) from None
        sub_id, _, nonce = value.partition(".")
        if not sub_id.isdigit() or not nonce:
            raise TokenRefused(expired=False)
        return TokenSubject(int(sub_id), nonce)


def unsubscribe_token(key: bytes, subscriber_id: int, nonce: str) -> str:
    return UnsubscribeSigner(key).token(subscriber_id, nonce)


def read_unsubscribe_token(key: bytes, token: str) -> TokenSubject:
    return UnsubscribeSigner(key).read(token)


def _subject(value: object) -> TokenSubject:
    if (not isinstance(value, list) or len(value) != 2 or not isinstance(value[0], int)
            or not isinstance(value[1], str)):
        raise TokenRefused(expired=False)
    return TokenSubject(value[0], value[1])
