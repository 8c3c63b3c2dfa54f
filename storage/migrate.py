"""Schema migrations with Alembic, run by ``mentor-bot db upgrade`` and at start-up.

Alembic (and the migration scripts it loads) is imported only when there is something to
migrate: a database already at the newest revision, as at every start but the first
after an update, is told so by one query (``mentor-bot dispatch`` runs from a timer, and
loading Alembic took a quarter of its start).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")
# A migration's file name starts with its revision id; each revises the one before.
_REVISION = re.compile(r"([0-9]{4})_\w+\.py\Z")


def alembic_config(engine: Engine) -> Config:
    """An Alembic config that runs the shipped migrations on ``engine``."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def shipped_head() -> str:
    """The newest revision shipped, read from the migrations' file names (the same as
    Alembic's :func:`head_revision`, which a test holds it to)."""
    found = (_REVISION.match(path.name) for path in (MIGRATIONS / "versions").iterdir())
    return max(match.group(1) for match in found if match)


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to ``revision`` (default: the newest)."""
    if revision == "head" and _stored_revision(engine) == shipped_head():
        return
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


def _stored_revision(engine: Engine) -> str | None:
    """The revision in ``alembic_version``; None without one (or without the table)."""
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    except DBAPIError:
        return None
    return str(rows[0][0]) if len(rows) == 1 else None


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None for an empty database."""
    from alembic.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    """The newest revision shipped with this version of the bot."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(MIGRATIONS)).get_current_head()


def schema_drift(engine: Engine) -> list[object]:
    """Differences between the migrated schema and the models (empty when in step)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    import storage.models  # noqa: F401  (registers the tables on the metadata)

    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": False}
        )
        return list(compare_metadata(context, SQLModel.metadata))
