"""The demo workspace without a browser: the real bot behind it, its clock, what each
person sees, the tour, the transcript, and refusals of bad input."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.demo.cast import ADMIN, BY_ID, CAST
from bot.demo.page import DemoPage
from bot.demo.tour import KLAUS, LENA, REFLECTIONS, Tour
from bot.demo.transcript import transcript_html
from bot.demo.views import Viewer
from bot.demo.workspace import Demo, DemoError, Target

ROOT = Path(__file__).resolve().parent.parent
#: Where the tests' demos start: Monday 7 December 2026, 09:00 in Berlin.
START = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Demo]:
    workspace = Demo(tmp_path / "demo", start=START)
    try:
        yield workspace
    finally:
        workspace.close()


def dm(demo: Demo, user: str) -> str:
    return demo.fake.open_im(user)


def texts(demo: Demo, user: str) -> list[str]:
    return [m.all_text for m in demo.fake.messages_for(user)]


def join(demo: Demo, user: str, **answers: Any) -> dict[str, str]:
    demo.type(user, dm(demo, user), "/mentor join")
    view = demo.fake.modal_stack(user)[-1]
    assert view["callback_id"] == "join"
    person = BY_ID[user]
    filled = {"role": person.role, "topics": list(person.topics), "time_window": "any"}
    filled.update(answers)
    return demo.submit(user, view["id"], filled)


def test_the_cast_is_a_program_in_two_languages_and_several_zones() -> None:
    assert 12 <= len(CAST) <= 16
    assert sum(p.admin for p in CAST) == 1
    assert {p.lang for p in CAST} == {"de", "en"}
    assert len({p.tz for p in CAST}) >= 3
    mentors = {p.department for p in CAST if p.role == "mentor"}
    mentees = {p.department for p in CAST if p.role == "mentee"}
    assert len(mentors & mentees) >= 2


def test_a_command_answers_the_person_alone_in_their_language(demo: Demo) -> None:
    demo.type(KLAUS.id, dm(demo, KLAUS.id), "/mentor help")
    [answer] = demo.fake.messages_for(KLAUS.id)
    assert answer.ephemeral
    assert "mitmachen" in answer.text  # German Slack locale, German bot
    assert demo.fake.messages_for(LENA.id) == []
    page = Viewer(demo.fake, KLAUS.id).messages_html(dm(demo, KLAUS.id))
    assert "Nur für dich sichtbar" in page  # Slack's own words, in German too


def test_joining_through_the_modal_shows_validation_errors_then_enrolls(demo: Demo) -> None:
    errors = join(demo, KLAUS.id, topics=[])
    assert errors, "a join without topics is refused in the modal"
    assert demo.fake.modal_stack(KLAUS.id), "the modal stays open with its errors"
    view = demo.fake.modal_stack(KLAUS.id)[-1]
    assert demo.submit(KLAUS.id, view["id"], {"role": "mentee", "topics": ["genai"]}) == {}
    assert demo.fake.modal_stack(KLAUS.id) == []
    assert any("Mentee" in text for text in texts(demo, KLAUS.id))


def test_matching_acceptance_and_a_week_bring_the_reminder_with_its_buttons(
    demo: Demo,
) -> None:
    assert join(demo, KLAUS.id) == {}
    assert join(demo, LENA.id) == {}
    demo.type(ADMIN, dm(demo, ADMIN), "/mentor admin match")
    for person in (KLAUS, LENA):
        [proposal] = [m for m in demo.fake.messages_for(person.id) if m.find_element("pair_accept")]
        demo.click(person.id, Target(proposal.channel, proposal.ts), "pair_accept")
    group = demo.fake.ims_of(KLAUS.id)[1]
    assert group in demo.fake.ims_of(LENA.id)
    before = demo.clock.now
    sent = demo.advance(timedelta(weeks=1))
    assert demo.clock.now == before + timedelta(weeks=1)
    assert sent >= 2
    reminders = [
        m for m in demo.fake.messages(dm(demo, KLAUS.id)) if m.find_element("session_move")
    ]
    assert reminders, "the reminder arrived in Klaus's DM with the app"
    assert "Erinnerung" in reminders[0].text
    assert reminders[0].find_element("session_skip") is not None
    sent_at = float(reminders[0].ts)
    assert before.timestamp() < sent_at < demo.clock.now.timestamp() + 1  # ts: time + counter


def test_a_reflection_is_seen_by_its_author_only(demo: Demo) -> None:
    tour = Tour(demo)
    for _ in range(10):  # up to and including Klaus's reflection
        tour.next()
    secret = REFLECTIONS[KLAUS.lang]
    seen_by = {
        person.id
        for person in CAST
        if any(secret in str(view) for view in demo.fake.opened_views(person.id))
        or any(secret in text for text in texts(demo, person.id))
    }
    assert seen_by <= {KLAUS.id}
    demo.type(ADMIN, dm(demo, ADMIN), "/mentor admin report Leaders")
    assert not any(secret in text for text in texts(demo, ADMIN))


def test_the_whole_tour_plays_and_its_transcript_shows_each_person(demo: Demo) -> None:
    Tour(demo).play()
    page = transcript_html(demo)
    sections = dict(re.findall(r'<section class="person" id="(\w+)" lang="(\w+)"', page))
    assert sections == {p.id: p.lang for p in CAST}
    klaus = _section(page, KLAUS.id)
    assert "Erinnerung" in klaus and "Reminder" not in klaus  # German Slack, German bot
    margaret = _section(page, "UDEMOMEE02")
    assert "Reminder" in margaret and "Erinnerung" not in margaret
    secret = REFLECTIONS[KLAUS.lang]
    assert all(secret not in _section(page, p.id) for p in CAST if p.id != KLAUS.id)
    admin = _section(page, ADMIN)
    assert ".csv" in admin, "the export reached the program owner"
    assert "<script" not in page


def test_someone_who_takes_over_mid_tour_can_hand_back_to_it(demo: Demo) -> None:
    tour = Tour(demo)
    for _ in range(3):  # the cohort; Klaus and Lena join
        tour.next()
    margaret = BY_ID["UDEMOMEE02"]
    assert join(demo, margaret.id, time_window="morning") == {}  # by hand, her own way
    demo.type(ADMIN, dm(demo, ADMIN), "/mentor admin match Leaders")  # ahead of the tour
    demo.advance(timedelta(hours=3))
    tour.play()  # the rest, over what was done by hand
    assert tour.status()["next"] is None
    proposals = [
        m for m in demo.fake.messages_for(margaret.id) if m.find_element("pair_accept") is not None
    ]
    assert len({m.channel for m in proposals}) <= 1, "matched once, not again by the tour"
    admin = " ".join(texts(demo, ADMIN))
    assert "fewer than 5" in admin or "weniger als 5" in admin, "the report still came"


def _section(page: str, user: str) -> str:
    start = page.index(f'id="{user}"')
    end = page.find('<section class="person"', start)
    return page[start : end if end != -1 else len(page)]


def test_a_demo_keeps_its_workspace_and_clock_across_a_restart_until_reset(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "demo"
    first = Demo(folder, start=START)
    join(first, KLAUS.id)
    first.advance(timedelta(days=2))
    moment, seen = first.clock.now, texts(first, KLAUS.id)
    first.close()
    again = Demo(folder)
    try:
        assert again.clock.now == moment
        assert texts(again, KLAUS.id) == seen
        again.type(KLAUS.id, dm(again, KLAUS.id), "/mentor status")
        assert "Mentee" in texts(again, KLAUS.id)[-1], "the database came back too"
        again.reset()
        assert texts(again, KLAUS.id) == []
        again.type(KLAUS.id, dm(again, KLAUS.id), "/mentor status")
        assert "Mentee" not in texts(again, KLAUS.id)[-1]
    finally:
        again.close()


def test_bad_input_gets_a_one_line_refusal_and_changes_nothing(demo: Demo) -> None:
    with pytest.raises(DemoError, match="not a valid command"):
        demo.type(KLAUS.id, dm(demo, KLAUS.id), "/mentr join")
    with pytest.raises(DemoError, match="no longer open"):
        demo.submit(KLAUS.id, "V0NOPE", {})
    with pytest.raises(DemoError, match="Time only moves forward"):
        demo.advance(timedelta(hours=-1))
    with pytest.raises(DemoError):
        demo.type("UNOBODY", "D0", "/mentor help")
    with pytest.raises(DemoError, match="cannot write there"):
        demo.type(KLAUS.id, dm(demo, LENA.id), "hello")
    assert demo.fake.messages_for(KLAUS.id) == []


def _call(
    page: DemoPage, method: str, path: str, body: Any = None, **headers: str
) -> tuple[str, Any]:
    import io

    raw = (
        body if isinstance(body, bytes) else json.dumps(body).encode() if body is not None else b""
    )
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path.split("?")[0],
        "QUERY_STRING": path.split("?", 1)[1] if "?" in path else "",
        "CONTENT_LENGTH": str(len(raw)),
        "CONTENT_TYPE": "application/json",
        "HTTP_HOST": "127.0.0.1:3000",
        "wsgi.input": io.BytesIO(raw),
        **headers,
    }
    answer: dict[str, str] = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        answer["status"] = status

    content = b"".join(page(environ, start_response))
    return answer["status"], json.loads(content) if content.startswith(b"{") else content


def test_the_page_api_refuses_bad_requests_with_one_line(demo: Demo) -> None:
    page = DemoPage(demo)
    status, body = _call(page, "POST", "/api/advance", {"by": "year"})
    assert status.startswith("400") and body["error"] == "by must be hour, day or week"
    status, body = _call(page, "POST", "/api/type", {"user": KLAUS.id})
    assert status.startswith("400") and "conversation is missing" in body["error"]
    status, body = _call(page, "GET", "/api/state?user=UNOBODY&after=-1")
    assert status.startswith("404")
    status, body = _call(
        page, "POST", "/api/type", {"user": KLAUS.id, "conversation": "home", "text": "/nope"}
    )
    assert status.startswith("400") and "\n" not in body["error"]
    status, body = _call(page, "GET", f"/files/F0000001?user={KLAUS.id}")
    assert status.startswith("404")


def test_the_page_state_waits_for_a_change_and_shows_the_clock(demo: Demo) -> None:
    page = DemoPage(demo)
    status, first = _call(page, "GET", f"/api/state?user={KLAUS.id}&after=-1")
    assert status.startswith("200")
    assert first["zone"] == "Europe/Berlin" and first["conversations"][0]["id"] == "home"
    began = time.monotonic()
    _call(page, "POST", "/api/advance", {"by": "hour"})
    status, second = _call(page, "GET", f"/api/state?user={KLAUS.id}&after={first['version']}")
    assert time.monotonic() - began < 5
    assert second["now"] > first["now"]


def test_only_the_page_itself_may_read_or_drive_the_demo(demo: Demo) -> None:
    page = DemoPage(demo)
    before = demo.clock.now
    # Another site, or a name pointed at this machine by someone else's DNS: refused.
    status, body = _call(page, "GET", f"/api/state?user={ADMIN}", HTTP_HOST="evil.example")
    assert status.startswith("403") and "127.0.0.1" in body["error"]
    status, _ = _call(page, "GET", "/transcript.html", HTTP_HOST="evil.example:3000")
    assert status.startswith("403")
    status, _ = _call(
        page, "POST", "/api/advance", {"by": "week"}, HTTP_ORIGIN="https://evil.example"
    )
    assert status.startswith("403")
    status, _ = _call(page, "POST", "/api/advance", {"by": "week"}, CONTENT_TYPE="text/plain")
    assert status.startswith("415")  # what a plain HTML form on another site could send
    assert demo.clock.now == before, "nothing moved"
    status, _ = _call(
        page, "POST", "/api/advance", {"by": "hour"}, HTTP_ORIGIN="http://127.0.0.1:3000"
    )
    assert status.startswith("200") and demo.clock.now == before + timedelta(hours=1)
    assert _call(page, "GET", "/", HTTP_HOST="localhost:3000")[0].startswith("200")
    assert _call(DemoPage(demo, hosts=None), "GET", "/", HTTP_HOST="mentor.lan")[0][:3] == "200"


def test_malformed_page_requests_get_a_one_line_json_refusal(demo: Demo) -> None:
    page = DemoPage(demo)
    for after in ("--5", "²", "1e3", "9" * 40):
        status, body = _call(page, "GET", f"/api/state?user={KLAUS.id}&after={after}")
        assert status.startswith("400") and body["error"] == "after must be a whole number"
    deep = b"[" * 100_000 + b"]" * 100_000
    status, body = _call(page, "POST", "/api/type", deep)
    assert status.startswith("400") and body["error"] == "the body must be JSON"


def test_a_waiting_page_is_answered_by_a_change_a_newer_question_or_the_timeout(
    demo: Demo, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    from bot.demo import page as page_module

    monkeypatch.setattr(page_module, "POLL_SECONDS", 1.5)
    page = DemoPage(demo)
    version = page.state(KLAUS.id, "home", -1)["version"]
    began = time.monotonic()
    assert page.state(KLAUS.id, "home", version)["version"] == version  # nothing changed
    assert 1.4 <= time.monotonic() - began < 5
    answered: list[float] = []

    def ask() -> None:
        page.state(KLAUS.id, "home", version, client="tab-1")
        answered.append(time.monotonic())

    waiting = threading.Thread(target=ask)
    waiting.start()
    time.sleep(0.3)
    asked_again = time.monotonic()
    page.state(KLAUS.id, "home", -1, client="tab-1")  # the same tab asks anew
    waiting.join(timeout=5)
    assert answered and answered[0] - asked_again < 1.0, "the older question was answered"
    # After a reset the counter starts anew: a page that knew a later version is answered.
    demo.reset()
    began = time.monotonic()
    page.state(KLAUS.id, "home", version + 1000)
    assert time.monotonic() - began < 1.0


def test_two_requests_for_the_next_tour_step_play_two_steps_in_order(demo: Demo) -> None:
    import threading

    tour = Tour(demo)
    threads = [threading.Thread(target=tour.next) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert tour.status()["done"] == 2
    admin = " ".join(texts(demo, ADMIN))
    assert admin.count("angelegt") == 1, "the cohort was created once"
    assert any("Mentee" in text for text in texts(demo, KLAUS.id)), "then Klaus joined"
    # The position is kept with the workspace.
    folder = demo.folder
    demo.close()
    again = Demo(folder)
    try:
        assert Tour(again).status()["done"] == 2
    finally:
        again.close()
        demo._start()  # the fixture closes it once more


def test_mentor_bot_demo_prints_its_address_and_serves_the_page(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bot",
            "--env-file",
            str(tmp_path / "none.env"),
            "demo",
            "--port",
            "0",
        ],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = re.match(r"Demo workspace: (http://127\.0\.0\.1:\d+/) — no Slack tokens", line)
        assert match, line
        with urllib.request.urlopen(match.group(1), timeout=10) as response:  # noqa: S310
            assert b'<label for="actor">Acting as</label>' in response.read()
        assert (tmp_path / ".mentor-demo" / "demo.db").exists()
    finally:
        process.terminate()
        assert process.wait(timeout=30) == 0
