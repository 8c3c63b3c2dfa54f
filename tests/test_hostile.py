"""Hostile and malformed requests to the Slack endpoint: refused cleanly, never a 500."""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
import urllib.error
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
    body = b"command=%2Fmentor&text=" + b"x" * (2 * 1024 * 1024)
    assert _post(bot, body, FORM, _signed(body)) == 413


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
