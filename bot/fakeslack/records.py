"""What the fake Slack records: calls, delivered messages, files, and its rate limits."""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class RateLimits:
    """Rate limits the fake enforces (all off unless a test passes an instance).

    Attributes:
        per_channel_per_second: chat.postMessage allowance per channel, as Slack's
            "about one message per second per channel": two posts to the same channel
            closer together than ``1 / per_channel_per_second`` seconds get a 429.
            ``None`` turns this off.
        workspace_per_minute: Per-method allowance over a sliding 60 s window for the
            whole workspace, e.g. ``{"users.info": 50}`` (Slack's tier limits).
        retry_after: Seconds sent in the ``Retry-After`` header of a 429.
        window_seconds: The length of the sliding window of ``workspace_per_minute``
            (60 as on Slack; shorter windows make the same limits quick to test).
    """

    per_channel_per_second: float | None = 1.0
    workspace_per_minute: Mapping[str, int] | None = None
    retry_after: int = 1
    window_seconds: float = 60.0


@dataclass(frozen=True)
class Call:
    """One HTTP request the fake answered (or dropped).

    Attributes:
        method: Web API method (``"chat.postMessage"``), or ``"file_upload"`` for a POST to
            an upload URL, or ``"response_url"`` for a POST to a response URL.
        params: The arguments, merged from query string and body, with JSON-in-form
            values (``blocks``, ``view``, ``files``...) decoded; the token is left out.
        http_status: The HTTP status answered, 0 when the connection was dropped.
        response: The JSON body answered (``{}`` when dropped; ``{"body": ...}`` for
            the plain-text answers of upload and response URLs).
        at: ``time.time()`` when the request was handled.
    """

    method: str
    params: dict[str, Any]
    http_status: int
    response: dict[str, Any]
    at: float

    @property
    def ok(self) -> bool:
        """Whether Slack would count this call as a success."""
        if self.http_status != 200:
            return False
        return self.response.get("ok", True) is True

    @property
    def error(self) -> str | None:
        """The Web API error code, or ``None`` for a successful call."""
        error = self.response.get("error")
        return error if isinstance(error, str) else None


@dataclass
class FileRecord:
    """A file announced through files.getUploadURLExternal.

    Attributes:
        id: Slack file id (``"F..."``).
        filename: The name given to files.getUploadURLExternal.
        length: The length announced to files.getUploadURLExternal.
        content: The bytes POSTed to the upload URL (``None`` until uploaded).
        title: The title given at files.completeUploadExternal.
        channels: Conversations the file was shared into.
        initial_comment: The comment posted with the share.
        completed: Whether files.completeUploadExternal finished the upload.
        created: ``time.time()`` when the upload URL was issued.
    """

    id: str
    filename: str
    length: int
    content: bytes | None = None
    title: str | None = None
    channels: list[str] = field(default_factory=list)
    initial_comment: str | None = None
    completed: bool = False
    created: float = 0.0

    @property
    def name(self) -> str:
        """Alias of :attr:`filename`, as Slack calls it in file objects."""
        return self.filename

    @property
    def text(self) -> str:
        """The content decoded as UTF-8 (empty before the upload)."""
        return (self.content or b"").decode("utf-8", errors="replace")


@dataclass(frozen=True)
class Revision:
    """An earlier version of a message, kept when it is edited or replaced."""

    text: str
    blocks: list[dict[str, Any]]
    method: str
    at: float


