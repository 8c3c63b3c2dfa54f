"""What Slack really sends is taken: every kind of request, complete and signed.

The edge refuses what Slack never sends (400, 401, 403). This is the other side: each
payload below has every field, in the nesting, that Slack's documentation shows for it
today (slash commands, block_actions from a message and from the App Home, modals,
Events API envelopes with ``authorizations`` and ``event_context``, the handshakes), with
the ids of the stand-in workspace. Each must get 200 from the running bot and leave no
traceback in the log; for Slack, anything else is an error shown to a person or a failed
event delivery counted against the app.
"""

from __future__ import annotations

import base64
import copy
import json
import logging
import secrets
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlmodel import select

from bot.fakeslack.driver import AppResponse, SlackDriver
from bot.fakeslack.records import Message, iter_elements
from bot.slack import ids
from storage import queries
from storage.models import Pair
from tests.harness import ADMIN, SIGNING_SECRET, Bot

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
ENTERPRISE = {"id": "E0FAKEORG", "name": "Fake Org"}


# --- what Slack puts around every request ----------------------------------------------


def _ts() -> str:
    return f"{time.time():.6f}"


def _block_id() -> str:
    return secrets.token_urlsafe(4)


def _user(bot: Bot, user_id: str) -> dict[str, Any]:
    """The ``user`` object of an interaction payload."""
    found = bot.fake.user(user_id)
    name = found["name"] if found else user_id.lower()
    return {"id": user_id, "username": name, "name": name, "team_id": bot.fake.team_id}


def _team(bot: Bot) -> dict[str, Any]:
    return {"id": bot.fake.team_id, "domain": bot.fake.team_domain}


def _as_shown(blocks: Any) -> list[dict[str, Any]]:
    """Blocks as Slack sends them back: every block has a ``block_id`` (Slack makes one
    up where the app gave none)."""
    shown = copy.deepcopy(list(blocks or []))
    for block in shown:
        block.setdefault("block_id", _block_id())
    return shown


def _pressed(blocks: list[dict[str, Any]], action_id: str) -> dict[str, Any]:
    """The ``actions[0]`` of a click on a button shown in ``blocks``."""
    for block_id, element in iter_elements(blocks):
        if element.get("action_id") == action_id:
            action = {
                "action_id": action_id,
                "block_id": block_id,
                "text": copy.deepcopy(element.get("text")),
                "type": element.get("type", "button"),
                "action_ts": _ts(),
            }
            if "value" in element:
                action["value"] = element["value"]
            if "style" in element:
                action["style"] = element["style"]
            return action
    raise LookupError(f"no {action_id!r} shown")


def _bot_message(bot: Bot, message: Message, blocks: list[dict[str, Any]]) -> dict[str, Any]:
    """A message the bot posted, as Slack includes it in a payload."""
    return {
        "user": bot.fake.bot_user_id,
        "type": "message",
        "ts": message.ts,
        "bot_id": bot.fake.bot_id,
        "app_id": bot.fake.app_id,
        "text": message.text,
        "team": bot.fake.team_id,
        "bot_profile": {
            "id": bot.fake.bot_id,
            "deleted": False,
            "name": "Reverse Mentoring",
            "updated": int(time.time()) - 86400,
            "app_id": bot.fake.app_id,
            "icons": {"image_36": "https://a.slack-edge.com/80588/img/plugins/app/bot_36.png"},
            "team_id": bot.fake.team_id,
        },
        "blocks": blocks,
    }


