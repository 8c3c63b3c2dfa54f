"""Cohorts: groups with their own pool, channel and cadence."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.context import Context
from storage import queries
from storage.models import Cadence, Cohort

NAME = re.compile(r"^[\w-]{1,40}$")
CHANNEL_LINK = re.compile(r"^<#([CG][A-Z0-9]+)(?:\|[^>]*)?>$")
CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{6,}$")


class CohortError(ValueError):
    """A cohort command was not understood; ``key`` names the message, ``arg`` the word."""

    def __init__(self, key: str, arg: str = "") -> None:
        super().__init__(key)
        self.key = key
        self.arg = arg


@dataclass(frozen=True)
class CohortSpec:
    """A parsed ``/mentor admin cohort create`` command."""

    name: str
    channel_id: str | None
    cadence: str


def parse_create(words: list[str]) -> CohortSpec:
    """Parse ``NAME [#channel] [weekly|biweekly|monthly]`` (channel and cadence in any order).

    Raises:
        CohortError: With the message key ``cohort.usage``, ``cohort.bad_name`` or
            ``cohort.bad_arg``.
    """
    if not words:
        raise CohortError("cohort.usage")
    name, rest = words[0], words[1:]
    if not NAME.match(name) or len(queries.cohort_key(name)) > 40:
        raise CohortError("cohort.bad_name")
    channel_id: str | None = None
    cadence: str | None = None
    for word in rest:
        link = CHANNEL_LINK.match(word)
        if link and channel_id is None:
            channel_id = link.group(1)
        elif CHANNEL_ID.match(word) and channel_id is None:
            channel_id = word
        elif word.lower() in {c.value for c in Cadence} and cadence is None:
            cadence = word.lower()
        else:
            raise CohortError("cohort.bad_arg", word)
    return CohortSpec(name=name, channel_id=channel_id, cadence=cadence or Cadence.BIWEEKLY.value)


def create(ctx: Context, spec: CohortSpec) -> Cohort | None:
    """Create a cohort; None when one with that name (any case) exists."""
    with ctx.db.transaction() as session:
        return queries.add_cohort(
            session,
            Cohort(
                name=spec.name,
                name_key=queries.cohort_key(spec.name),
                channel_id=spec.channel_id,
                cadence=spec.cadence,
            ),
        )
