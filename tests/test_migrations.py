"""Data owed before an upgrade is still delivered the same way after it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from storage.db import make_engine
from storage.migrate import upgrade
from tests.conftest import postgres_schema_url, require_postgres


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    require_postgres()
    yield from postgres_schema_url()


def test_an_announcement_owed_to_a_channel_before_0010_keeps_its_channel(empty_url: str) -> None:
    engine = make_engine(empty_url)
    upgrade(engine, "0009")
    owed = datetime(2026, 12, 1, 9, tzinfo=UTC)
    with engine.begin() as connection:
        for key, user in (("announce:7:channel:C0COHORT", None), ("announce:7:dm:U1", "U1")):
            connection.execute(
                text(
                    "INSERT INTO notification (key, kind, due_at, user_id, status, attempts, "
                    "in_flight) VALUES (:key, 'announcement', :due, :user, 'pending', 0, false)"
                ),
                {"key": key, "due": owed, "user": user},
            )
    upgrade(engine)
    with engine.connect() as connection:
        rows = dict(
            connection.execute(text("SELECT key, args FROM notification ORDER BY key")).all()
        )
    engine.dispose()
    channel_args = rows["announce:7:channel:C0COHORT"]
    if isinstance(channel_args, str):  # SQLite hands JSON back as text to a raw query
        channel_args = json.loads(channel_args)
    assert channel_args == {"channel": "C0COHORT"}
    assert rows["announce:7:dm:U1"] is None  # a member's DM names its member already


def test_a_cohort_made_before_0013_gets_a_term_of_six_months(empty_url: str) -> None:
    engine = make_engine(empty_url)
    upgrade(engine, "0012")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO cohort (name, name_key, cadence, is_open, created_at) "
                "VALUES ('board', 'board', 'biweekly', true, :made)"
            ),
            {"made": datetime(2026, 8, 31, 9, tzinfo=UTC)},
        )
    upgrade(engine)
    with engine.connect() as connection:
        row = connection.execute(
            text("SELECT term_end, nudge_days, close_days FROM cohort WHERE name_key = 'board'")
        ).one()
    engine.dispose()
    assert tuple(row) == ("2027-02-28", 45, 90)  # six months on, the month's last day
