"""Sessions in people's calendars: the .ics file in each person's DM when their pair
becomes active, the personal feed, and how moves, skips, pauses, leaving and forgetting
change it. Every calendar is parsed with icalendar and expanded with
recurring_ical_events, as a calendar application would."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlmodel import select

from bot.calendar import feed
from bot.core.i18n import fmt_datetime
from bot.delivery import outbox
from bot.sessions import meeting, planning
from bot.slack import ids
from storage.models import MentoringSession
from tests.harness import PUBLIC_URL, Bot, match_and_accept

FEED = re.compile(re.escape(PUBLIC_URL) + r"(/calendar/[A-Za-z0-9_-]+\.ics)")


def activate(bot: Bot) -> None:
    """UEN (New York, mornings) mentors UDE (Berlin, afternoons); both prefer Tuesdays."""
    bot.join("UEN", role="mentor", topics=["genai", "data"], weekdays=["1"], time_window="morning")
    bot.join("UDE", role="mentee", topics=["genai"], weekdays=["1"], time_window="afternoon")
    match_and_accept(bot)
    outbox.dispatch(bot.ctx)


def sessions_of(bot: Bot) -> list[MentoringSession]:
    with bot.ctx.db.transaction(write=False) as session:
        return list(session.exec(select(MentoringSession).order_by(MentoringSession.id)))  # type: ignore[arg-type]


def feed_path(bot: Bot, user: str) -> str:
    """The feed link in the person's newest calendar message."""
    for message in reversed(bot.fake.messages_for(user)):
        found = FEED.search(message.all_text)
        if found and ids.CALENDAR_RESET in message.action_ids():
            return found.group(1)
    raise AssertionError(f"no calendar link for {user}")


