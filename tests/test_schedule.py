"""Tests of bot.schedule: slot choice, recurrence, DST, holidays and zone -> country."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest

from bot.sessions import countries
from bot.sessions.countries import country_of, is_public_holiday
from bot.sessions.schedule import (
    MIN_NOTICE,
    SESSION_MINUTES,
    TIME_WINDOWS,
    Person,
    Slot,
    choose_slot,
    local_start,
    nth_weekday,
    occurrences,
)

BERLIN = "Europe/Berlin"
NEW_YORK = "America/New_York"
SESSION = timedelta(minutes=SESSION_MINUTES)


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def local(start: datetime, tz: str) -> datetime:
    return start.astimezone(ZoneInfo(tz))


def person(tz: str | None, window: str = "any", days: tuple[int, ...] = ()) -> Person:
    return Person(tz=tz, weekdays=frozenset(days), time_window=window)


def inside(start: datetime, tz: str | None, window: str) -> bool:
    """Whether a session from ``start`` lies in ``window`` on ``tz``'s wall clock."""
    lo, hi = TIME_WINDOWS[window]
    zone = ZoneInfo(tz or "UTC")
    begin, end = start.astimezone(zone), (start + SESSION).astimezone(zone)
    return begin.date() == end.date() and lo <= begin.time() and end.time() <= hi


def weeks_of(year: int, weekday: int) -> Iterator[date]:
    day = date(year, 1, 1)
    day += timedelta(days=(weekday - day.weekday()) % 7)
    while day.year == year:
        yield day
        day += timedelta(days=7)


# ------------------------------------------------------------------ choose_slot: weekday


@pytest.mark.parametrize(
    ("mentor_days", "mentee_days", "expected"),
    [
        ((1, 3), (3, 4), 3),  # the shared day
        ((0, 2, 4), (4, 2), 2),  # several shared: the earliest in the week
        ((0,), (2, 4), 2),  # none shared: the mentee's first preference
        ((3, 4), (), 3),  # the mentee gave none: the mentor's first
        ((), (4,), 4),  # the mentor gave none: the mentee's
        ((), (), 1),  # neither: Tuesday
        ((5, 6), (), 1),  # weekend wishes are ignored, so: neither
    ],
)
def test_weekday_rules(
    mentor_days: tuple[int, ...], mentee_days: tuple[int, ...], expected: int
) -> None:
    slot = choose_slot(person(BERLIN, days=mentor_days), person(BERLIN, days=mentee_days))
    assert slot.weekday == expected


# --------------------------------------------------------------------- choose_slot: time


def test_mentee_berlin_afternoon_mentor_new_york_morning_fits_both_all_year() -> None:
    mentor, mentee = person(NEW_YORK, "morning"), person(BERLIN, "afternoon")
    slot = choose_slot(mentor, mentee)
    assert slot == Slot(weekday=1, local_time=time(15, 0), tz=BERLIN)
    # Every Tuesday of the year, including the weeks in March and October/November when
    # only one of the two zones is on summer time.
    for day in weeks_of(2026, slot.weekday):
        start = local_start(day, slot.local_time, slot.tz)
        assert inside(start, NEW_YORK, "morning"), day
        assert inside(start, BERLIN, "afternoon"), day


def test_the_earliest_fitting_time_in_the_mentees_window() -> None:
    # Mentee New York morning, mentor Berlin "any": 9:00 New York is 15:00 (or 14:00) in
    # Berlin, inside the mentor's day, so the earliest time of the mentee's window wins.
    slot = choose_slot(person(BERLIN), person(NEW_YORK, "morning"))
    assert slot == Slot(weekday=1, local_time=time(9, 0), tz=NEW_YORK)
    # Mentee Berlin "any", mentor Berlin "afternoon": the first start in 14-17 is 14:00.
    assert choose_slot(person(BERLIN, "afternoon"), person(BERLIN)).local_time == time(14, 0)


