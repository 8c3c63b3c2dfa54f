"""The keyed hashes that name people and contributions in ``report_release`` and the
authors of shared learnings in ``best_practice``: an HMAC with a subkey of
``MENTOR_ENCRYPTION_KEY`` of their own, never a Slack ID."""

from __future__ import annotations

import base64
import hashlib
import hmac

FORGOTTEN = "~"
"""How the random placeholder of a forgotten person in ``report_release`` begins."""

FORGOTTEN_SIDE = "+"
"""How the placeholder of a forgotten person's side of a pair begins."""

_HASH_CHARS = 32  # 128 bits of the HMAC: no collision among any workforce


def population_key(encryption_key: str) -> bytes:
    """The HMAC key for ``report_release``: a subkey of ``MENTOR_ENCRYPTION_KEY`` of its
    own, so these hashes cannot be matched with pair history or anything else."""
    raw = base64.urlsafe_b64decode(encryption_key.encode("ascii"))
    return hmac.new(raw, b"mentor-bot/report-population/v1", hashlib.sha256).digest()


def _hmac(key: bytes, message: str, chars: int = _HASH_CHARS) -> str:
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()[:chars]


def person_hash(key: bytes, token: str) -> str:
    """How ``report_release`` names a person (``token``: the keyed hash of their ID)."""
    return _hmac(key, token)


def side_placeholder(key: bytes, side: str) -> str:
    """How ``report_release`` names a forgotten person's side of a pair (``PAIR|SIDE``)."""
    return FORGOTTEN_SIDE + _hmac(key, f"side|{side}", _HASH_CHARS - 1)


def contribution_hash(key: bytes, metric: str, item: str) -> str:
    """How ``report_release`` names a contribution (:attr:`Contribution.item`) to a
    figure of ``metric``."""
    return _hmac(key, f"{metric}|{item}")


def author_hash(key: bytes, token: str) -> str:
    """How ``best_practice`` names the author of a shared learning (``key``:
    :func:`population_key`; ``token``: the keyed hash of their ID), so that the playbook
    can count the people behind a group of learnings. A hash of its own: it matches
    neither pair history nor the people of ``report_release``."""
    return _hmac(key, f"author|{token}")
