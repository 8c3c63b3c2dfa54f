"""Slack Block Kit as HTML: messages, App Home views and modals, the way Slack's client shows
them, for the demo page.

Pure functions of the JSON the bot produces. Everything taken from it is HTML-escaped (a
person's typed text can be in it), and nothing raises on a block, element or key this
module does not know: an unknown block or element becomes a small muted note.

The page's JavaScript finds what it needs through these hooks:

* ``.bk-button[data-action-id]``: a button, with ``data-block-id``, ``data-value`` (only
  when the button has a value) and ``data-confirm`` (JSON: title, text, confirm, deny).
* ``select.bk-select-action``: a select or overflow menu in a message or the home tab, with
  ``data-action-id``, ``data-block-id`` and ``data-type``; its first option has value "".
* ``input.bk-picker-action``: a date or time picker in a message or the home tab, likewise.
* ``.bk-input``: one per input block, with ``data-block-id``, ``data-action-id`` and
  ``data-type`` (the element type); its control(s) carry ``name`` = prefix + block id.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import groupby
from typing import Any

Names = Callable[[str], str]
"""User or channel id -> display name (without ``@`` or ``#``)."""

_CODE_BLOCK = re.compile(r"```(.*?)```", re.DOTALL)
_CODE = re.compile(r"`([^`\n]+)`")
_TOKEN = re.compile(r"<([^<>\n]+)>")
_HOLE = re.compile("\x00(\\d+)\x00")
_BOLD = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_ITALIC = re.compile(r"(?<!\w)_(?=\S)([^_\n]+?)(?<=\S)_(?!\w)")
_STRIKE = re.compile(r"(?<![\w~])~(?=\S)([^~\n]+?)(?<=\S)~(?![\w~])")
_QUOTE = re.compile(r"(?:>|&gt;) ?")
_BLOCK_BR = re.compile(r"(?<=</pre>)<br>|<br>(?=<pre>)")
_LINK = re.compile(r"(?:https?://|mailto:)\S", re.IGNORECASE)
_HTTP = re.compile(r"https?://\S", re.IGNORECASE)
_UNSAFE_ID = re.compile(r"[^A-Za-z0-9_-]")
_BROADCASTS = {"here", "channel", "everyone"}

Attr = tuple[str, str | bool | None]
Attrs = Iterable[Attr]


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _str(value: object) -> str:
    """A JSON value as text: strings as they are, numbers printed, anything else empty."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        return ""
    return str(value)


def _map(value: object) -> Mapping[str, Any] | None:
    return value if isinstance(value, Mapping) else None


def _maps(value: object) -> list[Mapping[str, Any]]:
    """The mappings in a JSON list (anything else in it, or a non-list, is skipped)."""
    if not isinstance(value, list | tuple):
        return []
    return [item for item in value if isinstance(item, Mapping)]


def _unslack(text: str) -> str:
    """Undo Slack's own escaping of ``&``, ``<`` and ``>`` (``&amp;`` last)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _sanitize(text: str) -> str:
    return _UNSAFE_ID.sub("_", text)


def _attrs(pairs: Attrs) -> str:
    """HTML attributes: None and False are left out, True is a bare attribute."""
    out = []
    for key, value in pairs:
        if value is True:
            out.append(f" {key}")
        elif isinstance(value, str):
            out.append(f' {key}="{_e(value)}"')
    return "".join(out)


def _muted(text: str) -> str:
    return f'<span class="bk-muted">{_e(text)}</span>'


def _number(value: object) -> str | None:
    """A non-negative integer attribute value, or None."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return str(value)
    return value if isinstance(value, str) and value.isdecimal() else None


def _plain(obj: object) -> str:
    """The text of a text object, unformatted (mrkdwn's Slack escaping undone)."""
    if isinstance(obj, str):
        return obj
    if not isinstance(obj, Mapping):
        return ""
    text = _str(obj.get("text"))
    return _unslack(text) if obj.get("type") == "mrkdwn" else text


def _name(names: Names, ident: str, fallback: str) -> str:
    """``names(ident)``, or ``fallback`` (else the id) when it fails or gives nothing."""
    try:
        name = names(ident)
    except Exception:
        name = ""
    return name if isinstance(name, str) and name else fallback or ident


def _date_text(parts: list[str], fallback: str) -> str:
    """``<!date^ts^format|fallback>``: the fallback, else the moment in UTC."""
    if fallback:
        return fallback
    try:
        moment = datetime.fromtimestamp(int(parts[1]), tz=UTC)
    except (IndexError, ValueError, OverflowError, OSError):
        return ""
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _token(inner: str, names: Names) -> tuple[str, str, str]:
    """What ``<inner>`` shows: (kind, text, href); kind is mention, link or text."""
    target, _, label = inner.partition("|")
    label = _unslack(label)
    if target.startswith("@"):
        return "mention", "@" + _name(names, target[1:], label.lstrip("@")), ""
    if target.startswith("#"):
        return "mention", "#" + _name(names, target[1:], label.lstrip("#")), ""
    if target.startswith("!"):
        command = target[1:].split("^")
        if command[0] in _BROADCASTS:
            return "mention", "@" + command[0], ""
        if command[0] == "date":
            return "text", _date_text(command, label), ""
        if command[0] == "subteam":
            return "mention", label or "@team", ""
        return "text", label or command[0], ""
    url = _unslack(target)
    if _LINK.match(url):
        return "link", label or url, url
    return "text", label or "<" + _unslack(inner) + ">", ""


def _token_html(inner: str, names: Names) -> str:
    kind, text, href = _token(inner, names)
    if kind == "mention":
        return f'<span class="mention">{_e(text)}</span>'
    if kind == "link":
        return f'<a href="{_e(href)}" target="_blank" rel="noopener">{_e(text)}</a>'
    return _e(text)


def _code_text(text: str, names: Names) -> str:
    """Code as Slack shows it: no formatting; links and mentions as their text."""
    pieces = _TOKEN.split(text)
    out = []
    for index, piece in enumerate(pieces):
        out.append(_e(_token(piece, names)[1] if index % 2 else _unslack(piece)))
    return "".join(out)


def _inline(line: str) -> str:
    """One line of text (tokens already taken out): escaped, then bold, italic, strike."""
    text = _e(_unslack(line))
    text = _BOLD.sub(r"<b>\1</b>", text)
    text = _ITALIC.sub(r"<i>\1</i>", text)
    return _STRIKE.sub(r"<s>\1</s>", text)


def _lines_html(text: str) -> str:
    """Lines joined by ``<br>``; runs of lines starting with ``>`` as one blockquote."""
    out = []
    for quoted, group in groupby(text.split("\n"), key=lambda line: bool(_QUOTE.match(line))):
        if quoted:
            lines = "<br>".join(_inline(_QUOTE.sub("", line, count=1)) for line in group)
            out.append(f"<blockquote>{lines}</blockquote>")
        else:
            out.append("<br>".join(_inline(line) for line in group))
    return "".join(out)


def mrkdwn_html(text: str, names: Names) -> str:
    """Slack mrkdwn as HTML.

    Escapes first, then: ``*bold*``, ``_italic_``, ``~strike~``, ```code```, code blocks,
    ``>`` quotes, links (http, https and mailto only; anything else is shown as text),
    user, channel and ``@here`` mentions (``<span class="mention">``), dates (their
    fallback text) and line breaks. Slack's own escaping (``&amp;``, ``&lt;``, ``&gt;``) is
    undone before escaping, so the reader sees ``&``, not ``&amp;``.
    """
    holes: list[str] = []

    def hole(fragment: str) -> str:
        holes.append(fragment)
        return f"\x00{len(holes) - 1}\x00"

    raw = _str(text).replace("\x00", "")
    raw = _CODE_BLOCK.sub(
        lambda m: hole(f"<pre>{_code_text(m[1].strip(chr(10)), names)}</pre>"), raw
    )
    raw = _CODE.sub(lambda m: hole(f"<code>{_code_text(m[1], names)}</code>"), raw)
    raw = _TOKEN.sub(lambda m: hole(_token_html(m[1], names)), raw)
    body = _HOLE.sub(lambda m: holes[int(m[1])], _lines_html(raw))
    return _BLOCK_BR.sub("", body)


def text_html(obj: Mapping[str, Any] | None, names: Names) -> str:
    """A text object as HTML: plain_text escaped (line breaks kept), mrkdwn formatted."""
    if not isinstance(obj, Mapping):
        return ""
    text = _str(obj.get("text"))
    if obj.get("type") == "mrkdwn":
        return mrkdwn_html(text, names)
    return _e(text).replace("\n", "<br>")


@dataclass(frozen=True)
class _Context:
    names: Names
    errors: Mapping[str, str]
    prefix: str


def _img(element: Mapping[str, Any], css: str) -> str:
    """An image element; only http(s) images are loaded, others show their alt text."""
    url = _str(element.get("image_url"))
    alt = _str(element.get("alt_text"))
    if not _HTTP.match(url):
        return _muted(alt) if alt else ""
    return f'<img class="{css}" src="{_e(url)}" alt="{_e(alt)}" loading="lazy">'


def _initial(element: Mapping[str, Any]) -> set[str]:
    """The values of ``initial_option`` and ``initial_options``."""
    chosen = _maps(element.get("initial_options"))
    single = _map(element.get("initial_option"))
    if single is not None:
        chosen.append(single)
    return {_str(option.get("value")) for option in chosen}


def _option(option: Mapping[str, Any], selected: set[str]) -> str:
    value = _str(option.get("value"))
    pairs: list[Attr] = [("value", value), ("selected", value in selected)]
    return f"<option{_attrs(pairs)}>{_e(_plain(option.get('text')))}</option>"


def _options_html(element: Mapping[str, Any], selected: set[str]) -> str:
    """``options`` and ``option_groups`` (as ``<optgroup>``) of a select."""
    parts = [_option(option, selected) for option in _maps(element.get("options"))]
    for group in _maps(element.get("option_groups")):
        inner = "".join(_option(option, selected) for option in _maps(group.get("options")))
        parts.append(f'<optgroup label="{_e(_plain(group.get("label")))}">{inner}</optgroup>')
    return "".join(parts)


def _confirm(element: Mapping[str, Any]) -> str:
    """The ``data-confirm`` attribute (JSON of plain strings), or nothing."""
    confirm = _map(element.get("confirm"))
    if confirm is None:
        return ""
    data = {
        "title": _plain(confirm.get("title")) or "Are you sure?",
        "text": _plain(confirm.get("text")),
        "confirm": _plain(confirm.get("confirm")) or "Yes",
        "deny": _plain(confirm.get("deny")) or "Cancel",
    }
    return f" data-confirm='{_e(json.dumps(data, ensure_ascii=False))}'"


def _button(element: Mapping[str, Any], block_id: str) -> str:
    """A button; one with an http(s) ``url`` is a link that opens in a new tab."""
    style = element.get("style")
    style = style if style in ("primary", "danger") else "default"
    value = _str(element.get("value")) if "value" in element else None
    pairs = [
        ("class", f"bk-button bk-{style}"),
        ("data-action-id", _str(element.get("action_id"))),
        ("data-block-id", block_id),
        ("data-value", value),
    ]
    label = _e(_plain(element.get("text")))
    url = _str(element.get("url"))
    if _HTTP.match(url):
        link = [("href", url), ("target", "_blank"), ("rel", "noopener")]
        return f"<a{_attrs([*pairs, *link])}{_confirm(element)}>{label}</a>"
    return f'<button type="button"{_attrs(pairs)}{_confirm(element)}>{label}</button>'


def _action_element(element: Mapping[str, Any], block_id: str) -> str:
    """An interactive element of a message or the home tab (outside input blocks)."""
    kind = _str(element.get("type"))
    if kind == "button":
        return _button(element, block_id)
    if kind == "image":
        return _img(element, "bk-accessory-image")
    action_id = _str(element.get("action_id"))
    placeholder = _plain(element.get("placeholder"))
    common = [
        ("data-action-id", action_id),
        ("data-block-id", block_id),
        ("data-type", kind),
        ("aria-label", placeholder or action_id),
    ]
    if kind in ("static_select", "overflow"):
        first = "⋯" if kind == "overflow" else placeholder
        options = _options_html(element, _initial(element))
        pairs = [("class", "bk-select-action"), *common]
        return f'<select{_attrs(pairs)}><option value="">{_e(first)}</option>{options}</select>'
    if kind in ("datepicker", "timepicker"):
        kind_type, key = (
            ("date", "initial_date") if kind == "datepicker" else ("time", "initial_time")
        )
        pairs = [("type", kind_type), ("class", "bk-picker-action"), *common]
        return f"<input{_attrs([*pairs, ('value', _str(element.get(key)))])}>"
    return _muted(f"(unsupported element {kind})")


def _section(block: Mapping[str, Any], block_id: str, ctx: _Context) -> str:
    body = ""
    if _map(block.get("text")):
        body += f'<div class="bk-text">{text_html(block.get("text"), ctx.names)}</div>'
    fields = _maps(block.get("fields"))
    if fields:
        cells = "".join(f'<div class="bk-field">{text_html(f, ctx.names)}</div>' for f in fields)
        body += f'<div class="bk-fields">{cells}</div>'
    out = f'<div class="bk-section-body">{body}</div>'
    accessory = _map(block.get("accessory"))
    if accessory is not None:
        out += f'<div class="bk-accessory">{_action_element(accessory, block_id)}</div>'
    return out


def _header(block: Mapping[str, Any], block_id: str, ctx: _Context) -> str:
    return f'<h3 class="bk-header">{_e(_plain(block.get("text")))}</h3>'


def _context(block: Mapping[str, Any], block_id: str, ctx: _Context) -> str:
    items = []
    for element in _maps(block.get("elements")):
        if element.get("type") == "image":
            items.append(_img(element, "bk-context-image"))
        else:
            items.append(f'<span class="bk-context-text">{text_html(element, ctx.names)}</span>')
    return " ".join(items)


def _divider(block: Mapping[str, Any], block_id: str, ctx: _Context) -> str:
    return '<hr class="bk-divider">'


def _image(block: Mapping[str, Any], block_id: str, ctx: _Context) -> str:
    title = _plain(block.get("title"))
    caption = f'<div class="bk-image-title">{_e(title)}</div>' if title else ""
    return caption + _img(block, "bk-image-img")


def _actions(block: Mapping[str, Any], block_id: str, ctx: _Context) -> str:
    return "".join(_action_element(el, block_id) for el in _maps(block.get("elements")))


@dataclass(frozen=True)
class _Field:
    """What every control of one input block carries."""

    dom_id: str
    name: str
    required: bool
    invalid: bool
    described_by: str

    def common(self) -> list[Attr]:
        return [
            ("id", self.dom_id),
            ("name", self.name),
            ("required", self.required),
            ("aria-invalid", "true" if self.invalid else None),
            ("aria-describedby", self.described_by or None),
        ]


_TYPED_INPUTS = {
    "datepicker": ("date", "initial_date"),
    "timepicker": ("time", "initial_time"),
    "number_input": ("number", "initial_value"),
    "email_text_input": ("email", "initial_value"),
    "url_text_input": ("url", "initial_value"),
}


def _text_control(element: Mapping[str, Any], field: _Field) -> str:
    pairs = [
        *field.common(),
        ("maxlength", _number(element.get("max_length"))),
        ("minlength", _number(element.get("min_length"))),
        ("placeholder", _plain(element.get("placeholder")) or None),
    ]
    value = _str(element.get("initial_value"))
    if element.get("multiline") is True:
        # The parser drops one newline right after <textarea>; this one, not the value's.
        return f'<textarea rows="4"{_attrs(pairs)}>\n{_e(value)}</textarea>'
    return f'<input type="text"{_attrs([*pairs, ("value", value)])}>'


def _control(element: Mapping[str, Any], kind: str, field: _Field) -> str | None:
    """The native control of an input block's element, or None for an unknown one."""
    if kind == "plain_text_input":
        return _text_control(element, field)
    if kind in _TYPED_INPUTS:
        input_type, key = _TYPED_INPUTS[kind]
        pairs = [("type", input_type), *field.common(), ("value", _str(element.get(key)))]
        if kind == "number_input":
            decimal = element.get("is_decimal_allowed") is True
            pairs += [("step", "any" if decimal else "1")]
            pairs += [("min", _str(element.get("min_value")) or None)]
            pairs += [("max", _str(element.get("max_value")) or None)]
        placeholder = _plain(element.get("placeholder"))
        return f"<input{_attrs([*pairs, ('placeholder', placeholder or None)])}>"
    if kind in ("static_select", "multi_static_select"):
        selected = _initial(element)
        multiple = kind == "multi_static_select"
        first = ""
        if not multiple and not selected:
            placeholder = _plain(element.get("placeholder"))
            first = f'<option value="">{_e(placeholder)}</option>'
        pairs = [*field.common(), ("multiple", multiple)]
        return f"<select{_attrs(pairs)}>{first}{_options_html(element, selected)}</select>"
    return None


def _choices(
    element: Mapping[str, Any], kind: str, legend: str, field: _Field, names: Names
) -> str:
    """Radio buttons or checkboxes: a fieldset whose legend is the block's label."""
    input_type = "radio" if kind == "radio_buttons" else "checkbox"
    selected = _initial(element)
    items = []
    for index, option in enumerate(_maps(element.get("options"))):
        option_id = f"{field.dom_id}-{index}"
        value = _str(option.get("value"))
        description = ""
        if _map(option.get("description")):
            text = text_html(option.get("description"), names)
            description = f'<div class="bk-option-desc" id="{option_id}-desc">{text}</div>'
        pairs: list[Attr] = [
            ("type", input_type),
            ("id", option_id),
            ("name", field.name),
            ("value", value),
            ("checked", value in selected),
            ("required", field.required and input_type == "radio"),
            ("aria-invalid", "true" if field.invalid else None),
            ("aria-describedby", f"{option_id}-desc" if description else None),
        ]
        label = text_html(_map(option.get("text")), names)
        choice = f"<label><input{_attrs(pairs)}> {label}</label>{description}"
        items.append(f'<div class="bk-choice">{choice}</div>')
    group: list[Attr] = [("class", "bk-choices"), ("id", field.dom_id)]
    group.append(("aria-describedby", field.described_by or None))
    legend = f'<legend class="bk-label">{legend}</legend>'
    return f"<fieldset{_attrs(group)}>{legend}{''.join(items)}</fieldset>"


def _input(block: Mapping[str, Any], block_id: str, ctx: _Context) -> str:
    """An input block: label, native control, hint and the block's error, if any."""
    element = _map(block.get("element")) or {}
    kind = _str(element.get("type"))
    action_id = _str(element.get("action_id"))
    dom_id = "in-" + _sanitize(f"{ctx.prefix}{block_id}-{action_id}")
    optional = block.get("optional") is True
    label = text_html(_map(block.get("label")), ctx.names)
    # Some labels already say so ("Department (optional)"); Slack would show it twice.
    if optional and "(optional)" not in _plain(block.get("label")).lower():
        label += ' <span class="bk-optional">(optional)</span>'
    error = ctx.errors.get(block_id)
    hint = text_html(_map(block.get("hint")), ctx.names)
    after = f'<div class="bk-hint" id="{dom_id}-hint">{hint}</div>' if hint else ""
    if error is not None:
        after += f'<div class="bk-error" role="alert" id="{dom_id}-error">{_e(_str(error))}</div>'
    described = " ".join(
        f"{dom_id}-{part}" for part, on in (("hint", hint), ("error", error)) if on
    )
    field = _Field(dom_id, ctx.prefix + block_id, not optional, error is not None, described)
    if kind in ("radio_buttons", "checkboxes"):
        body = _choices(element, kind, label, field, ctx.names)
    else:
        control = _control(element, kind, field)
        if control is None:
            body = f'<div class="bk-label">{label}</div>' + _muted(f"(unsupported input {kind})")
        else:
            body = f'<label class="bk-label" for="{dom_id}">{label}</label>{control}'
    pairs = [
        ("class", "bk-block bk-input"),
        ("data-block-id", block_id),
        ("data-action-id", action_id),
        ("data-type", kind),
    ]
    return f"<div{_attrs(pairs)}>{body}{after}</div>"


_BLOCKS: dict[str, Callable[[Mapping[str, Any], str, _Context], str]] = {
    "section": _section,
    "header": _header,
    "context": _context,
    "divider": _divider,
    "image": _image,
    "actions": _actions,
}


def _block(block: Mapping[str, Any], index: int, ctx: _Context) -> str:
    kind = _str(block.get("type"))
    block_id = _str(block.get("block_id")) or f"b{index}"
    try:
        if kind == "input":
            return _input(block, block_id, ctx)
        render = _BLOCKS.get(kind)
        inner = render(block, block_id, ctx) if render else _muted(f"(unsupported block {kind})")
    except Exception:
        inner = _muted(f"(block {kind} could not be shown)")
    css = _sanitize(kind) or "unknown"
    return f'<div class="bk-block bk-{css}" data-block-id="{_e(block_id)}">{inner}</div>'


def blocks_html(
    blocks: Sequence[Mapping[str, Any]],
    names: Names,
    *,
    errors: Mapping[str, str] | None = None,
    prefix: str = "",
) -> str:
    """A list of blocks as HTML, one ``<div class="bk-block bk-TYPE" data-block-id>`` each.

    ``errors`` maps block ids to messages shown under their input blocks; ``prefix`` goes
    in front of the block id in the ids and names of form controls (``in-PREFIXBLOCK-ACTION``),
    so that two forms on one page do not clash. A block without ``block_id`` gets ``b<index>``.
    """
    ctx = _Context(names, errors if isinstance(errors, Mapping) else {}, prefix)
    return "".join(_block(block, index, ctx) for index, block in enumerate(_maps(blocks)))


def view_html(
    view: Mapping[str, Any], names: Names, *, errors: Mapping[str, str] | None = None
) -> str:
    """A modal view as an accessible dialog: title, a form with its blocks, and the close
    and (when the view has ``submit``) submit buttons.

    The form has ``method="dialog"``, so pressing Enter in it never navigates the page; its
    submit button belongs to it (Enter in a text field sends it, as in Slack) and the
    browser does not validate it (the bot does, and answers with ``errors``).
    ``errors`` maps block ids to messages (a ``response_action: errors`` answer).
    """
    view = view if isinstance(view, Mapping) else {}
    view_id = _str(view.get("id"))
    safe_id = _sanitize(view_id) or "view"
    title_id = f"modal-title-{safe_id}"
    pairs = [
        ("role", "dialog"),
        ("aria-modal", "true"),
        ("aria-labelledby", title_id),
        ("class", "modal"),
        ("data-view-id", view_id),
        ("data-callback-id", _str(view.get("callback_id"))),
    ]
    body = blocks_html(_maps(view.get("blocks")), names, errors=errors)
    close = _e(_plain(view.get("close")) or "Cancel")
    buttons = f'<button type="button" class="modal-close">{close}</button>'
    if "submit" in view:
        submit = _e(_plain(view.get("submit")) or "Submit")
        buttons += (
            f'<button type="submit" form="modal-form-{safe_id}" class="modal-submit bk-primary">'
            f"{submit}</button>"
        )
    return (
        f'<div{_attrs(pairs)}><h2 id="{title_id}">{_e(_plain(view.get("title")))}</h2>'
        f'<form class="modal-body" id="modal-form-{safe_id}" method="dialog" novalidate>'
        f"{body}</form>"
        f'<div class="modal-actions">{buttons}</div></div>'
    )
