"""Where an announcement stands, as the service counts it and the builders show it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass


@dataclass(frozen=True)
class Progress:
    """Where an announcement stands: counts only, never who."""

    audience: str | None
    members: int
    sent: int
    skipped: int
    pending: int
    failed: Counter[str]
    channels_sent: list[str]
    channels_failed: dict[str, str]

    @property
    def done(self) -> bool:
        return self.pending == 0
