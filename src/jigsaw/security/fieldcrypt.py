"""Field-level encryption of personal data (AES-256-GCM) and blind indexes for joining.

Reporters' and victims' identities, what they wrote, and identifier values are stored
encrypted so that a copied database file shows no one's identity. Identifiers still
need equality joins (the same email in two reports), so each also gets a *blind index*:
an HMAC-SHA256 of its normalised form under a key derived from the same master key.
The column name is bound into each ciphertext as associated data, so a value cannot be
moved to another column and still decrypt.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import os
import weakref
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Engine, LargeBinary
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeDecorator

from jigsaw.errors import Unavailable

_VERSION = b"\x01"
_NONCE_BYTES = 12


class DecryptionError(Unavailable):
    """A stored value failed authentication: wrong key, wrong column or tampering."""


def _derive(master_key: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(master_key)


class FieldCipher:
    """Encrypts and decrypts single field values; computes blind indexes."""

    def __init__(self, master_key: bytes) -> None:
        if len(master_key) != 32:
            raise ValueError("master key must be 32 bytes")
        self._master = master_key
        self._aead = AESGCM(_derive(master_key, b"jigsaw field encryption v1"))
        self._index_key = _derive(master_key, b"jigsaw blind index v1")

    def __reduce__(self) -> tuple[Any, tuple[bytes]]:
        # Import workers receive the cipher with each task; each worker derives the keys once.
        return (_cipher_for_key, (self._master,))

    def encrypt(self, plaintext: str, context: str) -> bytes:
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plaintext.encode("utf-8"), context.encode())
        return _VERSION + nonce + sealed

    def decrypt(self, token: bytes, context: str) -> str:
        if not token.startswith(_VERSION) or len(token) < 1 + _NONCE_BYTES + 16:
            raise DecryptionError(f"malformed ciphertext in {context}")
        nonce, sealed = token[1 : 1 + _NONCE_BYTES], token[1 + _NONCE_BYTES :]
        try:
            return self._aead.decrypt(nonce, sealed, context.encode()).decode("utf-8")
        except Exception as exc:  # cryptography raises InvalidTag without detail
            raise DecryptionError(f"cannot decrypt a value in {context}") from exc

    def blind_index(self, value: str) -> str:
        """A stable, keyed digest of ``value`` for equality lookups without the plaintext."""
        # One-shot HMAC (the same digest as ``hmac.new(...).hexdigest()``, without the object).
        return hmac.digest(self._index_key, value.encode("utf-8"), hashlib.sha256).hex()


@functools.lru_cache(maxsize=4)
def _cipher_for_key(master_key: bytes) -> FieldCipher:
    return FieldCipher(master_key)


# Each engine has its own dialect object, so keying by dialect gives every opened platform its
# own cipher without a process-wide "current key" (column types only ever see the dialect).
_by_dialect: weakref.WeakKeyDictionary[Any, FieldCipher] = weakref.WeakKeyDictionary()


def bind_cipher(engine: Engine, cipher: FieldCipher) -> None:
    """Make ``cipher`` the one :class:`EncryptedText` columns use on ``engine``."""
    _by_dialect[engine.dialect] = cipher


def cipher_of(bind: Session | Connection | Engine) -> FieldCipher:
    """The cipher bound to the engine behind a session, connection or engine."""
    if isinstance(bind, Session):
        found = bind.get_bind()
        return _cipher_for_dialect(found.dialect)
    return _cipher_for_dialect(bind.dialect)


def _cipher_for_dialect(dialect: Any) -> FieldCipher:
    try:
        return _by_dialect[dialect]
    except KeyError:
        raise RuntimeError("no field cipher is bound to this engine; open it with jigsaw.bootstrap.open_platform()") \
            from None


class EncryptedText(TypeDecorator[str]):
    """A text column stored as AES-GCM ciphertext bound to its table and column."""

    impl = LargeBinary
    cache_ok = True

    def __init__(self, context: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.context = context

    def process_bind_param(self, value: str | None, dialect: Any) -> bytes | None:
        if value is None:
            return None
        return _cipher_for_dialect(dialect).encrypt(value, self.context)

    def process_result_value(self, value: bytes | None, dialect: Any) -> str | None:
        if value is None:
            return None
        return _cipher_for_dialect(dialect).decrypt(bytes(value), self.context)


class EncryptedJSON(EncryptedText):
    """A JSON document stored as one AES-GCM ciphertext (source data can name people)."""

    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> bytes | None:
        if value is None:
            return None
        return super().process_bind_param(encode_json(value), dialect)

    def process_result_value(self, value: bytes | None, dialect: Any) -> Any:
        text = super().process_result_value(value, dialect)
        return None if text is None else json.loads(text)


def encode_json(value: Any) -> str:
    """The canonical text that :class:`EncryptedJSON` encrypts (bulk writers use it too)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
