"""What arrives from Slack that is not an ordinary click: forged and stale requests,
redelivered events, Slack errors and rate limits, health checks."""

from __future__ import annotations

import logging
import time
import urllib.request

import pytest
from sqlmodel import select

from storage import queries
from storage.models import ProcessedEvent, SlackUser
from tests.harness import Bot, make_pair


def _rows(bot: Bot, table: type) -> list[object]:
    with bot.ctx.db.transaction() as session:
        return list(session.exec(select(table)))


# --- signatures -----------------------------------------------------------------------


def test_forged_signature_is_refused_with_no_side_effect(bot: Bot) -> None:
    bot.fake.reset_calls()
    response = bot.slack.command("UEN", "status", signing_secret="not-the-secret")
    assert response.status == 401
    response = bot.slack.event(
        {"type": "app_home_opened", "user": "UEN", "tab": "home"}, signing_secret="not-the-secret"
    )
    assert response.status == 401
    assert bot.fake.calls == []
    assert _rows(bot, ProcessedEvent) == [] and _rows(bot, SlackUser) == []


def test_stale_timestamp_is_refused(bot: Bot) -> None:
    bot.fake.reset_calls()
    response = bot.slack.command("UEN", "join", timestamp=int(time.time()) - 600)
    assert response.status == 401
    assert bot.fake.calls == []


def test_body_changed_after_signing_is_refused(bot: Bot) -> None:
    response = bot.slack.command("UEN", "admin cohort create x", tamper=True)
    assert response.status == 401
    with bot.ctx.db.transaction() as session:
        assert queries.open_cohorts(session) == []


# --- events ---------------------------------------------------------------------------


def test_the_same_event_delivered_twice_acts_once(bot: Bot) -> None:
    event = {"type": "app_home_opened", "user": "UEN", "channel": "D1", "tab": "home"}
    first = bot.slack.event(event, event_id="Ev0HOME1")
    again = bot.slack.event(event, event_id="Ev0HOME1", retry_num=1)
    assert first.status == 200 and again.status == 200
    assert bot.fake.wait_for(lambda: bot.fake.home_view("UEN") is not None)
    time.sleep(0.3)
    assert len(bot.fake.calls_to("views.publish")) == 1
    home = bot.fake.home_view("UEN")
    assert home is not None and "Join the program" in str(home)


def test_home_tab_in_german_shows_the_persons_state(bot: Bot) -> None:
    bot.join("UDE", role="mentor", topics=["security"])
    bot.slack.event({"type": "app_home_opened", "user": "UDE", "tab": "home"})
    assert bot.fake.wait_for(lambda: "Rolle: Mentor:in" in str(bot.fake.home_view("UDE")))
    assert "Grundlagen der Cybersicherheit" in str(bot.fake.home_view("UDE"))


def test_a_direct_message_gets_a_pointer_to_help_but_bot_messages_do_not(bot: Bot) -> None:
    dm = bot.fake.open_im("UEN")
    bot.slack.event(
        {"type": "message", "channel_type": "im", "channel": dm, "user": "UEN", "text": "hello?"}
    )
    reply = bot.fake.wait_for_messages("UEN")[-1]
    assert "/mentor help" in reply.text
    bot.slack.event(
        {
            "type": "message",
            "channel_type": "im",
            "channel": dm,
            "user": "UEN",
            "bot_id": "B1",
            "text": "beep",
        }
    )
    time.sleep(0.3)
    assert len(bot.fake.messages_for("UEN")) == 1


def test_a_profile_change_switches_the_language(bot: Bot) -> None:
    assert "here is what you can do" in bot.reply("UEN", "help")
    bot.fake.set_user("UEN", locale="de-DE")
    assert "here is what you can do" in bot.reply("UEN", "help")  # cached for a day
    bot.slack.event({"type": "user_change", "user": {"id": "UEN", "name": "erin"}})
    assert bot.fake.wait_for(lambda: "das kannst du tun" in bot.reply("UEN", "help"))