def slash_command(
    bot: Bot,
    user_id: str,
    text: str,
    *,
    channel_id: str,
    channel_name: str,
    enterprise: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The form fields of a slash command, in Slack's order."""
    fields = {
        "token": bot.slack.verification_token,
        "team_id": bot.fake.team_id,
        "team_domain": bot.fake.team_domain,
    }
    if enterprise is not None:
        fields["enterprise_id"] = enterprise["id"]
        fields["enterprise_name"] = enterprise["name"]
    fields.update(
        {
            "channel_id": channel_id,
            "channel_name": channel_name,
            "user_id": user_id,
            "user_name": _user(bot, user_id)["name"],
            "command": ids.COMMAND,
            "text": text,
            "api_app_id": bot.fake.app_id,
            "is_enterprise_install": "false",
            "response_url": bot.fake.new_response_url(user_id, channel_id=channel_id),
            "trigger_id": bot.fake.new_trigger_id(user_id),
        }
    )
    return fields


def event_callback(
    bot: Bot, event: Mapping[str, Any], *, channel: str | None = None
) -> dict[str, Any]:
    """An Events API envelope, as Slack delivers one to a single-workspace install."""
    inner = dict(event)
    inner.setdefault("event_ts", _ts())
    context = {"et": inner["type"], "tid": bot.fake.team_id, "aid": bot.fake.app_id}
    if channel is not None:
        context["cid"] = channel
    encoded = base64.b64encode(json.dumps(context, separators=(",", ":")).encode())
    return {
        "token": bot.slack.verification_token,
        "team_id": bot.fake.team_id,
        "context_team_id": bot.fake.team_id,
        "context_enterprise_id": None,
        "api_app_id": bot.fake.app_id,
        "event": inner,
        "type": "event_callback",
        "event_id": "Ev" + secrets.token_hex(5).upper(),
        "event_time": int(time.time()),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": bot.fake.team_id,
                "user_id": bot.fake.bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": "4-" + encoded.decode().rstrip("="),
    }


def send_form(bot: Bot, fields: Mapping[str, str]) -> AppResponse:
    return bot.slack.post(urlencode(fields), FORM)


def send_interaction(bot: Bot, payload: Mapping[str, Any]) -> AppResponse:
    return bot.slack.post(urlencode({"payload": json.dumps(payload)}), FORM)


def send_json(bot: Bot, body: Mapping[str, Any]) -> AppResponse:
    return bot.slack.post(json.dumps(body), JSON)


# --- setting the scene ------------------------------------------------------------------


def settle(bot: Bot) -> None:
    assert bot.ctx.background.wait_idle()


def proposed_pair(bot: Bot) -> tuple[int, Message]:
    """UEN (mentor) and U2 (mentee) proposed as a pair; their intro, with its buttons."""
    bot.join("UEN", role="mentor", topics=["genai"])
    bot.join("U2", role="mentee", topics=["genai"])
    assert bot.reply(ADMIN, "admin match").startswith("Matching")
    settle(bot)
    [intro] = [m for m in bot.fake.messages_for("UEN") if ids.PAIR_ACCEPT in m.action_ids()]
    with bot.ctx.db.transaction() as session:
        [pair] = session.exec(select(Pair))
        assert pair.id is not None
        return pair.id, intro


def pair_state(bot: Bot, pair_id: int) -> tuple[str, bool, bool]:
    with bot.ctx.db.transaction() as session:
        pair = session.get(Pair, pair_id)
        assert pair is not None
        return pair.status, bool(pair.mentor_accepted), bool(pair.mentee_accepted)


def in_org_context(payload: dict[str, Any]) -> dict[str, Any]:
    """The same click in an organization-level context of Enterprise Grid: ``team`` is
    null and ``enterprise`` is set; the person's workspace is only in ``user.team_id``
    (or, for a view, its ``app_installed_team_id``)."""
    return {**payload, "team": None, "enterprise": dict(ENTERPRISE)}


def click_in_intro(bot: Bot, intro: Message, action_id: str, user_id: str) -> dict[str, Any]:
    """block_actions: a button of the intro in the pair's group DM."""
    blocks = _as_shown(intro.blocks)
    channel = bot.fake.channel(intro.channel) or {}
    return {
        "type": "block_actions",
        "user": _user(bot, user_id),
        "api_app_id": bot.fake.app_id,
        "token": bot.slack.verification_token,
        "container": {
            "type": "message",
            "message_ts": intro.ts,
            "channel_id": intro.channel,
            "is_ephemeral": False,
        },
        "trigger_id": bot.fake.new_trigger_id(user_id),
        "team": _team(bot),
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": intro.channel, "name": channel.get("name") or "mpdm"},
        "message": _bot_message(bot, intro, blocks),
        "state": {"values": {}},
        "response_url": bot.fake.new_response_url(
            user_id, channel_id=intro.channel, message_ts=intro.ts
        ),
        "actions": [_pressed(blocks, action_id)],
    }


def home_of(bot: Bot, user_id: str) -> dict[str, Any]:
    """The App Home the bot published for a person (opening it makes the bot publish)."""
    response = send_json(bot, home_opened(bot, user_id, with_view=False))
    assert response.status == 200, response.body
    settle(bot)
    home = bot.fake.home_view(user_id)
    assert home is not None
    home["blocks"] = _as_shown(home["blocks"])
    return home


def click_in_home(bot: Bot, user_id: str, action_id: str) -> dict[str, Any]:
    """block_actions: a button on the App Home tab (container type ``view``: no channel,
    no message, no response_url)."""
    home = home_of(bot, user_id)
    return {
        "type": "block_actions",
        "user": _user(bot, user_id),
        "api_app_id": bot.fake.app_id,
        "token": bot.slack.verification_token,
        "container": {"type": "view", "view_id": home["id"]},
        "trigger_id": bot.fake.new_trigger_id(user_id),
        "team": _team(bot),
        "enterprise": None,
        "is_enterprise_install": False,
        "view": home,
        "actions": [_pressed(home["blocks"], action_id)],
        "state": {"values": {}},
    }


def home_opened(bot: Bot, user_id: str, *, with_view: bool = True) -> dict[str, Any]:
    """app_home_opened (Slack adds the published view once there is one)."""
    channel = bot.fake.open_im(user_id)
    event: dict[str, Any] = {
        "type": "app_home_opened",
        "user": user_id,
        "channel": channel,
        "tab": "home",
    }
    home = bot.fake.home_view(user_id) if with_view else None
    if home is not None:
        home["blocks"] = _as_shown(home["blocks"])
        event["view"] = home
    event["event_ts"] = _ts()
    return event_callback(bot, event, channel=channel)


def rich_text(text: str) -> list[dict[str, Any]]:
    """The blocks Slack's client puts on a message a person types."""
    section = {"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}
    return [{"type": "rich_text", "block_id": _block_id(), "elements": [section]}]


def typed(bot: Bot, user_id: str, text: str, ts: str | None = None) -> dict[str, Any]:
    """A message a person typed in their DM with the bot (inside the ``event``)."""
    return {
        "user": user_id,
        "type": "message",
        "ts": ts or _ts(),
        "client_msg_id": str(uuid.uuid4()),
        "text": text,
        "team": bot.fake.team_id,
        "blocks": rich_text(text),
    }


def dm_event(bot: Bot, user_id: str, event: Mapping[str, Any]) -> dict[str, Any]:
    """A message.im event in a person's DM with the bot."""
    channel = bot.fake.open_im(user_id)
    inner = dict(event)
    inner.setdefault("channel", channel)
    inner.setdefault("event_ts", inner.get("ts") or _ts())
    inner["channel_type"] = "im"
    return event_callback(bot, inner, channel=channel)


def posts_in(bot: Bot, channel: str) -> int:
    return sum(
        1 for call in bot.fake.calls_to("chat.postMessage") if call.params.get("channel") == channel
    )


# --- the table --------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One request as Slack sends it: ``send`` sets the scene and sends it, ``then``
    checks that the bot did what a person expects (after its background work)."""

    send: Callable[[Bot, dict[str, Any]], AppResponse]
    then: Callable[[Bot, AppResponse, dict[str, Any]], None] = lambda bot, response, seen: None


def _help_answer(bot: Bot, response: AppResponse, seen: dict[str, Any]) -> None:
    answer = response.json()
    assert answer["response_type"] == "ephemeral"
    assert "here is what you can do" in answer["text"]


def _help_in(channel_id: str, channel_name: str, text: str = "help", **channel: Any) -> Case:
    def send(bot: Bot, seen: dict[str, Any]) -> AppResponse:
        if channel_id.startswith("D"):
            where = bot.fake.open_im("UEN")
        else:
            where = channel_id
            if bot.fake.channel(channel_id) is None:
                bot.fake.add_channel(channel_id, name=channel_name, **channel)
        return send_form(
            bot, slash_command(bot, "UEN", text, channel_id=where, channel_name=channel_name)
        )

    return Case(send, _help_answer)


def _enterprise_help(bot: Bot, seen: dict[str, Any]) -> AppResponse:
    # A workspace of an Enterprise Grid organization adds enterprise_id/enterprise_name.
    fields = slash_command(
        bot, "UEN", "help", channel_id="C0GENERAL", channel_name="general", enterprise=ENTERPRISE
    )
    return send_form(bot, fields)


def _pair_accept(bot: Bot, seen: dict[str, Any]) -> AppResponse:
    seen["pair"], intro = proposed_pair(bot)
    return send_interaction(bot, click_in_intro(bot, intro, ids.PAIR_ACCEPT, "UEN"))


def _pair_accepted(bot: Bot, response: AppResponse, seen: dict[str, Any]) -> None:
    assert pair_state(bot, seen["pair"]) == ("proposed", True, False)
    assert any("As soon as your partner says yes" in m.text for m in bot.fake.messages_for("UEN"))


def _home_join(bot: Bot, seen: dict[str, Any]) -> AppResponse:
    payload = click_in_home(bot, "UEN", ids.HOME_JOIN)
    seen["opened"] = len(bot.fake.opened_views("UEN"))
    return send_interaction(bot, payload)


# `team` is null and `enterprise` set, as Slack sends a click in an organization-level
# context of Enterprise Grid. The stand-in installs the app on one workspace (auth.test:
# T0001, not organization-wide), and the person clicking is a member of that very
# workspace (`user.team_id`), clicking the bot's own intro or App Home: they expect the
# button to work like any other click, so it must be taken and acted on, not refused as
# coming from another workspace. (A person of another workspace of the organization is
# another install's business; serving them needs an organization-wide install.)


def _pair_accept_in_org_context(bot: Bot, seen: dict[str, Any]) -> AppResponse:
    seen["pair"], intro = proposed_pair(bot)
    payload = in_org_context(click_in_intro(bot, intro, ids.PAIR_ACCEPT, "UEN"))
    return send_interaction(bot, payload)


def _home_join_in_org_context(bot: Bot, seen: dict[str, Any]) -> AppResponse:
    payload = in_org_context(click_in_home(bot, "UEN", ids.HOME_JOIN))
    seen["opened"] = len(bot.fake.opened_views("UEN"))
    return send_interaction(bot, payload)


def _join_modal_opened(bot: Bot, response: AppResponse, seen: dict[str, Any]) -> None:
    assert bot.fake.wait_for(lambda: len(bot.fake.opened_views("UEN")) > seen["opened"])
    assert bot.fake.opened_views("UEN")[-1]["callback_id"] == ids.JOIN


def _join_modal(bot: Bot, user_id: str = "UEN") -> dict[str, Any]:
    before = len(bot.fake.opened_views(user_id))
    assert bot.command(user_id, "join").status == 200
    assert bot.fake.wait_for(lambda: len(bot.fake.opened_views(user_id)) > before)
    return bot.fake.opened_views(user_id)[-1]


def _join_submitted(bot: Bot, seen: dict[str, Any]) -> AppResponse:
    # The driver's join flow: /mentor join, then the modal submitted as Slack sends it.
    view = _join_modal(bot)
    view["blocks"] = _as_shown(view["blocks"])
    values = bot.slack.state_from(view, {ids.ROLE: "mentee", ids.TOPICS: ["genai"]})
    return bot.slack.view_submission("UEN", view, values)


def _enrolled(bot: Bot, response: AppResponse, seen: dict[str, Any]) -> None:
    with bot.ctx.db.transaction() as session:
        assert queries.participant_of(session, "UEN") is not None


def _join_closed(bot: Bot, seen: dict[str, Any]) -> AppResponse:
    # Slack sends view_closed only for a view opened with notify_on_close (a modal of an
    # earlier version of the bot, say); the person pressed Cancel.
    view = _join_modal(bot)
    view["notify_on_close"] = True
    view["blocks"] = _as_shown(view["blocks"])
    view["state"] = {"values": bot.slack.state_from(view, {ids.ROLE: "mentor"})}
    payload = {
        "type": "view_closed",
        "team": _team(bot),
        "user": _user(bot, "UEN"),
        "view": view,
        "api_app_id": bot.fake.app_id,
        "token": bot.slack.verification_token,
        "is_cleared": False,
        "is_enterprise_install": False,
        "enterprise": None,
    }
    return send_interaction(bot, payload)


def _not_enrolled(bot: Bot, response: AppResponse, seen: dict[str, Any]) -> None:
    with bot.ctx.db.transaction() as session:
        assert queries.participant_of(session, "UEN") is None


def _url_verification(bot: Bot, seen: dict[str, Any]) -> AppResponse:
    seen["challenge"] = secrets.token_urlsafe(36)
    body = {
        "token": bot.slack.verification_token,
        "challenge": seen["challenge"],
        "type": "url_verification",
    }
    return send_json(bot, body)


def _challenge_echoed(bot: Bot, response: AppResponse, seen: dict[str, Any]) -> None:
    try:
        answer = response.json()
    except ValueError:
        answer = response.body
    echoed = answer.get("challenge") if isinstance(answer, dict) else answer
    assert echoed == seen["challenge"]


def _ssl_check(bot: Bot, seen: dict[str, Any]) -> AppResponse:
    # Slack checks a slash command's URL's certificate with this form (no command in it).
    return send_form(bot, {"ssl_check": "1", "token": bot.slack.verification_token})


def _home_opened_with_view(bot: Bot, seen: dict[str, Any]) -> AppResponse:
    home_of(bot, "UEN")  # the first time, Slack sends no view; then it sends the published one
    seen["published"] = len(bot.fake.calls_to("views.publish"))
    return send_json(bot, home_opened(bot, "UEN"))


def _home_published(bot: Bot, response: AppResponse, seen: dict[str, Any]) -> None:
    assert len(bot.fake.calls_to("views.publish")) == seen["published"] + 1


def _dm(bot: Bot, seen: dict[str, Any]) -> AppResponse:
    seen["channel"] = bot.fake.open_im("UEN")
    return send_json(bot, dm_event(bot, "UEN", typed(bot, "UEN", "hello, how do I join?")))


def _answered_once(bot: Bot, response: AppResponse, seen: dict[str, Any]) -> None:
    assert posts_in(bot, seen["channel"]) == 1


def _answered_never(bot: Bot, response: AppResponse, seen: dict[str, Any]) -> None:
    assert posts_in(bot, seen["channel"]) == 0


def _answered_at_most_once(bot: Bot, response: AppResponse, seen: dict[str, Any]) -> None:
    assert posts_in(bot, seen["channel"]) <= 1


def _edited(bot: Bot, seen: dict[str, Any]) -> AppResponse:
    seen["channel"] = bot.fake.open_im("UEN")
    before = typed(bot, "UEN", "helo")
    after = dict(typed(bot, "UEN", "hello", ts=before["ts"]))
    after["client_msg_id"] = before["client_msg_id"]
    after["edited"] = {"user": "UEN", "ts": _ts()}
    after["source_team"] = after["user_team"] = bot.fake.team_id
    event = {
        "type": "message",
        "subtype": "message_changed",
        "message": after,
        "previous_message": before,
        "channel": seen["channel"],
        "hidden": True,
        "ts": _ts(),
    }
    return send_json(bot, dm_event(bot, "UEN", event))


def _deleted(bot: Bot, seen: dict[str, Any]) -> AppResponse:
    seen["channel"] = bot.fake.open_im("UEN")
    before = typed(bot, "UEN", "hello")
    event = {
        "type": "message",
        "subtype": "message_deleted",
        "previous_message": before,
        "channel": seen["channel"],
        "hidden": True,
        "deleted_ts": before["ts"],
        "ts": _ts(),
    }
    return send_json(bot, dm_event(bot, "UEN", event))


def _file_shared(bot: Bot, seen: dict[str, Any]) -> AppResponse:
    seen["channel"] = bot.fake.open_im("UEN")
    ts = _ts()
    file_id = "F" + secrets.token_hex(5).upper()
    url = f"https://files.slack.com/files-pri/{bot.fake.team_id}-{file_id}/notes.pdf"
    event = {
        "type": "message",
        "subtype": "file_share",
        "text": "my notes from the session",
        "files": [
            {
                "id": file_id,
                "created": int(time.time()),
                "timestamp": int(time.time()),
                "name": "notes.pdf",
                "title": "notes.pdf",
                "mimetype": "application/pdf",
                "filetype": "pdf",
                "pretty_type": "PDF",
                "user": "UEN",
                "user_team": bot.fake.team_id,
                "editable": False,
                "size": 48213,
                "mode": "hosted",
                "is_external": False,
                "external_type": "",
                "is_public": False,
                "public_url_shared": False,
                "display_as_bot": False,
                "username": "",
                "url_private": url,
                "url_private_download": url.replace("files-pri", "files-pri/download"),
                "permalink": f"https://{bot.fake.team_domain}.slack.com/files/UEN/{file_id}",
                "permalink_public": f"https://slack-files.com/{bot.fake.team_id}-{file_id}",
                "has_rich_preview": False,
                "file_access": "visible",
            }
        ],
        "upload": False,
        "user": "UEN",
        "display_as_bot": False,
        "ts": ts,
        "blocks": rich_text("my notes from the session"),
        "client_msg_id": str(uuid.uuid4()),
    }
    return send_json(bot, dm_event(bot, "UEN", event))


def _legacy_bot_message(bot: Bot, seen: dict[str, Any]) -> AppResponse:
    # subtype bot_message: posted by an integration (a webhook, a legacy bot) in the DM.
    seen["channel"] = bot.fake.open_im("UEN")
    event = {
        "type": "message",
        "subtype": "bot_message",
        "text": "Reminder: mentoring at 10:00",
        "ts": _ts(),
        "username": "Reminders",
        "bot_id": "B0LEGACY01",
        "icons": {"image_48": "https://a.slack-edge.com/80588/img/services/bots_48.png"},
    }
    return send_json(bot, dm_event(bot, "UEN", event))


def _own_answer_echoed(bot: Bot, seen: dict[str, Any]) -> AppResponse:
    # A person writes; the bot answers; Slack then delivers the bot's own answer as a
    # message.im event (no subtype, with bot_id and the bot's user). Answering that would
    # be an endless conversation with itself.
    seen["channel"] = channel = bot.fake.open_im("UEN")
    response = send_json(bot, dm_event(bot, "UEN", typed(bot, "UEN", "hi")))
    assert response.status == 200, response.body
    settle(bot)
    [answer] = [m for m in bot.fake.messages(channel) if m.method == "chat.postMessage"]
    echoed = _bot_message(bot, answer, _as_shown(answer.blocks) or rich_text(answer.text))
    return send_json(bot, dm_event(bot, "UEN", echoed))


def _user_changed(bot: Bot, seen: dict[str, Any]) -> AppResponse:
    bot.fake.set_user("UEN", tz="Europe/Lisbon")
    profile = bot.fake.user("UEN")
    assert profile is not None
    profile["profile"].update(
        {
            "title": "Engineer",
            "phone": "",
            "skype": "",
            "status_text": "",
            "status_emoji": "",
            "status_expiration": 0,
            "avatar_hash": "g" + secrets.token_hex(5),
            "first_name": "Erin",
            "last_name": "",
            "image_72": "https://secure.gravatar.com/avatar/x.jpg?s=72",
        }
    )
    profile.update({"is_email_confirmed": True, "who_can_share_contact_card": "EVERYONE"})
    event = {"type": "user_change", "user": profile, "cache_ts": int(time.time())}
    return send_json(bot, event_callback(bot, event))


def _app_uninstalled(bot: Bot, seen: dict[str, Any]) -> AppResponse:
    return send_json(bot, event_callback(bot, {"type": "app_uninstalled"}))


def _tokens_revoked(bot: Bot, seen: dict[str, Any]) -> AppResponse:
    event = {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": [bot.fake.bot_user_id]}}
    return send_json(bot, event_callback(bot, event))


def _app_rate_limited(bot: Bot, seen: dict[str, Any]) -> AppResponse:
    # Not an event_callback: Slack's own notice that it holds back the app's events.
    body = {
        "token": bot.slack.verification_token,
        "type": "app_rate_limited",
        "team_id": bot.fake.team_id,
        "minute_rate_limited": int(time.time()) // 60 * 60,
        "api_app_id": bot.fake.app_id,
    }
    return send_json(bot, body)


CASES = [
    pytest.param(_help_in("C0GENERAL", "general"), id="command-public-channel"),
    pytest.param(_help_in("D", "directmessage"), id="command-dm"),
    pytest.param(_help_in("C0SECRET", "privategroup", is_private=True), id="command-private"),
    pytest.param(_help_in("C0GENERAL", "general", "help payload"), id="command-word-payload"),
    pytest.param(_help_in("C0PAYLOAD", "payload-team"), id="command-in-payload-team"),
    pytest.param(Case(_enterprise_help, _help_answer), id="command-enterprise-workspace"),
    pytest.param(Case(_pair_accept, _pair_accepted), id="block_actions-message"),
    pytest.param(Case(_home_join, _join_modal_opened), id="block_actions-home"),
    pytest.param(
        Case(_pair_accept_in_org_context, _pair_accepted), id="block_actions-message-team-null"
    ),
    pytest.param(
        Case(_home_join_in_org_context, _join_modal_opened), id="block_actions-home-team-null"
    ),
    pytest.param(Case(_join_submitted, _enrolled), id="view_submission-join"),
    pytest.param(Case(_join_closed, _not_enrolled), id="view_closed"),
    pytest.param(Case(_url_verification, _challenge_echoed), id="url_verification"),
    pytest.param(Case(_ssl_check), id="ssl_check"),
    pytest.param(Case(_home_opened_with_view, _home_published), id="app_home_opened"),
    pytest.param(Case(_dm, _answered_once), id="message.im"),
    pytest.param(Case(_edited, _answered_never), id="message.im-message_changed"),
    pytest.param(Case(_deleted, _answered_never), id="message.im-message_deleted"),
    pytest.param(Case(_file_shared, _answered_at_most_once), id="message.im-file_share"),
    pytest.param(Case(_legacy_bot_message, _answered_never), id="message.im-bot_message"),
    pytest.param(Case(_own_answer_echoed, _answered_once), id="message.im-own-answer"),
    pytest.param(Case(_user_changed), id="user_change"),
    pytest.param(Case(_app_uninstalled), id="app_uninstalled"),
    pytest.param(Case(_tokens_revoked), id="tokens_revoked"),
    pytest.param(Case(_app_rate_limited), id="app_rate_limited"),
]


def tracebacks(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        f"{record.name}: {record.getMessage()}"
        for record in caplog.records
        if record.exc_info or "Traceback" in record.getMessage()
    ]


@pytest.fixture
def log(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    with caplog.at_level(logging.INFO):
        yield caplog


@pytest.mark.parametrize("case", CASES)
def test_what_slack_sends_is_taken(bot: Bot, log: pytest.LogCaptureFixture, case: Case) -> None:
    seen: dict[str, Any] = {}
    response = case.send(bot, seen)
    settle(bot)
    assert response.status == 200, f"{response.status} {response.body}"
    assert not tracebacks(log)
    assert "refused" not in log.text
    case.then(bot, response, seen)


#: One case per surface, sent over HTTP to the bot under waitress (the others are handed
#: to its WSGI application in this process, byte for byte the same).
OVER_HTTP = [
    case
    for case in CASES
    if case.id
    in {
        "command-public-channel",
        "block_actions-message",
        "view_submission-join",
        "app_home_opened",
        "url_verification",
    }
]


@pytest.mark.parametrize("case", OVER_HTTP)
def test_what_slack_sends_over_http_is_taken(
    bot: Bot, log: pytest.LogCaptureFixture, case: Case
) -> None:
    bot.slack = SlackDriver(bot.url + "/slack/events", SIGNING_SECRET, bot.fake)
    test_what_slack_sends_is_taken(bot, log, case)


def test_a_replayed_click_is_acted_on_once(bot: Bot, log: pytest.LogCaptureFixture) -> None:
    pair_id, intro = proposed_pair(bot)
    first = send_interaction(bot, click_in_intro(bot, intro, ids.PAIR_ACCEPT, "UEN"))
    settle(bot)
    assert first.status == 200
    assert pair_state(bot, pair_id) == ("proposed", True, False)
    told = len(bot.fake.messages_for("UEN"))

    again = bot.slack.replay()  # the same bytes, the same signature, the same trigger_id
    settle(bot)
    assert (again.status, again.body) == (200, "")
    assert len(bot.fake.messages_for("UEN")) == told
    assert not any("You already said yes" in m.text for m in bot.fake.messages_for("UEN"))
    assert pair_state(bot, pair_id) == ("proposed", True, False)
    assert not tracebacks(log)
