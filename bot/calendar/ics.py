"""iCalendar (RFC 5545) for a person's sessions.

Pure: it gets plain :class:`Event` values (what the feed decided to show, already in the
person's language) and returns the bytes of one ``VCALENDAR``. Each event is at its
instant in the pair's zone (the mentee's): ``DTSTART;TZID=…`` with that zone's
``VTIMEZONE``, so a calendar in any zone shows the same instant and a series keeps its
wall-clock time across daylight saving changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import Timezone

PRODID = "-//reverse-mentoring-bot//calendar//EN"


@dataclass(frozen=True)
class Event:
    """One session as a calendar shows it.

    Attributes:
        uid: Stable for the session's whole life (moves included).
        start: The instant it starts (aware).
        minutes: How long it lasts.
        tz: IANA zone the session is planned in (the mentee's).
        summary: The title, naming the partner and the program.
        description: The agenda and what to do (plain text).
        location: The pair's meeting link or room, if set.
        sequence: Raised by each move (RFC 5545 ``SEQUENCE``).
        cancelled: Skipped, or its pair ended (``STATUS:CANCELLED``).
        stamp: When this version of the event was made (``DTSTAMP``).
    """

    uid: str
    start: datetime
    minutes: int
    tz: str
    summary: str
    description: str
    location: str | None
    sequence: int
    cancelled: bool
    stamp: datetime


def build_calendar(events: list[Event], *, name: str) -> bytes:
    """One ``VCALENDAR`` with the events (in order of start) and a ``VTIMEZONE`` for each
    zone they use.

    The zones come from ``icalendar`` (their rules are the hard part, and the same for
    every feed: cached); the events are written here, line by line (a feed is polled
    often, and this is some twenty times faster than building ``icalendar`` objects).
    ``tests/test_calendar_ics.py`` holds the two to the same result.
    """
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "X-WR-CALNAME:" + _text(name),
    ]
    out = "\r\n".join(_fold(line) for line in lines) + "\r\n"
    if events:
        first = min(event.start for event in events).year
        last = max(event.start for event in events).year
        for tz in sorted({event.tz for event in events}):
            out += _vtimezone(tz, first, last)
    for event in sorted(events, key=lambda e: (e.start, e.uid)):
        out += _vevent(event)
    return (out + "END:VCALENDAR\r\n").encode("utf-8")


def _vevent(event: Event) -> str:
    end = event.start + timedelta(minutes=event.minutes)  # in real time, not on the wall clock
    lines = [
        "BEGIN:VEVENT",
        "UID:" + _text(event.uid),
        "DTSTAMP:" + _utc(event.stamp),
        "DTSTART" + _moment(event.start, event.tz),
        "DTEND" + _moment(end, event.tz),
        "SUMMARY:" + _text(event.summary),
    ]
    if event.description:
        lines.append("DESCRIPTION:" + _text(event.description))
    if event.location:
        lines.append("LOCATION:" + _text(event.location))
        if _URL.match(event.location):
            lines.append("URL:" + event.location)
    lines += [
        f"SEQUENCE:{event.sequence}",
        "STATUS:" + ("CANCELLED" if event.cancelled else "CONFIRMED"),
        "TRANSP:" + ("TRANSPARENT" if event.cancelled else "OPAQUE"),
        "END:VEVENT",
    ]
    return "".join(_fold(line) + "\r\n" for line in lines)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _moment(moment: datetime, tz: str) -> str:
    """``;TZID=zone:local`` (so a series keeps its wall-clock time across daylight saving),
    or ``:…Z`` for the rare moment whose local time is ambiguous or does not exist (the
    hour a clock goes back or skips), which a reader would otherwise place an hour off."""
    zone = ZoneInfo(tz)
    local = moment.astimezone(zone)
    plain = local.replace(tzinfo=None)
    if any(plain.replace(fold=f).replace(tzinfo=zone).astimezone(UTC) != moment for f in (0, 1)):
        return ":" + _utc(moment)
    return f";TZID={tz}:" + plain.strftime("%Y%m%dT%H%M%S")


#: A link that may stand as the event's URL (https, nothing a URI cannot hold).
_URL = re.compile(r"^https://[!#-;=?-\[\]_a-z~]+$", re.IGNORECASE)
#: Characters a TEXT value cannot hold (controls but tab and line feed).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _text(value: str) -> str:
    """A TEXT value (RFC 5545, 3.3.11): backslash, semicolon, comma and line breaks
    escaped, control characters left out."""
    value = _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Lines of at most 75 octets (RFC 5545, 3.1), never splitting a character."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line
    parts: list[str] = []
    current: list[str] = []
    size, limit = 0, 75
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            parts.append("".join(current))
            current, size, limit = [], 0, 74  # a continuation line starts with a space
        current.append(char)
        size += width
    parts.append("".join(current))
    return "\r\n ".join(parts)


@lru_cache(maxsize=256)
def _vtimezone(tz: str, first_year: int, last_year: int) -> str:
    """The zone's rules from a year before the first event to a year after the last
    (whole years, so the text changes only when the events do), as ``icalendar`` writes
    them."""
    zone = Timezone.from_tzinfo(
        ZoneInfo(tz), first_date=date(first_year - 1, 1, 1), last_date=date(last_year + 1, 12, 31)
    )
    return zone.to_ical().decode("utf-8")
