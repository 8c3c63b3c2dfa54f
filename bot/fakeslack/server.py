"""A local stand-in for the Slack Web API, served over HTTP on loopback.

:class:`FakeSlack` answers the Web API methods a Slack app needs (``/api/<method>``),
the upload URLs of files.getUploadURLExternal, and ``response_url`` hooks, the way
Slack does: same answer shapes, same error codes, Block Kit limits, trigger_id rules,
rate limits (opt-in) and injectable faults. Every request is recorded, and every
message is kept per person it reached, so tests can ask "what did U1 receive?".

Typical use::

    with FakeSlack() as slack:
        slack.add_user("U1", name="ada", tz="Europe/Berlin")
        client = WebClient(token=slack.bot_token, base_url=slack.api_url)
        client.chat_postMessage(channel="U1", text="Hello")
        assert slack.messages_for("U1")[0].text == "Hello"
"""

from __future__ import annotations

import contextlib
import copy
import email.parser
import email.policy
import json
import mimetypes
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .blockkit import Rejection, check_message, check_view
from .records import Call, FileRecord, Message, RateLimits, Revision

__all__ = ["ApiError", "FakeSlack"]

_JSON_IN_FORM = ("blocks", "view", "attachments", "files", "metadata", "unfurls")
_UPLOAD_PREFIX = "/upload/v1/"
_HOOK_PREFIX = "/hooks/response/"
_MAX_HOOK_USES = 5
_HOOK_LIFETIME = 30 * 60.0
_MAX_MPIM_USERS = 8
_MAX_VIEW_STACK = 3
_FAULT_ERRORS = {429: "ratelimited", 500: "internal_error", 503: "service_unavailable"}


class ApiError(Exception):
    """A Web API failure answered as HTTP 200 with ``{"ok": false, "error": ...}``.

    Args:
        error: The Slack error code.
        extra: More fields for the answer (e.g. ``response_metadata``).
    """

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra

    @classmethod
    def from_rejection(cls, rejection: Rejection) -> ApiError:
        """Build the error Slack answers for a Block Kit rejection.

        Args:
            rejection: What :func:`~bot.fakeslack.blockkit.check_message` or
                :func:`~bot.fakeslack.blockkit.check_view` found.

        Returns:
            The matching :class:`ApiError`.
        """
        body = rejection.to_response()
        body.pop("ok")
        error = body.pop("error")
        return cls(error, **body)


class _RateLimited(Exception):
    """Raised inside a handler when the call exceeds a rate limit."""


@dataclass
class _User:
    id: str
    team_id: str
    name: str
    real_name: str
    display_name: str
    tz: str
    locale: str
    is_admin: bool
    is_owner: bool
    is_bot: bool
    deleted: bool = False
    email: str | None = None
    updated: int = 0


#: The bot scope each Web API method needs, as Slack documents it (empty: none).
METHOD_SCOPES: dict[str, str] = {
    "users.info": "users:read",
    "users.list": "users:read",
    "chat.postMessage": "chat:write",
    "chat.postEphemeral": "chat:write",
    "chat.update": "chat:write",
    "chat.delete": "chat:write",
    "files.getUploadURLExternal": "files:write",
    "files.completeUploadExternal": "files:write",
    "files.info": "files:read",
}
#: Methods whose scope depends on the kind of conversation: (public, private, im, mpim).
CONVERSATION_SCOPES: dict[str, tuple[str, str, str, str]] = {
    "conversations.history": ("channels:history", "groups:history", "im:history", "mpim:history"),
    "conversations.info": ("channels:read", "groups:read", "im:read", "mpim:read"),
    "conversations.members": ("channels:read", "groups:read", "im:read", "mpim:read"),
    "conversations.open": ("channels:manage", "groups:write", "im:write", "mpim:write"),
}


@dataclass
class _Channel:
    id: str
    name: str
    kind: str  # "channel" | "im" | "mpim"
    is_private: bool
    members: list[str]
    created: int
    user: str | None = None  # the other person, for an IM
    is_archived: bool = False


@dataclass
class _Trigger:
    user_id: str | None
    issued: float
    used: bool = False


@dataclass
class _Hook:
    user_id: str | None
    channel_id: str | None
    message_ts: str | None
    created: float
    uses: int = 0


@dataclass
class _ViewRecord:
    view: dict[str, Any]
    user_id: str | None


@dataclass(frozen=True)
class _Fault:
    status: int
    retry_after: int
    error: str | None
    drop: bool
    channel: str | None = None


@dataclass
class _Request:
    path: str
    query: str
    headers: dict[str, str]
    body: bytes


@dataclass
class _Reply:
    status: int
    body: bytes
    content_type: str = "application/json; charset=utf-8"
    headers: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def json(cls, status: int, payload: Mapping[str, Any], **headers: str) -> _Reply:
        return cls(
            status,
            json.dumps(payload).encode("utf-8"),
            headers=[(k.replace("_", "-"), v) for k, v in headers.items()],
        )

    @classmethod
    def text(cls, status: int, text: str) -> _Reply:
        return cls(status, text.encode("utf-8"), "text/plain; charset=utf-8")


Handler = Callable[[dict[str, Any]], dict[str, Any]]


def _succeeded(reply: _Reply | None) -> bool:
    """Whether an API answer says the call took effect (HTTP 200 with ``ok: true``)."""
    if reply is None or reply.status != 200:
        return False
    try:
        return bool(json.loads(reply.body).get("ok"))
    except ValueError:
        return False


