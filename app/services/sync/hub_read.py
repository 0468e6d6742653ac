"""The hub's side of a pull: read the change feed after a cursor, or a scoped snapshot, in one consistent view.

Never skipping a change: a feed row is stamped with its writer's transaction id (xid8). Transactions commit
in any order, so a plain bigserial cursor could pass row 101 while row 100 is still uncommitted and skip it
for good. A pull therefore only reads rows whose transaction id is below the horizon
``pg_snapshot_xmin(pg_current_snapshot())`` — every transaction below it has finished, so nothing can appear
behind the cursor later — and pages by ``(txid, id)``. The whole pull runs in one REPEATABLE READ, READ ONLY
transaction, so the horizon, the feed and the rows it points at are one snapshot. On a SQLite hub writers
are serialised, so ids are already in commit order and the horizon is unbounded.

Cost: the feed is read from the cursor along the ``(txid, id)`` index, so a sync costs what changed since the
last one, not the size of the hub. A workstation reads the rows of its scope: reference data (people,
queues, policies), the cases of its queues, the cases it touched, and its own rejections and conflicts.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, Select, bindparam, func, or_, select, text
from sqlalchemy.sql.elements import ColumnElement

from app.models.sync import sync_feed, sync_touch
from app.services.sync.catalog import APPLY_ORDER, REFERENCE_ENTITIES
from app.services.sync.catalog import entity as catalog_entity
from app.services.sync.values import table

# Past every real feed id: "everything up to the horizon has been read".
END_OF_TXID = 2**62


@dataclass(frozen=True)
class Position:
    txid: int
    id: int


@dataclass(frozen=True)
class Scope:
    """What a workstation pulls: ``queues`` by slug (None: every queue), plus what it touched."""

    workstation_id: str
    queues: tuple[str, ...] | None = None

    @property
    def key(self) -> str:
        return "*" if self.queues is None else "q:" + ",".join(sorted(self.queues))


@dataclass(frozen=True)
class FeedRow:
    txid: int
    id: int
    entity: str
    entity_id: str


@contextmanager
def snapshot(engine: Engine) -> Iterator[Connection]:
    """A read-only transaction with one snapshot for everything read in it."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
            with connection.begin():
                connection.execute(text("SET TRANSACTION READ ONLY"))
                yield connection
    else:
        with engine.connect() as connection:
            connection = connection.execution_options(arbiter_readonly=True)
            with connection.begin():
                yield connection


def horizon(connection: Connection) -> int | None:
    """The lowest transaction id that may still be running (PostgreSQL); None on a SQLite hub."""
    if connection.dialect.name != "postgresql":
        return None
    value = connection.execute(text("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")).scalar()
    return int(value)


def _scope_clause(scope: Scope, case_column: Any, queue_column: Any) -> ColumnElement[bool]:
    queues = table("queue")
    touched = select(sync_touch.c.case_id).where(sync_touch.c.workstation_id == scope.workstation_id)
    if scope.queues is None:
        in_queues: ColumnElement[bool] = queue_column.is_not(None)
    else:
        in_queues = queue_column.in_(select(queues.c.id).where(queues.c.slug.in_(scope.queues)))
    return or_(in_queues, case_column.in_(touched))


def read_feed(connection: Connection, after: Position, scope: Scope, limit: int) -> list[FeedRow]:
    """The next ``limit`` feed rows in scope after ``after``, below the horizon, in (txid, id) order."""
    f = sync_feed.c
    in_scope = or_(
        (f.case_id.is_(None) & f.workstation_id.is_(None)),
        f.workstation_id == scope.workstation_id,
        _scope_clause(scope, f.case_id, f.queue_id),
    )
    if connection.dialect.name == "postgresql":
        where = text(
            "(sync_feed.txid, sync_feed.id) > (CAST(:after_txid AS xid8), :after_id) "
            "AND sync_feed.txid < CAST(:horizon AS xid8)"
        ).bindparams(
            bindparam("after_txid", str(after.txid)),
            bindparam("after_id", after.id),
            bindparam("horizon", str(horizon(connection))),
        )
        txid: Any = text("sync_feed.txid::text::bigint")
        order: list[Any] = [f.txid, f.id]
    else:
        where = f.id > after.id
        txid = f.txid
        order = [f.id]
    query = select(txid, f.id, f.entity, f.entity_id).where(where, in_scope).order_by(*order).limit(limit)
    return [FeedRow(int(t), int(i), e, ei) for t, i, e, ei in connection.execute(query)]


def end_position(connection: Connection, last: Position) -> Position:
    """Where a cursor may move after a page that was not full: up to the horizon (or the feed's end)."""
    bound = horizon(connection)
    if bound is not None:
        edge = Position(bound - 1, END_OF_TXID)
    else:
        edge = Position(0, int(connection.execute(select(func.max(sync_feed.c.id))).scalar() or 0))
    return max(last, edge, key=lambda p: (p.txid, p.id))


def start_position(connection: Connection) -> Position:
    """The cursor right after a snapshot taken in this transaction."""
    bound = horizon(connection)
    if bound is not None:
        return Position(bound, 0)
    return Position(0, int(connection.execute(select(func.max(sync_feed.c.id))).scalar() or 0))


def fetch_by_id(connection: Connection, entity: str, ids: list[str]) -> list[dict[str, Any]]:
    target = table(entity)
    rows: list[dict[str, Any]] = []
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        rows.extend(
            dict(r) for r in connection.execute(select(target).where(target.c.id.in_(chunk))).mappings()
        )
    return rows


def _scoped_ids(entity: str, scope: Scope) -> Select[Any]:
    """Ids of the rows of ``entity`` whose case is in the workstation's scope."""
    target = table(entity)
    if entity == "case":
        return select(target.c.id).where(_scope_clause(scope, target.c.id, target.c.queue_id))
    spec = catalog_entity(entity)
    assert spec.case_column is not None
    return select(target.c.id).where(
        target.c[spec.case_column].in_(_scoped_ids(spec.case_via or "case", scope))
    )


def snapshot_query(entity: str, scope: Scope) -> Select[Any]:
    """Every row of ``entity`` in the workstation's scope, parents first within a case."""
    target = table(entity)
    spec = catalog_entity(entity)
    if entity in REFERENCE_ENTITIES:
        return select(target).order_by(target.c.id)
    if entity == "case":
        return (
            select(target).where(_scope_clause(scope, target.c.id, target.c.queue_id)).order_by(target.c.id)
        )
    order = [target.c.case_id] if "case_id" in target.c else []
    # Within a case, the position / creation order puts parents (a post, a superseded decision) first.
    for name in ("position", "created_at"):
        if name in target.c:
            order.append(target.c[name])
            break
    order.append(target.c.id)
    if spec.case_column is None:  # not about one case: every workstation has it
        return select(target).order_by(*order)
    condition: ColumnElement[bool] = target.c[spec.case_column].in_(
        _scoped_ids(spec.case_via or "case", scope)
    )
    if entity == "audit_event":
        condition = or_(condition, target.c.case_id.is_(None))
    if entity == "sync_rejection":
        condition = or_(condition, target.c.workstation_id == scope.workstation_id)
    return select(target).where(condition).order_by(*order)


def snapshot_entities() -> tuple[str, ...]:
    return APPLY_ORDER
