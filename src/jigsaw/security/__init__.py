"""Cryptographic building blocks: field encryption, password hashing, TOTP."""