@dataclass
class Message:
    """A message that reached people in the fake workspace.

    Attributes:
        method: How it got there: ``"chat.postMessage"``, ``"chat.postEphemeral"``,
            ``"response_url"`` or ``"files.completeUploadExternal"`` (a file share).
        channel: Conversation id (``C…``, ``D…`` IM, ``G…`` MPIM); for a response URL post
            the conversation the interaction came from, possibly ``""``.
        ts: Message timestamp, unique and increasing (``"1700000000.000100"``).
        text: Current text (updates by chat.update / replace_original apply in place).
        blocks: Current blocks, JSON-decoded.
        recipients: User ids it reached, in a stable order (the bot excluded).
        thread_ts: Parent message when posted in a thread.
        ephemeral: Only the one recipient could see it.
        files: Files shared by this message.
        response_type: For response URL posts, ``"ephemeral"`` or ``"in_channel"``.
        deleted: Removed later by chat.delete or ``delete_original``.
        revisions: Earlier versions, oldest first.
        params: The raw arguments of the call that delivered it.
        author: User id that sent it (the bot).
        bot_id: Bot id that sent it.
    """

    method: str
    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]]
    recipients: tuple[str, ...]
    thread_ts: str | None = None
    ephemeral: bool = False
    files: list[FileRecord] = field(default_factory=list)
    response_type: str | None = None
    deleted: bool = False
    revisions: list[Revision] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)
    author: str = ""
    bot_id: str = ""

    @property
    def users(self) -> tuple[str, ...]:
        """Alias of :attr:`recipients`."""
        return self.recipients

    @property
    def user(self) -> str | None:
        """The only recipient, or ``None`` when it reached several people (or nobody)."""
        return self.recipients[0] if len(self.recipients) == 1 else None

    @property
    def edited(self) -> bool:
        """Whether the message was changed after delivery."""
        return bool(self.revisions)

    @property
    def all_text(self) -> str:
        """The text plus every string shown in the blocks and file names, newline-joined.

        Handy for assertions such as ``"Python" in message.all_text``.
        """
        parts = [self.text] if self.text else []
        parts.extend(_strings_in(self.blocks))
        parts.extend(f.title or f.filename for f in self.files)
        return "\n".join(parts)

    def mentions(self, needle: str, *, case_sensitive: bool = False) -> bool:
        """Tell whether ``needle`` appears anywhere in :attr:`all_text`.

        Args:
            needle: Text to look for.
            case_sensitive: Compare exactly instead of case-insensitively.

        Returns:
            True when found.
        """
        haystack = self.all_text
        if case_sensitive:
            return needle in haystack
        return needle.casefold() in haystack.casefold()

    def action_ids(self) -> list[str]:
        """Every ``action_id`` of the interactive elements, in block order."""
        return [element["action_id"] for _, element in iter_elements(self.blocks)]

    def find_element(self, action_id: str) -> dict[str, Any] | None:
        """Find an interactive element by its ``action_id``.

        Args:
            action_id: The element's action_id.

        Returns:
            The element dict, or ``None`` when absent.
        """
        for _, element in iter_elements(self.blocks):
            if element.get("action_id") == action_id:
                return element
        return None

    def to_slack(self) -> dict[str, Any]:
        """Render the message the way Slack includes it in payloads and API answers."""
        message: dict[str, Any] = {
            "type": "message",
            "user": self.author,
            "bot_id": self.bot_id,
            "text": self.text,
            "ts": self.ts,
        }
        if self.blocks:
            message["blocks"] = copy.deepcopy(self.blocks)
        if self.thread_ts:
            message["thread_ts"] = self.thread_ts
        if self.files:
            message["files"] = [
                {"id": f.id, "name": f.filename, "title": f.title} for f in self.files
            ]
        if self.revisions:
            message["edited"] = {"user": self.author, "ts": self.ts}
        return message


def iter_elements(blocks: Any) -> Iterator[tuple[str | None, dict[str, Any]]]:
    """Yield ``(block_id, element)`` for every element with an ``action_id``.

    Args:
        blocks: A list of Block Kit blocks.

    Yields:
        The enclosing block's block_id (or ``None``) and the element dict.
    """
    if not isinstance(blocks, list):
        return
    for block in blocks:
        if not isinstance(block, dict):
            continue
        block_id = block.get("block_id")
        candidates: list[Any] = []
        if isinstance(block.get("elements"), list):
            candidates.extend(block["elements"])
        for key in ("accessory", "element"):
            if block.get(key) is not None:
                candidates.append(block[key])
        for element in candidates:
            if isinstance(element, dict) and isinstance(element.get("action_id"), str):
                yield block_id, element


def _strings_in(value: Any) -> Iterator[str]:
    """Yield the human-visible strings of a block tree (``text`` values and alt texts)."""
    if isinstance(value, list):
        for item in value:
            yield from _strings_in(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key in ("text", "alt_text", "title") and isinstance(item, str):
                yield item
            elif isinstance(item, dict | list):
                yield from _strings_in(item)
