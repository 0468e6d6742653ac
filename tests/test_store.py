"""The local store: pragmas, migrations matching the models, append-only guards."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from app.models import Base
from app.models.store import MIGRATIONS, open_store
from app.services.profile import Profile, profile_path


def test_pragmas_are_durable(profile: Profile) -> None:
    with profile.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_migrations_match_the_models(tmp_path: Path) -> None:
    engine = open_store(tmp_path / "m.db")
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            # the full-text index is a virtual table with shadow tables of SQLite's own making
            opts={
                "include_name": lambda name, kind, _parent: (
                    not (kind == "table" and name and name.startswith("search_fts"))
                )
            },
        )
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_upgrade_twice_is_a_no_op(tmp_path: Path) -> None:
    path = tmp_path / "twice.db"
    open_store(path)
    engine = open_store(path)
    heads = set(ScriptDirectory(str(MIGRATIONS)).get_heads())
    with engine.connect() as connection:
        assert set(connection.execute(text("SELECT version_num FROM alembic_version")).scalars()) == heads


@pytest.mark.parametrize("table", ["note", "decision", "checklist_answer", "communication", "audit_event"])
@pytest.mark.parametrize("statement", ["UPDATE {table} SET created_at = created_at", "DELETE FROM {table}"])
def test_append_only_tables_refuse_update_and_delete(
    worked_case: Profile, table: str, statement: str
) -> None:
    with worked_case.engine.connect() as connection:
        assert connection.execute(text(f"SELECT count(*) FROM {table}")).scalar(), (
            f"{table} has no row to test"
        )
    with pytest.raises(DatabaseError, match="append-only"), worked_case.engine.begin() as connection:
        connection.execute(text(statement.format(table=table)))


def test_profile_names_are_checked(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="invalid profile name"):
        profile_path(tmp_path, "../escape")
