"""Safe text for Slack: what a user typed is shown, never interpreted."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# A lone surrogate (JSON allows "\ud800") cannot be encoded, stored or encrypted.
_SURROGATE = re.compile("[\ud800-\udfff]")


def escape(text: str) -> str:
    """Escape user-written text for mrkdwn (``&``, ``<``, ``>``).

    Slack turns ``<!channel>``, ``<@U123>`` and ``<http://…|label>`` into pings and links;
    escaped, they are shown as typed. Text Slack already escaped (slash command text
    arrives with ``&lt;`` for a typed ``<``) is not escaped twice.
    """
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clean(text: str | None, *, max_length: int) -> str | None:
    """Strip control characters and outer white space, and replace lone surrogates with
    U+FFFD; None when nothing is left.

    Raises:
        ValueError: The text is longer than ``max_length`` characters.
    """
    if text is None:
        return None
    text = _SURROGATE.sub("\ufffd", _CONTROL.sub("", text)).strip()
    if not text:
        return None
    if len(text) > max_length:
        raise ValueError(f"longer than {max_length} characters")
    return text


def truncate(text: str, limit: int) -> str:
    """Shorten ``text`` to at most ``limit`` characters, ending with an ellipsis if cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
