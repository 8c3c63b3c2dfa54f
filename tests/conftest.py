"""Shared fixtures: real databases (SQLite always, PostgreSQL when reachable)."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from graphlib import TopologicalSorter
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.exc import OperationalError

from bot.reporting import releases
from storage.db import Database, make_engine
from storage.migrate import upgrade

POSTGRES_URL = os.environ.get(
    "MENTOR_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
_POSTGRES_HINT = (
    f"PostgreSQL is not reachable at {POSTGRES_URL}: start it, or set "
    "MENTOR_TEST_POSTGRES_URL to a database the tests may create schemas in"
)
_postgres_ok: bool | None = None


def postgres_available() -> bool:
    """True when the test PostgreSQL server answers (checked once)."""
    global _postgres_ok
    if _postgres_ok is None:
        try:
            engine = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            engine.dispose()
            _postgres_ok = True
        except OperationalError:
            _postgres_ok = False
    return _postgres_ok


def require_postgres() -> None:
    """Skip the calling test, with a message saying how to enable it, without PostgreSQL."""
    if not postgres_available():
        if os.environ.get("CI") == "true" and os.environ.get("MENTOR_REQUIRE_POSTGRES") == "1":
            pytest.fail(_POSTGRES_HINT)
        pytest.skip(_POSTGRES_HINT)


def postgres_schema_url() -> Iterator[str]:
    """A fresh, empty schema on the test server; dropped afterwards."""
    schema = "t_" + uuid.uuid4().hex[:12]
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _migrated(url: str) -> None:
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file per test process; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "mentor.db"
    _migrated(f"sqlite:///{path}")
    return path


def _emptying(connection: Connection) -> str:
    """The statements that empty the current schema's tables (but ``alembic_version``) and
    restart its sequences, as ``TRUNCATE ... RESTART IDENTITY`` would: a ``DELETE`` per
    table, tables that refer to others first (on small tables a tenth of the time of a
    ``TRUNCATE``, which replaces every table's files)."""
    tables = set(
        connection.execute(
            text(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                "AND tablename <> 'alembic_version'"
            )
        ).scalars()
    )
    order: TopologicalSorter[str] = TopologicalSorter({name: () for name in tables})
    for child, parent in connection.execute(
        text(
            "SELECT child.relname, parent.relname FROM pg_constraint c "
            "JOIN pg_class child ON child.oid = c.conrelid "
            "JOIN pg_class parent ON parent.oid = c.confrelid "
            "JOIN pg_namespace n ON n.oid = c.connamespace "
            "WHERE c.contype = 'f' AND n.nspname = current_schema()"
        )
    ):
        if child != parent and child in tables and parent in tables:
            order.add(parent, child)  # the rows that refer to a parent go first
    sequences = connection.execute(
        text("SELECT sequencename FROM pg_sequences WHERE schemaname = current_schema()")
    ).scalars()
    statements = [f'DELETE FROM "{name}"' for name in order.static_order()]  # noqa: S608
    statements += [f'ALTER SEQUENCE "{name}" RESTART' for name in sequences]
    return "; ".join(statements)


class _PostgresSchemas:
    """One migrated schema per test process, emptied after each test that used it (a
    schema that cannot be emptied, e.g. for a cycle of foreign keys or a lock held too
    long, is dropped and the next test gets a new one)."""

    def __init__(self) -> None:
        self._current: Iterator[str] | None = None
        self._engine: Engine | None = None  # one connection that empties, kept open
        self._statements: str | None = None  # the statements, read from the catalog once
        self.url: str | None = None

    def take(self) -> str:
        if self.url is None:
            self._current = postgres_schema_url()
            self.url = next(self._current)
            _migrated(self.url)
            self._engine = create_engine(self.url, pool_size=1)
        return self.url

    def empty(self) -> None:
        if self._engine is None:
            return
        try:
            with self._engine.begin() as connection:
                connection.execute(text("SET LOCAL lock_timeout = '5s'"))
                if self._statements is None:
                    self._statements = _emptying(connection)
                connection.execute(text(self._statements))
        except Exception:
            self.close()

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
        if self.url is not None and self.url in _ENGINES:
            _ENGINES.pop(self.url).dispose()
        if self._current is not None:
            self._current.close()  # drops the schema
        self._current, self._engine, self._statements, self.url = None, None, None, None


@pytest.fixture(scope="session")
def _postgres_schemas() -> Iterator[_PostgresSchemas]:
    schemas = _PostgresSchemas()
    yield schemas
    schemas.close()


@pytest.fixture(scope="session")
def _sqlite_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where each test of this process finds its copy of the template (one path, so that
    the engine on it is reused: see :func:`_engine`)."""
    return tmp_path_factory.mktemp("database") / "mentor.db"


#: One engine per database URL in this test process, kept from test to test (its
#: connections are closed after each). SQLAlchemy compiles a statement once per engine:
#: with an engine per test, every test compiled every statement it ran again.
_ENGINES: dict[str, Engine] = {}


def _engine(url: str) -> Engine:
    engine = _ENGINES.get(url)
    if engine is None:
        engine = _ENGINES[url] = make_engine(url)
    return engine


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A migrated, empty database URL, once for SQLite and once for PostgreSQL.

    Migrating takes longer than a test: SQLite copies a file migrated once per process
    (over the previous test's copy), PostgreSQL reuses a schema migrated once per process
    and empties it afterwards.
    """
    if request.param == "sqlite":
        path: Path = request.getfixturevalue("_sqlite_path")
        url = f"sqlite:///{path}"
        engine = _ENGINES.get(url)
        if engine is not None:
            engine.dispose()  # no connection left on the previous copy
        for leftover in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            leftover.unlink(missing_ok=True)
        shutil.copyfile(request.getfixturevalue("_sqlite_template"), path)
        yield url
    else:
        require_postgres()
        schemas: _PostgresSchemas = request.getfixturevalue("_postgres_schemas")
        try:
            yield schemas.take()
        finally:
            schemas.empty()


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    """A migrated database on each engine."""
    engine = _engine(database_url)
    releases.drop_store(engine)  # the previous test's releases were parsed on this engine
    database = Database(engine)
    yield database
    if database.dialect == "sqlite":
        database.dispose()  # the next test's copy replaces the file
    # PostgreSQL's connections stay open for the next test on the same schema: a new
    # server process per connection per test cost the server more than most tests.


@pytest.fixture
def bot(db: Database, request: pytest.FixtureRequest) -> Iterator[object]:
    """The running bot on each database, with people in the Slack stand-in.

    UEN (English), UDE (German), UADMIN01 (admin by MENTOR_ADMIN_IDS), UOWNER (workspace
    owner), U2..U5 (English).
    """
    from tests.harness import running_bot

    real = request.node.get_closest_marker("real_slack_time") is not None
    with running_bot(db, real_slack_time=real) as running:
        fake = running.fake
        fake.add_user("UEN", name="erin", locale="en-US", tz="America/New_York")
        fake.add_user("UDE", name="dieter", locale="de-DE", tz="Europe/Berlin")
        fake.add_user("UADMIN01", name="ada", locale="en-GB", tz="Europe/London")
        fake.add_user("UOWNER", name="olga", locale="de-AT", tz="Europe/Vienna", is_owner=True)
        for n in range(2, 6):
            fake.add_user(f"U{n}", name=f"user{n}", locale="en-US", tz="Europe/Berlin")
        yield running


#: The longest tests (simulated years, real processes killed and restarted, hundreds of
#: people under rate limits), started first so that they run alongside the many short
#: ones instead of after them (pytest-xdist hands tests out in collection order; one at a
#: time with ``--maxschedchunk 1``, as scripts/test runs it, or the first block of tests
#: would get them all).
LONGEST_FIRST = (
    "tests/test_year.py::test_a_program_runs_through_whatever_time_brings",
    "tests/test_restarts.py::test_dispatchers_killed_at_random_moments_lose_nothing_and_repeat_nothing",
    "tests/test_announce.py::test_a_cohort_of_300_gets_it_once_each_under_rate_limits",
    "tests/test_sessions.py::test_two_dispatch_processes_that_both_plan_ahead_plan_each_session_once",
    "tests/test_matching_flow.py::test_many_intros_under_slack_rate_limits_arrive_exactly_once",
    "tests/test_startup.py::test_a_slack_that_cannot_be_reached_is_one_line",
    "tests/test_pacing.py::test_the_gateway_under_a_workspace_limit_draws_few_429s",
    "tests/test_playbook.py::test_learnings_shared_before_authors_were_kept_get_their_author_at_start",
    "tests/test_sessions.py::test_a_dispatcher_killed_mid_batch_loses_nothing_and_repeats_nothing",
    "tests/test_matching_flow.py::test_dispatch_command_sends_due_work_once",
    "tests/test_time_guarantees.py::test_a_first_session_on_easter_monday_moves_and_the_series_goes_on",
    "tests/test_sessions.py::test_two_dispatch_processes_at_once_send_every_reminder_once",
    "tests/test_report_equivalence.py::test_overlap_control_decides_as_the_original_rule",
    "tests/test_report_equivalence.py::test_the_scenarios_exercise_every_rule",
    "tests/test_startup.py::test_a_database_nobody_listens_on_is_one_line",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Move the :data:`LONGEST_FIRST` tests to the front, in that order (a stable sort:
    the others keep their order)."""
    rank = {name: n for n, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("[", 1)[0], len(rank)))
