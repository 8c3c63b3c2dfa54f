"""Random and hostile requests at the real app over HTTP (Hypothesis): raw bodies, slash
commands, clicks, modal submissions and events, signed and unsigned. Whatever arrives:
never a 5xx, never a traceback in the log, and nothing stored for a refused request.

``MENTOR_FUZZ_EXAMPLES=500 pytest tests/test_fuzz.py`` runs a longer profile by hand."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import time
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from bot.slack import ids
from tests.harness import ADMIN, SIGNING_SECRET, Bot

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
EXAMPLES = int(os.environ.get("MENTOR_FUZZ_EXAMPLES", "40"))

USERS = st.sampled_from(["UEN", "UDE", ADMIN, "U2", "UNOBODY1", "W0ENTERP"])
# Text as people type it, plus what attackers try: control characters, markup, long runs.
WORDS = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        ["²", "٣", "-1", "0", "1e3", "99999999999999999999", "<!channel>", "<@U2>", "\x00", "*"]
    ),
    st.text(alphabet="x", min_size=3000, max_size=3200),
)
SUBCOMMANDS = st.sampled_from(
    [
        "",
        "help",
        "join",
        "status",
        "pause",
        "resume",
        "leave",
        "goals",
        "export",
        "forget",
        "admin",
        "admin report",
        "admin export",
        "admin match",
        "admin announce",
        "admin cohort create",
        "nonsense",
    ]
)
ACTION_IDS = st.sampled_from(
    [
        ids.PAIR_ACCEPT,
        ids.PAIR_DECLINE,
        ids.REFLECT_OPEN,
        ids.FORGET_CONFIRM,
        ids.HOME_JOIN,
        ids.SESSION_SKIP,
        ids.SESSION_MOVE,
        ids.GOAL_CHECKIN_OPEN,
        ids.ANNOUNCE_CONFIRM,
        ids.ANNOUNCE_CANCEL,
        "progress_1",
        "progress_²",
        "unknown_action",
    ]
)
CALLBACK_IDS = st.sampled_from(
    [ids.JOIN, ids.GOALS, ids.REFLECTION, ids.GOAL_CHECKIN, ids.MOVE, "unknown_view"]
)
ELEMENT_VALUES = st.one_of(
    st.builds(lambda v: {"type": "plain_text_input", "value": v}, st.one_of(st.none(), WORDS)),
    st.builds(lambda v: {"type": "static_select", "selected_option": {"value": v}}, WORDS),
    st.builds(
        lambda vs: {"type": "checkboxes", "selected_options": [{"value": v} for v in vs]},
        st.lists(WORDS, max_size=4),
    ),
    st.builds(lambda v: {"type": "datepicker", "selected_date": v}, WORDS),
    st.builds(lambda v: {"type": "timepicker", "selected_time": v}, WORDS),
)
BLOCK_IDS = st.sampled_from(
    [
        ids.ROLE,
        ids.TOPICS,
        ids.DEPARTMENT,
        ids.COHORT,
        ids.WEEKDAYS,
        ids.TIME_WINDOW,
        ids.HAPPENED,
        ids.LEARNED,
        ids.RATING,
        ids.SHARE,
        ids.MOVE_DATE,
        ids.MOVE_TIME,
        *ids.GOAL_SLOTS,
        "progress_1",
        "x",
    ]
)
STATE = st.dictionaries(
    BLOCK_IDS, st.dictionaries(BLOCK_IDS, ELEMENT_VALUES, max_size=2), max_size=6
)
# Anything JSON can hold, to put where Slack puts a known shape.
JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)


TRIGGER = "<trigger>"
RESPONSE_URL = "<response_url>"
# A fresh trigger_id from Slack, or one that is not (made up, or empty).
TRIGGERS = st.sampled_from([TRIGGER, TRIGGER, TRIGGER, "1.2.made-up", ""])


def _team(team_id: str = "T0001") -> dict[str, str]:
    return {"id": team_id, "domain": "fake-workspace"}


@st.composite
def commands(draw: st.DrawFn) -> tuple[bytes, str]:
    words = [draw(SUBCOMMANDS), *draw(st.lists(WORDS, max_size=3))]
    fields = {
        "team_id": draw(st.sampled_from(["T0001", "T0001", "T0OTHER"])),
        "user_id": draw(USERS),
        "command": draw(st.sampled_from(["/mentor", "/mentor", "/other"])),
        "text": " ".join(words).strip(),
        "api_app_id": "A0FAKEAPP",
        "response_url": RESPONSE_URL,
        "trigger_id": draw(TRIGGERS),
        "channel_id": "C0GENERAL",
    }
    if draw(st.booleans()):
        del fields[draw(st.sampled_from(sorted(fields)))]
    return "form", fields


@st.composite
def clicks(draw: st.DrawFn) -> tuple[bytes, str]:
    payload: dict[str, Any] = {
        "type": "block_actions",
        "team": _team(),
        "user": {"id": draw(USERS), "team_id": "T0001"},
        "api_app_id": "A0FAKEAPP",
        "trigger_id": draw(TRIGGERS),
        "response_url": RESPONSE_URL,
        "actions": [
            {
                "action_id": draw(ACTION_IDS),
                "block_id": draw(BLOCK_IDS),
                "value": draw(WORDS),
                "type": "button",
            }
        ],
        "container": {"type": "message"},
        "channel": {"id": "D0FUZZ"},
        "message": {"ts": "1.2", "text": "x", "blocks": []},
    }
    if draw(st.booleans()):
        payload[draw(st.sampled_from(sorted(payload)))] = draw(JSONISH)
    return "payload", payload


@st.composite
def submissions(draw: st.DrawFn) -> tuple[bytes, str]:
    view: dict[str, Any] = {
        "id": "V0FUZZ",
        "type": "modal",
        "callback_id": draw(CALLBACK_IDS),
        "private_metadata": draw(st.one_of(WORDS, st.integers(0, 10**20).map(str))),
        "state": {"values": draw(STATE)},
    }
    payload: dict[str, Any] = {
        "type": draw(st.sampled_from(["view_submission", "view_closed"])),
        "team": _team(),
        "user": {"id": draw(USERS), "team_id": "T0001"},
        "api_app_id": "A0FAKEAPP",
        "trigger_id": draw(TRIGGERS),
        "view": view,
    }
    if draw(st.booleans()):
        view[draw(st.sampled_from(sorted(view)))] = draw(JSONISH)
    return "payload", payload


@st.composite
def events(draw: st.DrawFn) -> tuple[bytes, str]:
    event: dict[str, Any] = {
        "type": draw(st.sampled_from(["app_home_opened", "message", "user_change", "other"])),
        "user": draw(st.one_of(USERS, JSONISH)),
        "channel": "D0FUZZ",
        "channel_type": "im",
        "tab": draw(st.sampled_from(["home", "messages", "x"])),
        "text": draw(WORDS),
    }
    body = {
        "type": "event_callback",
        "team_id": "T0001",
        "api_app_id": "A0FAKEAPP",
        "event_id": f"Ev{draw(st.integers(0, 10**12))}",
        "event_time": int(time.time()),
        "event": event,
    }
    if draw(st.booleans()):
        body[draw(st.sampled_from(sorted(body)))] = draw(JSONISH)
    return "json", body


RAW = st.tuples(st.sampled_from([FORM, JSON, "text/plain", ""]), st.binary(max_size=600))
REQUESTS = st.one_of(commands(), clicks(), submissions(), events(), RAW)


def _fill(bot: Bot, value: Any, user_id: str | None) -> Any:
    """Put a real trigger_id and response_url where the request has placeholders (the
    bot uses them to open a modal or answer later, and Slack checks them)."""
    if value == TRIGGER:
        return bot.fake.new_trigger_id(user_id)
    if value == RESPONSE_URL:
        return bot.fake.new_response_url(user_id)
    if isinstance(value, dict):
        return {k: _fill(bot, v, user_id) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(bot, v, user_id) for v in value]
    return value


def _encode(bot: Bot, kind: str, obj: Any) -> tuple[bytes, str]:
    if not isinstance(obj, dict):
        return obj, kind  # raw: (content type, bytes)
    user = obj.get("user_id") or obj.get("user")
    user_id = user.get("id") if isinstance(user, dict) else user
    known = user_id if isinstance(user_id, str) and bot.fake.user(user_id) else None
    filled = _fill(bot, obj, known)
    if kind == "form":
        return urlencode(filled).encode("utf-8", "surrogatepass"), FORM
    if kind == "payload":
        return urlencode({"payload": json.dumps(filled)}).encode(), FORM
    return json.dumps(filled).encode(), JSON


def _headers(draw_signed: str, body: bytes) -> dict[str, str]:
    ts = str(int(time.time()))
    if draw_signed == "unsigned":
        return {}
    if draw_signed == "stale":
        ts = str(int(time.time()) - 600)
    secret = "wrong" if draw_signed == "wrong" else SIGNING_SECRET
    base = b"v0:" + ts.encode() + b":" + body
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


def _send(bot: Bot, body: bytes, content_type: str, headers: dict[str, str]) -> int:
    request = urllib.request.Request(  # noqa: S310 - the app under test
        bot.url + "/slack/events",
        data=body,
        headers={"Content-Type": content_type, **headers} if content_type else headers,
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def _stored(bot: Bot) -> list[tuple[str, list[str]]]:
    """Every row of every table, except the guard against redelivery (which holds ids
    of requests, nothing a person wrote)."""
    engine = bot.ctx.db.engine
    stored = []
    with engine.connect() as connection:
        for table in sorted(engine.dialect.get_table_names(connection)):
            if table in ("processed_event", "alembic_version"):
                continue
            rows = connection.execute(text(f'SELECT * FROM "{table}"'))  # noqa: S608
            stored.append((table, sorted(repr(tuple(row)) for row in rows)))
    return stored


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    request=REQUESTS,
    signing=st.sampled_from(["signed", "signed", "signed", "unsigned", "wrong", "stale"]),
)
def test_whatever_arrives_no_5xx_no_traceback_nothing_stored_when_refused(
    bot: Bot, caplog: pytest.LogCaptureFixture, request: tuple[str, Any], signing: str
) -> None:
    body, content_type = _encode(bot, *request)
    caplog.set_level(logging.INFO)
    caplog.clear()  # the previous example's background work was waited for
    before = _stored(bot)
    status = _send(bot, body, content_type, _headers(signing, body))
    assert status < 500, (status, body[:300])
    if signing != "signed":
        assert status == 401
    if status >= 400:
        assert bot.ctx.background.wait_idle()
        assert _stored(bot) == before
    assert bot.ctx.background.wait_idle()
    tracebacks = [r.getMessage() for r in caplog.records if r.exc_info]
    assert tracebacks == [], (body[:300], tracebacks)