def test_mentor_window_in_a_later_zone_picks_the_overlap() -> None:
    # Mentee Berlin "any", mentor New York "morning" (9-12 NY = 15-18 Berlin): 15:00-17:00
    # Berlin fits both; the earliest is 15:00.
    slot = choose_slot(person(NEW_YORK, "morning"), person(BERLIN, "any"))
    assert slot.local_time == time(15, 0)


def test_impossible_overlap_falls_back_to_the_mentees_window() -> None:
    # Los Angeles 9-12 is 18-21 in Berlin: nothing fits, the mentee's calendar wins.
    slot = choose_slot(person("America/Los_Angeles", "morning"), person(BERLIN, "morning"))
    assert slot.local_time == time(9, 0)
    assert slot.tz == BERLIN
    slot = choose_slot(person("Asia/Tokyo", "morning"), person(BERLIN, "afternoon"))
    assert slot.local_time == time(14, 0)


def test_overlap_on_one_season_only_is_better_than_none() -> None:
    # Tokyo 14-17 is Berlin 6-9 in winter, 7-10 in summer: 9:00-9:45 Berlin fits in summer.
    slot = choose_slot(person("Asia/Tokyo", "afternoon"), person(BERLIN, "morning"))
    assert slot.local_time == time(9, 0)
    assert inside(
        local_start(date(2026, 7, 14), slot.local_time, BERLIN), "Asia/Tokyo", "afternoon"
    )


def test_half_hour_zones_give_quarter_hour_starts() -> None:
    # Berlin 9-12 is 13:30-16:30 in Kolkata in winter, 12:30-15:30 in summer.
    slot = choose_slot(person(BERLIN, "morning"), person("Asia/Kolkata", "any"))
    assert slot.local_time == time(13, 30)
    # Kathmandu is +5:45: Berlin 9:00 is 13:45 there in winter.
    slot = choose_slot(person(BERLIN, "morning"), person("Asia/Kathmandu", "any"))
    assert slot.local_time == time(13, 45)


ZONES = (BERLIN, NEW_YORK, "Asia/Kolkata", "Asia/Kathmandu", "Asia/Tokyo", "Australia/Adelaide")


@pytest.mark.parametrize(("mentor_tz", "mentee_tz"), list(itertools.permutations(ZONES, 2)))
def test_every_slot_is_a_quarter_hour_inside_the_mentees_window(
    mentor_tz: str, mentee_tz: str
) -> None:
    for mentor_window, mentee_window in itertools.product(TIME_WINDOWS, repeat=2):
        mentor, mentee = person(mentor_tz, mentor_window), person(mentee_tz, mentee_window)
        slot = choose_slot(mentor, mentee)
        assert slot.local_time.minute % 15 == 0
        assert slot.local_time.second == 0
        assert slot.tz == mentee_tz
        lo, hi = TIME_WINDOWS[mentee_window]
        end = datetime.combine(date(2026, 1, 1), slot.local_time) + SESSION
        assert lo <= slot.local_time and end.time() <= hi
        assert choose_slot(mentor, mentee) == slot  # deterministic


def test_reference_date_checks_that_date_only() -> None:
    # 2026-03-10 falls in the weeks when New York is on summer time and Berlin is not.
    mentor, mentee = person(NEW_YORK, "morning"), person(BERLIN, "midday")
    # NY 9-12 is Berlin 14-17 that week: no overlap with 12-14, so the mentee's window wins.
    assert choose_slot(mentor, mentee, reference=date(2026, 3, 10)).local_time == time(12, 0)


def test_unknown_time_zones_mean_utc() -> None:
    slot = choose_slot(person(None, "morning"), person(None, "afternoon"))
    assert slot.tz == "UTC"
    assert slot.local_time == time(14, 0)  # no overlap: mentee's window
    assert choose_slot(person(BERLIN), person("Not/AZone")).tz == "UTC"
    # A mentor in UTC "afternoon" (14-17) and a mentee in UTC "any": 14:00.
    assert choose_slot(person("garbage", "afternoon"), person(None)).local_time == time(14, 0)


