"""The Slack gateway: every call the bot makes to Slack goes through here.

It wraps slack_sdk's :class:`WebClient` (base URL from ``SLACK_API_URL``) with slack_sdk's
own retry handlers for rate limits (429 + Retry-After), server errors and dropped
connections, so no caller writes a retry loop of its own.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import RetryHandler
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.webhook import WebhookClient

from bot.slack.pacing import PacedRateLimitHandler, Pacer

logger = logging.getLogger(__name__)

# How long a lookup may take while Slack waits for the bot's answer.
QUICK_TIMEOUT = 1

# Slack allows 40,000 characters of message text; keep well within it.
MAX_MESSAGE_TEXT = 3000

# The message metadata event type of the bot's tagged messages (see SlackGateway.tagged).
TAG_EVENT = "mentor_bot_message"
# How many of a DM's latest messages are searched for a tagged message.
TAG_LOOKBACK = 200


@dataclass
class Tag:
    """The reference a block of posts carries (see :meth:`SlackGateway.tagged`)."""

    ref: str
    verify: bool
    count: int = 0  # posts begun (each message's number in the block)
    posted: int = 0  # posts Slack acknowledged (or found already there)
    unanswered: int = 0  # posts that ended without Slack's answer (dropped, timed out)

    @property
    def may_have_posted(self) -> bool:
        """Whether a message of this block may be in Slack: one was acknowledged, or a post
        ended without an answer (a dropped connection, a timeout)."""
        return self.posted > 0 or self.unanswered > 0


class _PacedBackOff(RetryHandler):
    """slack_sdk's back-off before the next try, waited on the pacer's clock (so that
    every wait on Slack follows one injectable clock); without a pacer, slack_sdk's own."""

    def __init__(self, pacer: Pacer | None = None, max_retry_count: int = 3) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.pacer = pacer

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        if self.pacer is None:
            super().prepare_for_next_attempt(
                state=state, request=request, response=response, error=error
            )
            return
        state.next_attempt_requested = True
        self.pacer.wait(self.interval_calculator.calculate_sleep_duration(state.current_attempt))
        state.increment_current_attempt()


class ServerErrorRetry(_PacedBackOff, ServerErrorRetryHandler):
    """Retry 5xx answers, backing off on the pacer's clock."""


class ConnectionRetry(_PacedBackOff, ConnectionErrorRetryHandler):
    """Retry dropped connections, except a tagged post (an outbox message) that may have
    reached Slack before the connection dropped: posting it again blindly could show it
    twice. The outbox retries it later itself, looking for it first (see
    :meth:`SlackGateway.tagged`). A connection that was never made is retried as usual,
    backing off on the pacer's clock.
    """

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if not super()._can_retry(state=state, request=request, response=response, error=error):
            return False
        return not (_tagged_post(request) and not _never_connected(error))


def _tagged_post(request: HttpRequest) -> bool:
    if not request.url.endswith("/chat.postMessage"):
        return False
    body = request.data if request.data is not None else repr(request.body_params).encode()
    return TAG_EVENT.encode() in body


def _never_connected(error: Exception | None) -> bool:
    """Whether the request surely never reached Slack (refused, or no address)."""
    reason = error.reason if isinstance(error, URLError) else error
    return isinstance(reason, ConnectionRefusedError | socket.gaierror)


def retry_handlers(pacer: Pacer | None = None) -> list[RetryHandler]:
    """Retry rate limits (honouring Retry-After), 5xx answers and dropped connections.

    With a ``pacer``, a 429 pauses all of this process's callers of that method once and
    teaches the pacer the rate (see :mod:`bot.pacing`).
    """
    rate_limits: RetryHandler = (
        PacedRateLimitHandler(pacer, max_retry_count=8)
        if pacer is not None
        else RateLimitErrorRetryHandler(max_retry_count=8)
    )
    return [
        ConnectionRetry(pacer, max_retry_count=3),
        rate_limits,
        ServerErrorRetry(pacer, max_retry_count=3),
    ]


def make_client(
    token: str, api_url: str, *, timeout: int = 15, pacer: Pacer | None = None
) -> WebClient:
    """A WebClient for ``api_url`` with the retry handlers installed."""
    return WebClient(
        token=token, base_url=api_url, timeout=timeout, retry_handlers=retry_handlers(pacer)
    )


