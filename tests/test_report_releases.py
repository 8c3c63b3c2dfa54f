"""The release store: releases stored as changes of earlier ones, read back whole, after
``/mentor forget`` and after the migration that converted rows stored whole before."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text
from sqlmodel import col, select

from bot.core.crypto import generate_key
from bot.reporting.figures import ALL, Contribution, Figure
from bot.reporting.hashes import contribution_hash, person_hash, population_key
from bot.reporting.overlap import Release
from bot.reporting.overlap_reference import Ref, ref_singles_out
from bot.reporting.releaser import Releaser
from bot.reporting.releases import ReleaseStore, forget, read_all
from storage.db import Database, make_engine
from storage.migrate import alembic_config, upgrade
from storage.models import ReportRelease
from tests.conftest import postgres_schema_url, require_postgres

NOW = datetime(2026, 11, 24, 9, tzinfo=UTC)
PEOPLE = [f"p{i:02d}" for i in range(40)]


def figure(people: list[str] | str, metric: str = "mentors") -> Figure:
    members = frozenset(Contribution(p, f"member|{p}") for p in people)
    return Figure(metric, float(len(members)), members)


def test_a_release_of_a_figure_shown_before_stores_what_changed(db: Database) -> None:
    key = population_key(generate_key())
    everyone = PEOPLE[:30]
    with db.transaction() as session:
        assert Releaser(session, key, NOW).release("1", ALL, figure(everyone)).value == 30
    for day, people in enumerate((everyone[:25] + PEOPLE[30:35], everyone[5:] + PEOPLE[30:]), 1):
        with db.transaction() as session:
            rules = Releaser(session, key, NOW + timedelta(days=day))
            assert rules.release("1", ALL, figure(people)).value == len(people)
    with db.transaction() as session:
        rows = session.exec(select(ReportRelease).order_by(col(ReportRelease.id))).all()
        whole = read_all(session)
    assert [row.base_id for row in rows] == [None, rows[0].id, rows[1].id]
    assert [(len(row.added), len(row.removed)) for row in rows] == [(30, 0), (5, 5), (10, 5)]
    expected = [everyone, everyone[:25] + PEOPLE[30:35], everyone[5:] + PEOPLE[30:]]
    for release, people in zip(whole, expected, strict=True):
        assert release.contributions == sorted(
            [person_hash(key, p), contribution_hash(key, "mentors", f"member|{p}")] for p in people
        )
        assert release.people == len(people)


def test_a_figure_that_changed_whole_is_stored_whole(db: Database) -> None:
    key = population_key(generate_key())
    with db.transaction() as session:
        rules = Releaser(session, key, NOW)
        rules.release("1", ALL, figure(PEOPLE[:10]))
        rules.release("1", ALL, figure(PEOPLE[10:22]))  # nobody the same
    with db.transaction() as session:
        rows = session.exec(select(ReportRelease).order_by(col(ReportRelease.id))).all()
    assert [(row.base_id, len(row.added), row.removed) for row in rows] == [
        (None, 10, []),
        (None, 12, []),
    ]


def test_forget_renames_a_person_along_a_chain_of_changes(db: Database) -> None:
    key = population_key(generate_key())
    days = [PEOPLE[:12], PEOPLE[:12] + PEOPLE[20:26], PEOPLE[1:12] + PEOPLE[20:31]]
    for day, people in enumerate(days):
        with db.transaction() as session:
            Releaser(session, key, NOW + timedelta(days=day)).release("1", ALL, figure(people))
    parsed = ReleaseStore()
    with db.transaction() as session:
        before = read_all(session)
        assert len(parsed.releases(session, "mentors")) == 3
    gone = person_hash(key, "p00")  # in the first release, removed by the last
    with db.transaction() as session:
        assert forget(session, key, "p00") == 2  # the first row, and the one removing them
    with db.transaction() as session:
        # Rewritten under new ids: by release time, as they were.
        after = sorted(read_all(session), key=lambda r: r.released_at)
        again = parsed.releases(session, "mentors")  # ids gone: everything read anew
    assert all(gone not in json.dumps(r.contributions) for r in after)
    assert [len(r.contributions) for r in after] == [len(r.contributions) for r in before]
    # The same placeholder, and the same random hash for their contribution, throughout:
    # the releases compare as before.
    stand_ins = {tuple(e) for r in after for e in r.contributions if e[0].startswith("~")}
    assert len(stand_ins) == 1
    assert [r.people for r in after] == [12, 18, 22]
    assert [sorted(r.keys) for r in again] == [sorted(c for _, c in r.contributions) for r in after]


# --- releases stored whole before migration 0009 --------------------------------------


INSERT_OLD = (
    "INSERT INTO report_release (metric, scope, period, value, people, contributions, "
    "released_at) VALUES (:metric, :scope, :period, :value, :people, "
)


def old_rows(rng: random.Random) -> list[dict[str, object]]:
    """Releases as revision 0008 stored them: chains of figures that change a little,
    now and then a lot, each row with every contribution."""
    rows: list[dict[str, object]] = []
    clock = NOW - timedelta(days=60)
    for metric in ("mentors", "sessions_held"):
        for scope, period in (("1", ALL), (ALL, ALL), ("1", "2026-10")):
            people = set(rng.sample(PEOPLE, 20))
            for _ in range(rng.randint(1, 6)):
                if rng.random() < 0.2:
                    people = set(rng.sample(PEOPLE, 20))
                else:
                    people ^= set(rng.sample(PEOPLE, rng.randint(1, 7)))
                clock += timedelta(hours=rng.randint(1, 30))
                entries = sorted([p, f"{metric}:{p}"] for p in people)
                rows.append(
                    {
                        "metric": metric,
                        "scope": scope,
                        "period": period,
                        "value": float(len(people)),
                        "people": len(people),
                        "contributions": json.dumps(entries),
                        "released_at": f"{clock:%Y-%m-%d %H:%M:%S.%f}",  # UTC
                    }
                )
    return rows


@pytest.fixture(params=["sqlite", "postgresql"])
def old_database(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[Database, list[dict[str, object]]]]:
    """A database at revision 0008 with releases stored whole, as then."""
    schemas: Iterator[str] | None = None
    url = f"sqlite:///{tmp_path}/old.db"
    values = ":contributions, :released_at"
    if request.param == "postgresql":
        require_postgres()
        schemas = postgres_schema_url()
        url = next(schemas)
        values = "CAST(:contributions AS json), CAST(:released_at AS timestamptz)"
    engine = make_engine(url)
    upgrade(engine, "0008")
    rows = old_rows(random.Random(5))
    with engine.begin() as connection:
        for row in rows:
            connection.execute(text(INSERT_OLD + values + ")"), row)
    database = Database(engine)
    yield database, rows
    database.dispose()
    if schemas is not None:
        next(schemas, None)  # drops the schema


def verdicts(db: Database, rng: random.Random) -> list[tuple[bool, str | None]]:
    """Whether new figures would single anyone out, by the releaser and by the original
    rule, against the releases stored (rolled back)."""
    out: list[tuple[bool, str | None]] = []
    with db.transaction() as session:
        stored = sorted(read_all(session), key=lambda r: (r.released_at, r.id))
        for _ in range(40):
            # A figure like one stored, with 0 to 7 people more or less.
            like = rng.choice(stored)
            metric, period = like.metric, rng.choice((like.period, ALL, "2026-11"))
            people = {p for p, _ in like.contributions}
            people ^= set(rng.sample(PEOPLE, rng.randint(0, 7)))
            entries = {f"{metric}:{p}": p for p in sorted(people)}
            new = Release("1", period, float(len(people)), entries, dict(entries), NOW)
            rules = Releaser(session, b"k", NOW, releases=ReleaseStore())
            earlier = [
                Ref(
                    r.period, {c: p for p, c in r.contributions}, {c: p for p, c in r.contributions}
                )
                for r in stored
                if r.metric == metric
            ]
            out.append((rules._singles_out(metric, new), ref_singles_out(earlier, new_ref(new))))
        session.rollback()
    return out


def new_ref(release: Release) -> Ref:
    return Ref(release.period, dict(release.entries), dict(release.who))


def test_the_migration_stores_old_releases_as_changes_with_the_same_verdicts(
    old_database: tuple[Database, list[dict[str, object]]],
) -> None:
    db, rows = old_database
    upgrade(db.engine)
    with db.transaction() as session:
        migrated = session.exec(select(ReportRelease).order_by(col(ReportRelease.id))).all()
        whole = read_all(session)
    # Every release reads back as it was stored, and most are changes of the one before.
    assert [r.contributions for r in whole] == [
        json.loads(str(row["contributions"])) for row in rows
    ]
    assert sum(row.base_id is not None for row in migrated) >= len(rows) // 2
    stored = sum(len(row.added) + len(row.removed) for row in migrated)
    assert stored < sum(len(json.loads(str(row["contributions"]))) for row in rows)
    # Overlap control decides against them as the original rule does over the releases
    # as they were stored.
    got = verdicts(db, random.Random(11))
    assert all(mine == (reference is not None) for mine, reference in got), got
    assert {mine for mine, _ in got} == {True, False}


def test_the_migration_down_stores_every_release_whole_again(
    old_database: tuple[Database, list[dict[str, object]]],
) -> None:
    db, rows = old_database
    upgrade(db.engine)
    command.downgrade(alembic_config(db.engine), "0008")
    with db.engine.connect() as connection:
        back = connection.execute(
            text("SELECT contributions FROM report_release ORDER BY id")
        ).scalars()
        assert [json.loads(v) if isinstance(v, str) else v for v in back] == [
            json.loads(str(row["contributions"])) for row in rows
        ]
