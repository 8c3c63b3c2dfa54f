"""The topic library: what mentors offer and mentees want to learn.

The keys are stored; a topic's name and its conversation prompts (questions or small
exercises for a 45-minute session) are texts of the catalogs (:mod:`bot.core.i18n`):
``topic.<key>`` is the name, ``topic.<key>.prompt.1``, ``.2``… are the prompts, and
``goal.prompt.1``, ``.2``… serve an agenda item that is one of the mentee's own learning
goals. Prompts go into Slack messages as plain text: each is shorter than
:data:`PROMPT_MAX_CHARS` and contains no ``<``, ``>`` or ``&`` (a test checks every language).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.i18n import known, t

PROMPT_MAX_CHARS = 200
"""Every prompt is shorter than this."""


@dataclass(frozen=True)
class Topic:
    """One topic of the library; its name and prompts come from the catalogs."""

    key: str

    def label(self, lang: str) -> str:
        """The topic's name in ``lang`` (English when the language has no catalog)."""
        return t(lang, f"topic.{self.key}")

    def prompts(self, lang: str) -> tuple[str, ...]:
        """The topic's conversation prompts in ``lang`` (English when the language has no
        catalog); none for a topic the catalogs do not know."""
        return _numbered(lang, f"topic.{self.key}.prompt")


KEYS: tuple[str, ...] = (
    "genai",
    "social_media",
    "platform_economy",
    "hybrid_work",
    "data",
    "security",
    "productivity",
    "collaboration",
    "cx",
    "innovation",
    "gen_z",
    "sustainability",
)
"""The topics, in the order the enrollment form offers them."""

TOPICS: tuple[Topic, ...] = tuple(Topic(key) for key in KEYS)

BY_KEY: dict[str, Topic] = {topic.key: topic for topic in TOPICS}


def goal_prompts(lang: str) -> tuple[str, ...]:
    """The generic prompts for a learning goal in ``lang`` (English when the language has no
    catalog)."""
    return _numbered(lang, "goal.prompt")


def labels(keys: list[str], lang: str) -> list[str]:
    """The names of the known topics among ``keys``, in order."""
    return [BY_KEY[key].label(lang) for key in keys if key in BY_KEY]


def _numbered(lang: str, prefix: str) -> tuple[str, ...]:
    """The texts ``<prefix>.1``, ``<prefix>.2``… up to the first number without a text."""
    texts: list[str] = []
    while known(f"{prefix}.{len(texts) + 1}"):
        texts.append(t(lang, f"{prefix}.{len(texts) + 1}"))
    return tuple(texts)