def test_unknown_window_counts_as_any() -> None:
    assert Person(tz=None, time_window="evening").time_window == "any"


def test_slot_rejects_weekends_and_aware_times() -> None:
    with pytest.raises(ValueError):
        Slot(weekday=5, local_time=time(10), tz=BERLIN)
    with pytest.raises(ValueError):
        Slot(weekday=1, local_time=time(10, tzinfo=UTC), tz=BERLIN)


# ---------------------------------------------------------------------------- occurrences


def local_dates(starts: list[datetime], tz: str) -> list[date]:
    return [local(s, tz).date() for s in starts]


def test_weekly_biweekly_monthly() -> None:
    slot = Slot(weekday=2, local_time=time(10, 0), tz=BERLIN)
    after = utc(2026, 6, 1, 8)  # a Monday
    weekly = occurrences(slot, "weekly", after=after, count=4, country=None)
    assert local_dates(weekly, BERLIN) == [date(2026, 6, d) for d in (3, 10, 17, 24)]
    biweekly = occurrences(slot, "biweekly", after=after, count=4, country=None)
    assert local_dates(biweekly, BERLIN) == [
        date(2026, 6, 3),
        date(2026, 6, 17),
        date(2026, 7, 1),
        date(2026, 7, 15),
    ]
    # Monthly: the first Wednesday of each month (2026-06-03 is the first).
    monthly = occurrences(slot, "monthly", after=after, count=4, country=None)
    assert local_dates(monthly, BERLIN) == [
        date(2026, 6, 3),
        date(2026, 7, 1),
        date(2026, 8, 5),
        date(2026, 9, 2),
    ]
    for start in weekly + biweekly + monthly:
        assert start.utcoffset() == timedelta(0)
        assert local(start, BERLIN).time() == time(10, 0)


def test_monthly_keeps_the_nth_weekday_and_uses_the_last_for_a_fifth() -> None:
    slot = Slot(weekday=1, local_time=time(9, 0), tz="UTC")
    # The first Tuesday at least two days after 2026-06-06 is 2026-06-09, the 2nd Tuesday.
    starts = occurrences(slot, "monthly", after=utc(2026, 6, 6), count=12)
    for day in local_dates(starts, "UTC"):
        assert day.weekday() == 1
        assert (day.day - 1) // 7 + 1 == 2
    # 2026-06-30 is the 5th Tuesday of June: then the last Tuesday of each month.
    starts = occurrences(slot, "monthly", after=utc(2026, 6, 27), count=6)
    assert local_dates(starts, "UTC") == [
        date(2026, 6, 30),
        date(2026, 7, 28),
        date(2026, 8, 25),
        date(2026, 9, 29),
        date(2026, 10, 27),
        date(2026, 11, 24),
    ]
    assert nth_weekday(2026, 2, 1, -1) == date(2026, 2, 24)
    with pytest.raises(ValueError):
        nth_weekday(2026, 2, 1, 5)


def test_first_occurrence_gives_two_days_notice() -> None:
    slot = Slot(weekday=2, local_time=time(10, 0), tz=BERLIN)  # Wed 10:00 = 08:00 UTC
    exactly = occurrences(slot, "weekly", after=utc(2026, 6, 1, 8), count=1, country=None)
    assert exactly == [utc(2026, 6, 3, 8)]
    assert exactly[0] - utc(2026, 6, 1, 8) == MIN_NOTICE
    later = occurrences(slot, "weekly", after=utc(2026, 6, 1, 8, 0, 1), count=1, country=None)
    assert later == [utc(2026, 6, 10, 8)]
    # Tuesday: Wednesday is one day away, so the week after.
    tuesday = occurrences(slot, "weekly", after=utc(2026, 6, 2, 7), count=1, country=None)
    assert tuesday == [utc(2026, 6, 10, 8)]
    for after in (utc(2026, 6, 1) + timedelta(hours=h) for h in range(0, 24 * 14, 5)):
        first = occurrences(slot, "biweekly", after=after, count=1, country=None)[0]
        assert first - after >= MIN_NOTICE
        assert first - after < MIN_NOTICE + timedelta(days=7)