class SlackGateway:
    """Typed, retrying access to the Slack Web API methods the bot uses.

    Args:
        client: The configured WebClient (see :func:`make_client`).
    """

    def __init__(
        self,
        client: WebClient,
        quick_client: WebClient | None = None,
        pacer: Pacer | None = None,
    ) -> None:
        self.client = client
        self._quick = quick_client or client
        self.pacer = pacer or Pacer()
        self._local = threading.local()

    @classmethod
    def create(cls, token: str, api_url: str, pacer: Pacer | None = None) -> SlackGateway:
        """A gateway for a bot token and API base URL (``pacer``: a shared one, or one on
        another clock; a new one by default)."""
        quick = WebClient(
            token=token,
            base_url=api_url,
            timeout=QUICK_TIMEOUT,
            retry_handlers=[ConnectionErrorRetryHandler(max_retry_count=1)],
        )
        pacer = pacer or Pacer()
        return cls(make_client(token, api_url, pacer=pacer), quick, pacer)

    def user_info(self, user_id: str, *, quick: bool = False) -> dict[str, Any]:
        """``users.info`` with the locale; returns the ``user`` object.

        Args:
            user_id: The Slack user ID.
            quick: Give up after about a second instead of waiting out rate limits; for
                lookups while Slack waits for the bot's answer (it allows 3 seconds).
        """
        client = self._quick if quick else self.client
        response = client.users_info(user=user_id, include_locale=True)
        user: dict[str, Any] = response["user"]
        return user

    def dm_channel(self, user_id: str) -> str:
        """The ID of the bot's direct-message channel with ``user_id``."""
        response = self.client.conversations_open(users=user_id)
        return str(response["channel"]["id"])

    def group_dm(self, user_ids: list[str]) -> str:
        """The ID of a group DM of ``user_ids`` and the bot."""
        response = self.client.conversations_open(users=",".join(user_ids))
        return str(response["channel"]["id"])

    @contextmanager
    def tagged(self, ref: str, *, verify: bool = False) -> Iterator[Tag]:
        """Within this block, every message this thread posts carries ``ref`` and its
        number in the block as message metadata (``TAG_EVENT``; nothing else).

        With ``verify`` (a send that may have reached Slack before its dispatcher died), a
        message to a person's DM is first looked for among the DM's latest messages; when
        Slack has it already, it is not posted again and its channel and ts are returned
        as if it had just been posted. Only DMs are searched (``im:history``): the bot
        never reads a pair's group DM or a channel. When the search fails, the message is
        posted (a repeat is better than a loss).
        """
        outer = getattr(self._local, "tag", None)
        tag = self._local.tag = Tag(ref, verify)
        try:
            yield tag
        finally:
            self._local.tag = outer

    def _posted_before(self, user_id: str, metadata: dict[str, Any]) -> tuple[str, str] | None:
        try:
            channel = self.dm_channel(user_id)
            response = self.client.conversations_history(
                channel=channel, limit=TAG_LOOKBACK, include_all_metadata=True
            )
        except SlackApiError as error:
            logger.warning("could not check %s's DM for a message: %s", user_id, error)
            return None
        for message in response.get("messages") or []:
            if message.get("metadata") == metadata and message.get("ts"):
                return channel, str(message["ts"])
        return None

    def post(self, channel: str, text: str, blocks: list[dict[str, Any]] | None = None) -> str:
        """Post a message to a channel (or a user's DM when ``channel`` is a user ID).

        Returns:
            The message's ``ts``.
        """
        return self.post_message(channel, text, blocks)[1]

    def post_message(
        self, channel: str, text: str, blocks: list[dict[str, Any]] | None = None
    ) -> tuple[str, str]:
        """:meth:`post`, returning the conversation's ID and the message's ``ts`` (what
        :meth:`update` needs; a DM posted to a user ID gets its ``D…`` ID here)."""
        tag: Tag | None = getattr(self._local, "tag", None)
        metadata: dict[str, Any] | None = None
        if tag is not None:
            metadata = {"event_type": TAG_EVENT, "event_payload": {"ref": tag.ref, "n": tag.count}}
            tag.count += 1
            if tag.verify and channel[:1] in ("U", "W"):  # a person's DM
                found = self._posted_before(channel, metadata)
                if found is not None:
                    logger.info("message %s #%s had reached Slack already", tag.ref, tag.count - 1)
                    tag.posted += 1
                    return found
        self.pacer.acquire("chat.postMessage", channel)
        try:
            response = self.client.chat_postMessage(
                channel=channel,
                text=text[:MAX_MESSAGE_TEXT],
                blocks=blocks,
                unfurl_links=False,
                metadata=metadata,
            )
        except SlackApiError:
            raise  # Slack answered: this message was not posted
        except Exception:
            if tag is not None:
                tag.unanswered += 1
            raise
        if tag is not None:
            tag.posted += 1
        self.pacer.accepted("chat.postMessage")
        return str(response["channel"]), str(response["ts"])

    def update(
        self, channel: str, ts: str, text: str, blocks: list[dict[str, Any]] | None = None
    ) -> None:
        """Replace the text and blocks of a message the bot posted."""
        self.client.chat_update(channel=channel, ts=ts, text=text[:MAX_MESSAGE_TEXT], blocks=blocks)

    def post_dm(self, user_id: str, text: str, blocks: list[dict[str, Any]] | None = None) -> str:
        """Post a message to the bot's DM with ``user_id``; returns its ``ts``."""
        return self.post(user_id, text, blocks)

    def open_view(self, trigger_id: str, view: dict[str, Any]) -> dict[str, Any]:
        """Open a modal; returns the view as Slack stored it."""
        response = self.client.views_open(trigger_id=trigger_id, view=view)
        opened: dict[str, Any] = response["view"]
        return opened

    def publish_home(self, user_id: str, view: dict[str, Any]) -> None:
        """Publish ``user_id``'s App Home tab."""
        self.client.views_publish(user_id=user_id, view=view)

    def upload_to_dm(
        self, user_id: str, *, filename: str, content: bytes, title: str, comment: str
    ) -> None:
        """Upload a file into the bot's DM with ``user_id`` (``files_upload_v2``)."""
        self.client.files_upload_v2(
            channel=self.dm_channel(user_id),
            content=content,
            filename=filename,
            title=title,
            initial_comment=comment,
        )

    def respond(
        self,
        response_url: str,
        text: str,
        *,
        blocks: list[dict[str, Any]] | None = None,
        replace_original: bool = False,
    ) -> None:
        """Answer through an interaction's ``response_url`` (ephemeral to the actor)."""
        webhook = WebhookClient(response_url, retry_handlers=retry_handlers())
        result = webhook.send(
            text=text,
            blocks=blocks,
            response_type="ephemeral",
            replace_original=replace_original,
        )
        if result.status_code >= 400:
            logger.warning("response_url answered %s", result.status_code)