def test_the_profile_cache_expires_after_a_day(bot: Bot) -> None:
    bot.join("UEN")  # a participant, whose profile is stored
    assert "here is what you can do" in bot.reply("UEN", "help")
    bot.fake.set_user("UEN", locale="de-DE")
    bot.clock.advance(days=1, minutes=1)
    # The stale entry answers at once and is refreshed in the background.
    assert "here is what you can do" in bot.reply("UEN", "help")
    assert bot.fake.wait_for(lambda: "das kannst du tun" in bot.reply("UEN", "help"))


# --- Slack faults ---------------------------------------------------------------------


@pytest.mark.real_slack_time  # the Retry-After is what must not delay
def test_a_rate_limited_first_lookup_does_not_delay_the_answer(bot: Bot) -> None:
    """Slack waits 3 s for an answer; a users.info 429 must not make the command fail."""
    bot.fake.fail_next("users.info", status=429, retry_after=4)
    started = time.monotonic()
    text = bot.reply("UDE", "help")
    assert time.monotonic() - started < 2.5
    assert "here is what you can do" in text  # English until Slack says otherwise
    # The background lookup waits out the Retry-After, then the person gets German.
    assert bot.fake.wait_for(lambda: "das kannst du tun" in bot.reply("UDE", "help"), timeout=15)


def test_failing_slack_calls_are_retried(bot: Bot) -> None:
    bot.fake.fail_next("views.open", status=503)
    bot.command("UEN", "join")
    assert bot.fake.wait_for(lambda: bool(bot.fake.opened_views("UEN")), timeout=10)
    view = bot.fake.opened_views("UEN")[-1]
    bot.fake.fail_next("chat.postMessage", status=500, times=2)
    bot.slack.view_submission(
        "UEN", view, bot.slack.state_from(view, {"role": "mentor", "topics": ["genai"]})
    )
    messages = bot.fake.wait_for_messages("UEN", 1, timeout=10)
    assert len(messages) == 1 and "You're enrolled" in messages[0].text
    statuses = [c.http_status for c in bot.fake.calls_to("chat.postMessage")]
    assert statuses == [500, 500, 200]


@pytest.mark.real_slack_time  # the Retry-After is what must not delay
def test_a_rate_limited_partner_message_does_not_delay_leave(bot: Bot) -> None:
    bot.join("UEN", role="mentor")
    bot.join("UDE", role="mentee")
    make_pair(bot, "UEN", "UDE")
    before = len(bot.fake.messages_for("UDE"))
    bot.fake.fail_next("chat.postMessage", status=429, retry_after=4)
    started = time.monotonic()
    assert "You left the program" in bot.reply("UEN", "leave")
    assert time.monotonic() - started < 2.5
    told = bot.fake.wait_for_messages("UDE", before + 1, timeout=15)
    assert len(told) == before + 1 and "beendet" in told[-1].text


def test_a_dropped_connection_is_retried(bot: Bot) -> None:
    bot.join("UEN")
    bot.fake.drop_next("chat.postMessage")
    bot.slack.event(
        {
            "type": "message",
            "channel_type": "im",
            "channel": bot.fake.open_im("UEN"),
            "user": "UEN",
            "text": "hi",
        }
    )
    assert bot.fake.wait_for(
        lambda: any("/mentor help" in m.text for m in bot.fake.messages_for("UEN")), timeout=10
    )


def test_a_slack_error_on_the_modal_is_told_to_the_person(bot: Bot) -> None:
    bot.fake.fail_next("views.open", error="expired_trigger_id")
    response = bot.command("UEN", "join")
    assert response.status == 200
    told = bot.fake.wait_for_messages("UEN")
    assert "expired_trigger_id" in told[-1].text and "try again" in told[-1].text


def test_users_info_failing_falls_back_to_english(bot: Bot) -> None:
    bot.fake.fail_next("users.info", error="user_not_found")
    assert "here is what you can do" in bot.reply("UDE", "help")


# --- health ---------------------------------------------------------------------------


def test_healthz_and_unknown_paths(bot: Bot) -> None:
    with urllib.request.urlopen(bot.url + "/healthz", timeout=5) as response:  # noqa: S310
        assert response.status == 200
    try:
        urllib.request.urlopen(bot.url + "/nope", timeout=5)  # noqa: S310
        raise AssertionError("expected 404")
    except urllib.error.HTTPError as error:
        assert error.code == 404