def test_without_notice_starts_are_strictly_after() -> None:
    slot = Slot(weekday=2, local_time=time(10, 0), tz=BERLIN)
    starts = occurrences(
        slot, "weekly", after=utc(2026, 6, 3, 8), count=1, country=None, notice=timedelta(0)
    )
    assert starts == [utc(2026, 6, 10, 8)]


def test_after_may_be_in_any_zone() -> None:
    slot = Slot(weekday=2, local_time=time(10, 0), tz=BERLIN)
    in_berlin = datetime(2026, 6, 1, 10, tzinfo=ZoneInfo(BERLIN))
    assert occurrences(slot, "weekly", after=in_berlin, count=2, country=None) == occurrences(
        slot, "weekly", after=utc(2026, 6, 1, 8), count=2, country=None
    )


def test_deterministic_and_sorted() -> None:
    slot = choose_slot(person(NEW_YORK, "morning"), person(BERLIN, "afternoon", (0, 1)))
    runs = [
        occurrences(slot, "biweekly", after=utc(2026, 3, 1, 12, 34), count=30) for _ in range(3)
    ]
    assert runs[0] == runs[1] == runs[2]
    assert runs[0] == sorted(runs[0])
    assert len(runs[0]) == 30


# -------------------------------------------------------------------------------- DST


def test_berlin_keeps_wall_clock_time_across_both_changes() -> None:
    slot = Slot(weekday=0, local_time=time(10, 0), tz=BERLIN)
    starts = occurrences(slot, "weekly", after=utc(2026, 3, 16), count=32, country=None)
    assert {local(s, BERLIN).time() for s in starts} == {time(10, 0)}
    by_date = dict(zip(local_dates(starts, BERLIN), starts, strict=True))
    assert by_date[date(2026, 3, 23)] == utc(2026, 3, 23, 9)  # CET, +1
    assert by_date[date(2026, 3, 30)] == utc(2026, 3, 30, 8)  # CEST since Sun 29 March
    assert by_date[date(2026, 10, 19)] == utc(2026, 10, 19, 8)
    assert by_date[date(2026, 10, 26)] == utc(2026, 10, 26, 9)  # CET since Sun 25 October


def test_new_york_keeps_wall_clock_time_across_both_changes() -> None:
    slot = Slot(weekday=1, local_time=time(9, 0), tz=NEW_YORK)
    starts = occurrences(slot, "weekly", after=utc(2026, 2, 25), count=40, country=None)
    assert {local(s, NEW_YORK).time() for s in starts} == {time(9, 0)}
    by_date = dict(zip(local_dates(starts, NEW_YORK), starts, strict=True))
    assert by_date[date(2026, 3, 3)] == utc(2026, 3, 3, 14)  # EST, -5
    assert by_date[date(2026, 3, 10)] == utc(2026, 3, 10, 13)  # EDT since Sun 8 March
    assert by_date[date(2026, 10, 27)] == utc(2026, 10, 27, 13)
    assert by_date[date(2026, 11, 3)] == utc(2026, 11, 3, 14)  # EST since Sun 1 November


def test_local_start_in_a_gap_and_in_an_overlap() -> None:
    # 2026-03-29 02:00 CET -> 03:00 CEST: 02:30 does not exist; read with +1 it is 01:30 UTC,
    # which the wall clock shows as 03:30.
    gap = local_start(date(2026, 3, 29), time(2, 30), BERLIN)
    assert gap == utc(2026, 3, 29, 1, 30)
    assert local(gap, BERLIN).time() == time(3, 30)
    # 2026-10-25 03:00 CEST -> 02:00 CET: 02:30 occurs twice; the first one (CEST) is taken.
    twice = local_start(date(2026, 10, 25), time(2, 30), BERLIN)
    assert twice == utc(2026, 10, 25, 0, 30)
    assert local_start(date(2026, 10, 25), time(2, 30, fold=1), BERLIN) == twice
    with pytest.raises(ValueError):
        local_start(date(2026, 1, 1), time(2, tzinfo=UTC), BERLIN)


