"""Hostile and malformed requests to the Slack endpoint: refused cleanly, never a 500."""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from sqlmodel import select

from storage.models import Participant
from tests.harness import SIGNING_SECRET, Bot

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


def _post(bot: Bot, body: bytes, content_type: str, headers: dict[str, str]) -> int:
    request = urllib.request.Request(  # noqa: S310 - the app under test
        bot.url + "/slack/events",
        data=body,
        headers={"Content-Type": content_type, **headers},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def _signed(body: bytes, timestamp: str | None = None) -> dict[str, str]:
    ts = timestamp or str(int(time.time()))
    base = b"v0:" + ts.encode() + b":" + body
    digest = hmac.new(SIGNING_SECRET.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


UNSIGNED = [
    (b"{not json", JSON, {}),
    (b"[1, 2]", JSON, {}),
    (b"payload=%7Bnot", FORM, {}),
    (b"\xff\xfe\x00garbage", FORM, {}),
    (b"command=/mentor", FORM, {"X-Slack-Request-Timestamp": "abc", "X-Slack-Signature": "v0=1"}),
    (b"command=/mentor", FORM, {"X-Slack-Request-Timestamp": "1e3", "X-Slack-Signature": "v0=1"}),
]


def test_unsigned_malformed_requests_are_refused_in_one_line(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        statuses = [_post(bot, body, kind, headers) for body, kind, headers in UNSIGNED]
    assert statuses == [401] * len(UNSIGNED)
    assert "Traceback" not in caplog.text
    refused = [r for r in caplog.records if "refused a request" in r.getMessage()]
    assert len(refused) == len(UNSIGNED)
    assert all("\n" not in r.getMessage() for r in refused)


SIGNED_BAD = [
    (b"{not json", JSON),
    (b"[1, 2]", JSON),
    (b'"a string"', JSON),
    (b"payload=%7Bnot", FORM),
    (b"payload=null", FORM),
    (b"payload=%5B1%5D", FORM),
    (b"payload=%22x%22", FORM),
    (b"\xff\xfe\x00garbage", FORM),
]


def test_signed_malformed_bodies_get_a_400_and_store_nothing(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        statuses = [_post(bot, body, kind, _signed(body)) for body, kind in SIGNED_BAD]
    assert statuses == [400] * len(SIGNED_BAD)
    assert "Traceback" not in caplog.text
    with bot.ctx.db.transaction(write=False) as session:
        assert list(session.exec(select(Participant))) == []


def test_a_body_larger_than_any_slack_request_is_refused(bot: Bot) -> None:
    # The server answers 413 from the headers, without reading 2 MB first.
    import socket

    size = 2 * 1024 * 1024
    host, port = bot.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(
            b"POST /slack/events HTTP/1.1\r\nHost: x\r\n"
            + f"Content-Type: {FORM}\r\nContent-Length: {size}\r\n\r\n".encode()
            + b"command=%2Fmentor&text="
            + b"x" * 1024
        )
        status_line = conn.recv(200).split(b"\r\n", 1)[0]
    assert status_line.split()[1] == b"413"


def test_a_body_just_over_the_limit_is_refused_and_one_just_under_is_not(bot: Bot) -> None:
    from bot.app.wsgi import MAX_BODY

    prefix = b"command=%2Fmentor&user_id=UEN&trigger_id=1.2.x&text="
    under = prefix + b"x" * (MAX_BODY - len(prefix))
    over = under + b"x"
    assert _post(bot, over, FORM, _signed(over)) == 413
    assert _post(bot, under, FORM, _signed(under)) != 413


def test_many_idle_connections_do_not_lock_everyone_out(bot: Bot) -> None:
    # A slow client opens sockets and never finishes its request.
    import socket

    host, port = bot.url.removeprefix("http://").split(":")
    idle = []
    try:
        for _ in range(150):
            conn = socket.create_connection((host, int(port)), timeout=5)
            conn.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n")
            idle.append(conn)
        started = time.monotonic()
        with urllib.request.urlopen(bot.url + "/healthz", timeout=3) as response:  # noqa: S310
            assert response.status == 200
        assert "here is what you can do" in bot.reply("UEN", "help")
        assert time.monotonic() - started < 3
    finally:
        for conn in idle:
            conn.close()


BUTTONS = ["pair_accept", "reflect_open", "session_skip", "session_move", "announce_confirm"]
# 2147483648: one past PostgreSQL's INTEGER, which a table's id is.
BAD_VALUES = ["²", "12345678901234567890", "2147483648", "-1", "0", "", "1e3", "٣"]


@pytest.mark.parametrize("action_id", BUTTONS)
def test_forged_button_values_get_no_500_and_no_traceback(
    bot: Bot, action_id: str, caplog: pytest.LogCaptureFixture
) -> None:
    bot.join("UEN", role="mentor")
    with caplog.at_level(logging.INFO):
        for value in BAD_VALUES:
            response = bot.slack.block_action("UEN", action_id, value=value, strict=False)
            assert response.status == 200, value
        assert bot.ctx.background.wait_idle()
    assert "Traceback" not in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def _view(callback_id: str, metadata: str) -> dict[str, object]:
    return {"id": "V1", "type": "modal", "callback_id": callback_id, "private_metadata": metadata}


def test_forged_view_metadata_and_values_are_answered_in_the_modal(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    bot.join("UEN", role="mentee")
    picked = {
        "move_date": {"d": {"type": "datepicker", "selected_date": "0001-01-01"}},
        "move_time": {"t": {"type": "timepicker", "selected_time": "00:00"}},
    }
    progress = {"progress_²": {"p": {"type": "static_select", "selected_option": {"value": "3"}}}}
    with caplog.at_level(logging.INFO):
        cases = [
            bot.slack.view_submission("UEN", _view("session_move", "1"), picked),
            bot.slack.view_submission("UEN", _view("session_move", "9" * 40), picked),
            bot.slack.view_submission("UEN", _view("session_move", "2147483648"), picked),
            bot.slack.view_submission("UEN", _view("reflection", "²"), {}),
            bot.slack.view_submission("UEN", _view("goals", '["²", 1e400, {}]'), {}),
            bot.slack.view_submission("UEN", _view("goal_checkin", ""), progress),
        ]
        assert bot.ctx.background.wait_idle()
    assert [r.status for r in cases] == [200] * len(cases)
    assert "errors" in cases[0].json() and "errors" in cases[3].json()
    assert "Traceback" not in caplog.text


def test_payloads_missing_what_slack_always_sends_are_refused(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    import json as json_

    base = {"type": "block_actions", "user": {"id": "UEN"}, "trigger_id": "1.2.3"}
    broken = [
        {**base, "user": None},
        {k: v for k, v in base.items() if k != "user"},
        {**base, "actions": []},
        {**base, "actions": [{"value": "1"}]},
        {k: v for k, v in base.items() if k != "trigger_id"} | {"actions": [{"action_id": "x"}]},
        {"type": "view_submission", "user": {"id": "UEN"}, "view": None},
        {"type": "view_submission", "user": {"id": "UEN"}, "view": "a string"},
        {"type": "view_submission", "user": {"id": "UEN"}, "view": [1]},
        {
            "type": "view_submission",
            "user": {"id": "UEN"},
            "view": {"callback_id": "goals", "state": {"values": [1]}},
        },
    ]
    with caplog.at_level(logging.INFO):
        statuses = [
            bot.slack.post("payload=" + urllib.parse.quote(json_.dumps(p)), FORM).status
            for p in broken
        ]
    assert statuses == [400] * len(broken)
    assert "Traceback" not in caplog.text


def test_a_reflection_with_a_lone_surrogate_is_stored(bot: Bot) -> None:
    from datetime import timedelta

    from storage.models import Reflection
    from tests.harness import make_pair, make_session

    bot.join("UEN", role="mentor")
    bot.join("UDE", role="mentee")
    pair_id = make_pair(bot, "UEN", "UDE")
    session_id = make_session(bot, pair_id, bot.clock.now - timedelta(hours=2))
    values = {
        "happened": {"h": {"type": "radio_buttons", "selected_option": {"value": "yes"}}},
        "learned": {"l": {"type": "plain_text_input", "value": "emoji \ud83d broken"}},
    }
    response = bot.slack.view_submission("UEN", _view("reflection", str(session_id)), values)
    assert response.status == 200 and "errors" not in (response.body or "")
    with bot.ctx.db.transaction(write=False) as session:
        assert len(list(session.exec(select(Reflection)))) == 1


# --- replays: a captured signed request sent again ------------------------------------


def test_a_replayed_export_uploads_the_persons_data_once(bot: Bot) -> None:
    bot.join("UEN")
    assert bot.command("UEN", "export").status == 200
    replays = [bot.slack.replay() for _ in range(9)]
    assert [(r.status, r.body) for r in replays] == [(200, "")] * 9
    assert bot.ctx.background.wait_idle()
    assert bot.fake.wait_for(lambda: any(f.completed for f in bot.fake.files()))
    assert len(bot.fake.files()) == 1
    assert len([m for m in bot.fake.messages_for("UEN") if m.files]) == 1


def test_a_replayed_admin_export_is_sent_once(bot: Bot) -> None:
    from tests.harness import ADMIN

    bot.join("UEN")
    assert bot.command(ADMIN, "admin export").status == 200
    assert bot.ctx.background.wait_idle()
    once = len(bot.fake.files())
    assert once == 2  # the figures and the playbook
    for _ in range(9):
        assert bot.slack.replay().status == 200
    assert bot.ctx.background.wait_idle()
    assert len(bot.fake.files()) == once


def test_a_replayed_join_submission_enrolls_and_confirms_once(bot: Bot) -> None:
    bot.join("UEN")
    confirmations = len(bot.fake.messages_for("UEN"))
    for _ in range(3):
        assert bot.slack.replay().status == 200
    assert bot.ctx.background.wait_idle()
    assert len(bot.fake.messages_for("UEN")) == confirmations
    with bot.ctx.db.transaction(write=False) as session:
        assert len(list(session.exec(select(Participant)))) == 1


# --- found by tests/test_fuzz.py -----------------------------------------------------


def test_a_form_body_that_looks_like_json_is_refused(bot: Bot) -> None:
    # (Bolt would read it as JSON and fail: any body starting with "{" is JSON to Bolt.)
    body = b"{command=/mentor&text=help"
    assert _post(bot, body, FORM, _signed(body)) == 400


def test_malformed_events_are_refused_and_a_dm_is_answered_only_in_the_dm(bot: Bot) -> None:
    import json

    def event(inner: dict[str, object]) -> bytes:
        return json.dumps(
            {"type": "event_callback", "team_id": "T0001", "api_app_id": "A0FAKEAPP",
             "event_id": f"Ev{time.time_ns()}", "event": inner}
        ).encode()  # fmt: skip

    bad = event({"type": "user_change", "user": "UEN"})
    assert _post(bot, bad, JSON, _signed(bad)) == 400
    bot.fake.add_channel("C0TEAM", name="team", members=["UEN", bot.fake.bot_user_id])
    elsewhere = event(
        {"type": "message", "channel_type": "im", "user": "UEN", "channel": "C0TEAM", "text": "x"}
    )
    assert _post(bot, elsewhere, JSON, _signed(elsewhere)) == 200
    assert bot.ctx.background.wait_idle()
    assert bot.fake.messages("C0TEAM") == []


@pytest.mark.parametrize(
    "field", [("channel", True), ("response_url", "1"), ("container", "x"), ("team", [1])]
)
def test_a_click_with_a_field_slack_never_sends_so_is_refused(
    bot: Bot, field: tuple[str, object]
) -> None:
    import json

    payload = {
        "type": "block_actions",
        "team": {"id": "T0001"},
        "user": {"id": "UEN"},
        "api_app_id": "A0FAKEAPP",
        "trigger_id": "1.2.3",
        "actions": [{"action_id": "pair_accept", "value": "1"}],
        field[0]: field[1],
    }
    body = urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()
    assert _post(bot, body, FORM, _signed(body)) == 400


def test_clients_trickling_their_headers_in_cannot_hold_every_connection(bot: Bot) -> None:
    # Each sends a header line every second: never silent for the idle timeout, but its
    # request never completes. Limits are small here so the test stays quick.
    import socket
    import threading

    from bot.app.server import HttpServer
    from bot.app.wsgi import create_wsgi

    server = HttpServer(
        create_wsgi(bot.ctx, None),
        host="127.0.0.1",
        port=0,
        threads=2,
        connection_limit=30,
        idle_timeout=2,
        request_deadline=3,
    ).start()
    stop = threading.Event()
    trickling: list[socket.socket] = []

    def trickle() -> None:
        while not stop.wait(1):
            for conn in list(trickling):
                try:
                    conn.sendall(b"X-Slow: 1\r\n")
                except OSError:
                    trickling.remove(conn)  # the server hung up on it

    try:
        for _ in range(40):
            conn = socket.create_connection(("127.0.0.1", server.port), timeout=5)
            conn.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\n")
            trickling.append(conn)
        worker = threading.Thread(target=trickle, daemon=True)
        worker.start()
        deadline = time.monotonic() + 10
        healthy = False
        while not healthy and time.monotonic() < deadline:
            try:
                url = f"http://127.0.0.1:{server.port}/healthz"
                with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310
                    healthy = response.status == 200
            except OSError:
                time.sleep(0.5)
        assert healthy, "the health check never got through"
    finally:
        stop.set()
        for conn in trickling:
            conn.close()
        server.stop()
