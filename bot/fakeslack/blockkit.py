"""Block Kit limits, checked the way Slack checks them.

Pure functions with no I/O: :func:`validate_blocks` looks at a list of blocks,
:func:`check_message` and :func:`check_view` look at a whole message or view and
answer with the Slack error code the Web API would give (or ``None`` when Slack
would accept it). The fake Web API uses them, and tests may call them directly.

Every problem carries Slack's wording and a JSON pointer, and renders the way
Slack reports it in ``response_metadata.messages``::

    [ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

Surface = Literal["message", "modal", "home"]
"""Where blocks are shown: a message, a modal view or an App Home view."""

MAX_MESSAGE_TEXT = 40_000
MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_SECTION_TEXT = 3_000
MAX_SECTION_FIELDS = 10
MAX_FIELD_TEXT = 2_000
MAX_CONTEXT_ELEMENTS = 10
MAX_MARKDOWN_BLOCK_TEXT = 12_000
MAX_HEADER_TEXT = 150
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2_000
MAX_URL = 3_000
MAX_ID = 255
MAX_ACTIONS_ELEMENTS = 25
MAX_LABEL = 2_000
MAX_PLACEHOLDER = 150
MAX_SELECT_OPTIONS = 100
MAX_CHOICE_OPTIONS = 10
MAX_OPTION_TEXT = 75
MAX_OPTION_VALUE = 150
MAX_ALT_TEXT = 2_000
MAX_INPUT_LENGTH = 3_000
MAX_VIEW_TITLE = 24
MAX_PRIVATE_METADATA = 3_000

BLOCK_TYPES = frozenset(
    {
        "actions",
        "call",
        "context",
        "context_actions",
        "divider",
        "file",
        "header",
        "image",
        "input",
        "markdown",
        "rich_text",
        "section",
        "table",
        "video",
    }
)
"""Block types Slack knows; anything else is rejected as an invalid enum value."""

_TEXT_TYPES = ("plain_text", "mrkdwn")
_SELECTS_WITH_OPTIONS = frozenset({"static_select", "multi_static_select"})
_CHOICES = frozenset({"radio_buttons", "checkboxes"})
_PLACEHOLDER_ELEMENTS = frozenset(
    {
        "static_select",
        "multi_static_select",
        "external_select",
        "multi_external_select",
        "users_select",
        "multi_users_select",
        "conversations_select",
        "multi_conversations_select",
        "channels_select",
        "multi_channels_select",
        "plain_text_input",
        "email_text_input",
        "url_text_input",
        "number_input",
        "datepicker",
        "timepicker",
    }
)


@dataclass(frozen=True)
class BlockKitError:
    """One broken rule.

    Attributes:
        message: Slack's wording, e.g. ``"must be less than 3001 characters"``.
        pointer: JSON pointer to the offending value, e.g. ``"/blocks/0/text/text"``.
    """

    message: str
    pointer: str

    def __str__(self) -> str:
        return f"[ERROR] {self.message} [json-pointer:{self.pointer}]"


@dataclass(frozen=True)
class Rejection:
    """Why Slack would refuse a message or a view.

    Attributes:
        error: The Web API error code (``invalid_blocks``, ``invalid_arguments``,
            ``msg_too_long``, ``no_text``, ``invalid_blocks_format``).
        problems: The individual broken rules (may be empty, e.g. for ``no_text``).
    """

    error: str
    problems: tuple[BlockKitError, ...] = ()

    @property
    def messages(self) -> list[str]:
        """The problems as Slack lists them in ``response_metadata.messages``."""
        return [str(problem) for problem in self.problems]

    def to_response(self) -> dict[str, Any]:
        """Render the Web API body Slack answers with for this rejection.

        Returns:
            ``{"ok": False, "error": ..., "errors": [...], "response_metadata": {...}}``.
        """
        body: dict[str, Any] = {"ok": False, "error": self.error}
        if self.problems:
            body["errors"] = [f"{p.message} [json-pointer:{p.pointer}]" for p in self.problems]
            body["response_metadata"] = {"messages": self.messages}
        return body


class _Checker:
    """Collects problems while walking a block tree."""

    def __init__(self, surface: Surface) -> None:
        self.surface = surface
        self.problems: list[BlockKitError] = []
        self.block_ids: set[str] = set()

    def add(self, message: str, pointer: str) -> None:
        self.problems.append(BlockKitError(message, pointer))

    # -- primitives -----------------------------------------------------------------------

    def string(self, value: Any, pointer: str, limit: int, *, required: bool = False) -> None:
        if value is None:
            if required:
                self.add(f"missing required field: {pointer.rsplit('/', 1)[-1]}", _parent(pointer))
            return
        if not isinstance(value, str):
            self.add("must be a string", pointer)
        elif len(value) > limit:
            self.add(f"must be less than {limit + 1} characters", pointer)

    def text(
        self,
        obj: Any,
        pointer: str,
        limit: int,
        *,
        plain_only: bool = False,
        required: bool = True,
    ) -> None:
        if obj is None:
            if required:
                self.add(f"missing required field: {pointer.rsplit('/', 1)[-1]}", _parent(pointer))
            return
        if not isinstance(obj, Mapping):
            self.add("must be an object", pointer)
            return
        kind = obj.get("type")
        allowed = ("plain_text",) if plain_only else _TEXT_TYPES
        if kind not in allowed:
            self.add("must be a valid enum value", f"{pointer}/type")
        text = obj.get("text")
        if text is None:
            self.add("missing required field: text", pointer)
        elif not isinstance(text, str):
            self.add("must be a string", f"{pointer}/text")
        elif not text:
            self.add("must be more than 0 characters", f"{pointer}/text")
        elif len(text) > limit:
            self.add(f"must be less than {limit + 1} characters", f"{pointer}/text")

    def items(self, value: Any, pointer: str, limit: int, *, minimum: int = 0) -> list[Any]:
        if value is None:
            if minimum:
                self.add(f"missing required field: {pointer.rsplit('/', 1)[-1]}", _parent(pointer))
            return []
        if not isinstance(value, list):
            self.add("must be an array", pointer)
            return []
        if len(value) > limit:
            self.add(f"no more than {limit} items allowed", pointer)
        if len(value) < minimum:
            self.add(f"must provide at least {minimum} items", pointer)
        return value

    # -- blocks ---------------------------------------------------------------------------

    def block(self, block: Any, pointer: str) -> None:
        if not isinstance(block, Mapping):
            self.add("must be an object", pointer)
            return
        kind = block.get("type")
        if kind is None:
            self.add("missing required field: type", pointer)
            return
        if kind not in BLOCK_TYPES:
            self.add("must be a valid enum value", f"{pointer}/type")
            return
        block_id = block.get("block_id")
        if block_id is not None:
            self.string(block_id, f"{pointer}/block_id", MAX_ID)
            if isinstance(block_id, str):
                if block_id in self.block_ids:
                    self.add("duplicate block_id", f"{pointer}/block_id")
                self.block_ids.add(block_id)
        getattr(self, f"_block_{kind}", _ignore)(block, pointer)

    def _block_section(self, block: Mapping[str, Any], pointer: str) -> None:
        has_text = block.get("text") is not None
        fields = self.items(block.get("fields"), f"{pointer}/fields", MAX_SECTION_FIELDS)
        if not has_text and not fields:
            self.add("missing required field: text", pointer)
        if has_text:
            self.text(block["text"], f"{pointer}/text", MAX_SECTION_TEXT)
        for i, field in enumerate(fields):
            self.text(field, f"{pointer}/fields/{i}", MAX_FIELD_TEXT)
        if block.get("accessory") is not None:
            self.element(block["accessory"], f"{pointer}/accessory")

    def _block_header(self, block: Mapping[str, Any], pointer: str) -> None:
        self.text(block.get("text"), f"{pointer}/text", MAX_HEADER_TEXT, plain_only=True)

    def _block_context(self, block: Mapping[str, Any], pointer: str) -> None:
        elements = self.items(
            block.get("elements"), f"{pointer}/elements", MAX_CONTEXT_ELEMENTS, minimum=1
        )
        for i, element in enumerate(elements):
            where = f"{pointer}/elements/{i}"
            if isinstance(element, Mapping) and element.get("type") == "image":
                self.element(element, where)
            else:
                self.text(element, where, MAX_SECTION_TEXT)

    def _block_markdown(self, block: Mapping[str, Any], pointer: str) -> None:
        self.string(block.get("text"), f"{pointer}/text", MAX_MARKDOWN_BLOCK_TEXT, required=True)

    def _block_actions(self, block: Mapping[str, Any], pointer: str) -> None:
        elements = self.items(
            block.get("elements"), f"{pointer}/elements", MAX_ACTIONS_ELEMENTS, minimum=1
        )
        for i, element in enumerate(elements):
            self.element(element, f"{pointer}/elements/{i}")

    def _block_input(self, block: Mapping[str, Any], pointer: str) -> None:
        self.text(block.get("label"), f"{pointer}/label", MAX_LABEL, plain_only=True)
        self.text(block.get("hint"), f"{pointer}/hint", MAX_LABEL, plain_only=True, required=False)
        if block.get("element") is None:
            self.add("missing required field: element", pointer)
        else:
            self.element(block["element"], f"{pointer}/element")

    def _block_image(self, block: Mapping[str, Any], pointer: str) -> None:
        if block.get("image_url") is None and block.get("slack_file") is None:
            self.add("missing required field: image_url", pointer)
        self.string(block.get("image_url"), f"{pointer}/image_url", MAX_URL)
        self.string(block.get("alt_text"), f"{pointer}/alt_text", MAX_ALT_TEXT, required=True)
        self.text(block.get("title"), f"{pointer}/title", MAX_ALT_TEXT, required=False)

    def _block_rich_text(self, block: Mapping[str, Any], pointer: str) -> None:
        self.items(block.get("elements"), f"{pointer}/elements", 10_000, minimum=1)

    # -- elements -------------------------------------------------------------------------

    def element(self, element: Any, pointer: str) -> None:
        if not isinstance(element, Mapping):
            self.add("must be an object", pointer)
            return
        kind = element.get("type")
        if not isinstance(kind, str):
            self.add("missing required field: type", pointer)
            return
        self.string(element.get("action_id"), f"{pointer}/action_id", MAX_ID)
        if kind in _PLACEHOLDER_ELEMENTS:
            self.text(
                element.get("placeholder"),
                f"{pointer}/placeholder",
                MAX_PLACEHOLDER,
                plain_only=True,
                required=False,
            )
        if kind == "button":
            self.text(element.get("text"), f"{pointer}/text", MAX_BUTTON_TEXT, plain_only=True)
            self.string(element.get("value"), f"{pointer}/value", MAX_BUTTON_VALUE)
            self.string(element.get("url"), f"{pointer}/url", MAX_URL)
            if element.get("style") not in (None, "primary", "danger"):
                self.add("must be a valid enum value", f"{pointer}/style")
        elif kind in _SELECTS_WITH_OPTIONS:
            self._options_or_groups(element, pointer)
        elif kind in _CHOICES:
            options = self.items(
                element.get("options"), f"{pointer}/options", MAX_CHOICE_OPTIONS, minimum=1
            )
            for i, option in enumerate(options):
                self.option(option, f"{pointer}/options/{i}", plain_only=False)
        elif kind == "overflow":
            options = self.items(element.get("options"), f"{pointer}/options", 5, minimum=2)
            for i, option in enumerate(options):
                self.option(option, f"{pointer}/options/{i}", plain_only=True)
        elif kind == "plain_text_input":
            self.string(element.get("initial_value"), f"{pointer}/initial_value", MAX_INPUT_LENGTH)
            for key in ("min_length", "max_length"):
                value = element.get(key)
                if isinstance(value, int) and value > MAX_INPUT_LENGTH:
                    self.add(f"must be less than {MAX_INPUT_LENGTH + 1}", f"{pointer}/{key}")
        elif kind == "image":
            self.string(element.get("image_url"), f"{pointer}/image_url", MAX_URL)
            self.string(element.get("alt_text"), f"{pointer}/alt_text", MAX_ALT_TEXT, required=True)

    def _options_or_groups(self, element: Mapping[str, Any], pointer: str) -> None:
        options = element.get("options")
        groups = element.get("option_groups")
        if options is None and groups is None:
            self.add("missing required field: options", pointer)
            return
        for i, option in enumerate(self.items(options, f"{pointer}/options", MAX_SELECT_OPTIONS)):
            self.option(option, f"{pointer}/options/{i}", plain_only=True)
        for g, group in enumerate(
            self.items(groups, f"{pointer}/option_groups", MAX_SELECT_OPTIONS)
        ):
            where = f"{pointer}/option_groups/{g}"
            if not isinstance(group, Mapping):
                self.add("must be an object", where)
                continue
            self.text(group.get("label"), f"{where}/label", MAX_OPTION_TEXT, plain_only=True)
            for i, option in enumerate(
                self.items(group.get("options"), f"{where}/options", MAX_SELECT_OPTIONS)
            ):
                self.option(option, f"{where}/options/{i}", plain_only=True)

    def option(self, option: Any, pointer: str, *, plain_only: bool) -> None:
        if not isinstance(option, Mapping):
            self.add("must be an object", pointer)
            return
        self.text(option.get("text"), f"{pointer}/text", MAX_OPTION_TEXT, plain_only=plain_only)
        self.string(option.get("value"), f"{pointer}/value", MAX_OPTION_VALUE, required=True)
        self.text(
            option.get("description"),
            f"{pointer}/description",
            MAX_OPTION_TEXT,
            plain_only=plain_only,
            required=False,
        )


def _ignore(block: Mapping[str, Any], pointer: str) -> None:
    """Block types without limits worth checking."""


def _parent(pointer: str) -> str:
    parent = pointer.rsplit("/", 1)[0]
    return parent or "/"


def validate_blocks(
    blocks: Any, *, surface: Surface, pointer: str | None = None
) -> list[BlockKitError]:
    """Check a list of blocks against Slack's Block Kit limits.

    Args:
        blocks: The ``blocks`` value as the app sent it (already JSON-decoded).
        surface: ``"message"`` (at most 50 blocks) or ``"modal"`` / ``"home"`` (at most 100).
        pointer: JSON pointer of the list; defaults to ``/blocks`` for messages and
            ``/view/blocks`` for views, which is what Slack reports.

    Returns:
        Every broken rule, in document order; empty when Slack would accept the blocks.
    """
    base = (
        pointer if pointer is not None else ("/blocks" if surface == "message" else "/view/blocks")
    )
    checker = _Checker(surface)
    if not isinstance(blocks, list):
        checker.add("must be an array", base)
        return checker.problems
    limit = MAX_MESSAGE_BLOCKS if surface == "message" else MAX_VIEW_BLOCKS
    if len(blocks) > limit:
        checker.add(f"no more than {limit} items allowed", base)
    for i, block in enumerate(blocks):
        checker.block(block, f"{base}/{i}")
    return checker.problems


def check_message(
    *, text: Any = None, blocks: Any = None, attachments: Any = None
) -> Rejection | None:
    """Decide whether Slack would accept a message (chat.postMessage and friends).

    Args:
        text: The ``text`` argument, if any.
        blocks: The ``blocks`` argument, JSON-decoded; a string here means it was not
            valid JSON.
        attachments: The ``attachments`` argument, if any (counts as content).

    Returns:
        ``None`` when the message is fine, else the :class:`Rejection` Slack would answer
        with: ``msg_too_long``, ``no_text``, ``invalid_blocks_format`` or ``invalid_blocks``.
    """
    if isinstance(text, str) and len(text) > MAX_MESSAGE_TEXT:
        return Rejection(
            "msg_too_long",
            (BlockKitError(f"must be less than {MAX_MESSAGE_TEXT + 1} characters", "/text"),),
        )
    if blocks is not None and not isinstance(blocks, list):
        return Rejection("invalid_blocks_format", (BlockKitError("must be an array", "/blocks"),))
    if not text and not blocks and not attachments:
        return Rejection("no_text")
    if blocks:
        problems = validate_blocks(blocks, surface="message")
        if problems:
            return Rejection("invalid_blocks", tuple(problems))
    return None


def check_view(view: Any, *, surface: Literal["modal", "home"]) -> Rejection | None:
    """Decide whether Slack would accept a view (views.open/update/push/publish).

    Args:
        view: The ``view`` argument, JSON-decoded; a string here means it was not valid JSON.
        surface: ``"modal"`` for views.open/push/update of modals, ``"home"`` for views.publish.

    Returns:
        ``None`` when the view is fine, else a :class:`Rejection` with ``invalid_arguments``
        (or ``no_text`` for a view without any blocks).
    """
    if not isinstance(view, Mapping):
        return Rejection("invalid_arguments", (BlockKitError("must be an object", "/view"),))
    checker = _Checker(surface)
    kind = view.get("type")
    if kind != surface:
        checker.add("must be a valid enum value", "/view/type")
    blocks = view.get("blocks")
    if not blocks:
        return Rejection("no_text")
    checker.problems.extend(validate_blocks(blocks, surface=surface))
    if surface == "modal":
        checker.text(view.get("title"), "/view/title", MAX_VIEW_TITLE, plain_only=True)
        for key in ("submit", "close"):
            checker.text(
                view.get(key), f"/view/{key}", MAX_VIEW_TITLE, plain_only=True, required=False
            )
        has_input = isinstance(blocks, list) and any(
            isinstance(b, Mapping) and b.get("type") == "input" for b in blocks
        )
        if has_input and view.get("submit") is None:
            checker.add("must provide a submit property when using input blocks", "/view")
    checker.string(view.get("private_metadata"), "/view/private_metadata", MAX_PRIVATE_METADATA)
    checker.string(view.get("callback_id"), "/view/callback_id", MAX_ID)
    checker.string(view.get("external_id"), "/view/external_id", MAX_ID)
    if checker.problems:
        return Rejection("invalid_arguments", tuple(checker.problems))
    return None