def _is_gap(day: date, at: time, tz: str) -> bool:
    naive = datetime.combine(day, at)
    return local_start(day, at, tz).astimezone(ZoneInfo(tz)).replace(tzinfo=None) != naive


def _is_fold(day: date, at: time, tz: str) -> bool:
    zone = ZoneInfo(tz)
    first = datetime.combine(day, at, tzinfo=zone)
    return first.utcoffset() != first.replace(fold=1).utcoffset()


def test_occurrences_on_a_weekday_dst_gap_and_overlap() -> None:
    # Egypt changes its clocks on weekdays: Friday 2026-04-24 00:00 -> 01:00 and
    # Thursday 2026-10-29 24:00 -> 23:00.
    cairo = "Africa/Cairo"
    if not (
        _is_gap(date(2026, 4, 24), time(0, 30), cairo)
        and _is_fold(date(2026, 10, 29), time(23, 30), cairo)
    ):
        pytest.skip("this system's tz data has other Egyptian DST rules")
    friday = Slot(weekday=4, local_time=time(0, 30), tz=cairo)
    starts = occurrences(friday, "weekly", after=utc(2026, 4, 13), count=3, country=None)
    assert [local(s, cairo).replace(tzinfo=None) for s in starts] == [
        datetime(2026, 4, 17, 0, 30),
        datetime(2026, 4, 24, 1, 30),  # 00:30 does not exist that night
        datetime(2026, 5, 1, 0, 30),
    ]
    assert starts[1] - starts[0] == timedelta(days=7)  # the gap: same distance in real time
    thursday = Slot(weekday=3, local_time=time(23, 30), tz=cairo)
    starts = occurrences(thursday, "weekly", after=utc(2026, 10, 19), count=3, country=None)
    assert starts[1] == utc(2026, 10, 29, 20, 30)  # the first 23:30, still at +3
    assert [local(s, cairo).time() for s in starts] == [time(23, 30)] * 3


# ---------------------------------------------------------------------------- holidays


GERMAN_HOLIDAYS = [
    date(2026, 12, 25),
    date(2027, 1, 1),
    date(2027, 3, 26),
    date(2027, 3, 29),
    date(2026, 10, 3),
    date(2025, 10, 3),
    date(2027, 5, 6),
]


@pytest.mark.parametrize("day", GERMAN_HOLIDAYS)
def test_german_holidays_are_known(day: date) -> None:
    assert is_public_holiday(day, "DE")
    assert is_public_holiday(day, "de")


@pytest.mark.parametrize("weekday", range(5))
@pytest.mark.parametrize("cadence", ["weekly", "biweekly", "monthly"])
def test_never_on_a_german_holiday_and_moved_within_the_week(weekday: int, cadence: str) -> None:
    slot = Slot(weekday=weekday, local_time=time(10, 0), tz=BERLIN)
    starts = occurrences(slot, cadence, after=utc(2025, 9, 1), count=60)
    plain = occurrences(slot, cadence, after=utc(2025, 9, 1), count=80, country=None)
    german = holidays.country_holidays("DE", years=range(2025, 2033))
    days = local_dates(starts, BERLIN)
    originals = local_dates(plain, BERLIN)
    for day in days:
        assert day not in german, day
        assert day.weekday() < 5
    for day in set(days) - set(originals):  # moved sessions
        original = max(d for d in originals if d <= day)
        assert original in german
        assert original.isocalendar()[:2] == day.isocalendar()[:2]  # same week
        assert all((original + timedelta(days=i)) in german for i in range((day - original).days))


