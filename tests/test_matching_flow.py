"""/mentor admin match through the real app: intros, waiting list, consent, rate limits."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlmodel import select

from bot.fakeslack.records import RateLimits
from bot.slack import ids
from storage import queries
from storage.db import Database
from storage.models import Notification, Pair, Participant
from tests.harness import ADMIN, Bot, running_bot


def pairs(bot: Bot) -> list[Pair]:
    with bot.ctx.db.transaction() as session:
        return list(session.exec(select(Pair).order_by(Pair.id)))  # type: ignore[arg-type]


def intros(bot: Bot, user_id: str) -> list[Any]:
    return [
        m
        for m in bot.fake.messages_for(user_id)
        if ids.PAIR_ACCEPT in m.action_ids()
        or "Welcome to your" in m.all_text
        or "Willkommen in eurem" in m.all_text
    ]


def admin_match(bot: Bot, text: str = "admin match") -> str:
    """Run the admin command, wait for the report and all outgoing messages."""
    answer = bot.reply(ADMIN, text)
    assert bot.ctx.background.wait_idle()
    return answer


def report(bot: Bot) -> str:
    return [m for m in bot.fake.messages_for(ADMIN) if m.method == "response_url"][-1].text


def test_admin_match_proposes_pairs_and_introduces_them(bot: Bot) -> None:
    bot.join("UEN", role="mentor", topics=["genai", "data"], department="IT")
    bot.join("U2", role="mentor", topics=["cx"], department="Sales")
    bot.join("UDE", role="mentee", topics=["genai"], department="Board")
    bot.join("U3", role="mentee", topics=["cx", "data"], department="Finance")
    bot.join("U4", role="mentor", topics=["security"])  # nobody wants security
    assert bot.ctx.background.wait_idle()

    assert admin_match(bot).startswith("Matching *general* now")
    assert "2 pairs proposed, 1 person on the waiting list" in report(bot)
    assert "UEN" not in report(bot) and "U2" not in report(bot)  # figures, no names

    proposed = {(p.mentor_id, p.mentee_id) for p in pairs(bot)}
    assert proposed == {("UEN", "UDE"), ("U2", "U3")}
    for mentor, mentee in proposed:
        [intro] = intros(bot, mentor)
        assert intros(bot, mentee) == [intro]  # one message, in their shared group DM
        assert set(intro.recipients) == {mentor, mentee}
        assert f"<@{mentor}> is the *mentor*" in intro.all_text
        assert (
            f"<@{mentee}> ist *Mentee*" in intro.all_text
            or f"<@{mentee}> is the *mentee*" in intro.all_text
        )
        assert intro.action_ids() == [ids.PAIR_ACCEPT, ids.PAIR_DECLINE]
    [uen_intro] = intros(bot, "UEN")
    assert "Generative AI" in uen_intro.all_text and "Generative KI" in uen_intro.all_text
    waiting = [m for m in bot.fake.messages_for("U4") if "waiting list" in m.text]
    assert len(waiting) == 1
    for person in ("UEN", "U2", "UDE", "U3"):
        assert not any("waiting list" in m.text for m in bot.fake.messages_for(person))
    assert "<@UDE> (mentee), waiting until you both accept" in bot.reply("UEN", "status")


def test_both_accept_then_the_pair_is_active(bot: Bot) -> None:
    bot.join("UEN", role="mentor", topics=["genai"])
    bot.join("U2", role="mentee", topics=["genai"])
    admin_match(bot)
    [intro] = intros(bot, "UEN")
    bot.slack.block_action("UEN", ids.PAIR_ACCEPT, message=intro)
    assert bot.ctx.background.wait_idle()
    assert pairs(bot)[0].status == "proposed"
    assert any(
        "As soon as your partner says yes" in m.text
        for m in bot.fake.messages_for("UEN")
        if m.ephemeral or m.method == "response_url"
    )
    bot.slack.block_action("UEN", ids.PAIR_ACCEPT, message=intro)  # a double click
    bot.slack.block_action("U2", ids.PAIR_ACCEPT, message=intro)
    assert bot.ctx.background.wait_idle()
    pair = pairs(bot)[0]
    assert (pair.status, pair.mentor_accepted, pair.mentee_accepted) == ("active", True, True)
    final = next(m for m in bot.fake.messages_for("U2") if m.ts == intro.ts)
    # the consent buttons are gone; what stays is the one that sets where the pair meets
    assert "your pair is active" in final.all_text
    assert final.action_ids() == [ids.MEETING_LINK_OPEN]
    assert "Partner: <@U2> (mentee)" in bot.reply("UEN", "status")
    assert any("You already said yes" in m.text for m in bot.fake.messages_for("UEN"))


def test_a_decline_ends_it_quietly_and_the_pair_never_returns(bot: Bot) -> None:
    bot.join("UEN", role="mentor", topics=["genai"])
    bot.join("U2", role="mentee", topics=["genai"])
    admin_match(bot)
    [intro] = intros(bot, "UEN")
    bot.slack.block_action("U2", ids.PAIR_DECLINE, message=intro)
    assert bot.ctx.background.wait_idle()
    assert pairs(bot)[0].status == "declined"
    closed = next(m for m in bot.fake.messages_for("UEN") if m.ts == intro.ts)
    assert closed.action_ids() == [] and "introduction is closed" in closed.all_text
    told = [m for m in bot.fake.messages_for("UEN") if "won't go ahead" in m.text]
    assert len(told) == 1 and "U2" not in told[0].all_text  # no name, no reason
    assert "not matched yet" in bot.reply("UEN", "status")  # back in the pool

    bot.join("U3", role="mentee", topics=["data"])  # no overlap with UEN
    admin_match(bot)
    assert len(pairs(bot)) == 1  # UEN and U2 are never proposed again
    assert "0 pairs proposed, 3 people on the waiting list" in report(bot)
    # clicking the old intro changes nothing
    bot.slack.block_action("UEN", ids.PAIR_ACCEPT, message=intro, strict=False)
    assert bot.ctx.background.wait_idle()
    assert pairs(bot)[0].status == "declined"


def test_matching_twice_proposes_nobody_twice_and_tells_waiting_people_once(bot: Bot) -> None:
    bot.join("UEN", role="mentor", topics=["genai"])
    bot.join("U2", role="mentee", topics=["genai"])
    bot.join("U3", role="mentee", topics=["genai"])
    admin_match(bot)
    admin_match(bot)
    assert len(pairs(bot)) == 1
    assert len(intros(bot, "UEN")) == 1
    waiting = [
        p for p in ("U2", "U3") if any("waiting list" in m.text for m in bot.fake.messages_for(p))
    ]
    assert len(waiting) == 1
    assert len([m for m in bot.fake.messages_for(waiting[0]) if "waiting list" in m.text]) == 1
    assert "0 pairs proposed, 1 person on the waiting list" in report(bot)


def test_only_admins_match_and_unknown_cohorts_are_named(bot: Bot) -> None:
    bot.join("UEN", role="mentor", topics=["genai"])
    bot.join("U2", role="mentee", topics=["genai"])
    assert "Only program admins" in bot.reply("UEN", "admin match")
    assert "Nur Programm-Admins" in bot.reply("UDE", "admin match general")
    assert pairs(bot) == []
    assert "no open cohort called *board*" in bot.reply(ADMIN, "admin match board")
    assert "Admin commands" in bot.reply(ADMIN, "admin match general extra")


def test_cohorts_keep_their_own_pools(bot: Bot) -> None:
    bot.reply(ADMIN, "admin cohort create board")
    bot.reply(ADMIN, "admin cohort create heads")
    with bot.ctx.db.transaction() as session:
        ids_by_name = {c.name: str(c.id) for c in queries.open_cohorts(session)}
    board, heads = ids_by_name["board"], ids_by_name["heads"]
    bot.join("UEN", role="mentor", topics=["genai"], cohort=board)
    bot.join("U2", role="mentee", topics=["genai"], cohort=heads)
    bot.join("U3", role="mentee", topics=["genai"], cohort=board)
    admin_match(bot, "admin match heads")
    assert pairs(bot) == []
    admin_match(bot, "admin match board")
    assert [(p.mentor_id, p.mentee_id) for p in pairs(bot)] == [("UEN", "U3")]


def test_german_pair_gets_a_german_intro(bot: Bot) -> None:
    bot.fake.add_user("UDE2", name="greta", locale="de-DE")
    bot.join("UDE", role="mentor", topics=["security"])
    bot.join("UDE2", role="mentee", topics=["security"])
    admin_match(bot)
    [intro] = intros(bot, "UDE")
    assert "Willkommen in eurem" in intro.all_text and "Welcome" not in intro.all_text
    assert "Grundlagen der Cybersicherheit" in intro.all_text


def test_many_intros_under_slack_rate_limits_arrive_exactly_once(db: Database) -> None:
    # 4 messages a second for the whole workspace: 12 intros must queue behind 429s.
    limits = RateLimits(
        per_channel_per_second=1.0,
        workspace_per_minute={"chat.postMessage": 4, "conversations.open": 8},
        retry_after=1,
        window_seconds=1.0,
    )
    with running_bot(db, rate_limits=limits) as bot:
        bot.fake.add_user(ADMIN, name="ada")
        people = [f"UM{n:02d}" for n in range(12)] + [f"UE{n:02d}" for n in range(12)]
        for user in people:
            bot.fake.add_user(user, name=user.lower())
        # enroll directly (the join modal is tested elsewhere) to keep Slack quiet
        from bot.enrollment import service as enrollment

        for user in people:
            role = "mentor" if user.startswith("UM") else "mentee"
            enrollment.enroll(
                bot.ctx, user, enrollment.JoinForm(role=role, topics=["genai"], department=None)
            )
        admin_match(bot)
        assert bot.fake.wait_for(lambda: len(pairs(bot)) == 12)
        assert bot.fake.wait_for(lambda: all(len(intros(bot, u)) == 1 for u in people), timeout=60)
        assert all(len(intros(bot, u)) == 1 for u in people)
        throttled = [c for c in bot.fake.calls if c.http_status == 429]
        assert throttled, "the rate limit was never reached; the test proves nothing"
        with bot.ctx.db.transaction() as session:
            statuses = {n.status for n in session.exec(select(Notification))}
        assert statuses == {"sent"}


def test_dispatch_command_sends_due_work_once(tmp_path: Path) -> None:
    from bot.core.crypto import generate_key
    from bot.fakeslack.server import FakeSlack
    from storage.db import make_engine
    from storage.migrate import upgrade

    url = f"sqlite:///{tmp_path}/cli.db"
    upgrade(make_engine(url))
    key = generate_key()
    with FakeSlack(bot_token="xoxb-d") as fake:
        fake.add_user("UA", name="a")
        env = {
            "PATH": "/usr/bin:/bin",
            "SLACK_BOT_TOKEN": "xoxb-d",
            "SLACK_SIGNING_SECRET": "s",
            "SLACK_API_URL": fake.api_url,
            "DATABASE_URL": url,
            "MENTOR_ENCRYPTION_KEY": key,
        }
        from datetime import UTC, datetime

        from bot.delivery import outbox

        database = Database.from_url(url)
        with database.transaction() as session:
            cohort = queries.cohort_named(session, "general")
            session.add(
                Participant(
                    user_id="UA",
                    cohort_id=cohort.id or 0,
                    role="mentor",
                    topics=["genai"],
                    waiting_since=datetime(2026, 12, 1, 8, tzinfo=UTC),
                )
            )
            outbox.enqueue(
                session,
                key="waiting:test",
                kind="waiting",
                user_id="UA",
                due_at=datetime(2026, 12, 1, 9, tzinfo=UTC),
            )
        database.dispose()

        def dispatch_at(at: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [sys.executable, "-m", "bot", "dispatch", "--at", at],
                env=env,
                cwd=tmp_path,
                capture_output=True,
                text=True,
                timeout=60,
            )

        early = dispatch_at("2026-12-01T08:00Z")
        assert json.loads(early.stdout)["sent"] == 0 and json.loads(early.stdout)["skipped"] == 0
        due = dispatch_at("2026-12-01T09:00:00+00:00")
        again = dispatch_at("2026-12-01T09:00:00+00:00")
        bad = dispatch_at("tomorrow")
        assert (early.returncode, due.returncode, again.returncode) == (0, 0, 0)
        delivered = [m for m in fake.messages_for("UA") if "waiting list" in m.text]
    first, second = json.loads(due.stdout), json.loads(again.stdout)
    assert (first["sent"], first["by_kind"]) == (1, {"waiting": 1})
    assert (second["sent"], second["skipped"]) == (0, 0)
    assert len(delivered) == 1
    assert bad.returncode == 2 and "ISO-8601" in bad.stderr


def test_paused_and_departed_people_are_not_matched(bot: Bot) -> None:
    bot.join("UEN", role="mentor", topics=["genai"])
    bot.join("U2", role="mentee", topics=["genai"])
    bot.join("U3", role="mentee", topics=["genai"])
    bot.reply("U2", "pause 2")
    bot.reply("U3", "leave")
    admin_match(bot)
    assert pairs(bot) == []
    assert "0 pairs proposed, 1 person on the waiting list" in report(bot)
    bot.clock.advance(weeks=2, hours=1)  # U2's pause is over
    admin_match(bot)
    assert [(p.mentor_id, p.mentee_id) for p in pairs(bot)] == [("UEN", "U2")]