def get(bot: Bot, path: str, etag: str | None = None) -> tuple[int, dict[str, str], bytes]:
    """GET over HTTP from the bot's own server."""
    request = urllib.request.Request(bot.url + path)  # noqa: S310 (the local server)
    if etag:
        request.add_header("If-None-Match", etag)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (local)
            return response.status, _lower(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, _lower(error.headers), error.read()


def _lower(headers: Any) -> dict[str, str]:
    return {str(name).lower(): str(value) for name, value in headers.items()}


def events(ics: bytes, *, cancelled: bool = False) -> list[Any]:
    """The calendar's occurrences over two years, as a calendar shows them."""
    calendar = icalendar.Calendar.from_ical(ics)
    found = recurring_ical_events.of(calendar).between(
        datetime(2025, 1, 1, tzinfo=UTC), datetime(2028, 1, 1, tzinfo=UTC)
    )
    return [e for e in found if (str(e.get("STATUS")) == "CANCELLED") == cancelled]


def instants(ics: bytes, *, cancelled: bool = False) -> list[datetime]:
    return sorted(e["DTSTART"].dt.astimezone(UTC) for e in events(ics, cancelled=cancelled))


def file_of(bot: Bot, user: str) -> bytes:
    """The newest .ics file in the person's DM."""
    for message in reversed(bot.fake.messages_for(user)):
        for record in message.files:
            if record.filename.endswith(".ics") and record.content is not None:
                return record.content
    raise AssertionError(f"no .ics file for {user}")


def test_an_active_pair_gets_its_sessions_as_a_file_and_a_feed_link(bot: Bot) -> None:
    activate(bot)
    planned = [s.starts_at for s in sessions_of(bot)]
    for user, partner, words in (
        ("UEN", "dieter", "Reverse mentoring with"),
        ("UDE", "erin", "Reverse Mentoring mit"),
    ):
        ics = file_of(bot, user)
        assert instants(ics) == planned
        [first, *_] = events(ics)
        assert f"{words} {partner}" in str(first["SUMMARY"])
        assert first["DTSTART"].params["TZID"] == "Europe/Berlin"  # the mentee's zone
        assert first["DTEND"].dt - first["DTSTART"].dt == timedelta(minutes=45)
        assert icalendar.Calendar.from_ical(ics).walk("VTIMEZONE"), "the zone travels along"
        status, headers, body = get(bot, feed_path(bot, user))
        assert status == 200 and headers["content-type"].startswith("text/calendar")
        assert instants(body) == planned
    # Each person's feed is their own.
    assert feed_path(bot, "UEN") != feed_path(bot, "UDE")


def test_the_feed_answers_if_none_match_with_304_and_changes_its_etag_on_a_change(
    bot: Bot,
) -> None:
    activate(bot)
    path = feed_path(bot, "UDE")
    status, headers, _ = get(bot, path)
    etag = headers["etag"]
    assert get(bot, path, etag)[0] == 304
    first = sessions_of(bot)[0]
    bot.slack.block_action("UDE", ids.SESSION_SKIP, value=str(first.id))
    assert bot.ctx.background.wait_idle()
    status, headers, body = get(bot, path, etag)
    assert status == 200 and headers["etag"] != etag
    assert instants(body, cancelled=True) == [first.starts_at]


def test_a_wrong_or_renewed_token_is_404_and_reveals_nothing(bot: Bot) -> None:
    activate(bot)
    path = feed_path(bot, "UEN")
    wrong = path[:-10] + ("A" if path[-10] != "A" else "B") + path[-9:]
    for probe in (wrong, "/calendar/short.ics", "/calendar/" + "x" * 43, path[:-4]):
        status, _, body = get(bot, probe)
        assert (status, body) == (404, b"not found\n")
    etag = get(bot, path)[1]["etag"]
    assert get(bot, path, etag)[0] == 304
    [message] = [m for m in bot.fake.messages_for("UEN") if ids.CALENDAR_RESET in m.action_ids()]
    bot.slack.block_action("UEN", ids.CALENDAR_RESET, message=message)
    assert bot.ctx.background.wait_idle()
    assert bot.fake.wait_for(lambda: feed_path(bot, "UEN") != path)
    assert get(bot, path)[0] == 404  # the old link has stopped
    assert get(bot, path, etag)[0] == 404  # also for a calendar that asks "changed since?"
    assert get(bot, feed_path(bot, "UEN"))[0] == 200
    [renewed] = [m for m in bot.fake.messages_for("UEN") if ids.CALENDAR_RESET in m.action_ids()]
    assert "old link no longer works" in renewed.all_text  # in place of the old link


def test_mentor_calendar_sends_the_same_link_and_a_fresh_file(bot: Bot) -> None:
    activate(bot)
    path = feed_path(bot, "UDE")
    files = sum(len(m.files) for m in bot.fake.messages_for("UDE"))
    assert "Direktnachrichten" in bot.reply("UDE", "calendar")
    assert bot.ctx.background.wait_idle()
    assert sum(len(m.files) for m in bot.fake.messages_for("UDE")) == files + 1
    assert feed_path(bot, "UDE") == path  # the same link again, not a new one
    assert "join" in bot.reply("U2", "calendar")  # not in the program: nothing to send


def test_leaving_ends_the_feed_and_cancels_the_partners_events(bot: Bot) -> None:
    activate(bot)
    mine, theirs = feed_path(bot, "UEN"), feed_path(bot, "UDE")
    planned = [s.starts_at for s in sessions_of(bot)]
    bot.reply("UEN", "leave")
    assert get(bot, mine)[0] == 404
    _, _, body = get(bot, theirs)
    assert instants(body) == [] and instants(body, cancelled=True) == planned
    assert bot.ctx.background.wait_idle()
    told = [m.text for m in bot.fake.messages_for("UEN") if "calendar link no longer" in m.text]
    assert told and "remove that calendar" in told[0]  # a calendar app keeps what it read


def test_forgetting_ends_the_feed_and_the_partner_no_longer_sees_the_name(bot: Bot) -> None:
    activate(bot)
    mine, theirs = feed_path(bot, "UDE"), feed_path(bot, "UEN")
    bot.reply("UDE", "forget")
    response = bot.slack.block_action("UDE", ids.FORGET_CONFIRM, value="confirm")
    assert response.status == 200
    assert bot.ctx.background.wait_idle()
    assert get(bot, mine)[0] == 404
    assert bot.fake.wait_for(
        lambda: any(
            "Kalender-Link funktioniert nicht mehr" in m.text for m in bot.fake.messages_for("UDE")
        )
    )
    _, _, body = get(bot, theirs)
    assert b"dieter" not in body
    assert instants(body) == [] and len(instants(body, cancelled=True)) == 3


def test_a_pause_leaves_its_sessions_out_and_resume_brings_new_ones(bot: Bot) -> None:
    activate(bot)
    path = feed_path(bot, "UEN")
    first, second, _ = sessions_of(bot)
    bot.reply("UDE", "pause")  # until resumed: every planned session is off
    _, _, body = get(bot, path)
    assert instants(body) == [] and instants(body, cancelled=True) == []  # left out
    bot.clock.now = second.starts_at + timedelta(days=1)
    bot.reply("UDE", "resume")
    planning.plan(bot.ctx)
    _, _, body = get(bot, path)
    planned = [
        s.starts_at
        for s in sessions_of(bot)
        if s.status == "scheduled" and s.starts_at > first.starts_at
    ]
    assert planned and instants(body) == planned
    assert all(start > bot.clock.now for start in instants(body))


def test_a_reminder_and_the_feed_name_the_same_moment_in_each_zone(bot: Bot) -> None:
    activate(bot)
    first = sessions_of(bot)[0]
    bot.clock.now = first.starts_at - timedelta(hours=24)
    outbox.dispatch(bot.ctx)
    for user, lang, tz in (("UEN", "en", "America/New_York"), ("UDE", "de", "Europe/Berlin")):
        [reminder] = [m for m in bot.fake.messages_for(user) if ids.SESSION_SKIP in m.action_ids()]
        _, _, body = get(bot, feed_path(bot, user))
        start = instants(body)[0]
        assert fmt_datetime(start, lang, tz) in reminder.all_text
        local = start.astimezone(ZoneInfo(tz))
        assert local.hour == (9 if user == "UEN" else 15)


@pytest.mark.parametrize("method", ["POST", "DELETE"])
def test_the_feed_takes_only_get(bot: Bot, method: str) -> None:
    activate(bot)
    address = bot.url + feed_path(bot, "UEN")
    request = urllib.request.Request(address, method=method, data=b"")  # noqa: S310
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(request, timeout=10)  # noqa: S310 (local)
    assert error.value.code == 405


def open_meeting_modal(bot: Bot, user: str) -> dict[str, Any]:
    message = next(
        m for m in reversed(bot.fake.messages_for(user)) if ids.MEETING_LINK_OPEN in m.action_ids()
    )
    before = len(bot.fake.opened_views(user))
    bot.slack.block_action(user, ids.MEETING_LINK_OPEN, message=message)
    assert bot.fake.wait_for(lambda: len(bot.fake.opened_views(user)) > before)
    view = bot.fake.opened_views(user)[-1]
    assert view["callback_id"] == ids.MEETING_LINK
    return view


def submit_link(bot: Bot, user: str, view: dict[str, Any], link: str) -> Any:
    return bot.slack.view_submission(user, view, bot.slack.state_from(view, {"link": link}))


def test_a_meeting_link_set_in_the_intro_reaches_reminder_calendar_and_partner(bot: Bot) -> None:
    activate(bot)
    view = open_meeting_modal(bot, "UEN")  # the intro, after both said yes, has the button
    for refused in ("http://zoom.us/j/1", "javascript:alert(1)", "ftp://files", "<https://x|y>"):
        response = submit_link(bot, "UEN", view, refused)
        assert "https://" in response.json()["errors"]["link"]
    link = "https://zoom.us/j/123456?pwd=abc"
    response = submit_link(bot, "UEN", view, link)
    assert response.status == 200 and not response.body
    assert bot.ctx.background.wait_idle()
    outbox.dispatch(bot.ctx)
    [told] = [m for m in bot.fake.messages_for("UDE") if "festgelegt" in m.text]
    assert "<@UEN>" in told.text and link in told.text
    [saved] = [m for m in bot.fake.messages_for("UEN") if "Saved: you meet at" in m.text]
    assert link in saved.text
    _, _, body = get(bot, feed_path(bot, "UDE"))
    assert {str(e["LOCATION"]) for e in events(body)} == {link}
    first = sessions_of(bot)[0]
    bot.clock.now = first.starts_at - timedelta(hours=24)
    outbox.dispatch(bot.ctx)
    [reminder] = [m for m in bot.fake.messages_for("UDE") if ids.SESSION_SKIP in m.action_ids()]
    assert f"Wo: {link}" in reminder.all_text
    # From the reminder, the partner can change it to a room; an empty field removes it.
    view = open_meeting_modal(bot, "UDE")
    assert view["blocks"][1]["element"]["initial_value"] == link
    submit_link(bot, "UDE", view, "Raum 4.12, 3. Stock")
    _, _, body = get(bot, feed_path(bot, "UEN"))
    assert {str(e["LOCATION"]) for e in events(body)} == {"Raum 4.12, 3. Stock"}
    submit_link(bot, "UDE", open_meeting_modal(bot, "UDE"), "")
    _, _, body = get(bot, feed_path(bot, "UEN"))
    assert all("LOCATION" not in e for e in events(body))


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=320))
def test_a_meeting_link_is_an_https_link_or_plain_text(typed: str) -> None:
    link, problem = meeting.check(typed)
    if problem is not None:
        assert link is None
        return
    if link is None:
        assert not typed.split()  # only an empty field removes the link
        return
    assert len(link) <= meeting.LINK_MAX and "<" not in link and "\n" not in link
    assert link.startswith("https://") or "://" not in link
    assert not re.match(r"\s*(javascript|data|vbscript|file)\s*:", link, re.IGNORECASE)


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("https://teams.microsoft.com/l/meetup-join/19%3ameeting_x", True),
        ("  Room 4.12  ", True),
        ("zoom.us/j/123", False),  # Slack would link it as http://
        ("www.example.com", False),
        ("https://zoom.us/j/1\u202egpj.exe", False),  # an invisible right-to-left mark
        ("Raum 4.12, 3. Stock", True),
        ("Teams: see the invite", True),
        ("http://zoom.us/j/1", False),
        ("JavaScript:alert(1)", False),
        ("data:text/html,hi", False),
        ("https://", False),
        ("https://x y", False),
    ],
)
def test_meeting_link_examples(typed: str, kept: bool) -> None:
    link, problem = meeting.check(typed)
    assert (problem is None and link is not None) == kept