def test_german_examples() -> None:
    friday = Slot(weekday=4, local_time=time(10, 0), tz=BERLIN)
    days = local_dates(occurrences(friday, "weekly", after=utc(2026, 12, 14), count=4), BERLIN)
    # Fri 25 Dec 2026 and Fri 1 Jan 2027 have no later working day in their week: dropped.
    assert days == [date(2026, 12, 18), date(2027, 1, 8), date(2027, 1, 15), date(2027, 1, 22)]
    monday = Slot(weekday=0, local_time=time(10, 0), tz=BERLIN)
    days = local_dates(occurrences(monday, "weekly", after=utc(2027, 3, 18), count=3), BERLIN)
    # Easter Monday 2027-03-29 moves to Tuesday; the rhythm continues on Mondays.
    assert days == [date(2027, 3, 22), date(2027, 3, 30), date(2027, 4, 5)]
    assert local(occurrences(monday, "weekly", after=utc(2027, 3, 25), count=1)[0], BERLIN) == (
        datetime(2027, 3, 30, 10, tzinfo=ZoneInfo(BERLIN))
    )
    thursday = Slot(weekday=3, local_time=time(10, 0), tz=BERLIN)
    days = local_dates(occurrences(thursday, "weekly", after=utc(2027, 4, 26), count=3), BERLIN)
    assert days == [date(2027, 4, 29), date(2027, 5, 7), date(2027, 5, 13)]  # Ascension Day
    # German Unity Day 2025 is a Friday: dropped.
    days = local_dates(occurrences(friday, "weekly", after=utc(2025, 9, 22), count=2), BERLIN)
    assert days == [date(2025, 9, 26), date(2025, 10, 10)]


def test_a_holiday_moves_the_session_but_not_the_rhythm_of_a_biweekly_series() -> None:
    monday = Slot(weekday=0, local_time=time(10, 0), tz=BERLIN)
    days = local_dates(occurrences(monday, "biweekly", after=utc(2027, 3, 11), count=4), BERLIN)
    assert days == [date(2027, 3, 15), date(2027, 3, 30), date(2027, 4, 12), date(2027, 4, 26)]


def test_us_holidays_for_new_york() -> None:
    monday = Slot(weekday=0, local_time=time(9, 0), tz=NEW_YORK)
    days = local_dates(occurrences(monday, "weekly", after=utc(2026, 1, 8), count=3), NEW_YORK)
    assert days == [date(2026, 1, 12), date(2026, 1, 20), date(2026, 1, 26)]  # MLK Day
    thursday = Slot(weekday=3, local_time=time(9, 0), tz=NEW_YORK)
    days = local_dates(occurrences(thursday, "weekly", after=utc(2026, 11, 16), count=2), NEW_YORK)
    assert days == [date(2026, 11, 19), date(2026, 11, 27)]  # Thanksgiving
    friday = Slot(weekday=4, local_time=time(9, 0), tz=NEW_YORK)
    days = local_dates(occurrences(friday, "weekly", after=utc(2026, 6, 22), count=2), NEW_YORK)
    assert days == [date(2026, 6, 26), date(2026, 7, 10)]  # 3 July: Independence Day observed
    # The same Friday in Berlin is a working day there.
    berlin_friday = Slot(weekday=4, local_time=time(9, 0), tz=BERLIN)
    days = local_dates(
        occurrences(berlin_friday, "weekly", after=utc(2026, 6, 22), count=2), BERLIN
    )
    assert days == [date(2026, 6, 26), date(2026, 7, 3)]


def test_explicit_country_and_none() -> None:
    friday = Slot(weekday=4, local_time=time(10, 0), tz=BERLIN)
    after = utc(2026, 12, 21)
    ignored = occurrences(friday, "weekly", after=after, count=1, country=None)
    assert local_dates(ignored, BERLIN) == [date(2026, 12, 25)]
    german = occurrences(friday, "weekly", after=after, count=1, country="DE")
    assert local_dates(german, BERLIN) == [date(2027, 1, 8)]
    # Austria: 8 December (Immaculate Conception) is a holiday; a Tuesday moves to Wednesday.
    vienna = "Europe/Vienna"
    tuesday = Slot(weekday=1, local_time=time(10, 0), tz=vienna)
    days = local_dates(occurrences(tuesday, "weekly", after=utc(2026, 12, 3), count=1), vienna)
    assert days == [date(2026, 12, 9)]
    # A Berlin slot with Austrian holidays, when the caller knows better than the zone.
    tuesday_berlin = Slot(weekday=1, local_time=time(10, 0), tz=BERLIN)
    starts = occurrences(tuesday_berlin, "weekly", after=utc(2026, 12, 3), count=1, country="AT")
    assert local_dates(starts, BERLIN) == [date(2026, 12, 9)]


