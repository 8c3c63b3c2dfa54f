"""The demo's people: a program owner, mentors and mentees in three departments, in
German and English Slack locales and four time zones.

What each would answer in the join modal is here too, so the guided tour (and anyone
who wants a quick start) can enroll them; the ids are stable, so a saved demo stays
readable.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ADMIN = "UDEMOADMIN"
PROGRAM_CHANNEL = "C0MENTORING"
PROGRAM_CHANNEL_NAME = "reverse-mentoring"


@dataclass(frozen=True)
class Person:
    """Someone in the demo workspace.

    Attributes:
        id: Slack user id.
        handle: ``user.name``.
        name: Full name.
        title: Job title, shown next to the name in the person selector.
        tz: IANA time zone of their Slack profile.
        locale: Slack locale (``de-DE`` people get German).
        role: What they join as (``mentor`` teaches, ``mentee`` learns), or ``None``.
        department: What they type as department.
        topics: Topic keys they pick in the join modal.
        weekdays: Preferred weekdays (0 = Monday).
        window: Preferred time window.
        admin: A program owner (in ``MENTOR_ADMIN_IDS`` of the demo).
    """

    id: str
    handle: str
    name: str
    title: str
    tz: str
    locale: str
    role: str | None = None
    department: str | None = None
    topics: tuple[str, ...] = ()
    weekdays: tuple[int, ...] = field(default=(1, 2, 3))
    window: str = "any"
    admin: bool = False

    @property
    def lang(self) -> str:
        """``de`` or ``en``, as the bot picks it from the locale."""
        return "de" if self.locale.startswith("de") else "en"


CAST: tuple[Person, ...] = (
    Person(
        ADMIN,
        "hanna.weber",
        "Hanna Weber",
        "People & Culture (program owner)",
        "Europe/Berlin",
        "de-DE",
        admin=True,
    ),
    # mentees: senior leaders
    Person(
        "UDEMOMEE01",
        "klaus.richter",
        "Dr. Klaus Richter",
        "CFO",
        "Europe/Berlin",
        "de-DE",
        "mentee",
        "Finanzen",
        ("genai", "data"),
    ),
    Person(
        "UDEMOMEE02",
        "margaret.hughes",
        "Margaret Hughes",
        "VP Sales UK",
        "Europe/London",
        "en-GB",
        "mentee",
        "Sales",
        ("social_media", "cx"),
        window="morning",
    ),
    Person(
        "UDEMOMEE03",
        "juergen.bauer",
        "Jürgen Bauer",
        "Head of Production",
        "Europe/Berlin",
        "de-DE",
        "mentee",
        "Produktion",
        ("hybrid_work", "collaboration"),
    ),
    Person(
        "UDEMOMEE04",
        "robert.chen",
        "Robert Chen",
        "Managing Director US",
        "America/New_York",
        "en-US",
        "mentee",
        "Sales",
        ("genai", "platform_economy"),
        window="midday",
    ),
    Person(
        "UDEMOMEE05",
        "sabine.koch",
        "Sabine Koch",
        "Head of Finance Operations",
        "Europe/Berlin",
        "de-DE",
        "mentee",
        "Finanzen",
        ("productivity", "security"),
    ),
    Person(
        "UDEMOMEE06",
        "anand.rao",
        "Anand Rao",
        "Head of IT Services",
        "Asia/Kolkata",
        "en-US",
        "mentee",
        "IT",
        ("gen_z", "innovation"),
        window="afternoon",
    ),
    # mentors: younger colleagues
    Person(
        "UDEMOMEN01",
        "lena.schmidt",
        "Lena Schmidt",
        "Working student, Data",
        "Europe/Berlin",
        "de-DE",
        "mentor",
        "IT",
        ("genai", "data", "productivity"),
    ),
    Person(
        "UDEMOMEN02",
        "tom.baker",
        "Tom Baker",
        "Social media manager",
        "Europe/London",
        "en-GB",
        "mentor",
        "Marketing",
        ("social_media", "cx", "gen_z"),
    ),
    Person(
        "UDEMOMEN03",
        "mia.hoffmann",
        "Mia Hoffmann",
        "Apprentice, IT",
        "Europe/Berlin",
        "de-DE",
        "mentor",
        "IT",
        ("hybrid_work", "collaboration", "security"),
    ),
    Person(
        "UDEMOMEN04",
        "jasmine.ortiz",
        "Jasmine Ortiz",
        "Product analyst",
        "America/New_York",
        "en-US",
        "mentor",
        "Sales",
        ("genai", "platform_economy"),
    ),
    Person(
        "UDEMOMEN05",
        "felix.wagner",
        "Felix Wagner",
        "Junior controller",
        "Europe/Berlin",
        "de-DE",
        "mentor",
        "Finanzen",
        ("productivity", "security", "data"),
    ),
    Person(
        "UDEMOMEN06",
        "priya.nair",
        "Priya Nair",
        "Developer",
        "Asia/Kolkata",
        "en-US",
        "mentor",
        "IT",
        ("gen_z", "innovation", "genai"),
        window="afternoon",
    ),
    Person(
        "UDEMOMEN07",
        "noah.keller",
        "Noah Keller",
        "Trainee, Sustainability",
        "Europe/Berlin",
        "de-DE",
        "mentor",
        "Produktion",
        ("sustainability", "hybrid_work"),
    ),
)

BY_ID: dict[str, Person] = {person.id: person for person in CAST}
