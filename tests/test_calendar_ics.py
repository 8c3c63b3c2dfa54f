"""The calendar file as calendar applications read it: whatever the names, topics and
links hold, and in any zone, ``icalendar`` reads back exactly what was written (Hypothesis),
and ``recurring_ical_events`` finds each event at its instant."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import icalendar
import pytest
import recurring_ical_events
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.calendar.ics import Event, build_calendar

ZONES = ["Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Sydney", "UTC"]
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
texts = st.text(st.characters(exclude_categories=("Cs",)), max_size=200)
instants = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2029, 12, 31), timezones=st.just(UTC)
)


def shown(text: str) -> str:
    """What a TEXT value can hold: line breaks as line feeds, no other control characters."""
    return CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


events = st.builds(
    Event,
    uid=st.from_regex(r"session-[0-9]{1,6}-[0-9a-f]{16}@reverse-mentoring", fullmatch=True),
    start=instants.map(lambda d: d.replace(second=0, microsecond=0)),
    minutes=st.just(45),
    tz=st.sampled_from(ZONES),
    summary=texts,
    description=texts,
    location=st.one_of(st.none(), texts.filter(bool), st.just("https://zoom.us/j/1?pwd=a,b;c")),
    sequence=st.integers(0, 50),
    cancelled=st.booleans(),
    stamp=instants,
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(events, max_size=8, unique_by=lambda e: e.uid),
    st.text(st.characters(categories=("L", "Zs")), max_size=40),  # the name is our own text
)
def test_a_calendar_reads_back_exactly_what_was_written(written: list[Event], name: str) -> None:
    raw = build_calendar(written, name=name)
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))  # folded, in octets
    assert b"\n" not in raw.replace(b"\r\n", b"")  # every line ends in CRLF
    calendar = icalendar.Calendar.from_ical(raw)
    assert str(calendar["X-WR-CALNAME"]) == shown(name)
    read = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    assert len(read) == len(written)
    for event in written:
        back = read[event.uid]
        assert back["DTSTART"].dt == event.start  # the same instant
        if str(back["DTSTART"].dt.tzinfo) != event.tz:  # in the pair's zone, but for
            assert back["DTSTART"].to_ical().endswith(b"Z")  # a local time clocks repeat
        length = back["DTEND"].dt.astimezone(UTC) - back["DTSTART"].dt.astimezone(UTC)
        assert length == timedelta(minutes=45)  # in real time, also across a DST change
        assert str(back["SUMMARY"]) == shown(event.summary)
        if event.description:
            assert str(back["DESCRIPTION"]) == shown(event.description)
        if event.location:
            assert str(back["LOCATION"]) == shown(event.location)
        assert int(back["SEQUENCE"]) == event.sequence
        assert str(back["STATUS"]) == ("CANCELLED" if event.cancelled else "CONFIRMED")
    zones = {str(z["TZID"]) for z in calendar.walk("VTIMEZONE")}
    assert zones >= {str(e["DTSTART"].dt.tzinfo) for e in calendar.walk("VEVENT")} - {"UTC"}
    found = recurring_ical_events.of(calendar).between(
        datetime(2025, 1, 1, tzinfo=UTC), datetime(2031, 1, 1, tzinfo=UTC)
    )
    assert sorted(e["DTSTART"].dt for e in found) == sorted(e.start for e in written)


def plain_event(number: int, start: datetime, tz: str) -> Event:
    """A 45-minute session with nothing but its time."""
    return Event(
        uid=f"session-{number}-0@reverse-mentoring",
        start=start,
        minutes=45,
        tz=tz,
        summary="s",
        description="",
        location=None,
        sequence=0,
        cancelled=False,
        stamp=start,
    )


@pytest.mark.parametrize(
    ("start", "tz"),
    [
        (datetime(2027, 10, 31, 0, 30, tzinfo=UTC), "Europe/Berlin"),  # 02:30, first time
        (datetime(2027, 10, 31, 1, 30, tzinfo=UTC), "Europe/Berlin"),  # 02:30, again
        (datetime(2027, 3, 28, 0, 30, tzinfo=UTC), "Europe/Berlin"),  # ends after the jump
        (datetime(2027, 11, 7, 5, 30, tzinfo=UTC), "America/New_York"),  # 01:30, again
        (datetime(2027, 4, 3, 15, 30, tzinfo=UTC), "Australia/Sydney"),  # 02:30, again
    ],
)
def test_a_session_at_a_daylight_saving_change_keeps_its_instant_and_length(
    start: datetime, tz: str
) -> None:
    event = plain_event(1, start, tz)
    [back] = icalendar.Calendar.from_ical(build_calendar([event], name="n")).walk("VEVENT")
    assert back["DTSTART"].dt.astimezone(UTC) == start
    assert back["DTEND"].dt.astimezone(UTC) == start + timedelta(minutes=45)


@pytest.mark.parametrize(
    "tz", ["Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Sydney"]
)
def test_the_zone_rules_in_the_file_give_the_same_instants_as_the_zone_database(tz: str) -> None:
    """A calendar that reads the file's VTIMEZONE rules rather than knowing the zone by its
    name (as Outlook does) places every session at the same instant."""
    starts = [
        datetime(2026, 1, 5, 8, tzinfo=UTC) + timedelta(days=9 * n, hours=n % 24)
        for n in range(160)
    ]
    written = [plain_event(n, start, tz) for n, start in enumerate(starts)]
    # A name of its own per zone: icalendar remembers a zone it read by its name.
    custom_name = ("X-Rules-Of-" + tz.replace("/", "-")).encode()
    custom = build_calendar(written, name="n").replace(tz.encode(), custom_name)
    read = icalendar.Calendar.from_ical(custom).walk("VEVENT")
    assert sorted(e["DTSTART"].dt.astimezone(UTC) for e in read) == starts
