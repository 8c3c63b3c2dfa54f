"""The transcript: what each person of the demo saw, in their language, as one HTML file.

For a works council or a data protection officer: person by person, every conversation
with what reached them (their own ephemeral messages included, nobody else's), their App
Home and every modal they were shown, with times in their own zone. Nothing in it is
interactive.
"""

from __future__ import annotations

import html
from importlib import resources

from bot.demo.cast import CAST
from bot.demo.render import view_html
from bot.demo.views import Viewer
from bot.demo.workspace import Demo

LANGUAGES = {"de": "German", "en": "English"}


def transcript_html(demo: Demo) -> str:
    """The whole transcript as one HTML document."""
    style = resources.files("bot.demo").joinpath("static", "demo.css").read_text("utf-8")
    with demo.lock:
        sections = [_person_html(demo, person.id) for person in CAST]
        now = demo.clock.now.strftime("%Y-%m-%d %H:%M UTC")
    contents = "".join(
        f'<li><a href="#{p.id}">{html.escape(p.name)}</a> — {html.escape(p.title)}</li>'
        for p in CAST
    )
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        "<title>Mentor Bot demo — transcript</title>"
        f"<style>{style}\nbody{{overflow:auto;height:auto;display:block}}"
        ".person{border-top:3px solid #4a154b;margin:2em 0;padding-top:1em}"
        ".conv{margin:1em 0 1em 1em}.modal{position:static;margin:1em 0}"
        "fieldset.record{border:0;margin:0;padding:0;min-width:0}</style></head>"
        '<body class="transcript"><main style="max-width:60em;margin:auto;padding:1em">'
        "<h1>What each person saw</h1>"
        f"<p>Demo workspace at {html.escape(now)} (simulated time). Each section shows what "
        "Slack showed one person: the messages that reached them, their App Home and the "
        "modals they opened, in their language and time zone. Nobody sees another "
        f"person's private reflections or goals.</p><ol>{contents}</ol>"
        + "".join(sections)
        + "</main></body></html>\n"
    )


def _person_html(demo: Demo, user_id: str) -> str:
    viewer = Viewer(demo.fake, user_id, embed_files=True)
    person = next(p for p in CAST if p.id == user_id)
    parts = [
        f'<section class="person" id="{person.id}" lang="{person.lang}">'
        f"<h2>{html.escape(person.name)} — {html.escape(person.title)}</h2>"
        f"<p>Language: {LANGUAGES[person.lang]} (Slack locale {html.escape(person.locale)}); "
        f"time zone {html.escape(person.tz)}"
        f"{'; program owner' if person.admin else ''}"
        f"{'; ' + person.role if person.role else ''}.</p>"
    ]
    for conversation in viewer.conversations():
        if conversation["kind"] == "home" or not conversation["count"]:
            continue
        parts.append(
            f'<div class="conv"><h3>{html.escape(str(conversation["label"]))}</h3>'
            f"{viewer.messages_html(str(conversation['id']))}</div>"
        )
    parts.append(f'<div class="conv"><h3>App Home</h3>{viewer.home_html()}</div>')
    shown = demo.fake.opened_views(user_id)
    if shown:
        parts.append('<div class="conv"><h3>Modals shown</h3>')
        parts.extend(_heading_below(view_html(view, viewer.name)) for view in shown)
        parts.append("</div>")
    parts.append("</section>")
    # A record, not a workspace: its buttons and form controls are shown, not usable.
    return '<fieldset class="record" disabled>' + "".join(parts) + "</fieldset>"


def _heading_below(modal: str) -> str:
    """A modal's title one level below the conversation headings."""
    return modal.replace("<h2 ", "<h4 ", 1).replace("</h2>", "</h4>", 1)
