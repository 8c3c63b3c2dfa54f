"""Storage on SQLite and PostgreSQL: migrations, UTC, event claims, forgetting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from storage import queries
from storage.db import Database
from storage.migrate import (
    current_revision,
    head_revision,
    schema_drift,
    shipped_head,
    upgrade,
)
from storage.models import Cohort, Pair, Participant, SlackUser


def make_cohort(session, name: str = "board") -> Cohort:  # type: ignore[no-untyped-def]
    return queries.add_cohort(session, Cohort(name=name, name_key=name.casefold()))


def make_participant(session, user_id: str, cohort: Cohort, role: str = "mentee"):  # type: ignore[no-untyped-def]
    participant = Participant(
        user_id=user_id, cohort_id=cohort.id or 0, role=role, topics=["genai"]
    )
    session.add(participant)
    session.flush()
    return participant


def test_migrations_reach_head_without_drift(db: Database) -> None:
    assert current_revision(db.engine) == head_revision()
    assert schema_drift(db.engine) == []
    upgrade(db.engine)  # a second upgrade is a no-op
    assert current_revision(db.engine) == head_revision()
    assert shipped_head() == head_revision()  # what an upgrade at the head is told by


def test_datetimes_come_back_as_aware_utc(db: Database) -> None:
    moment = datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    with db.transaction() as session:
        session.add(SlackUser(user_id="U1", fetched_at=moment))
    with db.transaction() as session:
        row = queries.cached_user(session, "U1")
        assert row is not None
        assert row.fetched_at == moment
        assert row.fetched_at.tzinfo is not None


def test_naive_datetimes_are_refused(db: Database) -> None:
    with pytest.raises(Exception, match="naive"), db.transaction() as session:
        session.add(SlackUser(user_id="U1", fetched_at=datetime(2026, 1, 1)))  # noqa: DTZ001
        session.flush()


def test_an_event_is_claimed_once(db: Database) -> None:
    now = datetime.now(UTC)
    with db.transaction() as session:
        assert queries.claim_event(session, "Ev1", now) is True
    with db.transaction() as session:
        assert queries.claim_event(session, "Ev1", now) is False
        assert queries.claim_event(session, "Ev2", now) is True
    with db.transaction() as session:
        queries.purge_events(session, now + timedelta(seconds=1))
    with db.transaction() as session:
        assert queries.claim_event(session, "Ev1", now) is True


def test_cohort_names_are_unique_regardless_of_case(db: Database) -> None:
    with db.transaction() as session:
        make_cohort(session, "Board")
    with db.transaction() as session:
        found = queries.cohort_by_name(session, "BOARD")
        assert found is not None and found.name == "Board"


def test_forget_removes_ids_but_keeps_pair_hashes(db: Database) -> None:
    with db.transaction() as session:
        cohort = make_cohort(session)
        make_participant(session, "U1", cohort)
        make_participant(session, "U2", cohort, role="mentor")
        session.add(SlackUser(user_id="U1", locale="de-DE"))
        session.add(
            Pair(
                cohort_id=cohort.id or 0,
                mentor_id="U2",
                mentee_id="U1",
                mentor_key="k2",
                mentee_key="k1",
                channel_id="G1",
            )
        )
    with db.transaction() as session:
        assert queries.forget_user(session, "U1") is True
    with db.transaction() as session:
        assert queries.participant_of(session, "U1") is None
        assert queries.cached_user(session, "U1") is None
        assert queries.pairs_of(session, "U1") == []
        pair = queries.pairs_of(session, "U2")[0]
        assert pair.mentee_id is None
        assert (pair.mentor_key, pair.mentee_key) == ("k2", "k1")
        assert queries.participant_of(session, "U2") is not None
    with db.transaction() as session:
        assert queries.forget_user(session, "U1") is False


def test_a_write_inside_a_write_on_one_thread_fails_at_once_on_both_databases(
    db: Database,
) -> None:
    import threading

    from storage.db import NestedWriteError

    outcome: list[str] = []

    def nested() -> None:
        with db.transaction() as session:
            session.add(Cohort(name="outer", name_key="outer"))
            try:
                with db.transaction():
                    outcome.append("nested write opened")
            except NestedWriteError:
                outcome.append("refused")
            with db.transaction(write=False) as reading:  # reading inside is fine
                reading.exec(select(Cohort)).all()
        outcome.append("outer committed")

    worker = threading.Thread(target=nested, daemon=True)
    worker.start()
    worker.join(timeout=10)  # on SQLite it used to wait for itself forever
    assert outcome == ["refused", "outer committed"]
    with db.transaction() as session:  # and the next one works
        assert [c.name for c in session.exec(select(Cohort))] == ["outer"]
