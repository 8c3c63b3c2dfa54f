"""The demo page's Block Kit renderer: what a person sees and can use, and nothing typed by
anyone becomes markup."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from html.parser import HTMLParser
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.demo.render import blocks_html, mrkdwn_html, text_html, view_html
from bot.enrollment.service import JoinOptions
from bot.enrollment.views import build_forget_confirm, build_home, build_join_modal
from bot.matching.views import build_intro
from bot.sessions.views import build_move_modal
from storage.models import Cohort, Participant

PEOPLE = {"U1": "Anna Berg", "U2": "Ben Cho", "C1": "reverse-mentoring"}
VOID = {"br", "hr", "img", "input"}


def names(ident: str) -> str:
    return PEOPLE.get(ident, "")


@dataclass
class Node:
    tag: str
    attrs: dict[str, str | None]
    parent: Node | None = None
    children: list[Node | str] = field(default_factory=list)

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def walk(self) -> list[Node]:
        found: list[Node] = []
        for child in self.children:
            if isinstance(child, Node):
                found += [child, *child.walk()]
        return found

    def find(self, tag: str | None = None, **attrs: str) -> list[Node]:
        return [
            node
            for node in self.walk()
            if (tag is None or node.tag == tag)
            and all(node.attrs.get(k.replace("_", "-")) == v for k, v in attrs.items())
        ]

    def one(self, tag: str | None = None, **attrs: str) -> Node:
        found = self.find(tag, **attrs)
        assert len(found) == 1, (tag, attrs, len(found))
        return found[0]

    def has_class(self, name: str) -> bool:
        return name in (self.attrs.get("class") or "").split()


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("root", {})
        self.current = self.root

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, dict(attrs), self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_endtag(self, tag: str) -> None:
        assert self.current.tag == tag, f"</{tag}> closes <{self.current.tag}>"
        assert self.current.parent is not None
        self.current = self.current.parent

    def handle_data(self, data: str) -> None:
        self.current.children.append(data)


def parse(markup: str) -> Node:
    builder = _Builder()
    builder.feed(markup)
    builder.close()
    assert builder.current is builder.root, "unclosed element"
    return builder.root


def section(text: str, kind: str = "mrkdwn") -> dict[str, Any]:
    return {"type": "section", "text": {"type": kind, "text": text}}


def test_typed_script_is_shown_as_text_not_markup() -> None:
    for kind in ("mrkdwn", "plain_text"):
        markup = blocks_html([section("hi <script>alert(1)</script> & bye", kind)], names)
        assert "<script" not in markup
        dom = parse(markup)
        assert not dom.find("script")
        assert "hi <script>alert(1)</script> & bye" in dom.text()


def test_slack_escaped_text_reads_as_typed() -> None:
    dom = parse(mrkdwn_html("Q&amp;A: 1 &lt; 2 &gt; 0 and &amp;lt; stays", names))
    assert dom.text() == "Q&A: 1 < 2 > 0 and &lt; stays"


def test_formatting_renders_like_slack() -> None:
    dom = parse(mrkdwn_html("*Reminder* _soon_ ~old~ `code` snake_case_name 2*3*4", names))
    assert dom.one("b").text() == "Reminder"
    assert dom.one("i").text() == "soon"
    assert dom.one("s").text() == "old"
    assert dom.one("code").text() == "code"
    assert "snake_case_name 2*3*4" in dom.text()


def test_code_blocks_quotes_and_line_breaks() -> None:
    text = "> quoted *line*\n&gt; second\nplain\n```*not bold*\n<@U1>```\nlast"
    dom = parse(mrkdwn_html(text, names))
    quote = dom.one("blockquote")
    assert quote.one("b").text() == "line"
    assert quote.text() == "quoted linesecond"
    pre = dom.one("pre")
    assert pre.text() == "*not bold*\n@Anna Berg"
    assert not pre.find("b")
    assert dom.text().endswith("last")
    assert dom.find("br")


def test_links_only_for_web_and_mail_addresses() -> None:
    text = (
        "<https://example.org/a?b=1&amp;c=2|the guide> <javascript:alert(1)|click me> "
        "<data:text/html,x> <mailto:hr@example.org|mail us> <https://example.org>"
    )
    dom = parse(mrkdwn_html(text, names))
    links = {a.text(): a.attrs for a in dom.find("a")}
    assert set(links) == {"the guide", "mail us", "https://example.org"}
    assert links["the guide"]["href"] == "https://example.org/a?b=1&c=2"
    assert links["the guide"]["target"] == "_blank"
    assert links["the guide"]["rel"] == "noopener"
    assert "click me" in dom.text()
    assert "javascript" not in "".join(str(a.get("href")) for a in links.values())


def test_mentions_use_display_names() -> None:
    text = "<@U1> meets <@U2|ben>, in <#C1> or <#C9|other>. <!here> <!channel> <@U404|ghost>"
    dom = parse(mrkdwn_html(text, names))
    mentions = [span.text() for span in dom.find("span", **{"class": "mention"})]
    assert mentions == [
        "@Anna Berg",
        "@Ben Cho",
        "#reverse-mentoring",
        "#other",
        "@here",
        "@channel",
        "@ghost",
    ]


def test_dates_show_their_fallback() -> None:
    dom = parse(mrkdwn_html("On <!date^1700000000^{date_short}|14 Nov 2023>.", names))
    assert dom.text() == "On 14 Nov 2023."


def test_hostile_names_are_escaped() -> None:
    markup = mrkdwn_html("<@U1>", lambda _: "<img src=x onerror=alert(1)>")
    assert not parse(markup).find("img")


def test_plain_text_keeps_line_breaks_and_does_not_format() -> None:
    dom = parse(text_html({"type": "plain_text", "text": "*a*\nb"}, names))
    assert dom.text() == "*a*b"
    assert dom.find("br") and not dom.find("b")
    assert text_html(None, names) == ""


def test_primary_button_carries_action_value_and_confirm() -> None:
    blocks = [
        {
            "type": "actions",
            "block_id": "pair_consent",
            "elements": [
                {
                    "type": "button",
                    "action_id": "pair_accept",
                    "style": "primary",
                    "text": {"type": "plain_text", "text": "Accept & go"},
                    "value": "42",
                    "confirm": {
                        "title": {"type": "plain_text", "text": "Sure?"},
                        "text": {"type": "mrkdwn", "text": "You &amp; <@U2> 'meet'"},
                    },
                },
                {
                    "type": "button",
                    "action_id": "later",
                    "text": {"type": "plain_text", "text": "x"},
                },
            ],
        }
    ]
    dom = parse(blocks_html(blocks, names))
    accept, later = dom.find("button")
    assert accept.text() == "Accept & go"
    assert accept.attrs["type"] == "button"
    assert accept.has_class("bk-button") and accept.has_class("bk-primary")
    assert accept.attrs["data-action-id"] == "pair_accept"
    assert accept.attrs["data-block-id"] == "pair_consent"
    assert accept.attrs["data-value"] == "42"
    confirm = json.loads(accept.attrs["data-confirm"] or "")
    assert confirm == {
        "title": "Sure?",
        "text": "You & <@U2> 'meet'",
        "confirm": "Yes",
        "deny": "Cancel",
    }
    assert later.has_class("bk-default")
    assert "data-value" not in later.attrs and "data-confirm" not in later.attrs


def test_link_buttons_open_only_web_addresses() -> None:
    def button(url: str) -> dict[str, Any]:
        text = {"type": "plain_text", "text": "Open"}
        return {"type": "button", "action_id": "open", "text": text, "url": url}

    dom = parse(blocks_html([{"type": "actions", "elements": [button("https://x.org")]}], names))
    assert dom.one("a").attrs["href"] == "https://x.org"
    assert dom.one("a").attrs["target"] == "_blank"
    bad = parse(blocks_html([{"type": "actions", "elements": [button("javascript:x")]}], names))
    assert not bad.find("a") and bad.one("button").text() == "Open"


def test_selects_in_messages_post_actions() -> None:
    options = [
        {"text": {"type": "plain_text", "text": "<b>One</b>"}, "value": "1"},
        {"text": {"type": "plain_text", "text": "Two"}, "value": "2"},
    ]
    block = {
        "type": "section",
        "block_id": "pick",
        "text": {"type": "mrkdwn", "text": "Choose"},
        "accessory": {
            "type": "static_select",
            "action_id": "choose",
            "placeholder": {"type": "plain_text", "text": "Pick one"},
            "options": options,
        },
    }
    overflow = {
        "type": "actions",
        "elements": [{"type": "overflow", "action_id": "more", "options": options}],
    }
    dom = parse(blocks_html([block, overflow], names))
    select, menu = dom.find("select")
    assert select.has_class("bk-select-action")
    assert select.attrs["data-action-id"] == "choose"
    assert select.attrs["data-block-id"] == "pick"
    assert select.attrs["aria-label"] == "Pick one"
    values = [option.attrs["value"] for option in select.find("option")]
    assert values == ["", "1", "2"]
    assert select.find("option")[1].text() == "<b>One</b>"
    assert menu.has_class("bk-select-action") and menu.attrs["aria-label"] == "more"


def test_home_and_messages_of_the_bot_render() -> None:
    dom = parse(blocks_html(build_home("en", None, None)["blocks"], names))
    assert dom.one("h3").has_class("bk-header")
    assert dom.one("button").attrs["data-action-id"] == "home_join"
    _, blocks = build_intro(["en"], pair_id=7, mentor_id="U1", mentee_id="U2", topics=["genai"])
    intro = parse(blocks_html(blocks, names))
    assert "@Anna Berg" in intro.text() and "@Ben Cho" in intro.text()
    assert [b.attrs["data-value"] for b in intro.find("button")] == ["7", "7"]
    forget = parse(blocks_html(build_forget_confirm("en"), names))
    assert forget.one("button").has_class("bk-danger")


def _join_view() -> dict[str, Any]:
    cohorts = [
        Cohort(id=1, name="board", name_key="board"),
        Cohort(id=2, name="ops", name_key="ops"),
    ]
    current = Participant(
        user_id="U1",
        cohort_id=2,
        role="mentee",
        topics=["genai", "data"],
        department='R&D <"lab">',
        weekdays=[1, 3],
        time_window="morning",
    )
    view = build_join_modal("en", JoinOptions(cohorts=cohorts, current=current))
    return {**view, "id": "V123"}


def _labelled(dom: Node, control: Node) -> str:
    """The label text of a control: its <label for>, or the legend of its fieldset."""
    labels = dom.find("label", **{"for": control.attrs.get("id") or ""})
    if labels:
        return labels[0].text()
    node = control.parent
    while node is not None and node.tag != "fieldset":
        node = node.parent
    assert node is not None, control
    return node.one("legend").text()


def test_join_modal_is_a_labelled_dialog_with_the_saved_answers() -> None:
    dom = parse(view_html(_join_view(), names))
    dialog = dom.one("div", role="dialog")
    assert dialog.attrs["aria-modal"] == "true"
    assert dialog.attrs["data-view-id"] == "V123"
    title = dom.one(id=dialog.attrs["aria-labelledby"] or "")
    assert title.tag == "h2" and title.text() == "Reverse mentoring"
    for control in dom.find("input") + dom.find("select") + dom.find("textarea"):
        assert _labelled(dom, control).strip(), control.attrs
    role = {r.attrs["value"]: r for r in dom.find("input", type="radio", name="role")}
    assert "checked" in role["mentee"].attrs and "checked" not in role["mentor"].attrs
    topics = dom.one("select", id="in-topics-topics")
    assert "multiple" in topics.attrs
    assert {o.attrs["value"] for o in topics.find("option") if "selected" in o.attrs} == {
        "genai",
        "data",
    }
    department = dom.one("input", id="in-department-department")
    assert department.attrs["value"] == 'R&D <"lab">'
    assert department.attrs["maxlength"] == "80"
    assert "required" not in department.attrs
    cohort = dom.one("select", id="in-cohort-cohort")
    assert [o.attrs["value"] for o in cohort.find("option") if "selected" in o.attrs] == ["2"]
    days = dom.find("input", type="checkbox", name="weekdays")
    assert [d.attrs["value"] for d in days if "checked" in d.attrs] == ["1", "3"]
    window = dom.find("input", type="radio", name="time_window")
    assert [w.attrs["value"] for w in window if "checked" in w.attrs] == ["morning"]
    wrappers = dom.find("div", **{"class": "bk-block bk-input"})
    assert [(w.attrs["data-block-id"], w.attrs["data-type"]) for w in wrappers] == [
        ("role", "radio_buttons"),
        ("topics", "multi_static_select"),
        ("department", "plain_text_input"),
        ("cohort", "static_select"),
        ("weekdays", "checkboxes"),
        ("time_window", "radio_buttons"),
    ]
    assert dom.one("button", **{"class": "modal-close"}).text() == "Cancel"
    assert dom.one("button", type="submit").text() == "Save"
    assert role["mentee"].parent is not None
    assert role["mentee"].parent.tag == "label"
    assert role["mentee"].parent.text().strip() == "Mentee – I want to learn"


def test_option_descriptions_and_hints_describe_their_controls() -> None:
    dom = parse(view_html(_join_view(), names))
    mentor = dom.one("input", id="in-role-role-0")
    description = dom.one(id=mentor.attrs["aria-describedby"] or "")
    assert description.has_class("bk-option-desc") and description.text()
    topics = dom.one("select", id="in-topics-topics")
    hint = dom.one(id=topics.attrs["aria-describedby"] or "")
    assert hint.has_class("bk-hint") and "Mentors" in hint.text()


def _all_inputs_view() -> dict[str, Any]:
    def block(block_id: str, element: dict[str, Any], optional: bool = False) -> dict[str, Any]:
        label = {"type": "plain_text", "text": block_id.title()}
        element = {"action_id": block_id, **element}
        return {
            "type": "input",
            "block_id": block_id,
            "label": label,
            "element": element,
            "optional": optional,
        }

    placeholder = {"type": "plain_text", "text": "Choose…"}
    option = {"text": {"type": "plain_text", "text": "A"}, "value": "a"}
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": "All"},
        "blocks": [
            block(
                "notes",
                {
                    "type": "plain_text_input",
                    "multiline": True,
                    "initial_value": "\nline</textarea>",
                },
            ),
            block(
                "pick",
                {
                    "type": "static_select",
                    "placeholder": placeholder,
                    "option_groups": [
                        {"label": {"type": "plain_text", "text": "G"}, "options": [option]}
                    ],
                },
            ),
            block("day", {"type": "datepicker", "initial_date": "2026-03-02"}, optional=True),
            block("at", {"type": "timepicker", "initial_time": "09:30"}),
            block(
                "count", {"type": "number_input", "initial_value": "3", "is_decimal_allowed": False}
            ),
            block("mail", {"type": "email_text_input"}),
            block("site", {"type": "url_text_input"}),
            block("who", {"type": "users_select"}),
        ],
    }


def test_every_kind_of_input_is_a_native_control() -> None:
    dom = parse(view_html(_all_inputs_view(), names))
    notes = dom.one("textarea", id="in-notes-notes")
    # A browser drops the newline right after <textarea> (Python's parser keeps it), so the
    # value's own leading newline survives.
    assert notes.text() == "\n\nline</textarea>"
    pick = dom.one("select", id="in-pick-pick")
    assert (
        pick.find("option")[0].attrs["value"] == "" and pick.find("option")[0].text() == "Choose…"
    )
    assert pick.one("optgroup").attrs["label"] == "G"
    day = dom.one("input", id="in-day-day")
    assert (day.attrs["type"], day.attrs["value"]) == ("date", "2026-03-02")
    assert "(optional)" in dom.one("label", **{"for": "in-day-day"}).text()
    assert dom.one("input", id="in-at-at").attrs["type"] == "time"
    assert dom.one("input", id="in-at-at").attrs["value"] == "09:30"
    assert dom.one("input", id="in-count-count").attrs["type"] == "number"
    assert dom.one("input", id="in-mail-mail").attrs["type"] == "email"
    assert dom.one("input", id="in-site-site").attrs["type"] == "url"
    assert "(unsupported input users_select)" in dom.text()
    assert not dom.find("button", type="submit")  # no "submit" in the view


def test_move_modal_prefills_date_and_time() -> None:
    view = build_move_modal("en", "Europe/Berlin", session_id=3, local=datetime(2026, 5, 4, 14, 15))
    dom = parse(view_html(view, names))
    assert dom.one("input", type="date").attrs["value"] == "2026-05-04"
    assert dom.one("input", type="time").attrs["value"] == "14:15"


def test_errors_show_next_to_their_block() -> None:
    view = _join_view()
    dom = parse(view_html(view, names, errors={"department": "Too <long>", "role": "Pick one"}))
    department = dom.one("div", **{"data-block-id": "department", "data-action-id": "department"})
    alert = department.one(role="alert")
    assert alert.has_class("bk-error") and alert.text() == "Too <long>"
    control = department.one("input")
    assert control.attrs["aria-invalid"] == "true"
    assert alert.attrs["id"] in (control.attrs["aria-describedby"] or "").split()
    role = dom.one("div", **{"data-block-id": "role", "data-action-id": "role"})
    assert role.one(role="alert").text() == "Pick one"
    assert all(r.attrs["aria-invalid"] == "true" for r in role.find("input"))
    topics = dom.one("div", **{"data-block-id": "topics", "data-action-id": "topics"})
    assert not topics.find(role="alert") and "aria-invalid" not in topics.one("select").attrs


def test_unknown_and_broken_blocks_never_raise() -> None:
    blocks: list[Any] = [
        {"type": "video", "title": {"type": "plain_text", "text": "<x>"}},
        {},
        "not a block",
        None,
        {"type": "section", "text": "nope", "fields": "nope", "accessory": {"type": "weird"}},
        {"type": "section", "fields": [{"type": "mrkdwn", "text": "*a*"}, 3, {"text": None}]},
        {"type": "input"},
        {"type": "input", "element": {"type": "radio_buttons", "options": [None, {}]}, "label": 5},
        {"type": "actions", "elements": [None, {"type": "button"}, {"type": "datepicker"}]},
        {
            "type": "context",
            "elements": [{"type": "image", "image_url": "javascript:x", "alt_text": "a"}],
        },
        {
            "type": "image",
            "image_url": "https://x.org/i.png",
            "alt_text": "<pic>",
            "title": {"text": 1},
        },
        {"type": "header", "text": {"type": "plain_text", "text": None}},
        {"type": {"nested": True}, "block_id": ["x"]},
    ]
    dom = parse(blocks_html(blocks, names, errors={"x": "y"}))
    assert "(unsupported block video)" in dom.text()
    assert "<x>" not in [n.tag for n in dom.walk()]
    assert dom.one("img").attrs["src"] == "https://x.org/i.png"
    assert dom.one("img").attrs["alt"] == "<pic>"
    parse(view_html({}, names))
    parse(view_html({"blocks": "x", "title": None, "submit": {}, "close": 3}, names, errors={}))

    def broken(ident: str) -> str:
        raise LookupError(ident)

    assert "@U1" in parse(mrkdwn_html("<@U1>", broken)).text()


ALLOWED = {"b", "i", "s", "code", "pre", "blockquote", "br", "a", "span", "div"}
SLACKY = st.text(alphabet=st.sampled_from(list("<>&|*_~`@#!^:/ \nabUC1script=\"'")), max_size=60)


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(SLACKY, st.text(max_size=80)), kind=st.sampled_from(["mrkdwn", "plain_text"]))
def test_no_typed_text_becomes_markup(text: str, kind: str) -> None:
    markup = blocks_html([section(text, kind)], lambda ident: ident + "<i>")
    assert "<script" not in markup.lower()
    dom = parse(markup)
    for node in dom.walk():
        assert node.tag in ALLOWED, node.tag
        if node.tag == "a":
            href = (node.attrs.get("href") or "").lower()
            assert href.startswith(("http://", "https://", "mailto:")), href
        assert set(node.attrs) <= {"class", "data-block-id", "href", "target", "rel"}
