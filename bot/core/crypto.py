"""Encryption at rest and keyed hashes, from ``MENTOR_ENCRYPTION_KEY``."""

from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet


def generate_key() -> str:
    """A new random key for ``MENTOR_ENCRYPTION_KEY`` (what ``mentor-bot keygen`` prints)."""
    return Fernet.generate_key().decode("ascii")


class Vault:
    """Encrypts what participants write and hashes IDs that must outlive ``forget``.

    Args:
        key: A Fernet key (url-safe base64 of 32 bytes).
    """

    def __init__(self, key: str) -> None:
        self._fernet = Fernet(key.encode("ascii"))
        raw = base64.urlsafe_b64decode(key.encode("ascii"))
        # A separate subkey for hashing, so the hash never reveals anything about the
        # encryption key and vice versa.
        self._hash_key = hmac.new(raw, b"mentor-bot/user-id-hash/v1", hashlib.sha256).digest()
        self._feed_key = hmac.new(raw, b"mentor-bot/calendar-feed/v1", hashlib.sha256).digest()

    def encrypt(self, text: str) -> str:
        """Encrypt ``text``; the result is ASCII and safe to store."""
        return self._fernet.encrypt(text.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        """Decrypt what :meth:`encrypt` produced."""
        return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")

    def user_key(self, user_id: str) -> str:
        """A keyed hash of a Slack user ID (64 hex characters).

        It lets pair history say "these two were paired before" after both IDs were
        deleted, without storing the IDs or letting anyone without the key test a guess.
        """
        return hmac.new(self._hash_key, user_id.encode("utf-8"), hashlib.sha256).hexdigest()

    def feed_token(self, nonce: str) -> str:
        """The calendar feed token for a feed's random ``nonce`` (43 URL-safe characters).

        Only the nonce and the token's hash are stored: the bot can show a person the same
        link again, and nobody with the database but without the key can.
        """
        digest = hmac.new(self._feed_key, nonce.encode("ascii"), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")
