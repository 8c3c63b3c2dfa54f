"""What one person sees in the demo workspace, as HTML fragments for the page (and the
transcript): their conversations, the messages in one of them, the App Home and their
open modal. Only what Slack would show that person: messages that reached them, their
own ephemeral messages, their own Home and modals.
"""

from __future__ import annotations

import base64
import html
import mimetypes
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_skeleton, format_time

from bot.demo.cast import BY_ID
from bot.demo.render import blocks_html, mrkdwn_html, view_html
from bot.fakeslack.records import FileRecord, Message
from bot.fakeslack.server import FakeSlack

HOME = "home"
#: What Slack itself writes next to a message, in the person's language.
MARKS = {
    "de": {
        "only_you": "Nur für dich sichtbar",
        "edited": "(bearbeitet)",
        "empty": "Hier gibt es noch keine Nachrichten.",
        "no_home": "Die App hat für dich noch keine Startseite veröffentlicht.",
    },
    "en": {
        "only_you": "Only visible to you",
        "edited": "(edited)",
        "empty": "No messages here yet.",
        "no_home": "The app has not published a Home for you yet.",
    },
}


class Viewer:
    """One person's view of the stand-in's workspace."""

    def __init__(self, fake: FakeSlack, user_id: str, *, embed_files: bool = False) -> None:
        self.fake = fake
        self.user_id = user_id
        user = fake.user(user_id) or {}
        self.zone = ZoneInfo(str(user.get("tz") or "UTC"))
        self.locale = str(user.get("locale") or "en-US").replace("-", "_")
        self.words = MARKS.get(self.locale[:2], MARKS["en"])
        #: Files as links to the page (``/files/…``), or embedded (a transcript on its own).
        self.embed_files = embed_files

    def name(self, ref: str) -> str:
        """Display name of a user or channel id (for mentions)."""
        if ref.startswith(("C", "G", "D")):
            channel = self.fake.channel(ref)
            return str(channel.get("name") or ref) if channel else ref
        person = BY_ID.get(ref)
        if person is not None:
            return person.name
        user = self.fake.user(ref)
        return str(user.get("real_name") or user.get("name")) if user else ref

    def when(self, moment: datetime, *, long: bool = False) -> str:
        """A time as this person reads it: in their zone and language (``long``: with
        the weekday, the month spelled out and the year)."""
        local = moment.astimezone(self.zone)
        day = (
            format_date(local, "full", locale=self.locale)
            if long
            else format_skeleton("MMMEd", local, locale=self.locale)
        )
        return f"{day}, {format_time(local, 'short', locale=self.locale)}"

    def conversations(self) -> list[dict[str, Any]]:
        """The sidebar: the App Home, channels, group DMs and the DM with the app, each
        with how many messages it holds for this person."""
        counts: dict[str, int] = {}
        for message in self.visible():
            counts[message.channel] = counts.get(message.channel, 0) + 1
        found = [{"id": HOME, "label": "Mentor Bot — Home", "kind": "home", "count": 0}]
        for conversation in self.fake.conversations_of(self.user_id):
            cid = str(conversation["id"])
            found.append(
                {
                    "id": cid,
                    "label": self.label(cid),
                    "kind": _kind(conversation),
                    "count": counts.get(cid, 0),
                }
            )
        return found

    def label(self, channel_id: str) -> str:
        """How the sidebar names a conversation."""
        if channel_id == HOME:
            return "Mentor Bot — Home"
        channel = self.fake.channel(channel_id) or {}
        if channel.get("is_im"):
            return "Mentor Bot (direct message)"
        if channel.get("is_mpim"):
            others = (self.user_id, self.fake.bot_user_id)
            members = [m for m in self._members(channel_id) if m not in others]
            return "Group: " + ", ".join(["Mentor Bot", *(self.name(m) for m in members)])
        return "#" + str(channel.get("name") or channel_id)

    def _members(self, channel_id: str) -> list[str]:
        for conversation in self.fake.conversations_of(self.user_id):
            if conversation.get("id") == channel_id:
                return [str(m) for m in conversation.get("members") or []]
        return []

    def visible(self, channel_id: str | None = None) -> list[Message]:
        """Messages this person can see (in one conversation), oldest first."""
        return [
            m
            for m in self.fake.messages_for(self.user_id)
            if not m.deleted and (channel_id is None or m.channel == channel_id)
        ]

    def messages_html(self, channel_id: str) -> str:
        """The conversation's messages for this person."""
        shown = [self.message_html(m) for m in self.visible(channel_id)]
        if not shown:
            return f'<p class="empty">{self.words["empty"]}</p>'
        return "\n".join(shown)

    def message_html(self, message: Message) -> str:
        """One message: author, time, "only visible to you", content, files, "(edited)"."""
        sent = datetime.fromtimestamp(float(message.ts), UTC)
        author = (
            "Mentor Bot" if message.author == self.fake.bot_user_id else self.name(message.author)
        )
        words = self.words
        marks = []
        if message.ephemeral:
            marks.append(f'<span class="only-you">{words["only_you"]}</span>')
        if message.revisions:
            marks.append(f'<span class="edited">{words["edited"]}</span>')
        body = (
            blocks_html(message.blocks, self.name)
            if message.blocks
            else f'<div class="bk-text">{mrkdwn_html(message.text, self.name)}</div>'
        )
        files = "".join(
            f'<a class="file" href="{self._file_href(f)}" '
            f'download="{html.escape(f.filename)}">📎 {html.escape(f.title or f.filename)}</a>'
            for f in message.files
        )
        classes = "msg ephemeral" if message.ephemeral else "msg"
        return (
            f'<article class="{classes}" data-channel="{html.escape(message.channel)}" '
            f'data-ts="{html.escape(message.ts)}">'
            f'<header><b class="author">{html.escape(author)}</b> '
            f'<time datetime="{sent.isoformat()}">{html.escape(self.when(sent))}</time> '
            f"{' '.join(marks)}</header>{body}{files}</article>"
        )

    def _file_href(self, file: FileRecord) -> str:
        if not self.embed_files:
            return f"/files/{quote(file.id)}?user={quote(self.user_id)}"
        kind = mimetypes.guess_type(file.filename)[0] or "application/octet-stream"
        return f"data:{kind};base64,{base64.b64encode(file.content or b'').decode('ascii')}"

    def home_html(self) -> str:
        """The App Home as the bot last published it for this person."""
        home = self.fake.home_view(self.user_id)
        if home is None:
            return f'<p class="empty">{self.words["no_home"]}</p>'
        return (
            f'<div class="home" data-view-id="{html.escape(str(home.get("id")))}">'
            f"{blocks_html(home.get('blocks') or [], self.name)}</div>"
        )

    def modal(self, errors: Mapping[str, str] | None = None) -> dict[str, Any] | None:
        """The topmost open modal, or ``None``."""
        stack = self.fake.modal_stack(self.user_id)
        if not stack:
            return None
        view = stack[-1]
        return {
            "id": view.get("id"),
            "hash": view.get("hash"),
            "html": view_html(view, self.name, errors=errors),
        }


def _kind(conversation: Mapping[str, Any]) -> str:
    if conversation.get("is_im"):
        return "im"
    if conversation.get("is_mpim"):
        return "mpim"
    return "channel"
