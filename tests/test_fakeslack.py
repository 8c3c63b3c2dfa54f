"""The Slack stand-in, exercised with the real slack_sdk clients and a real Bolt app."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from slack_bolt import App, BoltRequest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import (
    ConnectionErrorRetryHandler,
    FixedValueRetryIntervalCalculator,
    RateLimitErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_handlers import ServerErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from slack_sdk.webhook import WebhookClient

from bot.fakeslack import (
    FakeSlack,
    RateLimits,
    SlackDriver,
    check_message,
    check_view,
    state_from,
    validate_blocks,
)

SECRET = "driver-signing-secret"
FAST = FixedValueRetryIntervalCalculator(fixed_internal=0.01)


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as slack:
        slack.add_user("U1", name="ada", real_name="Ada Lovelace", tz="Asia/Tokyo", locale="ja-JP")
        slack.add_user("U2", name="bob", tz="America/New_York")
        slack.add_user("U3", name="cy")
        yield slack


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    return WebClient(token=fake.bot_token, base_url=fake.api_url)


def section(text: str, block_id: str | None = None) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "section", "text": {"type": "mrkdwn", "text": text}}
    if block_id:
        block["block_id"] = block_id
    return block


def modal(blocks: list[dict[str, Any]], *, title: str = "Join", **extra: Any) -> dict[str, Any]:
    view = {"type": "modal", "title": {"type": "plain_text", "text": title}, "blocks": blocks}
    return {**view, **extra}


def api_error(call: Callable[[], Any]) -> dict[str, Any]:
    with pytest.raises(SlackApiError) as caught:
        call()
    data = caught.value.response.data
    assert isinstance(data, dict)
    return data


# --- Web API basics ------------------------------------------------------------------------


def test_auth_errors_and_unknown_methods(fake: FakeSlack, client: WebClient) -> None:
    assert api_error(WebClient(base_url=fake.api_url).auth_test)["error"] == "not_authed"
    wrong = WebClient(token="xoxb-wrong", base_url=fake.api_url)
    assert api_error(wrong.auth_test)["error"] == "invalid_auth"
    assert api_error(lambda: client.api_call("nope.never"))["error"] == "unknown_method"
    tokenless = WebClient(base_url=fake.api_url)
    assert tokenless.api_call("auth.test", params={"token": fake.bot_token})["user_id"] == "UBOT"
    assert [c.http_status for c in fake.calls] == [200, 200, 200, 200]
    assert [c.error for c in fake.calls] == ["not_authed", "invalid_auth", "unknown_method", None]
    assert all("token" not in c.params for c in fake.calls)


def test_users_info_shape_and_locale(fake: FakeSlack, client: WebClient) -> None:
    user = client.users_info(user="U1")["user"]
    assert "locale" not in user
    assert user["tz"] == "Asia/Tokyo" and user["tz_offset"] == 9 * 3600
    assert user["profile"]["real_name"] == "Ada Lovelace" and user["name"] == "ada"
    assert user["is_admin"] is False and user["deleted"] is False
    assert client.users_info(user="U1", include_locale=True)["user"]["locale"] == "ja-JP"

    fake.set_user("U1", tz="UTC", locale="de-DE")
    moved = client.users_info(user="U1", include_locale=True)["user"]
    assert (moved["tz"], moved["tz_offset"], moved["locale"]) == ("UTC", 0, "de-DE")
    assert api_error(lambda: client.users_info(user="UNOBODY"))["error"] == "user_not_found"


def test_conversations_open_is_stable(fake: FakeSlack, client: WebClient) -> None:
    im = client.conversations_open(users="U1")["channel"]["id"]
    assert im.startswith("D")
    again = client.conversations_open(users="U1", return_im=True)
    assert again["channel"]["id"] == im and again["channel"]["is_im"] is True
    assert client.conversations_open(users="U2")["channel"]["id"] != im

    group = client.conversations_open(users="U1,U2")["channel"]["id"]
    assert group.startswith("G")
    assert client.conversations_open(users="U2,U1")["channel"]["id"] == group
    # The bot's manifest asks for no read scope on group DMs, so Slack would refuse this.
    refused = api_error(lambda: client.conversations_members(channel=group))
    assert (refused["error"], refused["needed"]) == ("missing_scope", "mpim:read")
    assert fake.ims_of("U1") == [im, group]
    assert api_error(lambda: client.conversations_open(users="U1,UX"))["error"] == "user_not_found"


def test_posted_messages_reach_the_right_people(fake: FakeSlack, client: WebClient) -> None:
    fake.add_channel("CPRIV", name="secret", is_private=True, members=["U3"])
    fake.add_channel("CTEAM", name="team", members=["U2", "UBOT"])
    first = client.chat_postMessage(channel="U1", text="Your intro: *Python*")
    im = client.conversations_open(users="U1")["channel"]["id"]
    assert first["channel"] == im and first["message"]["text"] == "Your intro: *Python*"
    second = client.chat_postMessage(channel=im, text="again", blocks=[section("Topic: Rust")])
    assert float(second["ts"]) > float(first["ts"])
    group = client.conversations_open(users="U1,U2")["channel"]["id"]
    client.chat_postMessage(channel=group, text="you two")
    client.chat_postMessage(channel="CTEAM", text="team news")
    client.chat_postEphemeral(channel="C0GENERAL", user="U2", text="only you")
    assert api_error(lambda: client.chat_postMessage(channel="CPRIV", text="x"))["error"] == (
        "not_in_channel"
    )
    assert api_error(lambda: client.chat_postMessage(channel="CNONE", text="x"))["error"] == (
        "channel_not_found"
    )

    to_ada = fake.messages_for("U1")
    assert [m.text for m in to_ada] == ["Your intro: *Python*", "again", "you two"]
    intros = [m for m in to_ada if m.mentions("python")]
    assert len(intros) == 1 and intros[0].user == "U1" and intros[0].channel == im
    assert to_ada[1].blocks == [section("Topic: Rust")] and to_ada[1].mentions("rust")
    assert to_ada[2].recipients == ("U1", "U2") and to_ada[2].user is None
    assert [m.text for m in fake.messages_for("U2")] == ["you two", "team news", "only you"]
    assert fake.messages_for("U2")[-1].ephemeral
    assert fake.messages_for("U3") == []
    assert len(fake.calls_to("chat.postMessage")) == 6


def test_update_and_response_url(fake: FakeSlack, client: WebClient) -> None:
    posted = client.chat_postMessage(channel="U1", text="Accept your match?")
    client.chat_update(channel=posted["channel"], ts=posted["ts"], text="Accepted")
    message = fake.messages_for("U1")[0]
    assert message.text == "Accepted" and message.revisions[0].text == "Accept your match?"

    url = fake.new_response_url("U1", channel_id=posted["channel"], message_ts=posted["ts"])
    assert WebhookClient(url).send(text="Thanks!", replace_original=True).body == "ok"
    assert message.text == "Thanks!" and len(fake.messages_for("U1")) == 1
    reply = WebhookClient(fake.new_response_url("U2", channel_id="C0GENERAL"))
    assert reply.send(text="just for you").status_code == 200
    assert reply.send(text="for all", response_type="in_channel").status_code == 200
    for_bob = fake.messages_for("U2")
    assert [(m.text, m.ephemeral, m.method) for m in for_bob] == [
        ("just for you", True, "response_url"),
        ("for all", False, "response_url"),
    ]
    assert "U3" in for_bob[1].recipients
    assert WebhookClient(url).send(text="x" * 40_001).status_code == 400


# --- Block Kit limits ------------------------------------------------------------------------


def test_block_kit_violations_are_rejected_like_slack(fake: FakeSlack, client: WebClient) -> None:
    many = [section(f"b{i}") for i in range(51)]
    error = api_error(lambda: client.chat_postMessage(channel="U1", text="t", blocks=many))
    assert error["error"] == "invalid_blocks"
    assert error["response_metadata"]["messages"] == [
        "[ERROR] no more than 50 items allowed [json-pointer:/blocks]"
    ]
    long = [section("x" * 3001)]
    error = api_error(lambda: client.chat_postMessage(channel="U1", text="t", blocks=long))
    assert error["response_metadata"]["messages"] == [
        "[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]"
    ]
    empty = api_error(lambda: client.api_call("chat.postMessage", json={"channel": "U1"}))
    assert empty["error"] == "no_text"
    too_long = "x" * 40_001
    assert api_error(lambda: client.chat_postMessage(channel="U1", text=too_long))["error"] == (
        "msg_too_long"
    )

    trigger = fake.new_trigger_id("U1")
    titled = modal([section("hi")], title="x" * 25)
    error = api_error(lambda: client.views_open(trigger_id=trigger, view=titled))
    assert error["error"] == "invalid_arguments"
    assert error["response_metadata"]["messages"] == [
        "[ERROR] must be less than 25 characters [json-pointer:/view/title/text]"
    ]
    huge = {"type": "home", "blocks": [section(str(i)) for i in range(101)]}
    error = api_error(lambda: client.views_publish(user_id="U1", view=huge))
    assert error["error"] == "invalid_arguments"
    assert "no more than 100 items allowed [json-pointer:/view/blocks]" in str(error)
    assert fake.messages_for("U1") == [] and fake.home_view("U1") is None
    # The invalid view did not burn the trigger.
    assert client.views_open(trigger_id=trigger, view=modal([section("ok")]))["ok"]


def button(text: str, action_id: str = "go") -> dict[str, Any]:
    return {"type": "button", "text": {"type": "plain_text", "text": text}, "action_id": action_id}


def select(n: int, text: str = "opt") -> dict[str, Any]:
    options = [{"text": {"type": "plain_text", "text": text}, "value": str(i)} for i in range(n)]
    return {"type": "static_select", "action_id": "pick", "options": options}


@pytest.mark.parametrize(
    ("block", "pointer"),
    [
        ({"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}, "/0/text/text"),
        (
            {"type": "context", "elements": [{"type": "mrkdwn", "text": "c" * 3001}]},
            "/0/elements/0/text",
        ),
        ({"type": "actions", "elements": [button("b" * 76)]}, "/0/elements/0/text/text"),
        ({"type": "actions", "elements": [button("ok", "a" * 256)]}, "/0/elements/0/action_id"),
        ({**section("ok"), "block_id": "i" * 256}, "/0/block_id"),
        ({**section("ok"), "accessory": select(101)}, "/0/accessory/options"),
        ({**section("ok"), "accessory": select(1, "o" * 76)}, "/0/accessory/options/0/text/text"),
        ({"type": "markdown", "text": "m" * 12_001}, "/0/text"),
        ({"type": "header", "text": {"type": "mrkdwn", "text": "h"}}, "/0/text/type"),
        ({"type": "carousel"}, "/0/type"),
    ],
)
def test_validate_blocks_finds_each_limit(block: dict[str, Any], pointer: str) -> None:
    problems = validate_blocks([block], surface="message")
    assert [p.pointer for p in problems] == ["/blocks" + pointer]
    assert validate_blocks([block], surface="modal")[0].pointer == "/view/blocks" + pointer


def test_validate_blocks_accepts_values_at_the_limits() -> None:
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "h" * 150}},
        {**section("s" * 3000), "block_id": "i" * 255, "accessory": select(100, "o" * 75)},
        {"type": "actions", "elements": [button("b" * 75, "a" * 255)]},
        {"type": "divider"},
    ]
    assert validate_blocks(blocks * 1, surface="message") == []
    assert validate_blocks([section(str(i)) for i in range(50)], surface="message") == []
    assert validate_blocks([section(str(i)) for i in range(100)], surface="home") == []
    assert validate_blocks([section("a", "same"), section("b", "same")], surface="modal")


def test_check_view_and_check_message() -> None:
    text_input = {
        "type": "input",
        "block_id": "goal",
        "label": {"type": "plain_text", "text": "Goal"},
        "element": {"type": "plain_text_input", "action_id": "value"},
    }
    assert (
        check_view(
            modal([text_input], submit={"type": "plain_text", "text": "Go"}), surface="modal"
        )
        is None
    )
    no_submit = check_view(modal([text_input]), surface="modal")
    assert no_submit is not None and no_submit.error == "invalid_arguments"
    long_submit = modal([section("x")], submit={"type": "plain_text", "text": "s" * 25})
    assert check_view(long_submit, surface="modal") is not None
    meta = modal([section("x")], private_metadata="m" * 3001)
    rejection = check_view(meta, surface="modal")
    assert rejection is not None and "/view/private_metadata" in rejection.messages[0]
    assert check_view(modal([section("x")], private_metadata="m" * 3000), surface="modal") is None
    empty = check_view(modal([]), surface="modal")
    assert empty is not None and empty.error == "no_text"
    assert check_message(text="", blocks=None) is not None
    assert check_message(text="fine") is None
    bad_json = check_message(text="t", blocks="[not json")
    assert bad_json is not None and bad_json.error == "invalid_blocks_format"


# --- views ------------------------------------------------------------------------------------


def test_trigger_ids_are_single_use_and_expire(fake: FakeSlack, client: WebClient) -> None:
    trigger = fake.new_trigger_id("U1")
    opened = client.views_open(trigger_id=trigger, view=modal([section("hi")], callback_id="join"))
    view = opened["view"]
    assert view["id"].startswith("V") and view["hash"] and view["state"] == {"values": {}}
    assert fake.opened_views("U1") == [view] and fake.opened_views("U2") == []
    reused = api_error(lambda: client.views_open(trigger_id=trigger, view=modal([section("x")])))
    assert reused["error"] == "exchanged_trigger_id"
    bogus = api_error(lambda: client.views_open(trigger_id="1.2.3", view=modal([section("x")])))
    assert bogus["error"] == "invalid_trigger_id"

    fake.trigger_ttl = 0.05
    stale = fake.new_trigger_id("U1")
    time.sleep(0.1)
    expired = api_error(lambda: client.views_open(trigger_id=stale, view=modal([section("x")])))
    assert expired["error"] == "expired_trigger_id"


def test_views_update_push_and_publish(fake: FakeSlack, client: WebClient) -> None:
    view = client.views_open(trigger_id=fake.new_trigger_id("U1"), view=modal([section("1")]))[
        "view"
    ]
    updated = client.views_update(view_id=view["id"], hash=view["hash"], view=modal([section("2")]))
    assert updated["view"]["id"] == view["id"] and updated["view"]["hash"] != view["hash"]
    stale = modal([section("3")])
    conflict = api_error(
        lambda: client.views_update(view_id=view["id"], hash=view["hash"], view=stale)
    )
    assert conflict["error"] == "hash_conflict"
    assert fake.view(view["id"])["blocks"] == [section("2")]  # type: ignore[index]
    pushed = client.views_push(trigger_id=fake.new_trigger_id("U1"), view=modal([section("p")]))
    assert pushed["view"]["previous_view_id"] == view["id"]
    assert pushed["view"]["root_view_id"] == view["id"]

    home = {"type": "home", "blocks": [section("Welcome home")]}
    first = client.views_publish(user_id="U1", view=home)["view"]
    second = client.views_publish(user_id="U1", view={**home, "blocks": [section("Again")]})
    assert second["view"]["id"] == first["id"]
    assert fake.home_view("U1")["blocks"] == [section("Again")]  # type: ignore[index]
    assert fake.home_view("U2") is None


# --- files ------------------------------------------------------------------------------------


def test_files_upload_v2_end_to_end(fake: FakeSlack, client: WebClient) -> None:
    im = client.conversations_open(users="U1")["channel"]["id"]
    report = "topic,sessions\npython,3\n"
    result = client.files_upload_v2(
        channel=im,
        content=report,
        filename="report.csv",
        title="Your report",
        initial_comment="Here is your report",
    )
    assert result["file"]["name"] == "report.csv" and result["file"]["channels"] == [im]
    [record] = fake.files()
    assert record.content == report.encode() and record.title == "Your report"
    [message] = fake.messages_for("U1")
    assert message.method == "files.completeUploadExternal" and message.channel == im
    assert message.text == "Here is your report"
    assert message.files[0].filename == "report.csv" and message.files[0].text == report
    assert [c.method for c in fake.calls[-3:]] == [
        "files.getUploadURLExternal",
        "file_upload",
        "files.completeUploadExternal",
    ]
    assert fake.messages_for("U2") == []


# --- rate limits and faults -------------------------------------------------------------------


def test_429_is_retried_after_retry_after(fake: FakeSlack) -> None:
    client = WebClient(
        token=fake.bot_token, base_url=fake.api_url, retry_handlers=[RateLimitErrorRetryHandler()]
    )
    fake.fail_next("chat.postMessage", status=429, retry_after=1)
    started = time.monotonic()
    assert client.chat_postMessage(channel="U1", text="hello")["ok"]
    assert time.monotonic() - started >= 1
    calls = fake.calls_to("chat.postMessage")
    assert [(c.http_status, c.error) for c in calls] == [(429, "ratelimited"), (200, None)]
    assert [m.text for m in fake.messages_for("U1")] == ["hello"]


def test_server_errors_and_drops_are_retried(fake: FakeSlack) -> None:
    client = WebClient(
        token=fake.bot_token,
        base_url=fake.api_url,
        retry_handlers=[
            ServerErrorRetryHandler(max_retry_count=2, interval_calculator=FAST),
            ConnectionErrorRetryHandler(max_retry_count=2, interval_calculator=FAST),
        ],
    )
    fake.fail_next("chat.postMessage", status=500)
    fake.fail_next("chat.postMessage", status=503)
    assert client.chat_postMessage(channel="U1", text="after errors")["ok"]
    fake.drop_next("chat.postMessage")
    assert client.chat_postMessage(channel="U1", text="after a drop")["ok"]
    statuses = [c.http_status for c in fake.calls_to("chat.postMessage")]
    assert statuses == [500, 503, 200, 0, 200]
    assert [m.text for m in fake.messages_for("U1")] == ["after errors", "after a drop"]

    plain = WebClient(token=fake.bot_token, base_url=fake.api_url, retry_handlers=[])
    fake.fail_next("users.info", error="user_not_found")
    assert api_error(lambda: plain.users_info(user="U1"))["error"] == "user_not_found"
    assert plain.users_info(user="U1")["ok"]


def test_an_answer_lost_on_the_way_back_leaves_the_call_done(fake: FakeSlack) -> None:
    # As with Slack: the post happened; a client that retries blindly posts it twice.
    client = WebClient(
        token=fake.bot_token,
        base_url=fake.api_url,
        retry_handlers=[ConnectionErrorRetryHandler(max_retry_count=2, interval_calculator=FAST)],
    )
    fake.lose_answer_next("chat.postMessage")
    assert client.chat_postMessage(channel="U1", text="once?")["ok"]
    assert [m.text for m in fake.messages_for("U1")] == ["once?", "once?"]
    assert [c.http_status for c in fake.calls_to("chat.postMessage")] == [200, 200]


def test_rate_limits_when_turned_on() -> None:
    limits = RateLimits(workspace_per_minute={"users.info": 2}, retry_after=7)
    with FakeSlack(rate_limits=limits) as fake:
        fake.add_user("U1", name="ada")
        fake.add_channel("C2", name="other")
        client = WebClient(token=fake.bot_token, base_url=fake.api_url, retry_handlers=[])
        client.chat_postMessage(channel="C0GENERAL", text="one")
        with pytest.raises(SlackApiError) as caught:
            client.chat_postMessage(channel="C0GENERAL", text="two")
        assert caught.value.response.status_code == 429
        assert caught.value.response.headers["Retry-After"] == "7"
        assert client.chat_postMessage(channel="C2", text="elsewhere")["ok"]
        assert [m.text for m in fake.messages_for("U1")] == ["one"]

        client.users_info(user="U1")
        client.users_info(user="U1")
        assert api_error(lambda: client.users_info(user="U1"))["error"] == "ratelimited"


# --- the driver -------------------------------------------------------------------------------


@contextmanager
def http_app(handle: Callable[[str, dict[str, str]], tuple[int, str]]) -> Iterator[str]:
    """Serve ``handle(body, headers) -> (status, body)`` on loopback; yields the URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"])).decode()
            status, answer = handle(body, dict(self.headers.items()))
            data = answer.encode()
            self.send_response(status)
            content_type = "application/json" if answer.startswith("{") else "text/plain"
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/slack/events"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_driver_signatures_verify_and_forgeries_do_not(fake: FakeSlack) -> None:
    verifier = SignatureVerifier(SECRET)
    seen: list[tuple[str, dict[str, str], bool]] = []

    def handle(body: str, headers: dict[str, str]) -> tuple[int, str]:
        valid = verifier.is_valid_request(body, headers)
        seen.append((body, headers, valid))
        return (200 if valid else 401), ""

    with http_app(handle) as url:
        slack = SlackDriver(url, SECRET, fake)
        assert slack.command("U1", "join").status == 200
        assert slack.event({"type": "app_mention", "user": "U1"}, retry_num=1).status == 200
        assert slack.url_verification("abc").status == 200
        assert slack.command("U1", "join", tamper=True).status == 401
        assert slack.command("U1", "join", timestamp=int(time.time()) - 600).status == 401
        assert slack.event({"type": "app_mention"}, signing_secret="other").status == 401

    fields = dict(pair.split("=", 1) for pair in seen[0][0].split("&"))
    assert {
        "token",
        "team_id",
        "team_domain",
        "channel_id",
        "channel_name",
        "user_id",
        "user_name",
        "command",
        "text",
        "api_app_id",
        "is_enterprise_install",
        "response_url",
        "trigger_id",
    } <= set(fields)
    assert fields["user_name"] == "ada" and fields["channel_name"] == "general"
    envelope = json.loads(seen[1][0])
    assert envelope["type"] == "event_callback" and envelope["event_id"].startswith("Ev")
    assert envelope["authorizations"][0]["user_id"] == "UBOT"
    assert seen[1][1]["X-Slack-Retry-Num"] == "1"
    assert [valid for _, _, valid in seen] == [True, True, True, False, False, False]