def test_subdivision_holidays() -> None:
    epiphany = date(2027, 1, 6)  # Wednesday; a holiday in Bavaria, not nationally
    assert not is_public_holiday(epiphany, "DE")
    assert is_public_holiday(epiphany, "DE", subdivision="BY")
    assert not is_public_holiday(epiphany, "DE", subdivision="NOPE")  # national fallback
    assert is_public_holiday(date(2027, 1, 1), "DE", subdivision="NOPE")
    wednesday = Slot(weekday=2, local_time=time(10, 0), tz=BERLIN)
    after = utc(2027, 1, 1)
    national = occurrences(wednesday, "weekly", after=after, count=1)
    bavaria = occurrences(wednesday, "weekly", after=after, count=1, subdivision="BY")
    assert local_dates(national, BERLIN) == [date(2027, 1, 6)]
    assert local_dates(bavaria, BERLIN) == [date(2027, 1, 7)]


def test_no_country_or_unknown_country_means_no_holidays() -> None:
    assert not is_public_holiday(date(2026, 12, 25), None)
    assert not is_public_holiday(date(2026, 12, 25), "XX")
    assert not is_public_holiday(date(2026, 12, 25), "")


def test_skip_dates_move_like_holidays() -> None:
    tuesday = Slot(weekday=1, local_time=time(10, 0), tz=BERLIN)
    after = utc(2026, 6, 1)
    skip = {date(2026, 6, 9), date(2026, 6, 10), date(2026, 6, 16)}
    days = local_dates(occurrences(tuesday, "weekly", after=after, count=4, skip=skip), BERLIN)
    assert days == [date(2026, 6, 11), date(2026, 6, 17), date(2026, 6, 23), date(2026, 6, 30)]
    friday = Slot(weekday=4, local_time=time(10, 0), tz=BERLIN)
    days = local_dates(
        occurrences(friday, "weekly", after=after, count=2, skip={date(2026, 6, 5)}), BERLIN
    )
    assert days == [date(2026, 6, 12), date(2026, 6, 19)]  # no working day left that week


def test_skip_and_holiday_together() -> None:
    # Easter Monday 2027-03-29 would move to Tuesday, which is skipped: Wednesday.
    monday = Slot(weekday=0, local_time=time(10, 0), tz=BERLIN)
    starts = occurrences(
        monday, "weekly", after=utc(2027, 3, 25), count=1, skip=[date(2027, 3, 30)]
    )
    assert local_dates(starts, BERLIN) == [date(2027, 3, 31)]


def test_unknown_zone_falls_back_to_utc_without_holidays() -> None:
    for tz in ("UTC", "Nowhere/Special"):
        friday = Slot(weekday=4, local_time=time(10, 0), tz=tz)
        starts = occurrences(friday, "weekly", after=utc(2026, 12, 20), count=2)
        assert starts == [utc(2026, 12, 25, 10), utc(2027, 1, 1, 10)]


# ---------------------------------------------------------------------- anchor & errors


