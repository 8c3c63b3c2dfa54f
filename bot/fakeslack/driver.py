"""Slack's side of the conversation: requests Slack sends to the app, signed like Slack.

:class:`SlackDriver` posts slash commands, interactivity payloads and Events API
envelopes to the app's request URL with v0 signatures, pulling trigger_ids and
response_urls from a :class:`~bot.fakeslack.server.FakeSlack` so that the app's
follow-up Web API calls (views.open, response_url posts) work against the fake.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import io
import json
import logging
import secrets
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from datetime import time as clock_time
from typing import Any
from urllib.parse import unquote, urlencode, urlsplit

from .records import Message, iter_elements
from .server import FakeSlack

__all__ = ["AppResponse", "SlackDriver", "WsgiApp", "state_from"]

#: A WSGI application: ``app(environ, start_response) -> body chunks``.
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

_FORM = "application/x-www-form-urlencoded"
_JSON = "application/json"
_USER_AGENT = "Slackbot 1.0 (+https://api.slack.com/robots)"
_TEXT_INPUTS = frozenset(
    {"plain_text_input", "email_text_input", "url_text_input", "number_input", "rich_text_input"}
)


@dataclass(frozen=True)
class AppResponse:
    """What the app answered.

    Attributes:
        status: HTTP status code.
        headers: Response headers (original capitalisation).
        body: Response body as text.
    """

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""

    @property
    def ok(self) -> bool:
        """Whether the status is 2xx."""
        return 200 <= self.status < 300

    def json(self) -> Any:
        """Parse the body as JSON (``None`` for an empty body)."""
        return json.loads(self.body) if self.body.strip() else None


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def _find_option(element: Mapping[str, Any], value: Any) -> dict[str, Any]:
    """Pick the option of a select/radio/checkbox element whose value matches."""
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options.extend(group.get("options") or [])
    for option in options:
        if option.get("value") == value:
            return copy.deepcopy(dict(option))
    known = [o.get("value") for o in options]
    raise ValueError(
        f"{value!r} is not an option of {element.get('action_id')!r}; options: {known}"
    )


def _state_value(element: Mapping[str, Any], answer: Any) -> dict[str, Any]:
    """Build one ``state.values[block_id][action_id]`` entry for an element."""
    kind = str(element.get("type"))
    if isinstance(answer, Mapping) and answer.get("type") == kind:
        return dict(answer)
    state: dict[str, Any] = {"type": kind}
    if kind in _TEXT_INPUTS:
        state["value"] = None if answer is None else str(answer)
    elif kind in ("static_select", "radio_buttons", "external_select"):
        if answer is None:
            state["selected_option"] = None
        elif kind == "external_select":
            state["selected_option"] = (
                dict(answer)
                if isinstance(answer, Mapping)
                else {"text": _plain(str(answer)), "value": answer}
            )
        else:
            state["selected_option"] = _find_option(element, answer)
    elif kind in ("multi_static_select", "checkboxes"):
        values = [] if answer is None else list(answer)
        state["selected_options"] = [_find_option(element, v) for v in values]
    elif kind == "multi_external_select":
        state["selected_options"] = [dict(v) for v in answer or []]
    elif kind == "timepicker":
        if isinstance(answer, clock_time):
            answer = answer.strftime("%H:%M")
        state["selected_time"] = answer
    elif kind == "datepicker":
        if isinstance(answer, datetime):
            answer = answer.date()
        if isinstance(answer, date):
            answer = answer.isoformat()
        state["selected_date"] = answer
    elif kind == "datetimepicker":
        if isinstance(answer, datetime):
            answer = int(answer.timestamp())
        state["selected_date_time"] = answer
    elif kind == "users_select":
        state["selected_user"] = answer
    elif kind == "multi_users_select":
        state["selected_users"] = list(answer or [])
    elif kind == "conversations_select":
        state["selected_conversation"] = answer
    elif kind == "multi_conversations_select":
        state["selected_conversations"] = list(answer or [])
    elif kind == "channels_select":
        state["selected_channel"] = answer
    elif kind == "multi_channels_select":
        state["selected_channels"] = list(answer or [])
    else:
        state["value"] = answer
    return state


def state_from(view: Mapping[str, Any], answers: Mapping[str, Any]) -> dict[str, Any]:
    """Build a modal's ``state.values`` the way Slack does on submission.

    Every input block of the view appears (unanswered ones empty, as in Slack).
    Answers are keyed by ``block_id`` (or, failing that, the element's ``action_id``)
    and given as plain Python values: text for text inputs, the option *value* for
    radio buttons and selects (a list of values for checkboxes and multi-selects),
    ``"HH:MM"`` or :class:`datetime.time` for timepickers, ``"YYYY-MM-DD"`` or
    :class:`datetime.date` for datepickers, ids for user/conversation/channel selects.
    A dict with the element's ``type`` is used as-is.

    Args:
        view: The view as the bot opened it (e.g. from ``FakeSlack.opened_views()``).
        answers: ``{block_id_or_action_id: answer}``.

    Returns:
        ``{block_id: {action_id: {"type": ..., ...}}}``.

    Raises:
        KeyError: When an answer matches no input block of the view.
        ValueError: When an option value is not offered by the element.
    """
    remaining = dict(answers)
    values: dict[str, Any] = {}
    for block in view.get("blocks") or []:
        if block.get("type") != "input" or not isinstance(block.get("element"), Mapping):
            continue
        element = block["element"]
        block_id = str(block.get("block_id") or "")
        action_id = str(element.get("action_id") or "")
        if block_id in remaining:
            answer = remaining.pop(block_id)
        elif action_id in remaining:
            answer = remaining.pop(action_id)
        else:
            answer = None
        values.setdefault(block_id, {})[action_id] = _state_value(element, answer)
    if remaining:
        raise KeyError(
            f"no input block for {sorted(remaining)} in view {view.get('callback_id')!r}"
        )
    return values


class SlackDriver:
    """Sends requests to the app as Slack would, signed with the app's signing secret.

    Every sending method accepts the forging options ``signing_secret`` (sign with a
    different secret), ``timestamp`` (e.g. a stale one) and ``tamper`` (alter the body
    after signing), to test that the app rejects forged requests.

    Args:
        app_url: The app's request URL, e.g. ``"http://127.0.0.1:3000/slack/events"``.
        signing_secret: The app's signing secret.
        fake: The fake Slack issuing trigger_ids and response_urls.
        team_id: Workspace id; defaults to the fake's.
        api_app_id: App id put in payloads.
        verification_token: The deprecated verification token put in payloads.
        timeout: Seconds to wait for the app's answer.
        wsgi: The app's WSGI application: when given, each request is handed to it in
            this process (the same bytes and headers, in the environ a WSGI server builds
            from them) instead of being POSTed to ``app_url`` over HTTP.
    """

    def __init__(
        self,
        app_url: str,
        signing_secret: str,
        fake: FakeSlack,
        team_id: str | None = None,
        *,
        api_app_id: str | None = None,
        verification_token: str = "fake-verification-token",  # noqa: S107 - not a secret
        timeout: float = 10.0,
        wsgi: WsgiApp | None = None,
    ) -> None:
        self.app_url = app_url
        self.wsgi = wsgi
        self.signing_secret = signing_secret
        self.fake = fake
        self.team_id = team_id or fake.team_id
        self.api_app_id = api_app_id or fake.app_id
        self.verification_token = verification_token
        self.timeout = timeout
        self.last_request: tuple[str, dict[str, str]] = ("", {})

    # -- signing and sending --------------------------------------------------------------

    def sign(
        self, body: str, *, timestamp: int | None = None, signing_secret: str | None = None
    ) -> dict[str, str]:
        """Compute Slack's signature headers for a body.

        Args:
            body: The exact request body.
            timestamp: Unix time to sign with (default: now).
            signing_secret: Secret to sign with (default: the app's).

        Returns:
            ``X-Slack-Request-Timestamp`` and ``X-Slack-Signature`` headers.
        """
        ts = str(int(time.time()) if timestamp is None else timestamp)
        secret = self.signing_secret if signing_secret is None else signing_secret
        digest = hmac.new(
            secret.encode("utf-8"), f"v0:{ts}:{body}".encode(), hashlib.sha256
        ).hexdigest()
        return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}

    def post(
        self,
        body: str,
        content_type: str,
        *,
        headers: Mapping[str, str] | None = None,
        signing_secret: str | None = None,
        timestamp: int | None = None,
        tamper: bool = False,
    ) -> AppResponse:
        """POST a signed body to the app.

        Args:
            body: Request body.
            content_type: ``application/x-www-form-urlencoded`` or ``application/json``.
            headers: Extra headers.
            signing_secret: Forge: sign with this secret instead.
            timestamp: Forge: sign with this Unix time instead of now.
            tamper: Forge: change the body after signing.

        Returns:
            The app's answer (HTTP errors included, never raised).
        """
        all_headers = {"Content-Type": content_type, "User-Agent": _USER_AGENT}
        all_headers.update(self.sign(body, timestamp=timestamp, signing_secret=signing_secret))
        all_headers.update(headers or {})
        if tamper:
            body = body + " " if content_type == _JSON else body + "&tampered=1"
        self.last_request = (body, all_headers)
        return self._send(body, all_headers)

    def replay(self) -> AppResponse:
        """Send the last request again, byte for byte with its signature, as someone who
        captured it would (within the five minutes its timestamp is accepted)."""
        body, headers = self.last_request
        return self._send(body, headers)

    def _send(self, body: str, all_headers: Mapping[str, str]) -> AppResponse:
        if self.wsgi is not None:
            return self._call(body.encode("utf-8"), all_headers)
        request = urllib.request.Request(  # noqa: S310 - the URL is the app under test
            self.app_url, data=body.encode("utf-8"), headers=dict(all_headers), method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                return AppResponse(
                    response.status,
                    dict(response.headers.items()),
                    response.read().decode("utf-8", errors="replace"),
                )
        except urllib.error.HTTPError as error:
            return AppResponse(
                error.code,
                dict(error.headers.items()),
                error.read().decode("utf-8", errors="replace"),
            )

    def _call(self, data: bytes, all_headers: Mapping[str, str]) -> AppResponse:
        """Hand a request to the WSGI application in this process, as a WSGI server would:
        the headers in the environ, the body as ``wsgi.input``; an exception is logged
        and answered 500, as waitress does."""
        assert self.wsgi is not None
        parts = urlsplit(self.app_url)
        environ: dict[str, Any] = {
            "REQUEST_METHOD": "POST",
            "SCRIPT_NAME": "",
            "PATH_INFO": unquote(parts.path) or "/",
            "QUERY_STRING": parts.query,
            "SERVER_NAME": parts.hostname or "localhost",
            "SERVER_PORT": str(parts.port or 80),
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": parts.netloc,
            "CONTENT_LENGTH": str(len(data)),
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": parts.scheme or "http",
            "wsgi.input": io.BytesIO(data),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        for name, value in all_headers.items():
            key = name.upper().replace("-", "_")
            if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                environ[key] = value
            else:
                environ["HTTP_" + key] = value
        answer: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]], *_: Any) -> None:
            answer["status"], answer["headers"] = status, headers

        try:
            chunks = self.wsgi(environ, start_response)
            try:
                content = b"".join(chunks)
            finally:
                close = getattr(chunks, "close", None)
                if close is not None:
                    close()
        except Exception:
            logging.getLogger("waitress").exception(
                "Exception while serving %s", environ["PATH_INFO"]
            )
            text = "The server encountered an unexpected internal server error"
            return AppResponse(500, {"Content-Type": "text/plain"}, text)
        return AppResponse(
            int(str(answer["status"]).split(" ", 1)[0]),
            dict(answer["headers"]),
            content.decode("utf-8", errors="replace"),
        )

    def _form(self, fields: Mapping[str, Any], **forge: Any) -> AppResponse:
        return self.post(urlencode(fields), _FORM, **forge)

    def _payload(self, payload: Mapping[str, Any], **forge: Any) -> AppResponse:
        return self._form({"payload": json.dumps(payload)}, **forge)

    # -- helpers --------------------------------------------------------------------------

    def _user(self, user_id: str) -> dict[str, Any]:
        user = self.fake.user(user_id)
        name = user["name"] if user else user_id.lower()
        return {"id": user_id, "username": name, "name": name, "team_id": self.team_id}

    def _team(self) -> dict[str, Any]:
        return {"id": self.team_id, "domain": self.fake.team_domain}

    def _channel_name(self, channel_id: str) -> str:
        channel = self.fake.channel(channel_id)
        if channel is None:
            return "unknown"
        if channel.get("is_im"):
            return "directmessage"
        if channel.get("is_mpim"):
            return "mpdm"
        return str(channel.get("name") or "privategroup")

    # -- slash commands and interactivity ---------------------------------------------------

    def command(
        self,
        user_id: str,
        text: str,
        *,
        command: str = "/mentor",
        channel_id: str = "C0GENERAL",
        signing_secret: str | None = None,
        timestamp: int | None = None,
        tamper: bool = False,
        trigger_id: str | None = None,
    ) -> AppResponse:
        """Send a slash command, with every field Slack sends.

        Args:
            user_id: Who typed it.
            text: What followed the command.
            command: The command, e.g. ``"/mentor"``.
            channel_id: Where it was typed.
            signing_secret: Forge: sign with this secret.
            timestamp: Forge: sign with this Unix time.
            tamper: Forge: change the body after signing.
            trigger_id: Send this trigger ID (an earlier command's, to deliver that
                command again) instead of a fresh one.

        Returns:
            The app's answer.
        """
        fields = {
            "token": self.verification_token,
            "team_id": self.team_id,
            "team_domain": self.fake.team_domain,
            "channel_id": channel_id,
            "channel_name": self._channel_name(channel_id),
            "user_id": user_id,
            "user_name": self._user(user_id)["username"],
            "command": command,
            "text": text,
            "api_app_id": self.api_app_id,
            "is_enterprise_install": "false",
            "response_url": self.fake.new_response_url(user_id, channel_id=channel_id),
            "trigger_id": trigger_id or self.fake.new_trigger_id(user_id),
        }
        return self._form(fields, signing_secret=signing_secret, timestamp=timestamp, tamper=tamper)

    def block_action(
        self,
        user_id: str,
        action_id: str,
        *,
        value: str | None = None,
        block_id: str | None = None,
        container: Mapping[str, Any] | None = None,
        view: Mapping[str, Any] | None = None,
        message: Message | Mapping[str, Any] | None = None,
        channel_id: str | None = None,
        selected_option: Any = None,
        selected_options: list[Any] | None = None,
        action_type: str | None = None,
        action_fields: Mapping[str, Any] | None = None,
        state_values: Mapping[str, Any] | None = None,
        strict: bool = True,
        signing_secret: str | None = None,
        timestamp: int | None = None,
        tamper: bool = False,
    ) -> AppResponse:
        """Send a ``block_actions`` payload: someone clicked or picked something.

        Give the recorded ``message`` (from ``FakeSlack.messages_for``) or ``view`` the
        element lives in: the element is then looked up by ``action_id`` to fill in
        ``block_id``, its type, text and value, and the payload carries the message
        (with a ``response_url`` tied to it) or the view, as Slack's would.

        Args:
            user_id: Who interacted.
            action_id: The element's action_id.
            value: Button value (default: the element's).
            block_id: Block of the element (default: found in message/view, else ``"b"``).
            container: Override the ``container`` object.
            view: The modal or home view the element is in.
            message: The message the element is in.
            channel_id: Channel of the message (default: the message's).
            selected_option: For selects/radios: an option value (looked up in the
                element) or a full option dict.
            selected_options: For multi-selects/checkboxes: option values or dicts.
            action_type: Element type (default: the element's, else ``button`` or
                ``static_select``).
            action_fields: Extra fields merged into the action (e.g. ``selected_date``).
            state_values: ``state.values`` to send (default: empty).
            strict: Raise ``LookupError`` when the given message/view has no such action_id
                (Slack cannot send an action for an element that is not shown).
            signing_secret: Forge: sign with this secret.
            timestamp: Forge: sign with this Unix time.
            tamper: Forge: change the body after signing.

        Returns:
            The app's answer.
        """
        message_dict: dict[str, Any] | None = None
        ephemeral = False
        if isinstance(message, Message):
            channel_id = channel_id or message.channel
            ephemeral = message.ephemeral
            message_dict = message.to_slack()
        elif message is not None:
            message_dict = copy.deepcopy(dict(message))
        source = view.get("blocks") if view is not None else None
        if source is None and message_dict is not None:
            source = message_dict.get("blocks")
        element: dict[str, Any] = {}
        found_block: str | None = None
        for found_block_id, candidate in iter_elements(source):
            if candidate.get("action_id") == action_id:
                element, found_block = candidate, found_block_id
                break
        if strict and (view is not None or message is not None) and not element:
            where = "view" if view is not None else "message"
            raise LookupError(f"no element with action_id {action_id!r} in the {where}")

        kind = action_type or element.get("type")
        if kind is None:
            kind = "static_select" if selected_option is not None else "button"
        action: dict[str, Any] = {
            "action_id": action_id,
            "block_id": block_id or found_block or "b",
            "type": kind,
            "action_ts": f"{time.time():.6f}",
        }
        if kind == "button":
            action["text"] = copy.deepcopy(element.get("text") or _plain(action_id))
            button_value = value if value is not None else element.get("value")
            if button_value is not None:
                action["value"] = button_value
            if element.get("style"):
                action["style"] = element["style"]
        elif value is not None:
            action["value"] = value
        if selected_option is not None:
            action["selected_option"] = (
                dict(selected_option)
                if isinstance(selected_option, Mapping)
                else _find_option(element, selected_option)
            )
        if selected_options is not None:
            action["selected_options"] = [
                dict(o) if isinstance(o, Mapping) else _find_option(element, o)
                for o in selected_options
            ]
        action.update(action_fields or {})

        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": self._user(user_id),
            "api_app_id": self.api_app_id,
            "token": self.verification_token,
            "trigger_id": self.fake.new_trigger_id(user_id),
            "team": self._team(),
            "enterprise": None,
            "is_enterprise_install": False,
            "state": {"values": dict(state_values or {})},
            "actions": [action],
        }
        if view is not None:
            shown = copy.deepcopy(dict(view))
            shown["state"] = {"values": dict(state_values or {})}
            payload["view"] = shown
            payload["container"] = {"type": "view", "view_id": shown.get("id")}
        else:
            ts = message_dict.get("ts") if message_dict else None
            payload["container"] = {
                "type": "message",
                "message_ts": ts,
                "channel_id": channel_id,
                "is_ephemeral": ephemeral,
            }
            if channel_id is not None:
                payload["channel"] = {"id": channel_id, "name": self._channel_name(channel_id)}
            if message_dict is not None and not ephemeral:
                payload["message"] = message_dict
            payload["response_url"] = self.fake.new_response_url(
                user_id, channel_id=channel_id, message_ts=ts
            )
        if container is not None:
            payload["container"] = dict(container)
        return self._payload(
            payload, signing_secret=signing_secret, timestamp=timestamp, tamper=tamper
        )

    def view_submission(
        self,
        user_id: str,
        view: Mapping[str, Any],
        values: Mapping[str, Any] | None = None,
        *,
        apply: bool = True,
        signing_secret: str | None = None,
        timestamp: int | None = None,
        tamper: bool = False,
    ) -> AppResponse:
        """Send a ``view_submission``: someone pressed the modal's submit button.

        Args:
            user_id: Who submitted.
            view: The view as opened (from ``FakeSlack.opened_views()``).
            values: ``state.values`` (see :func:`state_from`).
            apply: Let the fake apply the app's ``response_action`` (update/push/clear)
                to its record of open modals, as Slack's client would.
            signing_secret: Forge: sign with this secret.
            timestamp: Forge: sign with this Unix time.
            tamper: Forge: change the body after signing.

        Returns:
            The app's answer (``json()`` shows any ``response_action``/``errors``).
        """
        submitted = copy.deepcopy(dict(view))
        submitted["state"] = {"values": copy.deepcopy(dict(values or {}))}
        payload = {
            "type": "view_submission",
            "team": self._team(),
            "user": self._user(user_id),
            "api_app_id": self.api_app_id,
            "token": self.verification_token,
            "trigger_id": self.fake.new_trigger_id(user_id),
            "view": submitted,
            "response_urls": [],
            "is_enterprise_install": False,
            "enterprise": None,
        }
        response = self._payload(
            payload, signing_secret=signing_secret, timestamp=timestamp, tamper=tamper
        )
        if apply and response.status == 200 and submitted.get("id"):
            try:
                answer = response.json()
            except ValueError:
                answer = None
            self.fake.apply_view_response(
                user_id, str(submitted["id"]), answer if isinstance(answer, dict) else None
            )
        return response

    @staticmethod
    def state_from(view: Mapping[str, Any], answers: Mapping[str, Any]) -> dict[str, Any]:
        """Build ``state.values`` for a view; same as the module-level :func:`state_from`.

        Args:
            view: The view as opened.
            answers: Plain answers keyed by block_id (or action_id).

        Returns:
            ``{block_id: {action_id: {"type": ..., ...}}}``.
        """
        return state_from(view, answers)

    def submit(
        self, user_id: str, view: Mapping[str, Any], answers: Mapping[str, Any], **options: Any
    ) -> AppResponse:
        """Fill in a modal and submit it: ``view_submission(user, view, state_from(...))``.

        Args:
            user_id: Who submitted.
            view: The view as opened.
            answers: Plain answers keyed by block_id (see :func:`state_from`).
            **options: Passed on to :meth:`view_submission`.

        Returns:
            The app's answer.
        """
        return self.view_submission(user_id, view, state_from(view, answers), **options)

    def view_closed(
        self,
        user_id: str,
        view: Mapping[str, Any],
        *,
        is_cleared: bool = False,
        signing_secret: str | None = None,
        timestamp: int | None = None,
        tamper: bool = False,
    ) -> AppResponse:
        """Send a ``view_closed`` (sent by Slack only for views with ``notify_on_close``).

        Args:
            user_id: Who closed the modal.
            view: The view as opened.
            is_cleared: Whether the whole stack was closed.
            signing_secret: Forge: sign with this secret.
            timestamp: Forge: sign with this Unix time.
            tamper: Forge: change the body after signing.

        Returns:
            The app's answer.
        """
        payload = {
            "type": "view_closed",
            "team": self._team(),
            "user": self._user(user_id),
            "api_app_id": self.api_app_id,
            "token": self.verification_token,
            "view": copy.deepcopy(dict(view)),
            "is_cleared": is_cleared,
            "is_enterprise_install": False,
            "enterprise": None,
        }
        return self._payload(
            payload, signing_secret=signing_secret, timestamp=timestamp, tamper=tamper
        )

    # -- Events API -----------------------------------------------------------------------

    def event(
        self,
        event: Mapping[str, Any],
        *,
        event_id: str | None = None,
        retry_num: int | None = None,
        retry_reason: str = "http_timeout",
        signing_secret: str | None = None,
        timestamp: int | None = None,
        tamper: bool = False,
    ) -> AppResponse:
        """Deliver an Events API ``event_callback``.

        Args:
            event: The inner event, e.g. ``{"type": "app_home_opened", "user": "U1", ...}``;
                ``event_ts`` is added when missing.
            event_id: Envelope event_id (generated when ``None``); reuse it with
                ``retry_num`` to simulate Slack's redelivery.
            retry_num: Adds ``X-Slack-Retry-Num`` / ``X-Slack-Retry-Reason`` headers.
            retry_reason: Value of ``X-Slack-Retry-Reason``.
            signing_secret: Forge: sign with this secret.
            timestamp: Forge: sign with this Unix time.
            tamper: Forge: change the body after signing.

        Returns:
            The app's answer.
        """
        inner = copy.deepcopy(dict(event))
        inner.setdefault("event_ts", f"{time.time():.6f}")
        envelope = {
            "token": self.verification_token,
            "team_id": self.team_id,
            "context_team_id": self.team_id,
            "context_enterprise_id": None,
            "api_app_id": self.api_app_id,
            "event": inner,
            "type": "event_callback",
            "event_id": event_id or f"Ev{secrets.token_hex(5).upper()}",
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": self.team_id,
                    "user_id": self.fake.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": f"4-{secrets.token_hex(8)}",
        }
        headers = {}
        if retry_num is not None:
            headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": retry_reason}
        return self.post(
            json.dumps(envelope),
            _JSON,
            headers=headers,
            signing_secret=signing_secret,
            timestamp=timestamp,
            tamper=tamper,
        )

    def url_verification(
        self,
        challenge: str,
        *,
        signing_secret: str | None = None,
        timestamp: int | None = None,
        tamper: bool = False,
    ) -> AppResponse:
        """Send the ``url_verification`` handshake Slack sends when the URL is configured.

        Args:
            challenge: The challenge the app must echo back.
            signing_secret: Forge: sign with this secret.
            timestamp: Forge: sign with this Unix time.
            tamper: Forge: change the body after signing.

        Returns:
            The app's answer.
        """
        body = {
            "token": self.verification_token,
            "challenge": challenge,
            "type": "url_verification",
        }
        return self.post(
            json.dumps(body),
            _JSON,
            signing_secret=signing_secret,
            timestamp=timestamp,
            tamper=tamper,
        )

    def app_home_opened(self, user_id: str, *, tab: str = "home", **forge: Any) -> AppResponse:
        """Send ``app_home_opened`` for a person (with their current home view, if any).

        Args:
            user_id: Who opened the App Home.
            tab: ``"home"`` or ``"messages"``.
            **forge: ``event_id``, ``retry_num`` and forging options of :meth:`event`.

        Returns:
            The app's answer.
        """
        event: dict[str, Any] = {
            "type": "app_home_opened",
            "user": user_id,
            "channel": self.fake.open_im(user_id),
            "tab": tab,
        }
        home = self.fake.home_view(user_id)
        if home is not None:
            event["view"] = home
        return self.event(event, **forge)

    def message_im(self, user_id: str, text: str, **forge: Any) -> AppResponse:
        """Send a ``message`` event: a person wrote to the bot in their IM.

        Args:
            user_id: The author.
            text: What they wrote.
            **forge: ``event_id``, ``retry_num`` and forging options of :meth:`event`.

        Returns:
            The app's answer.
        """
        ts = f"{time.time():.6f}"
        event = {
            "type": "message",
            "channel_type": "im",
            "channel": self.fake.open_im(user_id),
            "user": user_id,
            "text": text,
            "ts": ts,
            "event_ts": ts,
            "team": self.team_id,
        }
        return self.event(event, **forge)

    def user_change(self, user_id: str, **forge: Any) -> AppResponse:
        """Send ``user_change`` with the person's current profile (after ``set_user``).

        Args:
            user_id: The changed person (must exist in the fake).
            **forge: ``event_id``, ``retry_num`` and forging options of :meth:`event`.

        Returns:
            The app's answer.
        """
        return self.event({"type": "user_change", "user": self._profile(user_id)}, **forge)

    def team_join(self, user_id: str, **forge: Any) -> AppResponse:
        """Send ``team_join`` for a person added to the fake.

        Args:
            user_id: The new member (must exist in the fake).
            **forge: ``event_id``, ``retry_num`` and forging options of :meth:`event`.

        Returns:
            The app's answer.
        """
        return self.event({"type": "team_join", "user": self._profile(user_id)}, **forge)

    def _profile(self, user_id: str) -> dict[str, Any]:
        user = self.fake.user(user_id)
        if user is None:
            raise KeyError(user_id)
        return user