def test_a_leaked_link_is_answered_only_so_often(bot: Bot) -> None:
    activate(bot)
    path = feed_path(bot, "UEN")
    answers = [get(bot, path) for _ in range(25)]
    statuses = [status for status, _, _ in answers]
    assert statuses[:20] == [200] * 20  # a calendar service polling is always served
    assert 429 in statuses[20:]
    refused = next(headers for status, headers, _ in answers if status == 429)
    assert 1 <= int(refused["retry-after"]) <= 10
    assert get(bot, feed_path(bot, "UDE"))[0] == 200  # another person's feed is not slowed


def test_the_limiter_refills_over_time() -> None:
    now = [0.0]
    limiter = feed.Limiter(burst=3, every=2.0, clock=lambda: now[0])
    assert [limiter.wait("t") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.wait("t") == pytest.approx(2.0)
    now[0] += 2.0
    assert limiter.wait("t") == 0.0 and limiter.wait("t") > 0


def test_in_socket_mode_the_feed_is_served_beside_healthz(bot: Bot) -> None:
    activate(bot)
    from bot.app.wsgi import create_wsgi

    wsgi = create_wsgi(bot.ctx, None)  # what run() serves on PORT in Socket Mode
    answer: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        answer["status"] = status

    body = b"".join(
        wsgi({"REQUEST_METHOD": "GET", "PATH_INFO": feed_path(bot, "UEN")}, start_response)
    )
    assert answer["status"] == "200 OK" and len(instants(body)) == 3
    b"".join(wsgi({"REQUEST_METHOD": "POST", "PATH_INFO": "/slack/events"}, start_response))
    assert answer["status"].startswith("404")  # Slack's own requests come over the socket


@pytest.fixture
def filebot(db: Any) -> Any:
    """A bot without a public address: calendars as files only, no feeds."""
    from tests.harness import running_bot

    with running_bot(db, public_url=None) as running:
        running.fake.add_user("UEN", name="erin", locale="en-US", tz="America/New_York")
        running.fake.add_user("UDE", name="dieter", locale="de-DE", tz="Europe/Berlin")
        yield running


def files_of(bot: Bot, user: str) -> list[bytes]:
    return [
        f.content
        for m in bot.fake.messages_for(user)
        for f in m.files
        if f.filename.endswith(".ics") and f.content is not None
    ]


def test_without_a_public_address_each_change_brings_a_new_file(filebot: Bot) -> None:
    bot = filebot
    activate(bot)
    assert not any(ids.CALENDAR_RESET in m.action_ids() for m in bot.fake.messages_for("UEN"))
    first, second, third = sessions_of(bot)
    assert instants(files_of(bot, "UEN")[-1]) == [
        first.starts_at,
        second.starts_at,
        third.starts_at,
    ]
    # A skip: the next file has the session cancelled (the calendar removes it).
    bot.slack.block_action("UDE", ids.SESSION_SKIP, value=str(first.id))
    assert bot.ctx.background.wait_idle()
    outbox.dispatch(bot.ctx)
    assert len(files_of(bot, "UEN")) == 2 and len(files_of(bot, "UDE")) == 2
    assert instants(files_of(bot, "UEN")[-1], cancelled=True) == [first.starts_at]
    # A move: the event comes again with a higher SEQUENCE and its new time.
    moved = second.starts_at + timedelta(hours=2)
    planning.move(bot.ctx, second.id or 0, "UEN", moved)
    outbox.dispatch(bot.ctx)
    [event] = [
        e
        for e in events(files_of(bot, "UDE")[-1])
        if str(e["UID"]).startswith(f"session-{second.id}-")
    ]
    assert event["DTSTART"].dt.astimezone(UTC) == moved and int(event["SEQUENCE"]) == 1
    # A session planned later comes as a file too.
    bot.clock.now = second.starts_at + timedelta(hours=3)
    planning.plan(bot.ctx)
    outbox.dispatch(bot.ctx)
    fourth = sessions_of(bot)[-1]
    assert fourth.starts_at in instants(files_of(bot, "UEN")[-1])
    # A pause: its sessions are cancelled in the file (a file cannot leave them out).
    bot.reply("UDE", "pause")
    assert bot.ctx.background.wait_idle()
    outbox.dispatch(bot.ctx)
    assert fourth.starts_at in instants(files_of(bot, "UEN")[-1], cancelled=True)
    # /mentor calendar works without feeds; the reset button says links are off.
    assert "Direktnachrichten" in bot.reply("UDE", "calendar")


def test_leaving_without_a_public_address_sends_the_cancelling_file_to_both(filebot: Bot) -> None:
    bot = filebot
    activate(bot)
    planned = [s.starts_at for s in sessions_of(bot)]
    bot.reply("UEN", "leave")
    assert bot.ctx.background.wait_idle()
    outbox.dispatch(bot.ctx)
    for user in ("UEN", "UDE"):
        latest = files_of(bot, user)[-1]
        assert instants(latest) == [] and instants(latest, cancelled=True) == planned


def test_with_feeds_a_change_sends_no_file(bot: Bot) -> None:
    activate(bot)
    files = len(files_of(bot, "UEN"))
    first = sessions_of(bot)[0]
    bot.slack.block_action("UDE", ids.SESSION_SKIP, value=str(first.id))
    assert bot.ctx.background.wait_idle()
    outbox.dispatch(bot.ctx)
    assert len(files_of(bot, "UEN")) == files  # the subscribed calendar follows by itself


@pytest.mark.parametrize(
    ("mentee_tz", "mentor_tz"),
    [
        ("Europe/Berlin", "America/New_York"),
        ("Asia/Kolkata", "America/New_York"),
        ("America/New_York", "Europe/Berlin"),
    ],
)
def test_across_a_dst_change_and_a_holiday_the_calendar_keeps_the_mentees_wall_clock(
    bot: Bot, mentee_tz: str, mentor_tz: str
) -> None:
    """Mondays in March and April 2027: Europe and the US change to summer time on 28 and
    14 March, and Easter Monday (29 March) is a holiday in Germany, not in India."""
    bot.fake.set_user("UDE", tz=mentee_tz)
    bot.fake.set_user("UEN", tz=mentor_tz)
    bot.clock.now = datetime(2027, 3, 1, 8, tzinfo=UTC)
    bot.join("UEN", role="mentor", topics=["genai"], weekdays=["0"], time_window="any")
    bot.join("UDE", role="mentee", topics=["genai"], weekdays=["0"], time_window="any")
    with bot.ctx.db.transaction() as session:
        from storage.models import Cohort

        for cohort in session.exec(select(Cohort)):
            cohort.cadence = "weekly"
            session.add(cohort)
    match_and_accept(bot)
    shown: dict[str, datetime] = {}
    while bot.clock.now < datetime(2027, 4, 20, tzinfo=UTC):  # hourly, as the scheduler
        bot.clock.advance(hours=6)
        planning.plan(bot.ctx)
        outbox.dispatch(bot.ctx)
        with bot.ctx.db.transaction(write=False) as session:  # as the feed reads it
            body = feed.calendar_of(session, "UEN", bot.clock.now).ics()
        for event in events(body):
            shown[str(event["UID"])] = event["DTSTART"].dt
    zone = ZoneInfo(mentee_tz)
    local = sorted(start.astimezone(zone) for start in shown.values())
    assert len(local) >= 6
    assert len({(t.hour, t.minute) for t in local}) == 1, "the same wall-clock time all along"
    days = {t.date() for t in local}
    if mentee_tz == "Europe/Berlin":
        assert date(2027, 3, 29) not in days  # Easter Monday: moved within its week
        assert any(date(2027, 3, 30) <= d <= date(2027, 4, 2) for d in days)
    else:
        assert date(2027, 3, 29) in days  # not a holiday in India or the US
    # Every reminder announced the instant the calendar shows, in the reader's zone.
    for user, lang, tz in (("UEN", "en", mentor_tz), ("UDE", "de", mentee_tz)):
        reminders = [m for m in bot.fake.messages_for(user) if ids.SESSION_SKIP in m.action_ids()]
        assert len(reminders) >= 5
        # Each reminder is for one of the calendar's sessions, in the order they come.
        announced = [s for s in sorted(shown.values()) if s.astimezone(UTC) < bot.clock.now]
        assert len(reminders) == len(announced)
        for reminder, start in zip(reminders, announced, strict=True):
            assert fmt_datetime(start.astimezone(UTC), lang, tz) in reminder.all_text


def test_after_a_new_encryption_key_mentor_calendar_sends_a_link_that_works(bot: Bot) -> None:
    activate(bot)
    old = feed_path(bot, "UEN")
    from bot.core.crypto import Vault, generate_key

    bot.ctx.vault = Vault(generate_key())  # the operator changed MENTOR_ENCRYPTION_KEY
    assert get(bot, old)[0] == 404  # links made with the old key end
    bot.reply("UEN", "calendar")
    assert bot.ctx.background.wait_idle()
    new = feed_path(bot, "UEN")
    assert new != old and get(bot, new)[0] == 200


def test_an_etag_marked_weak_by_a_proxy_still_gets_304(bot: Bot) -> None:
    activate(bot)
    path = feed_path(bot, "UDE")
    etag = get(bot, path)[1]["etag"]
    status, headers, body = get(bot, path, "W/" + etag)
    assert status == 304 and body == b"" and "content-length" not in headers
    assert get(bot, path, '"something-else", ' + etag)[0] == 304


def test_a_remembered_etag_answers_only_until_a_write_or_a_minute_passes() -> None:
    now = [0.0]
    recent = feed.Recent(clock=lambda: now[0])
    recent.remember("token", '"v1"', commits=7)
    assert recent.unchanged("token", {'"v1"'}, commits=7) == '"v1"'
    assert recent.unchanged("token", {'"v0"'}, commits=7) is None  # another version asked
    assert recent.unchanged("token", {'"v1"'}, commits=8) is None  # something was written
    now[0] += feed.RECENT_SECONDS  # another instance may have written meanwhile
    assert recent.unchanged("token", {'"v1"'}, commits=7) is None
