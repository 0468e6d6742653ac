"""Alembic environment: runs on the connection the store hands over, for SQLite and PostgreSQL alike."""

from __future__ import annotations

from alembic import context

from app.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - the app always passes its own connection
    raise RuntimeError("Arbiter runs its migrations through app.models.store, not the alembic command")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
