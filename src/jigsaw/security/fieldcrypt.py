"""Field-level encryption of personal data (AES-256-GCM) and blind indexes for joining.

Reporters' and victims' identities, what they wrote, and identifier values are stored
encrypted so that a copied database file shows no one's identity. Identifiers still
need equality joins (the same email in two reports), so each also gets a *blind index*:
an HMAC-SHA256 of its normalised form under a key derived from the same master key.
The column name is bound into each ciphertext as associated data, so a value cannot be
moved to another column and still decrypt.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import LargeBinary
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
        self._aead = AESGCM(_derive(master_key, b"jigsaw field encryption v1"))
        self._index_key = _derive(master_key, b"jigsaw blind index v1")

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


_active: FieldCipher | None = None


def install_cipher(cipher: FieldCipher) -> None:
    """Make ``cipher`` the one used by :class:`EncryptedText` columns in this process."""
    global _active
    _active = cipher


def active_cipher() -> FieldCipher:
    if _active is None:
        raise RuntimeError("no field cipher installed; call jigsaw.bootstrap.open_platform() first")
    return _active


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
        return active_cipher().encrypt(value, self.context)

    def process_result_value(self, value: bytes | None, dialect: Any) -> str | None:
        if value is None:
            return None
        return active_cipher().decrypt(bytes(value), self.context)


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