def test_state_from_builds_slacks_shapes() -> None:
    def field(block_id: str, element: dict[str, Any]) -> dict[str, Any]:
        label = {"type": "plain_text", "text": block_id}
        return {"type": "input", "block_id": block_id, "label": label, "element": element}

    def options(*values: str) -> list[dict[str, Any]]:
        return [{"text": {"type": "plain_text", "text": v.title()}, "value": v} for v in values]

    view = modal(
        [
            section("intro"),
            field("goal", {"type": "plain_text_input", "action_id": "v"}),
            field(
                "role", {"type": "radio_buttons", "action_id": "v", "options": options("a", "b")}
            ),
            field("days", {"type": "checkboxes", "action_id": "v", "options": options("1", "3")}),
            field("lang", {"type": "static_select", "action_id": "v", "options": options("en")}),
            field("at", {"type": "timepicker", "action_id": "v"}),
            field("on", {"type": "datepicker", "action_id": "v"}),
            field("who", {"type": "users_select", "action_id": "v"}),
            field("hours", {"type": "number_input", "action_id": "v", "is_decimal_allowed": False}),
            field("note", {"type": "plain_text_input", "action_id": "v"}),
        ]
    )
    values = state_from(
        view,
        {
            "goal": "Learn",
            "role": "b",
            "days": ["1", "3"],
            "lang": "en",
            "at": "09:30",
            "on": "2026-12-01",
            "who": "U2",
            "hours": 2,
        },
    )
    assert values["goal"] == {"v": {"type": "plain_text_input", "value": "Learn"}}
    assert values["role"]["v"]["selected_option"]["value"] == "b"
    assert [o["value"] for o in values["days"]["v"]["selected_options"]] == ["1", "3"]
    assert values["lang"]["v"]["selected_option"]["text"]["text"] == "En"
    assert values["at"]["v"]["selected_time"] == "09:30"
    assert values["on"]["v"]["selected_date"] == "2026-12-01"
    assert values["who"]["v"]["selected_user"] == "U2"
    assert values["hours"]["v"]["value"] == "2"
    assert values["note"]["v"]["value"] is None  # unanswered inputs are present, empty
    with pytest.raises(KeyError):
        state_from(view, {"nope": 1})
    with pytest.raises(ValueError, match="not an option"):
        state_from(view, {"role": "z"})


