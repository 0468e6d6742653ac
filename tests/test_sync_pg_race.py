"""The change feed never skips a transaction that commits out of id order (PostgreSQL's xid8 horizon)."""

# The hub fixtures come from tests.sync_support; a test's parameter of the same name is that fixture.
# ruff: noqa: F811

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlalchemy import Connection, select, text

from app.models import Note
from app.services.sync.hub_read import Position, Scope, read_feed, snapshot
from tests.factories import make_case
from tests.sync_support import Hub, pg_hub, pg_server, workstation  # noqa: F401

pytestmark = pytest.mark.postgres

INSERT = (
    "INSERT INTO note (id, case_id, text, language, visibility, author_id, created_at) "
    "VALUES (:id, :case, :text, 'en', 'internal', :author, now())"
)


def _note(connection: Connection, case_id: str, author: str, words: str) -> str:
    note_id = str(uuid.uuid4())
    connection.execute(text(INSERT), {"id": note_id, "case": case_id, "text": words, "author": author})
    return note_id


@pytest.mark.parametrize("first_writes", ["first", "last"])
def test_reverse_commit_order_never_skips_a_change(pg_hub: Hub, tmp_path: Path, first_writes: str) -> None:
    """T1 takes the lower transaction id; T2 commits first; a pull runs in between; T1 commits after it.

    ``first_writes``: T1 writes its feed row before T2 (so also the lower feed id), or after T2 committed
    (a higher feed id but still the lower transaction id). Either way a bigserial cursor alone would lose
    T1's row; the horizon holds the pull back until T1 is done.
    """
    a = workstation(tmp_path, "a")
    b = workstation(tmp_path, "b", "asiddiqui")
    case_id = make_case(a.store)
    a.sync(pg_hub)
    b.sync(pg_hub)
    with pg_hub.engine.connect() as connection:
        author = connection.execute(text("SELECT id FROM reviewer WHERE handle = 'srivera'")).scalar_one()

    t1 = pg_hub.engine.connect()
    t2 = pg_hub.engine.connect()
    try:
        tx1 = t1.begin()
        t1.execute(text("SELECT pg_current_xact_id()"))  # T1 gets its (lower) transaction id now
        early = _note(t1, case_id, author, "T1") if first_writes == "first" else None
        with t2.begin():
            late = _note(t2, case_id, author, "T2")
        b.sync(pg_hub)  # the pull in between
        seen = b.store.read(lambda s: set(s.scalars(select(Note.id))))
        assert late not in seen, "the pull went past a transaction that was still running"
        if early is None:
            early = _note(t1, case_id, author, "T1")
        tx1.commit()
    finally:
        t1.close()
        t2.close()
    b.sync(pg_hub)
    notes = b.store.read(lambda s: set(s.scalars(select(Note.id))))
    assert {early, late} <= notes
    assert a.sync(pg_hub).pulled >= 2


def test_a_no_change_poll_reads_the_feed_by_index(pg_hub: Hub, tmp_path: Path) -> None:
    """Cost grows with changes, not with the hub: the cursor query is an index range scan."""
    ws = workstation(tmp_path, "w")
    make_case(ws.store)
    ws.sync(pg_hub)
    with pg_hub.engine.begin() as connection:
        connection.execute(text("ANALYZE sync_feed"))
        connection.execute(text("SET LOCAL enable_seqscan = off"))  # tiny table: ask what the plan can do
        plan = (
            connection.execute(
                text(
                    "EXPLAIN SELECT id FROM sync_feed WHERE (txid, id) > (CAST('5' AS xid8), 0) "
                    "AND txid < pg_snapshot_xmin(pg_current_snapshot()) ORDER BY txid, id LIMIT 100"
                )
            )
            .scalars()
            .all()
        )
    assert any("ix_sync_feed_position" in line for line in plan), plan
    with snapshot(pg_hub.engine) as connection:
        rows = read_feed(connection, Position(0, 0), Scope("nobody", ("privacy",)), 1000)
    assert rows
    assert all(r.txid > 0 for r in rows)
