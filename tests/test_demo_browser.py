"""The demo page in a real browser (headless Chromium driven by Playwright): what a person
evaluating the bot does with a mouse and a keyboard, found by the page's accessible names.

Needs Playwright (a dev dependency) and a Chromium: Debian's ``chromium`` package, or any
Chromium named by ``MENTOR_CHROMIUM``. Without one these tests skip and say so; with
``MENTOR_REQUIRE_BROWSER=1`` (set by ``.ci/run``) they fail instead.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from sqlmodel import Session, select

from bot.app.server import HttpServer
from bot.demo.cast import ADMIN, BY_ID
from bot.demo.page import DemoPage
from bot.demo.tour import KLAUS, LENA
from bot.demo.workspace import Demo, Target
from storage.models import Participant

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Locator, Page

#: How Klaus and Lena see their group DM in the sidebar (and its heading).
GROUP_OF_KLAUS = f"Group: Mentor Bot, {LENA.name}"
GROUP_OF_LENA = f"Group: Mentor Bot, {KLAUS.name}"
#: Where the tests' demos start: Monday 7 December 2026, 09:00 in Berlin.
START = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
#: How long the page may take to show what the bot did (it usually takes well under 1 s).
SHOWN = 10_000


def _chromium() -> str | None:
    named = os.environ.get("MENTOR_CHROMIUM")
    if named:
        return named
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _unavailable(why: str) -> None:
    if os.environ.get("MENTOR_REQUIRE_BROWSER") == "1":
        pytest.fail(f"MENTOR_REQUIRE_BROWSER=1 but {why}")
    pytest.skip(f"{why}; to run the browser tests: apt-get install chromium (or MENTOR_CHROMIUM=…)")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright is not installed (pip install -e '.[dev]')")
    executable = _chromium()
    if executable is None:
        _unavailable("no Chromium found")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, headless=True)
        try:
            yield launched
        finally:
            launched.close()


class Site:
    """A demo workspace served on a free port, and one browser tab on it."""

    def __init__(self, demo: Demo, page: Page, url: str) -> None:
        self.demo, self.page, self.url = demo, page, url

    def act_as(self, user: str) -> None:
        self.page.get_by_label("Acting as").select_option(user)
        expect(self.page.locator(f'body[data-user="{user}"]')).to_have_count(1)
        expect(self.page.get_by_role("heading", level=1)).to_have_text("Mentor Bot — Home")

    def open(self, conversation: str) -> None:
        self.page.get_by_role("navigation", name="Conversations").get_by_role(
            "button", name=conversation
        ).click()
        expect(self.page.get_by_role("heading", level=1)).to_have_text(conversation)

    def send(self, text: str) -> None:
        box = self.page.get_by_role("textbox", name="Message")
        box.fill(text)
        box.press("Enter")

    def dialog(self, title: str) -> Locator:
        found = self.page.get_by_role("dialog", name=title)
        expect(found).to_be_visible(timeout=SHOWN)
        return found

    def log(self) -> Locator:
        return self.page.get_by_role("log", name="Messages")


def expect(locator: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    playwright_expect.set_options(timeout=SHOWN)
    return playwright_expect(locator)


@pytest.fixture
def site(browser: Browser, tmp_path: Path) -> Iterator[Site]:
    demo = Demo(tmp_path / "demo", start=START)
    wsgi = DemoPage(demo)
    server = HttpServer(wsgi, host="127.0.0.1", port=0, threads=8).start()
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(SHOWN)
    url = f"http://127.0.0.1:{server.port}/"
    try:
        page.goto(url)
        yield Site(demo, page, url)
    finally:
        context.close()
        wsgi.close()
        server.stop()
        demo.close()


def _join_by_hand(demo: Demo, *people: str) -> None:
    """People join without the browser (the modal itself is tested below)."""
    for user in people:
        person = BY_ID[user]
        demo.type(user, demo.fake.open_im(user), "/mentor join")
        view = demo.fake.modal_stack(user)[-1]
        answers = {"role": person.role, "topics": list(person.topics), "time_window": "any"}
        assert demo.submit(user, view["id"], answers) == {}


def _matched(demo: Demo) -> None:
    _join_by_hand(demo, KLAUS.id, LENA.id)
    demo.type(ADMIN, demo.fake.open_im(ADMIN), "/mentor admin match")


def _accepted(demo: Demo) -> None:
    _matched(demo)
    for user in (KLAUS.id, LENA.id):
        [proposal] = [
            m for m in demo.fake.messages_for(user) if m.find_element("pair_accept") is not None
        ]
        demo.click(user, Target(proposal.channel, proposal.ts), "pair_accept")


def test_a_german_persona_joins_through_the_modal_and_sees_its_errors(site: Site) -> None:
    site.act_as(KLAUS.id)
    site.open("Mentor Bot (direct message)")
    site.send("/mentor join")
    modal = site.dialog("Reverse Mentoring")
    expect(modal.get_by_role("group", name="Deine Rolle")).to_be_visible()  # German Slack
    modal.get_by_role("radio", name=re.compile("Mentee")).check()
    modal.get_by_role("button", name="Anmelden").click()  # no topic chosen yet
    expect(modal.get_by_role("alert")).to_be_visible(timeout=SHOWN)
    expect(modal.get_by_label("Themen")).to_have_attribute("aria-invalid", "true")
    modal.get_by_label("Themen").select_option(["genai", "data"])
    modal.get_by_label("Abteilung (optional)").fill("Finanzen")
    modal.get_by_role("checkbox", name="Dienstag").check()
    modal.get_by_role("button", name="Anmelden").click()
    expect(site.page.get_by_role("dialog")).to_have_count(0)
    expect(site.log()).to_contain_text("Mentee")
    with Session(site.demo.ctx.db.engine) as session:  # the real storage holds the answers
        klaus = session.exec(select(Participant).where(Participant.user_id == KLAUS.id)).one()
        assert (klaus.role, klaus.department, set(klaus.topics)) == (
            "mentee",
            "Finanzen",
            {"genai", "data"},
        )
        assert klaus.weekdays == [1]


def test_the_admin_matches_and_both_accept_in_their_group_dm(site: Site) -> None:
    _join_by_hand(site.demo, KLAUS.id, LENA.id)
    site.act_as(ADMIN)
    site.open("Mentor Bot (direct message)")
    site.send("/mentor admin match")
    expect(site.log()).to_contain_text("1 Tandem vorgeschlagen")

    site.act_as(KLAUS.id)
    site.open(GROUP_OF_KLAUS)
    site.page.get_by_role("button", name="Ja, los geht's").click()
    expect(site.log()).to_contain_text("Sobald auch dein Tandem zusagt")
    site.act_as(LENA.id)
    site.open(GROUP_OF_LENA)
    expect(site.log()).not_to_contain_text("Sobald auch dein Tandem zusagt")  # Klaus's alone
    accept = site.page.get_by_role("button", name="Ja, los geht's")
    accept.click()
    expect(accept).to_have_count(0)  # the proposal is replaced in place, for both
    expect(site.log()).to_contain_text("euer Tandem ist aktiv")
    site.act_as(KLAUS.id)
    site.open(GROUP_OF_KLAUS)
    expect(site.log()).to_contain_text("euer Tandem ist aktiv")
    expect(site.page.get_by_role("button", name="Ja, los geht's")).to_have_count(0)


def test_a_week_passes_and_the_reminder_arrives_with_its_buttons(site: Site) -> None:
    _accepted(site.demo)
    site.act_as(LENA.id)
    site.open("Mentor Bot (direct message)")
    clock = site.page.get_by_text(re.compile(r"Montag, 7\. Dezember 2026, 09:00"))
    expect(clock).to_be_visible()  # the simulated time, in Lena's language and zone
    site.page.get_by_role("button", name="+1 week").click()
    expect(site.page.get_by_text(re.compile(r"Montag, 14\. Dezember 2026, 09:00"))).to_be_visible()
    reminder = site.log().locator("article", has_text="Erinnerung")
    expect(reminder).to_have_count(1)
    expect(reminder.get_by_role("button", name="Verschieben")).to_be_visible()
    expect(reminder.get_by_role("button", name="Diesen Termin auslassen")).to_be_visible()
    expect(reminder).to_contain_text("Klaus")  # the partner, by name


def test_a_private_reflection_is_seen_by_its_author_only(site: Site) -> None:
    _accepted(site.demo)
    site.demo.advance(timedelta(weeks=1, days=1))
    secret = "Heute habe ich zum ersten Mal selbst einen Prompt geschrieben."
    site.act_as(KLAUS.id)
    site.open("Mentor Bot (direct message)")
    site.send("/mentor reflect")
    modal = site.dialog("Reflexion")
    modal.get_by_label("Was hast du gelernt").fill(secret)
    modal.get_by_role("group", name="Wie hilfreich").get_by_role("radio", name="5").check()
    modal.get_by_role("button", name="Speichern").click()
    expect(site.page.get_by_role("dialog")).to_have_count(0)
    expect(site.log()).to_contain_text("Reflexion ist gespeichert")
    # The author can read it back: in the data export the bot DMs them.
    site.send("/mentor export")
    export = site.log().get_by_role("link", name=re.compile("Reverse-Mentoring-Daten"))
    expect(export).to_have_count(1)
    address = site.url + str(export.get_attribute("href")).lstrip("/")
    assert secret in site.page.request.get(address).text()
    # Nobody else sees it anywhere, nor can they open the author's file.
    for user in (LENA.id, ADMIN):
        site.act_as(user)
        assert site.page.request.get(address.replace(KLAUS.id, user)).status == 404
        labels = (
            site.page.get_by_role("navigation", name="Conversations")
            .get_by_role("button")
            .evaluate_all("all => all.map(button => button.firstChild.textContent.trim())")
        )
        assert len(labels) >= 3, labels
        for label in labels:
            site.open(label)
            expect(site.log()).not_to_contain_text(secret)
    site.open("Mentor Bot (direct message)")
    site.send("/mentor admin report")
    expect(site.log()).to_contain_text("Reflexion")
    expect(site.log()).not_to_contain_text(secret)


def test_a_modal_works_from_the_keyboard_alone(site: Site) -> None:
    _join_by_hand(site.demo, KLAUS.id)
    site.act_as(KLAUS.id)
    site.open("Mentor Bot (direct message)")
    box = site.page.get_by_role("textbox", name="Message")
    site.send("/mentor goals")
    modal = site.dialog("Lernziele")
    for _ in range(12):  # Tab stays in the modal: the page behind it cannot be reached
        site.page.keyboard.press("Tab")
        assert modal.evaluate("dialog => dialog.contains(document.activeElement)")
    site.page.keyboard.press("Escape")
    expect(site.page.get_by_role("dialog")).to_have_count(0)
    expect(box).to_be_focused()  # back where the person was
    site.send("/mentor goals")
    goal = site.dialog("Lernziele").get_by_role("textbox").first
    goal.fill("Jede Woche einen KI-Assistenten selbst nutzen")
    goal.press("Enter")  # sends the modal, as in Slack
    expect(site.page.get_by_role("dialog")).to_have_count(0)
    expect(site.log()).to_contain_text("1 offene")


def test_the_tour_button_plays_the_next_step_and_shows_where_to_look(site: Site) -> None:
    site.page.get_by_role("button", name="Tour: next step").click()
    expect(site.page.get_by_label("Acting as")).to_have_value(ADMIN)
    expect(site.page.get_by_role("region", name="Guided tour")).to_contain_text("step 2")
    expect(site.log()).to_contain_text("Leaders")
