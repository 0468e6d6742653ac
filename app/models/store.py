"""Opening a local store: a SQLite file per profile, with durable pragmas, upgraded to the newest schema."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import Connection

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")

# The head revisions of migrations/versions. A store stamped with exactly these needs no upgrade, so a start
# does not import Alembic at all. tests/test_cold_start.py fails when a new migration is not listed here.
HEADS = frozenset({"0003_audit", "0003_perf", "0003_sync", "0005_qa_frame_stage"})


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # FULL: a change the reviewer saw acknowledged survives power loss, not only a crash.
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def sqlite_engine(path: Path) -> Engine:
    """An engine on a SQLite file, with the pragmas every connection needs."""
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(f"sqlite:///{path}", future=True)
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def alembic_config(connection: Connection) -> Config:
    # Alembic (and Mako, which it brings) costs a noticeable part of a start: imported only to migrate.
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def stamped_revisions(connection: Connection) -> frozenset[str]:
    """The revisions the database says it is at; empty for a database Alembic has never touched."""
    if not connection.dialect.has_table(connection, "alembic_version"):
        return frozenset()
    return frozenset(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest revision (a no-op when it is already there)."""
    with engine.begin() as connection:
        if stamped_revisions(connection) == HEADS:
            return
        from alembic import command  # only when there is something to migrate (see alembic_config)

        command.upgrade(alembic_config(connection), "heads")


def open_store(path: Path) -> Engine:
    engine = sqlite_engine(path)
    upgrade(engine)
    return engine