# --- a real Bolt app, driven end to end ----------------------------------------------------------


def bolt_app(fake: FakeSlack) -> App:
    app = App(
        client=WebClient(token=fake.bot_token, base_url=fake.api_url),
        signing_secret=SECRET,
        process_before_response=True,
    )
    goal = {
        "type": "input",
        "block_id": "goal",
        "label": {"type": "plain_text", "text": "What do you want to learn?"},
        "element": {"type": "plain_text_input", "action_id": "text"},
    }
    topic = {
        "type": "input",
        "block_id": "topic",
        "label": {"type": "plain_text", "text": "Topic"},
        "element": {
            "type": "static_select",
            "action_id": "pick",
            "options": [
                {"text": {"type": "plain_text", "text": "Generative AI"}, "value": "genai"},
                {"text": {"type": "plain_text", "text": "TikTok"}, "value": "tiktok"},
            ],
        },
    }

    @app.command("/mentor")
    def mentor(ack: Any, body: dict[str, Any], client: WebClient) -> None:
        ack()
        client.views_open(
            trigger_id=body["trigger_id"],
            view=modal(
                [goal, topic],
                callback_id="join",
                submit={"type": "plain_text", "text": "Join"},
                private_metadata="cohort-1",
            ),
        )

    @app.view("join")
    def join(ack: Any, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        values = view["state"]["values"]
        if not values["goal"]["text"]["value"]:
            ack(response_action="errors", errors={"goal": "Tell us what you want to learn"})
            return
        ack()
        chosen = values["topic"]["pick"]["selected_option"]["text"]["text"]
        client.chat_postMessage(
            channel=body["user"]["id"],
            text=f"Welcome! Topic: {chosen} ({view['private_metadata']})",
            blocks=[
                section(f"Your topic: *{chosen}*"),
                {
                    "type": "actions",
                    "block_id": "confirm",
                    "elements": [{**button("Looks good", "confirm"), "value": "yes"}],
                },
            ],
        )

    @app.action("confirm")
    def confirm(ack: Any, body: dict[str, Any], respond: Any) -> None:
        ack()
        respond(replace_original=True, text=f"Confirmed: {body['actions'][0]['value']}")

    @app.event("app_home_opened")
    def home(event: dict[str, Any], client: WebClient) -> None:
        client.views_publish(
            user_id=event["user"], view={"type": "home", "blocks": [section("Hi")]}
        )

    return app


def test_a_bolt_app_end_to_end(fake: FakeSlack) -> None:
    app = bolt_app(fake)

    def handle(body: str, headers: dict[str, str]) -> tuple[int, str]:
        response = app.dispatch(BoltRequest(body=body, headers={**headers}))
        return response.status, response.body

    with http_app(handle) as url:
        slack = SlackDriver(url, SECRET, fake)
        assert slack.command("U1", "").status == 200
        [view] = fake.opened_views("U1")
        assert view["callback_id"] == "join" and view["private_metadata"] == "cohort-1"

        refused = slack.submit("U1", view, {"topic": "genai"})
        assert refused.json()["response_action"] == "errors"
        assert fake.messages_for("U1") == []
        assert slack.submit("U1", view, {"goal": "Prompting", "topic": "tiktok"}).status == 200
        [welcome] = fake.messages_for("U1")
        assert welcome.mentions("topic: tiktok") and "cohort-1" in welcome.text
        assert welcome.action_ids() == ["confirm"]

        assert slack.block_action("U1", "confirm", message=welcome).status == 200
        assert welcome.text == "Confirmed: yes" and welcome.edited
        assert len(fake.messages_for("U1")) == 1
        with pytest.raises(LookupError):
            slack.block_action("U1", "missing", message=welcome)

        assert slack.app_home_opened("U1").status == 200
        assert fake.home_view("U1")["blocks"] == [section("Hi")]  # type: ignore[index]
        assert slack.url_verification("c-123").json() == {"challenge": "c-123"}
        assert slack.command("U1", "", tamper=True).status == 401
        assert len(fake.opened_views("U1")) == 1


# --- scopes, as Slack grants them at installation ---------------------------------------


def test_a_call_without_its_scope_is_refused_with_what_it_needs() -> None:
    with FakeSlack(scopes={"chat:write"}) as fake:
        fake.add_user("U1", name="ada")
        client = WebClient(token=fake.bot_token, base_url=fake.api_url)
        refused = api_error(lambda: client.users_info(user="U1"))
        assert refused["error"] == "missing_scope"
        assert refused["needed"] == "users:read" and refused["provided"] == "chat:write"
        assert api_error(lambda: client.conversations_open(users="U1"))["needed"] == "im:write"
        assert fake.messages_for("U1") == []


@pytest.mark.parametrize("public_ok", [False, True])
def test_a_public_channel_the_bot_is_not_in_needs_chat_write_public(public_ok: bool) -> None:
    scopes = {"chat:write", "chat:write.public"} if public_ok else {"chat:write"}
    with FakeSlack(scopes=scopes) as fake:
        fake.add_channel("CPUB", name="rm-board")
        fake.add_channel("CPRIV", name="rm-secret", is_private=True)
        client = WebClient(token=fake.bot_token, base_url=fake.api_url)
        if public_ok:
            assert client.chat_postMessage(channel="CPUB", text="hi")["ok"]
        else:
            refused = api_error(lambda: client.chat_postMessage(channel="CPUB", text="hi"))
            assert refused["error"] == "not_in_channel"
        # A private channel always needs an invitation.
        refused = api_error(lambda: client.chat_postMessage(channel="CPRIV", text="hi"))
        assert refused["error"] == "not_in_channel"
        assert fake.messages("CPRIV") == []