def test_anchor_keeps_the_rhythm_of_an_existing_series() -> None:
    slot = Slot(weekday=2, local_time=time(10, 0), tz=BERLIN)
    first = occurrences(slot, "biweekly", after=utc(2026, 6, 1), count=6, country=None)
    anchor = local(first[0], BERLIN).date()
    # Without the anchor a later call would start a new phase; with it the series goes on.
    resumed = occurrences(slot, "biweekly", after=first[2], count=3, country=None, anchor=anchor)
    assert resumed == first[3:]
    monthly = occurrences(slot, "monthly", after=utc(2026, 6, 8), count=5, country=None)
    anchor = local(monthly[0], BERLIN).date()
    assert (
        occurrences(slot, "monthly", after=monthly[1], count=3, country=None, anchor=anchor)
        == monthly[2:]
    )
    with pytest.raises(ValueError):
        occurrences(slot, "weekly", after=utc(2026, 6, 1), count=1, anchor=date(2026, 6, 1))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"cadence": "daily"},
        {"count": -1},
        {"after": datetime(2026, 6, 1)},
        {"notice": timedelta(days=-1)},
    ],
)
def test_invalid_arguments(kwargs: dict[str, object]) -> None:
    arguments: dict[str, object] = {"cadence": "weekly", "after": utc(2026, 6, 1), "count": 1}
    arguments.update(kwargs)
    with pytest.raises(ValueError):
        occurrences(Slot(weekday=1, local_time=time(10), tz=BERLIN), **arguments)  # type: ignore[arg-type]


def test_count_zero() -> None:
    slot = Slot(weekday=1, local_time=time(10), tz=BERLIN)
    assert occurrences(slot, "weekly", after=utc(2026, 6, 1), count=0) == []


# -------------------------------------------------------------------------- country_of


@pytest.mark.parametrize(
    ("tz", "code"),
    [
        ("Europe/Berlin", "DE"),
        ("Europe/Vienna", "AT"),
        ("Europe/Zurich", "CH"),
        ("Europe/London", "GB"),
        ("Europe/Paris", "FR"),
        ("America/New_York", "US"),
        ("America/Los_Angeles", "US"),
        ("America/Toronto", "CA"),
        ("Asia/Tokyo", "JP"),
        ("Asia/Kolkata", "IN"),
        ("Asia/Singapore", "SG"),
        ("Australia/Sydney", "AU"),
        ("US/Eastern", "US"),
        (" Europe/Berlin ", "DE"),
    ],
)
def test_country_of(tz: str, code: str) -> None:
    assert country_of(tz) == code


@pytest.mark.parametrize(
    "tz", [None, "", "UTC", "Etc/UTC", "Etc/GMT+5", "GMT", "garbage", "Europe/Nowhere", "../x"]
)
def test_country_of_unknown(tz: str | None) -> None:
    assert country_of(tz) is None


@pytest.fixture
def fresh_country_cache() -> Iterator[None]:
    countries._zone_countries.cache_clear()
    countries._country_of.cache_clear()
    yield
    countries._zone_countries.cache_clear()
    countries._country_of.cache_clear()


def test_country_of_without_tz_files_uses_the_builtin_table(
    monkeypatch: pytest.MonkeyPatch, fresh_country_cache: None
) -> None:
    monkeypatch.setattr(countries, "_tz_file", lambda name: None)
    for tz, code in [("Europe/Berlin", "DE"), ("Europe/Vienna", "AT"), ("Asia/Tokyo", "JP")]:
        assert country_of(tz) == code
    assert country_of("America/Chicago") == "US"
    assert country_of("UTC") is None


def test_builtin_table_agrees_with_zone_tab() -> None:
    text = countries._tz_file("zone.tab")
    if text is None:
        pytest.skip("no zone.tab on this system")
    table = countries.parse_zone_tab(text)
    disagreements = {
        tz: (code, table[tz])
        for tz, code in countries._BUILTIN_COUNTRIES.items()
        if tz in table and table[tz] != code
    }
    assert disagreements == {}


def test_parse_zone1970_tab_takes_the_first_country() -> None:
    text = (
        "# comment\n"
        "CH,DE,LI\t+4723+00832\tEurope/Zurich\tBusingen\n"
        "AT\t+4813+01620\tEurope/Vienna\n"
    )
    assert countries.parse_zone_tab(text) == {"Europe/Zurich": "CH", "Europe/Vienna": "AT"}
