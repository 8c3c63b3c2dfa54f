"""The topic library: what mentors offer and mentees want to learn.

The keys are stored; the labels are shown in the person's language.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Topic:
    """One topic of the library."""

    key: str
    en: str
    de: str

    def label(self, lang: str) -> str:
        """The topic's name in ``lang`` ("de" or "en")."""
        return self.de if lang == "de" else self.en


TOPICS: tuple[Topic, ...] = (
    Topic("genai", "Generative AI", "Generative KI"),
    Topic("social_media", "Social media", "Social Media"),
    Topic("platform_economy", "Platform economy", "Plattformökonomie"),
    Topic("hybrid_work", "Remote and hybrid work", "Remote- und Hybridarbeit"),
    Topic("data", "Data and analytics", "Daten und Analytics"),
    Topic("security", "Cybersecurity basics", "Grundlagen der Cybersicherheit"),
    Topic("productivity", "Personal productivity and deep work", "Produktivität und Deep Work"),
    Topic(
        "collaboration",
        "New ways of working and collaboration tools",
        "New Work und Kollaborationstools",
    ),
    Topic("cx", "Digital customer experience", "Digitale Customer Experience"),
    Topic("innovation", "Innovation culture", "Innovationskultur"),
    Topic(
        "gen_z",
        "How younger generations work and communicate",
        "Wie Jüngere arbeiten und kommunizieren",
    ),
    Topic("sustainability", "Digital sustainability", "Digitale Nachhaltigkeit"),
)

BY_KEY: dict[str, Topic] = {topic.key: topic for topic in TOPICS}


def labels(keys: list[str], lang: str) -> list[str]:
    """The names of the known topics among ``keys``, in order."""
    return [BY_KEY[key].label(lang) for key in keys if key in BY_KEY]
