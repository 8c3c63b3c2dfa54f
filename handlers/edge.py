"""What comes from Slack, checked once at the edge: the shape of each payload and the
numbers in button values and view metadata."""

from __future__ import annotations

import re
from typing import Any

_ROW_ID = re.compile(r"[0-9]{1,10}\Z")
#: The largest id a table can hold: ids are INTEGER columns on PostgreSQL.
MAX_ROW_ID = 2**31 - 1
_USER = re.compile(r"[UW][A-Z0-9]{1,30}\Z")


def row_id(value: object) -> int | None:
    """A database id from a button value or view metadata, or None when it is not one
    (not ASCII digits, or too large for any table: ``²``, 2147483648 or a 20-digit
    number)."""
    if isinstance(value, str) and _ROW_ID.match(value):
        number = int(value)
        return number if 0 < number <= MAX_ROW_ID else None
    return None


def _trigger_ok(body: dict[str, Any]) -> bool:
    trigger = body.get("trigger_id")
    return isinstance(trigger, str) and 0 < len(trigger) <= 200


def _user_ok(body: dict[str, Any]) -> bool:
    user = body.get("user")
    user_id = user.get("id") if isinstance(user, dict) else body.get("user_id")
    return isinstance(user_id, str) and bool(_USER.match(user_id))


#: Fields Slack sends as an object (or for some, an id string), never as anything else.
_OBJECTS = ("team", "user", "channel", "enterprise", "container", "message", "view", "event")
_OBJECTS_ONLY = ("container", "message", "view", "event", "previous_message", "item", "state")


def _fields_problem(body: dict[str, Any]) -> str | None:
    for field in _OBJECTS:
        value = body.get(field)
        if value is not None and not isinstance(value, dict | str):
            return f"malformed {field}"
    for field in _OBJECTS_ONLY:
        value = body.get(field)
        if value is not None and not isinstance(value, dict):
            return f"malformed {field}"
    authorizations = body.get("authorizations")
    if authorizations is not None and not (
        isinstance(authorizations, list) and all(isinstance(a, dict) for a in authorizations)
    ):
        return "malformed authorizations"
    url = body.get("response_url")
    if url is not None and not (isinstance(url, str) and url.startswith(("https://", "http://"))):
        return "malformed response_url"
    for field in ("team_id", "user_id", "channel_id", "api_app_id", "enterprise_id"):
        value = body.get(field)
        if value is not None and not isinstance(value, str):
            return f"malformed {field}"
    return None


def problem(body: Any) -> str | None:
    """Why a payload is not one Slack sends, or None when its shape is fine."""
    if not isinstance(body, dict):
        return "not an object"
    fields = _fields_problem(body)
    if fields is not None:
        return fields
    kind = body.get("type")
    if "command" not in body and not isinstance(kind, str) and "ssl_check" not in body:
        return "neither a command, an interaction nor an event"
    if "command" in body:
        if not _user_ok(body) or not _trigger_ok(body):
            return "command without user or trigger"
        return None
    if kind == "block_actions":
        actions = body.get("actions")
        if not _user_ok(body):
            return "action without user"
        if not (
            isinstance(actions, list)
            and actions
            and all(isinstance(a, dict) and isinstance(a.get("action_id"), str) for a in actions)
        ):
            return "action without action_id"
        if not _trigger_ok(body):
            return "action without trigger"
        return None
    if kind in ("view_submission", "view_closed"):
        view = body.get("view")
        if not _user_ok(body):
            return "view without user"
        if not (isinstance(view, dict) and isinstance(view.get("callback_id"), str)):
            return "view without callback_id"
        state = view.get("state", {"values": {}})
        values = state.get("values") if isinstance(state, dict) else None
        if not isinstance(values, dict) or not all(
            isinstance(block, dict) and all(isinstance(e, dict) for e in block.values())
            for block in values.values()
        ):
            return "view with a malformed state"
        metadata = view.get("private_metadata", "")
        if not isinstance(metadata, str) or len(metadata) > 3000:
            return "view with malformed metadata"
        return None
    if kind == "event_callback":
        return _event_problem(body.get("event"))
    return None


def _event_problem(event: Any) -> str | None:
    if not isinstance(event, dict) or not isinstance(event.get("type"), str):
        return "event without event"
    fields = _fields_problem(event)
    if fields is not None:
        return "event with " + fields
    user = event.get("user")
    if event["type"] == "user_change":
        # The changed profile, a user object.
        if not (isinstance(user, dict) and isinstance(user.get("id"), str)):
            return "user_change without user"
    elif user is not None and not isinstance(user, str):
        return "event with a malformed user"
    for field in ("channel", "text", "tab", "channel_type", "subtype", "bot_id"):
        if event.get(field) is not None and not isinstance(event[field], str):
            return f"event with a malformed {field}"
    return None
