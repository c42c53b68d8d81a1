"""API keys: ``ed_<prefix>_<secret>``, stored as the prefix and a SHA-256 digest.

The secret carries 256 random bits, so a fast digest is enough: there is no
dictionary to guess from, and a digest cannot be turned back into the key.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

KEY_START = "ed_"
PREFIX_LENGTH = 12


def new_key() -> tuple[str, str, str]:
    """A fresh key: (the whole key, its prefix, its digest)."""
    prefix = secrets.token_hex(PREFIX_LENGTH // 2)
    key = f"{KEY_START}{prefix}_{secrets.token_urlsafe(32)}"
    return key, prefix, digest(key)


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def prefix_of(key: str) -> str | None:
    """The prefix a presented key claims, or None when it is not shaped like a key."""
    if not key.startswith(KEY_START):
        return None
    prefix, _, secret = key[len(KEY_START) :].partition("_")
    if len(prefix) != PREFIX_LENGTH or not secret:
        return None
    return prefix


def matches(key: str, stored_digest: str) -> bool:
    return hmac.compare_digest(digest(key), stored_digest)