def test_forged_button_clicks_and_submissions_change_nothing(bot: Bot) -> None:
    bot.join("UEN", role="mentor", topics=["genai"])
    view = bot.fake.opened_views("UEN")[-1]
    assert bot.ctx.background.wait_idle()
    bot.fake.reset_calls()
    click = bot.slack.block_action(
        "UEN", "forget_confirm", value="confirm", signing_secret="forged"
    )
    submit = bot.slack.view_submission(
        "UEN",
        view,
        bot.slack.state_from(view, {"role": "mentee", "topics": ["data"]}),
        timestamp=int(time.time()) - 3600,
    )
    assert (click.status, submit.status) == (401, 401)
    assert bot.ctx.background.wait_idle()
    assert bot.fake.calls == []
    with bot.ctx.db.transaction() as session:
        participant = queries.participant_of(session, "UEN")
        assert participant is not None and participant.role == "mentor"


def test_the_home_tab_button_opens_the_join_modal(bot: Bot) -> None:
    bot.slack.event({"type": "app_home_opened", "user": "UDE", "tab": "home"})
    assert bot.fake.wait_for(lambda: bot.fake.home_view("UDE") is not None)
    home = bot.fake.home_view("UDE")
    assert home is not None and "Beim Programm anmelden" in str(home)
    response = bot.slack.block_action("UDE", "home_join", view=home)
    assert response.status == 200
    assert bot.fake.wait_for(lambda: bool(bot.fake.opened_views("UDE")))
    assert bot.fake.opened_views("UDE")[-1]["callback_id"] == "join"


def test_the_home_tab_escapes_what_people_typed(bot: Bot) -> None:
    bot.join("UEN", department="<!here> team")
    bot.slack.event({"type": "app_home_opened", "user": "UEN", "tab": "home"})
    assert bot.fake.wait_for(lambda: "Department" in str(bot.fake.home_view("UEN")))
    home = str(bot.fake.home_view("UEN"))
    assert "<!here>" not in home and "&lt;!here&gt; team" in home


def test_forget_resets_the_home_tab(bot: Bot) -> None:
    bot.join("UEN", department="Finance")
    assert bot.fake.wait_for(lambda: "Finance" in str(bot.fake.home_view("UEN")))
    bot.slack.block_action("UEN", "forget_confirm", value="confirm")
    assert bot.fake.wait_for(lambda: "Join the program" in str(bot.fake.home_view("UEN")))
    assert "Finance" not in str(bot.fake.home_view("UEN"))


def test_healthz_reports_an_unreachable_database(bot: Bot) -> None:
    from bot.app.server import HttpServer
    from bot.app.wsgi import create_wsgi
    from storage.db import Database

    broken = Database.from_url("postgresql+psycopg://nobody@127.0.0.1:1/none")
    ctx = bot.ctx.__class__.create(
        bot.ctx.settings, outbox=bot.ctx.outbox, db=broken, slack=bot.ctx.slack
    )
    server = HttpServer(create_wsgi(ctx, None), host="127.0.0.1", port=0).start()
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{server.port}/healthz", timeout=10)  # noqa: S310
        raise AssertionError("expected 503")
    except urllib.error.HTTPError as error:
        assert error.code == 503
    finally:
        server.stop()
        ctx.close()


def test_an_unknown_button_or_view_is_acknowledged_and_logged(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    # An old message's button, a link button: Slack would show the person an error on 404.
    with caplog.at_level(logging.WARNING):
        click = bot.slack.block_action("UEN", "no_such_button", value="1", strict=False)
        view = {"id": "V1", "callback_id": "no_such_view", "type": "modal", "blocks": []}
        submitted = bot.slack.view_submission("UEN", view, {})
    assert click.status == 200 and submitted.status == 200
    assert "unknown action 'no_such_button' from UEN" in caplog.text
    assert "unknown view 'no_such_view' from UEN" in caplog.text
    assert "Traceback" not in caplog.text