class FakeSlack:
    """A fake Slack workspace with a Web API server on loopback.

    The workspace has the bot user, a ``#general`` channel (``C0GENERAL``) that every
    human added with :meth:`add_user` joins, and whatever users and channels a test adds.
    All state is guarded by one lock, so the app may call it from many threads.

    Args:
        bot_token: The only token accepted (``Authorization: Bearer`` or ``token``).
        host: Interface to listen on.
        port: Port to listen on; 0 picks a free one.
        team_id: Workspace id.
        bot_user_id: The bot's user id.
        rate_limits: Limits to enforce; ``None`` (the default) enforces none.
        trigger_ttl: Seconds a trigger_id stays usable (Slack: 3).
        general_channel: Id of the default channel every human joins, or ``None``.
        scopes: The bot scopes the app was installed with (default: what the bot's
            manifest asks for). A call without its scope answers ``missing_scope``;
            posting in a public channel the bot is not in needs ``chat:write.public``.
        clock: Unix time for message timestamps (``ts``); a demo passes its simulated
            clock, so a message is stamped with the time it was sent in the demo.
    """

    def __init__(
        self,
        *,
        bot_token: str = "xoxb-test",  # noqa: S107 - a fake's well-known test token
        host: str = "127.0.0.1",
        port: int = 0,
        team_id: str = "T0001",
        bot_user_id: str = "UBOT",
        rate_limits: RateLimits | None = None,
        trigger_ttl: float = 3.0,
        general_channel: str | None = "C0GENERAL",
        scopes: Iterable[str] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.bot_token = bot_token
        self.clock = clock
        if scopes is None:
            from bot.app.manifest import bot_scopes

            scopes = bot_scopes()
        self.scopes = frozenset(scopes)
        self.host = host
        self.team_id = team_id
        self.bot_user_id = bot_user_id
        self.bot_id = "B0FAKEBOT"
        self.app_id = "A0FAKEAPP"
        self.team_domain = "fake-workspace"
        self.rate_limits = rate_limits
        self.trigger_ttl = trigger_ttl
        self.general_channel = general_channel
        self._requested_port = port
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._server: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

        self._users: dict[str, _User] = {}
        self._channels: dict[str, _Channel] = {}
        self._ims: dict[str, str] = {}
        self._mpims: dict[frozenset[str], str] = {}
        self._messages: dict[tuple[str, str], Message] = {}
        self._delivered: list[Message] = []
        self._calls: list[Call] = []
        self._triggers: dict[str, _Trigger] = {}
        self._hooks: dict[str, _Hook] = {}
        self._views: dict[str, _ViewRecord] = {}
        self._opened: list[tuple[str | None, dict[str, Any]]] = []
        self._stacks: dict[str, list[str]] = {}
        self._home: dict[str, str] = {}
        self._files: dict[str, FileRecord] = {}
        self._upload_tokens: dict[str, str] = {}
        self._faults: dict[str, deque[_Fault]] = {}
        self._stalls: dict[str, list[Any]] = {}
        self._lose_answers: dict[str, int] = {}
        self._stall_events: list[threading.Event] = []
        self._last_post: dict[str, float] = {}
        self._windows: dict[str, deque[float]] = {}
        self._counters: dict[str, int] = {}
        self._last_ts_us = 0
        self._version = 0
        self._handlers: dict[str, Handler] = {
            "api.test": self._api_test,
            "auth.test": self._auth_test,
            "users.info": self._users_info,
            "users.list": self._users_list,
            "conversations.open": self._conversations_open,
            "conversations.info": self._conversations_info,
            "conversations.members": self._conversations_members,
            "conversations.history": self._conversations_history,
            "chat.postMessage": self._chat_post_message,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.update": self._chat_update,
            "chat.delete": self._chat_delete,
            "views.open": self._views_open,
            "views.push": self._views_push,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "files.getUploadURLExternal": self._files_get_upload_url,
            "files.completeUploadExternal": self._files_complete_upload,
            "files.info": self._files_info,
        }

        self._add_user(
            _User(
                id=bot_user_id,
                team_id=team_id,
                name="mentor-bot",
                real_name="Mentor Bot",
                display_name="Mentor Bot",
                tz="UTC",
                locale="en-US",
                is_admin=False,
                is_owner=False,
                is_bot=True,
            )
        )
        if general_channel:
            self.add_channel(general_channel, name="general")

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> FakeSlack:
        """Start serving in a daemon thread (no-op when already started).

        Returns:
            The fake itself, for chaining.
        """
        with self._lock:
            if self._server is not None:
                return self
            server = _HTTPServer((self.host, self._requested_port), self)
            thread = threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": 0.01},  # stop() waits for the next poll
                name=f"fakeslack:{server.server_address[1]}",
                daemon=True,
            )
            self._server, self._thread = server, thread
        thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port (no-op when not started)."""
        with self._lock:
            server, thread = self._server, self._thread
            self._server = self._thread = None
            for event in self._stall_events:  # no answer is held back forever
                event.set()
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The port being served (raises ``RuntimeError`` before :meth:`start`)."""
        server = self._server
        if server is None:
            raise RuntimeError("FakeSlack is not started")
        return int(server.server_address[1])

    @property
    def base_url(self) -> str:
        """``http://HOST:PORT`` of the running server, without a trailing slash."""
        return f"http://{self.host}:{self.port}"

    @property
    def api_url(self) -> str:
        """``http://HOST:PORT/api/``, ready for ``WebClient(base_url=...)``."""
        return f"{self.base_url}/api/"

    # -- workspace setup ------------------------------------------------------------------

    def add_user(
        self,
        user_id: str,
        *,
        name: str,
        real_name: str | None = None,
        tz: str = "Europe/Berlin",
        locale: str = "en-US",
        is_admin: bool = False,
        is_owner: bool = False,
        is_bot: bool = False,
        display_name: str | None = None,
        email: str | None = None,
        deleted: bool = False,
    ) -> None:
        """Add a member to the workspace; humans also join the general channel.

        Args:
            user_id: Slack user id, e.g. ``"U1"``.
            name: Handle (``user.name``).
            real_name: Full name; defaults to ``name``.
            tz: IANA time zone, e.g. ``"Asia/Tokyo"``.
            locale: Slack locale, e.g. ``"de-DE"`` (users.info shows it only with
                ``include_locale=true``).
            is_admin: Workspace admin.
            is_owner: Workspace owner.
            is_bot: A bot user (does not join the general channel).
            display_name: Profile display name; defaults to ``name``.
            email: Profile email, when a test wants one.
            deleted: A deactivated account.
        """
        user = _User(
            id=user_id,
            team_id=self.team_id,
            name=name,
            real_name=real_name if real_name is not None else name,
            display_name=display_name if display_name is not None else name,
            tz=tz,
            locale=locale,
            is_admin=is_admin,
            is_owner=is_owner,
            is_bot=is_bot,
            deleted=deleted,
            email=email,
        )
        with self._lock:
            self._add_user(user)
            general = self._channels.get(self.general_channel or "")
            if general is not None and not is_bot and user_id not in general.members:
                general.members.append(user_id)

    def _add_user(self, user: _User) -> None:
        user.updated = int(time.time())
        self._users[user.id] = user

    def set_user(
        self,
        user_id: str,
        *,
        name: str | None = None,
        real_name: str | None = None,
        display_name: str | None = None,
        tz: str | None = None,
        locale: str | None = None,
        is_admin: bool | None = None,
        is_owner: bool | None = None,
        email: str | None = None,
        deleted: bool | None = None,
    ) -> None:
        """Change a member, e.g. after they moved time zone or left the company.

        Args:
            user_id: The member to change (``KeyError`` when unknown).
            name: New handle.
            real_name: New full name.
            display_name: New display name.
            tz: New IANA time zone.
            locale: New locale.
            is_admin: New admin flag.
            is_owner: New owner flag.
            email: New email.
            deleted: Deactivate (True) or reactivate (False).
        """
        changes = {
            "name": name,
            "real_name": real_name,
            "display_name": display_name,
            "tz": tz,
            "locale": locale,
            "is_admin": is_admin,
            "is_owner": is_owner,
            "email": email,
            "deleted": deleted,
        }
        with self._lock:
            user = self._users[user_id]
            for key, value in changes.items():
                if value is not None:
                    setattr(user, key, value)
            user.updated = int(time.time())

    def add_channel(
        self,
        channel_id: str,
        *,
        name: str,
        is_private: bool = False,
        members: Iterable[str] = (),
    ) -> None:
        """Add a channel. Include the bot's user id in ``members`` to make the bot a member.

        Args:
            channel_id: Channel id, e.g. ``"C0PROGRAM"``.
            name: Channel name without ``#``.
            is_private: A private channel (the bot can only post when a member).
            members: User ids in the channel.
        """
        channel = _Channel(
            id=channel_id,
            name=name,
            kind="channel",
            is_private=is_private,
            members=list(dict.fromkeys(members)),
            created=int(time.time()),
        )
        with self._lock:
            self._channels[channel_id] = channel

    def add_members(self, channel_id: str, *user_ids: str) -> None:
        """Add people (or the bot) to an existing channel.

        Args:
            channel_id: The channel (``KeyError`` when unknown).
            *user_ids: Members to add.
        """
        with self._lock:
            channel = self._channels[channel_id]
            for user_id in user_ids:
                if user_id not in channel.members:
                    channel.members.append(user_id)

    def user(self, user_id: str) -> dict[str, Any] | None:
        """The users.info ``user`` object (with ``locale``), or ``None`` when unknown."""
        with self._lock:
            user = self._users.get(user_id)
            return None if user is None else self._user_object(user, include_locale=True)

    def channel(self, channel_id: str) -> dict[str, Any] | None:
        """The conversations.info ``channel`` object, or ``None`` when unknown."""
        with self._lock:
            channel = self._channels.get(channel_id)
            return None if channel is None else self._conversation_object(channel)

    def open_im(self, user_id: str) -> str:
        """Return the bot's IM with a person, creating it like conversations.open would.

        Args:
            user_id: A known user (``KeyError`` otherwise).

        Returns:
            The ``D…`` channel id.
        """
        with self._lock:
            if user_id not in self._users:
                raise KeyError(user_id)
            return self._ensure_im(user_id).id

    # -- interaction plumbing used by the driver --------------------------------------------

    def new_trigger_id(self, user_id: str | None = None) -> str:
        """Issue a trigger_id, as Slack does with every interaction payload.

        Args:
            user_id: The person who interacted; modals opened with it belong to them.

        Returns:
            A trigger id usable once, within :attr:`trigger_ttl` seconds.
        """
        with self._lock:
            number = self._next("trigger")
            trigger_id = f"{int(time.time())}.{number}.{secrets.token_hex(16)}"
            self._triggers[trigger_id] = _Trigger(user_id, time.monotonic())
            return trigger_id

    def new_response_url(
        self,
        user_id: str | None = None,
        *,
        channel_id: str | None = None,
        message_ts: str | None = None,
    ) -> str:
        """Issue a response_url, as Slack does with slash commands and message actions.

        Args:
            user_id: The person whose interaction it answers (ephemeral replies reach them).
            channel_id: Where the interaction happened.
            message_ts: The message the interaction came from, enabling
                ``replace_original`` / ``delete_original``.

        Returns:
            ``http://HOST:PORT/hooks/response/<id>`` (usable 5 times within 30 minutes).
        """
        with self._lock:
            hook_id = f"T{self._next('hook'):06d}/{secrets.token_hex(12)}"
            self._hooks[hook_id] = _Hook(user_id, channel_id, message_ts, time.monotonic())
        return f"{self.base_url}{_HOOK_PREFIX}{hook_id}"

    def apply_view_response(
        self, user_id: str, view_id: str, answer: Mapping[str, Any] | None
    ) -> str | None:
        """Apply an app's answer to a view_submission the way Slack's client would.

        An empty answer closes the submitted view; ``response_action`` ``update``,
        ``push`` and ``clear`` change the modal stack (recorded like views.update /
        views.push); ``errors`` leaves it open.

        Args:
            user_id: Whose modal it is.
            view_id: The submitted view.
            answer: The JSON body the app acknowledged with (``None`` for an empty body).

        Returns:
            ``None`` when Slack would accept the answer, else the error code it would
            show (e.g. ``invalid_arguments`` for an invalid updated view).
        """
        with self._lock:
            stack = self._stacks.setdefault(user_id, [])
            action = (answer or {}).get("response_action")
            if action is None or action == "errors":
                if action is None and view_id in stack:
                    del stack[stack.index(view_id) :]
                return None
            if action == "clear":
                stack.clear()
                return None
            view = (answer or {}).get("view")
            rejection = check_view(view, surface="modal")
            if rejection is not None:
                return rejection.error
            assert isinstance(view, Mapping)
            if action == "update":
                record = self._views.get(view_id)
                if record is None:
                    return "not_found"
                record.view = self._view_object(
                    view,
                    view_id=view_id,
                    previous=record.view.get("previous_view_id"),
                    root=record.view.get("root_view_id"),
                )
                self._opened.append((user_id, copy.deepcopy(record.view)))
                return None
            if action == "push":
                if len(stack) >= _MAX_VIEW_STACK:
                    return "push_limit_reached"
                self._push_view(user_id, view)
                return None
            return "invalid_arguments"

    # -- faults ---------------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        *,
        status: int = 500,
        retry_after: int = 1,
        times: int = 1,
        error: str | None = None,
        channel: str | None = None,
    ) -> None:
        """Make the next calls to a method fail (nothing is performed or delivered).

        Args:
            method: Web API method, or ``"file_upload"`` / ``"response_url"``.
            status: HTTP status to answer: 429 (with ``Retry-After``), 500 or 503.
            retry_after: ``Retry-After`` seconds for 429 / 503.
            times: How many consecutive calls fail.
            error: Instead of an HTTP failure, answer HTTP 200 with
                ``{"ok": false, "error": error}`` (e.g. ``"channel_not_found"``).
            channel: Only calls whose ``channel`` argument is this (a conversation or
                user ID) fail; calls to other channels pass meanwhile.
        """
        with self._lock:
            queue = self._faults.setdefault(method, deque())
            queue.extend(
                _Fault(status, retry_after, error, drop=False, channel=channel)
                for _ in range(times)
            )

    def drop_next(self, method: str, times: int = 1) -> None:
        """Close the connection without answering the next calls to a method.

        Args:
            method: Web API method, or ``"file_upload"`` / ``"response_url"``.
            times: How many consecutive calls are dropped.
        """
        with self._lock:
            queue = self._faults.setdefault(method, deque())
            queue.extend(_Fault(0, 0, None, drop=True) for _ in range(times))

    def lose_answer_next(self, method: str, times: int = 1) -> None:
        """Perform the next successful calls of a method, then close the connection without
        answering: Slack did it, but the client never hears (a connection lost on the way
        back). A retry of such a call does it again, as Slack would.

        Args:
            method: Web API method.
            times: How many consecutive successful calls lose their answer.
        """
        with self._lock:
            self._lose_answers[method] = self._lose_answers.get(method, 0) + times

    # -- recordings -----------------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        """Every request answered (or dropped), oldest first."""
        with self._lock:
            return list(self._calls)

    def calls_to(self, method: str) -> list[Call]:
        """The recorded calls of one method, oldest first.

        Args:
            method: e.g. ``"chat.postMessage"``.

        Returns:
            Matching calls, whatever their outcome.
        """
        with self._lock:
            return [call for call in self._calls if call.method == method]

    def messages_for(self, user_id: str) -> list[Message]:
        """Every message that reached a person, in delivery order.

        That is chat.postMessage to their IM, to their user id, or to an MPIM or channel
        they were in at the time; chat.postEphemeral to them; response_url posts tied to
        them; and file shares into conversations they were in. Messages later edited
        show their current content; deleted ones are included with ``deleted=True``.

        Args:
            user_id: The person.

        Returns:
            The live :class:`~bot.fakeslack.records.Message` objects.
        """
        with self._lock:
            return [m for m in self._delivered if user_id in m.recipients]

    def messages(self, channel_id: str | None = None) -> list[Message]:
        """Every delivered message, optionally only those in one conversation.

        Args:
            channel_id: A conversation id to filter on.

        Returns:
            Messages in delivery order.
        """
        with self._lock:
            return [m for m in self._delivered if channel_id in (None, m.channel)]

    def ims_of(self, user_id: str) -> list[str]:
        """Ids of the bot's conversations with a person: the IM first, then MPIMs.

        Args:
            user_id: The person.

        Returns:
            Conversation ids (empty when the bot never opened one).
        """
        with self._lock:
            found = [self._ims[user_id]] if user_id in self._ims else []
            found += [cid for users, cid in self._mpims.items() if user_id in users]
            return found

    def home_view(self, user_id: str) -> dict[str, Any] | None:
        """The latest App Home view published for a person, or ``None``."""
        with self._lock:
            view_id = self._home.get(user_id)
            return None if view_id is None else copy.deepcopy(self._views[view_id].view)

    def opened_views(self, user_id: str | None = None) -> list[dict[str, Any]]:
        """Modals as Slack showed them (views.open, views.push, response_action), in order.

        Args:
            user_id: Only those shown to this person.

        Returns:
            View objects (with ``id``, ``hash``, ``callback_id``, ``private_metadata``,
            ``blocks``...) as they were when shown; feed them to the driver's
            ``view_submission``.
        """
        with self._lock:
            return [copy.deepcopy(v) for u, v in self._opened if user_id in (None, u)]

    def view(self, view_id: str) -> dict[str, Any] | None:
        """The current version of a view (after any views.update), or ``None``."""
        with self._lock:
            record = self._views.get(view_id)
            return None if record is None else copy.deepcopy(record.view)

    def files(self) -> list[FileRecord]:
        """Every file announced with files.getUploadURLExternal, oldest first."""
        with self._lock:
            return list(self._files.values())

    def reset_calls(self) -> None:
        """Forget recorded calls, delivered messages and opened views; the workspace stays.

        Users, channels, IMs, views, home tabs and files are kept, so chat.update and
        views.update on earlier objects still work.
        """
        with self._lock:
            self._calls.clear()
            self._delivered.clear()
            self._opened.clear()

    def wait_for(self, predicate: Callable[[], bool], *, timeout: float = 5.0) -> bool:
        """Wait until a condition on the recordings holds (for apps that work in background).

        Args:
            predicate: Checked after every recorded request, e.g.
                ``lambda: len(slack.messages_for("U1")) >= 2``.
            timeout: Seconds to wait at most.

        Returns:
            Whether the condition held before the timeout.
        """
        deadline = time.monotonic() + timeout
        with self._changed:
            while not predicate():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._changed.wait(remaining)
            return True

    def wait_for_messages(
        self, user_id: str, count: int = 1, *, timeout: float = 5.0
    ) -> list[Message]:
        """Wait until at least ``count`` messages reached a person.

        Args:
            user_id: The person.
            count: How many messages to wait for.
            timeout: Seconds to wait at most.

        Returns:
            All messages for the person.

        Raises:
            TimeoutError: When fewer arrived in time.
        """
        if not self.wait_for(lambda: len(self.messages_for(user_id)) >= count, timeout=timeout):
            got = len(self.messages_for(user_id))
            raise TimeoutError(f"{user_id} received {got} message(s), expected {count}")
        return self.messages_for(user_id)

    # -- what a Slack client shows (the demo workspace) ------------------------------------

    #: The attributes that make up the workspace's content, as saved by :meth:`export_state`.
    _STATE = (
        "_users",
        "_channels",
        "_ims",
        "_mpims",
        "_messages",
        "_delivered",
        "_views",
        "_opened",
        "_stacks",
        "_home",
        "_files",
        "_counters",
        "_last_ts_us",
    )

    @property
    def version(self) -> int:
        """Grows with every request answered and every change a client makes here."""
        with self._lock:
            return self._version

    def touch(self) -> None:
        """Count a change made outside the Web API (e.g. a demo's clock moved on)."""
        with self._changed:
            self._version += 1
            self._changed.notify_all()

    def wait_changed(self, after: int, *, timeout: float) -> int:
        """Wait until :attr:`version` is past ``after`` (or ``timeout`` seconds passed).

        Returns:
            The version then.
        """
        deadline = time.monotonic() + timeout
        with self._changed:
            while self._version <= after:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._changed.wait(remaining)
            return self._version

    def conversations_of(self, user_id: str) -> list[dict[str, Any]]:
        """The conversations a person is in, as conversations.info objects: channels by
        name, then group DMs, then their DM with the bot (when the bot opened one); each
        with its ``members`` too, as the person's client knows them."""
        order = {"channel": 0, "mpim": 1, "im": 2}
        with self._lock:
            found = [
                c for c in self._channels.values() if user_id in c.members and not c.is_archived
            ]
            found.sort(key=lambda c: (order[c.kind], c.name, c.id))
            return [{**self._conversation_object(c), "members": sorted(c.members)} for c in found]

    def show_reply(
        self, user_id: str, channel_id: str, answer: Mapping[str, Any]
    ) -> Message | None:
        """Show the app's immediate answer to a slash command as Slack's client does: to the
        person alone, or to the channel when ``response_type`` is ``in_channel``.

        Args:
            user_id: Who typed the command.
            channel_id: Where it was typed.
            answer: The JSON body the app acknowledged with.

        Returns:
            The message shown, or ``None`` when the answer shows nothing.
        """
        text, blocks = _content(answer)
        if not text and not blocks:
            return None
        with self._changed:
            channel = self._channels.get(channel_id)
            in_channel = answer.get("response_type") == "in_channel" and channel is not None
            message = self._deliver(
                Message(
                    method="command_response",
                    channel=channel_id,
                    ts=self._next_ts(),
                    text=text or "",
                    blocks=copy.deepcopy(blocks) if isinstance(blocks, list) else [],
                    recipients=self._audience(channel) if in_channel and channel else (user_id,),
                    ephemeral=not in_channel,
                    response_type="in_channel" if in_channel else "ephemeral",
                    params=dict(answer),
                    author=self.bot_user_id,
                    bot_id=self.bot_id,
                )
            )
            self._version += 1
            self._changed.notify_all()
            return message

    def post_as(self, user_id: str, channel_id: str, text: str) -> Message:
        """A message a person typed into a conversation they are in.

        Raises:
            ApiError: ``channel_not_found`` or ``not_in_channel``, as Slack would answer.
        """
        with self._changed:
            channel = self._resolve(channel_id, allow_user=False)
            if user_id not in channel.members:
                raise ApiError("not_in_channel")
            message = self._deliver(
                Message(
                    method="user_message",
                    channel=channel.id,
                    ts=self._next_ts(),
                    text=text,
                    blocks=[],
                    recipients=self._audience(channel),
                    author=user_id,
                )
            )
            self._version += 1
            self._changed.notify_all()
            return message

    def modal_stack(self, user_id: str) -> list[dict[str, Any]]:
        """The modals open for a person, bottom first, each as it is now."""
        with self._lock:
            stack = self._stacks.get(user_id, [])
            return [copy.deepcopy(self._views[v].view) for v in stack if v in self._views]

    def close_modal(self, user_id: str) -> dict[str, Any] | None:
        """Close the person's topmost modal, as its close button does.

        Returns:
            The closed view (the app hears of it when it set ``notify_on_close``), or
            ``None`` when no modal was open.
        """
        with self._changed:
            stack = self._stacks.get(user_id, [])
            if not stack:
                return None
            record = self._views.get(stack.pop())
            self._version += 1
            self._changed.notify_all()
            return None if record is None else copy.deepcopy(record.view)

    def file(self, file_id: str) -> FileRecord | None:
        """A file by id, once uploaded and shared (``None`` otherwise)."""
        with self._lock:
            record = self._files.get(file_id)
            return record if record is not None and record.completed else None

    def export_state(self) -> dict[str, Any]:
        """The workspace's people, conversations, messages, views and files, to save."""
        with self._lock:
            return copy.deepcopy({name: getattr(self, name) for name in self._STATE})

    def import_state(self, state: Mapping[str, Any]) -> None:
        """Restore what :meth:`export_state` saved (before the app makes its first call)."""
        with self._changed:
            for name in self._STATE:
                if name in state:
                    setattr(self, name, copy.deepcopy(state[name]))
            self._version += 1
            self._changed.notify_all()

    # -- HTTP entry point -----------------------------------------------------------------

    def _dispatch(self, request: _Request) -> _Reply | None:
        """Answer one HTTP request; ``None`` means drop the connection."""
        stall: threading.Event | None = None
        with self._lock:
            if request.path.startswith("/api/"):
                method = request.path[len("/api/") :]
                reply = self._serve_api(method, request)
                stall = self._stall_if_due(method, reply)
                if self._lose_answers.get(method) and _succeeded(reply):
                    self._lose_answers[method] -= 1
                    reply = None  # performed and recorded, but the client hears nothing
            elif request.path.startswith(_UPLOAD_PREFIX):
                reply = self._serve_upload(request.path[len(_UPLOAD_PREFIX) :], request)
            elif request.path.startswith(_HOOK_PREFIX):
                reply = self._serve_hook(request.path[len(_HOOK_PREFIX) :], request)
            else:
                reply = _Reply.text(404, "not_found")
            self._version += 1
            self._changed.notify_all()
        if stall is not None:
            stall.wait()  # performed and recorded; the answer waits (outside the lock)
        return reply

    def stall_after(self, method: str, count: int) -> threading.Event:
        """After ``count`` more successful calls of ``method``, perform and record the next
        one but hold its answer back until the returned event is set (or the fake stops).

        This is "Slack delivered it, but the client never heard": a test can kill the
        client at exactly that moment.
        """
        event = threading.Event()
        with self._lock:
            self._stalls[method] = [count, event]
        return event

    def _stall_if_due(self, method: str, reply: _Reply | None) -> threading.Event | None:
        entry = self._stalls.get(method)
        if entry is None or reply is None or reply.status != 200:
            return None
        if entry[0] > 0:
            entry[0] -= 1
            return None
        del self._stalls[method]
        self._stall_events.append(entry[1])
        return entry[1]

    def _record(
        self, method: str, params: dict[str, Any], status: int, response: dict[str, Any]
    ) -> None:
        self._calls.append(Call(method, params, status, response, time.time()))

    def _fault_reply(
        self, method: str, params: dict[str, Any], *, api: bool
    ) -> tuple[bool, _Reply | None]:
        queue = self._faults.get(method)
        if not queue:
            return False, None
        fault = next(
            (f for f in queue if f.channel is None or f.channel == params.get("channel")), None
        )
        if fault is None:
            return False, None
        queue.remove(fault)
        if fault.drop:
            self._record(method, params, 0, {})
            return True, None
        if fault.error is not None:
            body: dict[str, Any] = {"ok": False, "error": fault.error}
            status = 200 if api else 400
        else:
            body = {"ok": False, "error": _FAULT_ERRORS.get(fault.status, "internal_error")}
            status = fault.status
        headers = {"Retry_After": str(fault.retry_after)} if status in (429, 503) else {}
        self._record(method, params, status, body)
        if api:
            return True, _Reply.json(status, body, **headers)
        reply = _Reply.text(status, body["error"])
        reply.headers = [(k.replace("_", "-"), v) for k, v in headers.items()]
        return True, reply

    def _serve_api(self, method: str, request: _Request) -> _Reply | None:
        try:
            params = _parse_params(request)
        except ValueError:
            body = {"ok": False, "error": "invalid_json"}
            self._record(method, {}, 200, body)
            return _Reply.json(200, body)
        token = params.pop("token", None)
        faulted, fault_reply = self._fault_reply(method, params, api=True)
        if faulted:
            return fault_reply
        authorization = request.headers.get("authorization", "")
        if authorization.lower().startswith("bearer "):
            token = authorization[len("bearer ") :].strip()
        handler = self._handlers.get(method)
        retry_after = str(self.rate_limits.retry_after if self.rate_limits else 1)
        status = 200
        if handler is None:
            response: dict[str, Any] = {
                "ok": False,
                "error": "unknown_method",
                "req_method": method,
            }
        elif not token:
            response = {"ok": False, "error": "not_authed"}
        elif token != self.bot_token:
            response = {"ok": False, "error": "invalid_auth"}
        elif self._workspace_limited(method):
            status, response = 429, {"ok": False, "error": "ratelimited"}
        else:
            try:
                self._need(METHOD_SCOPES.get(method))
                response = {"ok": True, **handler(params)}
            except ApiError as exc:
                response = {"ok": False, "error": exc.error, **exc.extra}
            except _RateLimited:
                status, response = 429, {"ok": False, "error": "ratelimited"}
        self._record(method, params, status, response)
        if status == 429:
            return _Reply.json(status, response, Retry_After=retry_after)
        return _Reply.json(status, response)

    def _workspace_limited(self, method: str) -> bool:
        limits = self.rate_limits
        if limits is None or not limits.workspace_per_minute:
            return False
        allowance = limits.workspace_per_minute.get(method)
        if allowance is None:
            return False
        now = time.monotonic()
        window = self._windows.setdefault(method, deque())
        while window and now - window[0] >= limits.window_seconds:
            window.popleft()
        if len(window) >= allowance:
            return True
        window.append(now)
        return False

    def _check_channel_rate(self, channel_id: str) -> None:
        limits = self.rate_limits
        if limits is None or not limits.per_channel_per_second:
            return
        last = self._last_post.get(channel_id)
        if last is not None and time.monotonic() - last < 1.0 / limits.per_channel_per_second:
            raise _RateLimited

    # -- ids and objects ------------------------------------------------------------------

    def _next(self, kind: str) -> int:
        self._counters[kind] = self._counters.get(kind, 0) + 1
        return self._counters[kind]

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}0{self._next(prefix):09d}"

    def _next_ts(self) -> str:
        now_us = int(self.clock() * 1_000_000)
        self._last_ts_us = max(now_us, self._last_ts_us + 1)
        return f"{self._last_ts_us // 1_000_000}.{self._last_ts_us % 1_000_000:06d}"

    def _new_hash(self) -> str:
        return f"{int(time.time())}.{secrets.token_hex(4)}"

    def _user_object(self, user: _User, *, include_locale: bool) -> dict[str, Any]:
        try:
            zone = ZoneInfo(user.tz)
        except (ZoneInfoNotFoundError, ValueError):
            zone = ZoneInfo("UTC")
        now = datetime.now(zone)
        offset = now.utcoffset()
        profile: dict[str, Any] = {
            "real_name": user.real_name,
            "real_name_normalized": user.real_name,
            "display_name": user.display_name,
            "display_name_normalized": user.display_name,
            "team": user.team_id,
        }
        if user.email is not None:
            profile["email"] = user.email
        if user.is_bot:
            profile["bot_id"] = self.bot_id if user.id == self.bot_user_id else f"B{user.id}"
        obj: dict[str, Any] = {
            "id": user.id,
            "team_id": user.team_id,
            "name": user.name,
            "deleted": user.deleted,
            "color": "9f69e7",
            "real_name": user.real_name,
            "tz": user.tz,
            "tz_label": now.tzname() or user.tz,
            "tz_offset": int(offset.total_seconds()) if offset is not None else 0,
            "profile": profile,
            "is_admin": user.is_admin,
            "is_owner": user.is_owner,
            "is_primary_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": user.is_bot,
            "is_app_user": False,
            "updated": user.updated,
        }
        if include_locale:
            obj["locale"] = user.locale
        return obj

    def _conversation_object(self, channel: _Channel) -> dict[str, Any]:
        base: dict[str, Any] = {
            "id": channel.id,
            "created": channel.created,
            "is_archived": channel.is_archived,
            "is_org_shared": False,
            "context_team_id": self.team_id,
        }
        if channel.kind == "im":
            other = self._users.get(channel.user or "")
            base.update(
                is_im=True,
                is_channel=False,
                is_group=False,
                is_mpim=False,
                is_private=True,
                user=channel.user,
                is_user_deleted=bool(other and other.deleted),
                is_open=True,
                priority=0,
            )
            return base
        base.update(
            name=channel.name,
            name_normalized=channel.name,
            is_channel=channel.kind == "channel" and not channel.is_private,
            is_group=channel.kind == "channel" and channel.is_private,
            is_im=False,
            is_mpim=channel.kind == "mpim",
            is_private=channel.is_private,
            is_general=channel.id == self.general_channel,
            is_member=self.bot_user_id in channel.members,
            is_ext_shared=False,
            creator="",
            topic={"value": "", "creator": "", "last_set": 0},
            purpose={"value": "", "creator": "", "last_set": 0},
        )
        return base

    def _ensure_im(self, user_id: str) -> _Channel:
        channel_id = self._ims.get(user_id)
        if channel_id is None:
            channel_id = self._new_id("D")
            self._ims[user_id] = channel_id
            self._channels[channel_id] = _Channel(
                id=channel_id,
                name="",
                kind="im",
                is_private=True,
                members=[user_id, self.bot_user_id],
                created=int(time.time()),
                user=user_id,
            )
        return self._channels[channel_id]

    def _ensure_mpim(self, user_ids: list[str]) -> _Channel:
        key = frozenset(user_ids)
        channel_id = self._mpims.get(key)
        if channel_id is None:
            channel_id = self._new_id("G")
            self._mpims[key] = channel_id
            names = "--".join(sorted(self._users[u].name for u in user_ids))
            self._channels[channel_id] = _Channel(
                id=channel_id,
                name=f"mpdm-{names}-1",
                kind="mpim",
                is_private=True,
                members=[*user_ids, self.bot_user_id],
                created=int(time.time()),
            )
        return self._channels[channel_id]

    def _resolve(self, ref: str | None, *, allow_user: bool) -> _Channel:
        """Find a conversation by id, or a person's IM by their user id."""
        if not ref:
            raise ApiError("channel_not_found")
        channel = self._channels.get(ref)
        if channel is not None:
            return channel
        if allow_user and ref in self._users and ref != self.bot_user_id:
            return self._ensure_im(ref)
        raise ApiError("channel_not_found")

    def _need(self, scope: str | None) -> None:
        """Slack's answer to a call whose scope the app was not installed with."""
        if scope and scope not in self.scopes:
            raise ApiError("missing_scope", needed=scope, provided=",".join(sorted(self.scopes)))

    def _need_for(self, method: str, channel: _Channel) -> None:
        public, private, im, mpim = CONVERSATION_SCOPES[method]
        if channel.kind == "im":
            self._need(im)
        elif channel.kind == "mpim":
            self._need(mpim)
        else:
            self._need(private if channel.is_private else public)

    def _require_postable(self, channel: _Channel) -> None:
        if channel.is_archived:
            raise ApiError("is_archived")
        if channel.kind != "channel" or self.bot_user_id in channel.members:
            return
        # A private channel needs an invitation; a public one an invitation or
        # chat:write.public.
        if channel.is_private or "chat:write.public" not in self.scopes:
            raise ApiError("not_in_channel")

    def _audience(self, channel: _Channel) -> tuple[str, ...]:
        return tuple(m for m in channel.members if m != self.bot_user_id)

    def _deliver(self, message: Message) -> Message:
        self._messages[(message.channel, message.ts)] = message
        self._delivered.append(message)
        return message

    # -- Web API methods ------------------------------------------------------------------

    def _api_test(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"args": {k: v for k, v in params.items() if isinstance(v, str)}}

    def _auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": f"https://{self.team_domain}.slack.com/",
            "team": "Fake Workspace",
            "user": self._users[self.bot_user_id].name,
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "app_name": "Reverse Mentoring",
            "is_enterprise_install": False,
        }

    def _users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        user = self._users.get(_opt_str(params, "user") or "")
        if user is None:
            raise ApiError("user_not_found")
        return {"user": self._user_object(user, include_locale=_flag(params, "include_locale"))}

    def _users_list(self, params: dict[str, Any]) -> dict[str, Any]:
        include_locale = _flag(params, "include_locale")
        members = [
            self._user_object(u, include_locale=include_locale) for u in self._users.values()
        ]
        return {
            "members": members,
            "cache_ts": int(time.time()),
            "response_metadata": {"next_cursor": ""},
        }

    def _conversations_open(self, params: dict[str, Any]) -> dict[str, Any]:
        existing = _opt_str(params, "channel")
        if existing is not None:
            channel = self._channels.get(existing)
            if channel is None or channel.kind == "channel":
                raise ApiError("channel_not_found")
            self._need_for("conversations.open", channel)
            return {"no_op": True, "already_open": True, "channel": {"id": channel.id}}
        raw = _opt_str(params, "users")
        if raw is None:
            raise ApiError("users_list_not_supplied")
        user_ids = list(dict.fromkeys(u.strip() for u in raw.split(",") if u.strip()))
        user_ids = [u for u in user_ids if u != self.bot_user_id]
        if not user_ids:
            raise ApiError("cannot_dm_bot")
        if len(user_ids) > _MAX_MPIM_USERS:
            raise ApiError("too_many_users")
        self._need("im:write" if len(user_ids) == 1 else "mpim:write")
        for user_id in user_ids:
            user = self._users.get(user_id)
            if user is None:
                raise ApiError("user_not_found")
            if user.deleted:
                raise ApiError("user_disabled")
        if len(user_ids) == 1:
            already = user_ids[0] in self._ims
            channel = self._ensure_im(user_ids[0])
        else:
            already = frozenset(user_ids) in self._mpims
            channel = self._ensure_mpim(user_ids)
        result: dict[str, Any] = {"channel": {"id": channel.id}}
        if already:
            result.update(no_op=True, already_open=True)
        if _flag(params, "return_im"):
            result["channel"] = self._conversation_object(channel)
        return result

    def _conversations_info(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._channels.get(_opt_str(params, "channel") or "")
        if channel is None:
            raise ApiError("channel_not_found")
        self._need_for("conversations.info", channel)
        obj = self._conversation_object(channel)
        if _flag(params, "include_num_members") and channel.kind != "im":
            obj["num_members"] = len(channel.members)
        if _flag(params, "include_locale"):
            obj["locale"] = "en-US"
        return {"channel": obj}

    def _conversations_members(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._channels.get(_opt_str(params, "channel") or "")
        if channel is None:
            raise ApiError("channel_not_found")
        self._need_for("conversations.members", channel)
        return {"members": list(channel.members), "response_metadata": {"next_cursor": ""}}

    def _conversations_history(self, params: dict[str, Any]) -> dict[str, Any]:
        """Newest first, top-level messages only (no thread replies, ephemerals or deleted
        ones); ``metadata`` only with ``include_all_metadata``; paged by ``cursor``."""
        channel = self._channels.get(_opt_str(params, "channel") or "")
        if channel is None:  # a user ID is not a conversation here
            raise ApiError("channel_not_found")
        self._need_for("conversations.history", channel)
        if self.bot_user_id not in channel.members:
            raise ApiError("not_in_channel")
        try:
            limit = int(params.get("limit") or 100)
            oldest = float(params.get("oldest") or 0)
            latest = float(params.get("latest") or "inf")
        except (TypeError, ValueError):
            raise ApiError("invalid_arguments") from None
        limit = max(1, min(limit, 999))
        cursor = _opt_str(params, "cursor")
        if cursor and not cursor.isdigit():
            raise ApiError("invalid_cursor")
        start = int(cursor or 0)
        with_metadata = _flag(params, "include_all_metadata")
        found = sorted(
            (
                m
                for (channel_id, _), m in self._messages.items()
                if channel_id == channel.id
                and not m.ephemeral
                and not m.deleted
                and (m.thread_ts is None or m.thread_ts == m.ts)
                and oldest < float(m.ts) < latest
            ),
            key=lambda m: float(m.ts),
            reverse=True,
        )
        page = found[start : start + limit]
        messages = []
        for message in page:
            shown = message.to_slack()
            metadata = message.params.get("metadata")
            if with_metadata and isinstance(metadata, dict):
                shown["metadata"] = copy.deepcopy(metadata)
            messages.append(shown)
        more = start + limit < len(found)
        return {
            "messages": messages,
            "has_more": more,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    def _chat_post_message(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._resolve(_opt_str(params, "channel"), allow_user=True)
        self._require_postable(channel)
        self._check_channel_rate(channel.id)
        text, blocks = _content(params)
        rejection = check_message(text=text, blocks=blocks, attachments=params.get("attachments"))
        if rejection is not None:
            raise ApiError.from_rejection(rejection)
        metadata = params.get("metadata")
        if metadata is not None and not (
            isinstance(metadata, dict)
            and isinstance(metadata.get("event_type"), str)
            and metadata["event_type"]
            and isinstance(metadata.get("event_payload"), dict)
        ):
            raise ApiError("invalid_metadata_format")
        message = self._deliver(
            Message(
                method="chat.postMessage",
                channel=channel.id,
                ts=self._next_ts(),
                text=text or "",
                blocks=copy.deepcopy(blocks) if isinstance(blocks, list) else [],
                recipients=self._audience(channel),
                thread_ts=_opt_str(params, "thread_ts"),
                params=params,
                author=self.bot_user_id,
                bot_id=self.bot_id,
            )
        )
        self._last_post[channel.id] = time.monotonic()
        return {"channel": channel.id, "ts": message.ts, "message": message.to_slack()}

    def _chat_post_ephemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._resolve(_opt_str(params, "channel"), allow_user=True)
        user_id = _opt_str(params, "user")
        if user_id is None or user_id not in self._users:
            raise ApiError("user_not_found")
        self._require_postable(channel)
        if user_id not in channel.members:
            raise ApiError("user_not_in_channel")
        text, blocks = _content(params)
        rejection = check_message(text=text, blocks=blocks, attachments=params.get("attachments"))
        if rejection is not None:
            raise ApiError.from_rejection(rejection)
        message = self._deliver(
            Message(
                method="chat.postEphemeral",
                channel=channel.id,
                ts=self._next_ts(),
                text=text or "",
                blocks=copy.deepcopy(blocks) if isinstance(blocks, list) else [],
                recipients=(user_id,),
                thread_ts=_opt_str(params, "thread_ts"),
                ephemeral=True,
                params=params,
                author=self.bot_user_id,
                bot_id=self.bot_id,
            )
        )
        return {"message_ts": message.ts}

    def _find_message(self, params: dict[str, Any]) -> Message:
        channel = self._resolve(_opt_str(params, "channel"), allow_user=False)
        message = self._messages.get((channel.id, _opt_str(params, "ts") or ""))
        if message is None or message.ephemeral or message.deleted:
            raise ApiError("message_not_found")
        if message.author != self.bot_user_id:
            raise ApiError("cant_update_message")
        return message

    def _chat_update(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._find_message(params)
        text, blocks = _content(params)
        rejection = check_message(text=text, blocks=blocks, attachments=params.get("attachments"))
        if rejection is not None:
            raise ApiError.from_rejection(rejection)
        _revise(message, text or "", blocks, "chat.update")
        return {
            "channel": message.channel,
            "ts": message.ts,
            "text": message.text,
            "message": message.to_slack(),
        }

    def _chat_delete(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._find_message(params)
        message.deleted = True
        return {"channel": message.channel, "ts": message.ts}

    def _take_trigger(self, params: dict[str, Any]) -> _Trigger:
        trigger_id = _opt_str(params, "trigger_id")
        if trigger_id is None:
            raise ApiError(
                "invalid_arguments",
                response_metadata={"messages": ["[ERROR] missing required field: trigger_id"]},
            )
        trigger = self._triggers.get(trigger_id)
        if trigger is None:
            raise ApiError("invalid_trigger_id")
        if trigger.used:
            raise ApiError("exchanged_trigger_id")
        if time.monotonic() - trigger.issued > self.trigger_ttl:
            raise ApiError("expired_trigger_id")
        trigger.used = True
        return trigger

    def _view_object(
        self,
        view: Mapping[str, Any],
        *,
        view_id: str | None = None,
        previous: str | None = None,
        root: str | None = None,
    ) -> dict[str, Any]:
        view_id = view_id or self._new_id("V")
        source = copy.deepcopy(dict(view))
        return {
            "id": view_id,
            "team_id": self.team_id,
            "type": source.get("type"),
            "blocks": source.get("blocks", []),
            "private_metadata": source.get("private_metadata", ""),
            "callback_id": source.get("callback_id", ""),
            "state": {"values": {}},
            "hash": self._new_hash(),
            "title": source.get("title"),
            "clear_on_close": bool(source.get("clear_on_close", False)),
            "notify_on_close": bool(source.get("notify_on_close", False)),
            "close": source.get("close"),
            "submit": source.get("submit"),
            "previous_view_id": previous,
            "root_view_id": root or view_id,
            "app_id": self.app_id,
            "external_id": source.get("external_id", ""),
            "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
        }

    def _checked_view(self, params: dict[str, Any], surface: str) -> Mapping[str, Any]:
        view = params.get("view")
        if surface == "any":
            surface = (
                "home" if isinstance(view, Mapping) and view.get("type") == "home" else "modal"
            )
        rejection = check_view(view, surface="home" if surface == "home" else "modal")
        if rejection is not None:
            raise ApiError.from_rejection(rejection)
        assert isinstance(view, Mapping)
        return view

    def _push_view(self, user_id: str | None, view: Mapping[str, Any]) -> dict[str, Any]:
        stack = self._stacks.setdefault(user_id or "", [])
        previous = stack[-1] if stack else None
        root = self._views[stack[0]].view["id"] if stack else None
        obj = self._view_object(view, previous=previous, root=root)
        self._views[obj["id"]] = _ViewRecord(obj, user_id)
        stack.append(obj["id"])
        self._opened.append((user_id, copy.deepcopy(obj)))
        return obj

    def _views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        view = self._checked_view(params, "modal")
        trigger = self._take_trigger(params)
        self._stacks[trigger.user_id or ""] = []
        return {"view": self._push_view(trigger.user_id, view)}

    def _views_push(self, params: dict[str, Any]) -> dict[str, Any]:
        view = self._checked_view(params, "modal")
        trigger = self._take_trigger(params)
        if len(self._stacks.get(trigger.user_id or "", [])) >= _MAX_VIEW_STACK:
            raise ApiError("push_limit_reached")
        return {"view": self._push_view(trigger.user_id, view)}

    def _views_update(self, params: dict[str, Any]) -> dict[str, Any]:
        view = self._checked_view(params, "any")
        view_id = _opt_str(params, "view_id")
        external_id = _opt_str(params, "external_id")
        record = self._views.get(view_id or "")
        if record is None and external_id is not None:
            record = next(
                (r for r in self._views.values() if r.view.get("external_id") == external_id),
                None,
            )
        if record is None:
            raise ApiError("not_found")
        expected = _opt_str(params, "hash")
        if expected is not None and expected != record.view["hash"]:
            raise ApiError("hash_conflict")
        record.view = self._view_object(
            view,
            view_id=record.view["id"],
            previous=record.view.get("previous_view_id"),
            root=record.view.get("root_view_id"),
        )
        return {"view": copy.deepcopy(record.view)}

    def _views_publish(self, params: dict[str, Any]) -> dict[str, Any]:
        user_id = _opt_str(params, "user_id")
        if user_id is None or user_id not in self._users:
            raise ApiError("user_not_found")
        view = self._checked_view(params, "home")
        current = self._home.get(user_id)
        expected = _opt_str(params, "hash")
        if current is not None and expected not in (None, self._views[current].view["hash"]):
            raise ApiError("hash_conflict")
        obj = self._view_object(view, view_id=current)
        self._views[obj["id"]] = _ViewRecord(obj, user_id)
        self._home[user_id] = obj["id"]
        return {"view": copy.deepcopy(obj)}

    def _files_get_upload_url(self, params: dict[str, Any]) -> dict[str, Any]:
        filename = _opt_str(params, "filename")
        length = _opt_str(params, "length")
        if filename is None or length is None or not length.isdigit():
            missing = "filename" if filename is None else "length"
            raise ApiError(
                "invalid_arguments",
                response_metadata={"messages": [f"[ERROR] missing required field: {missing}"]},
            )
        record = FileRecord(
            id=self._new_id("F"), filename=filename, length=int(length), created=time.time()
        )
        self._files[record.id] = record
        token = secrets.token_urlsafe(16)
        self._upload_tokens[token] = record.id
        return {"upload_url": f"{self.base_url}{_UPLOAD_PREFIX}{token}", "file_id": record.id}

    def _file_object(self, record: FileRecord) -> dict[str, Any]:
        mimetype = mimetypes.guess_type(record.filename)[0] or "application/octet-stream"
        return {
            "id": record.id,
            "created": int(record.created),
            "timestamp": int(record.created),
            "name": record.filename,
            "title": record.title or record.filename,
            "mimetype": mimetype,
            "filetype": record.filename.rsplit(".", 1)[-1] if "." in record.filename else "text",
            "user": self.bot_user_id,
            "size": len(record.content or b""),
            "url_private": f"{self.base_url}/files/{record.id}/{record.filename}",
            "permalink": f"https://{self.team_domain}.slack.com/files/{record.id}",
            "channels": list(record.channels),
        }

    def _files_complete_upload(self, params: dict[str, Any]) -> dict[str, Any]:
        entries = params.get("files")
        if not isinstance(entries, list) or not entries:
            raise ApiError("invalid_arguments")
        records: list[FileRecord] = []
        for entry in entries:
            record = self._files.get(str(entry.get("id"))) if isinstance(entry, dict) else None
            if record is None or record.content is None:
                raise ApiError("file_not_found")
            records.append(record)
        targets: list[_Channel] = []
        refs = [_opt_str(params, "channel_id")]
        refs += (_opt_str(params, "channels") or "").split(",")
        for ref in dict.fromkeys(r.strip() for r in refs if r and r.strip()):
            channel = self._resolve(ref, allow_user=False)
            self._require_postable(channel)
            targets.append(channel)
        for entry, record in zip(entries, records, strict=True):
            record.title = entry.get("title") or record.title or record.filename
            record.completed = True
            record.initial_comment = _opt_str(params, "initial_comment")
        for channel in targets:
            for record in records:
                record.channels.append(channel.id)
            self._deliver(
                Message(
                    method="files.completeUploadExternal",
                    channel=channel.id,
                    ts=self._next_ts(),
                    text=_opt_str(params, "initial_comment") or "",
                    blocks=[],
                    recipients=self._audience(channel),
                    thread_ts=_opt_str(params, "thread_ts"),
                    files=list(records),
                    params=params,
                    author=self.bot_user_id,
                    bot_id=self.bot_id,
                )
            )
        return {"files": [self._file_object(r) for r in records]}

    def _files_info(self, params: dict[str, Any]) -> dict[str, Any]:
        record = self._files.get(_opt_str(params, "file") or "")
        if record is None or not record.completed:
            raise ApiError("file_not_found")
        return {"file": self._file_object(record), "content": record.text}

    # -- upload URLs and response URLs ----------------------------------------------------

    def _serve_upload(self, token: str, request: _Request) -> _Reply | None:
        file_id = self._upload_tokens.get(token)
        params: dict[str, Any] = {"file_id": file_id, "length": len(request.body)}
        faulted, fault_reply = self._fault_reply("file_upload", params, api=False)
        if faulted:
            return fault_reply
        record = self._files.get(file_id or "")
        if record is None or record.completed:
            self._record("file_upload", params, 404, {"body": "not_found"})
            return _Reply.text(404, "not_found")
        content = request.body
        content_type = request.headers.get("content-type", "")
        if content_type.lower().startswith("multipart/form-data"):
            parts = _multipart(request.body, content_type)
            chosen = next((p for p in parts if p[1] is not None), parts[0] if parts else None)
            content = chosen[2] if chosen else b""
        record.content = content
        params["length"] = len(content)
        answer = f"OK - {len(content)}"
        self._record("file_upload", params, 200, {"body": answer})
        return _Reply.text(200, answer)

    def _serve_hook(self, hook_id: str, request: _Request) -> _Reply | None:
        try:
            payload = _parse_params(request)
        except ValueError:
            payload = {}
        if isinstance(payload.get("payload"), str):
            try:
                payload = json.loads(payload["payload"])
            except ValueError:
                payload = {}
        params = {"hook_id": hook_id, **payload}
        faulted, fault_reply = self._fault_reply("response_url", params, api=False)
        if faulted:
            return fault_reply
        status, answer = self._use_hook(hook_id, payload)
        self._record("response_url", params, status, {"body": answer})
        return _Reply.text(status, answer)

    def _use_hook(self, hook_id: str, payload: dict[str, Any]) -> tuple[int, str]:
        hook = self._hooks.get(hook_id)
        if hook is None:
            return 404, "no_service"
        if hook.uses >= _MAX_HOOK_USES:
            return 404, "used_url"
        if time.monotonic() - hook.created > _HOOK_LIFETIME:
            return 404, "expired_url"
        delete = _flag(payload, "delete_original")
        replace = _flag(payload, "replace_original")
        text, blocks = _content(payload)
        if not delete:
            rejection = check_message(
                text=text, blocks=blocks, attachments=payload.get("attachments")
            )
            if rejection is not None:
                return 400, rejection.error
        hook.uses += 1
        original = None
        if hook.channel_id and hook.message_ts:
            original = self._messages.get((hook.channel_id, hook.message_ts))
        if (delete or replace) and original is not None:
            if delete:
                original.deleted = True
            else:
                _revise(original, text or "", blocks, "response_url")
            return 200, "ok"
        if delete:
            return 404, "message_not_found"
        response_type = str(payload.get("response_type") or "ephemeral")
        ephemeral = response_type != "in_channel"
        channel = self._channels.get(hook.channel_id or "")
        if ephemeral or channel is None:
            recipients: tuple[str, ...] = (hook.user_id,) if hook.user_id else ()
        else:
            recipients = self._audience(channel)
            if hook.user_id and hook.user_id not in recipients:
                recipients = (*recipients, hook.user_id)
        self._deliver(
            Message(
                method="response_url",
                channel=hook.channel_id or "",
                ts=self._next_ts(),
                text=text or "",
                blocks=copy.deepcopy(blocks) if isinstance(blocks, list) else [],
                recipients=recipients,
                thread_ts=_opt_str(payload, "thread_ts"),
                ephemeral=ephemeral,
                response_type=response_type,
                params=payload,
                author=self.bot_user_id,
                bot_id=self.bot_id,
            )
        )
        return 200, "ok"


# -- HTTP plumbing ------------------------------------------------------------------------


class _HTTPServer(ThreadingHTTPServer):
    """A threading HTTP server that knows its :class:`FakeSlack`."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], fake: FakeSlack) -> None:
        super().__init__(address, _RequestHandler)
        self.fake = fake


class _RequestHandler(BaseHTTPRequestHandler):
    """Turns HTTP requests into :class:`_Request` objects for the fake."""

    server: _HTTPServer
    protocol_version = "HTTP/1.0"
    server_version = "FakeSlack/1.0"

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _serve(self) -> None:
        url = urlsplit(self.path)
        request = _Request(
            path=url.path,
            query=url.query,
            headers={k.lower(): v for k, v in self.headers.items()},
            body=self._read_body(),
        )
        reply = self.server.fake._dispatch(request)
        if reply is None:
            self.close_connection = True
            return
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for key, value in reply.headers:
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(reply.body)

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""


# -- parameter parsing --------------------------------------------------------------------


def _parse_params(request: _Request) -> dict[str, Any]:
    """Merge query string and body (form, JSON or multipart) into one dict.

    Raises:
        ValueError: When a JSON body does not parse.
    """
    params: dict[str, Any] = dict(parse_qsl(request.query, keep_blank_values=True))
    content_type = request.headers.get("content-type", "")
    mime = content_type.split(";", 1)[0].strip().lower()
    if request.body:
        if mime == "application/json":
            body = json.loads(request.body.decode("utf-8"))
            if not isinstance(body, dict):
                raise ValueError("JSON body must be an object")
            params.update(body)
        elif mime == "multipart/form-data":
            for name, _, data in _multipart(request.body, content_type):
                params[name] = data.decode("utf-8", errors="replace")
        else:
            params.update(parse_qsl(request.body.decode("utf-8"), keep_blank_values=True))
    for key in _JSON_IN_FORM:
        value = params.get(key)
        if isinstance(value, str) and value.lstrip()[:1] in ("[", "{"):
            # Malformed JSON stays a string: the validators report it.
            with contextlib.suppress(ValueError):
                params[key] = json.loads(value)
    return params


def _multipart(body: bytes, content_type: str) -> list[tuple[str, str | None, bytes]]:
    """Split a multipart/form-data body into ``(name, filename, bytes)`` parts."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    parts: list[tuple[str, str | None, bytes]] = []
    if not message.is_multipart():
        return parts
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition") or ""
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        parts.append((str(name), part.get_filename(), data))
    return parts


def _opt_str(params: Mapping[str, Any], key: str) -> str | None:
    value = params.get(key)
    if value is None or value == "":
        return None
    return str(value)


def _flag(params: Mapping[str, Any], key: str) -> bool:
    value = params.get(key)
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes")
    return bool(value)


def _content(params: Mapping[str, Any]) -> tuple[str | None, Any]:
    text = params.get("text")
    return (text if isinstance(text, str) else None), params.get("blocks")


def _revise(message: Message, text: str, blocks: Any, method: str) -> None:
    message.revisions.append(Revision(message.text, message.blocks, method, time.time()))
    message.text = text
    message.blocks = copy.deepcopy(blocks) if isinstance(blocks, list) else []
