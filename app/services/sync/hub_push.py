"""The hub's side of a push: apply a batch of outbox entries exactly once, decide conflicts, keep rejections.

One hub transaction per batch: it locks the workstation's row, skips entries at or below the sequence it
already applied (a retried or duplicated push is a no-op), applies the rest and records the new sequence, all
or nothing. The fast path applies the batch with one statement per run of inserts; if anything fails (a
permission, the four-eyes trigger, a foreign key), the batch is re-applied entry by entry, each in a
savepoint, and a refused entry becomes a ``sync_rejection`` row instead of failing the push.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, Table, bindparam, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError

from app.models import utcnow
from app.models.sync import sync_field_version, sync_touch, sync_workstation
from app.services.audit import json_safe
from app.services.sync import rules
from app.services.sync.catalog import MUTABLE, entity
from app.services.sync.values import column_value, from_payload, table

NAMESPACE = uuid.UUID("6f7c1f5e-3c1a-4d0e-9a57-2f1b8f0c5a11")


@dataclass(frozen=True)
class PushEntry:
    """One outbox entry on its way to the hub, its reference ids already in the hub's terms."""

    seq: int
    entity: str
    entity_id: str
    op: str
    payload: dict[str, Any]
    base_version: int | None = None
    actor_id: str | None = None
    case_id: str | None = None


@dataclass(frozen=True)
class PushOutcome:
    last_seq: int  # the workstation's applied sequence on the hub after this push
    applied: int
    duplicates: int  # entries the hub had already applied (a retry)
    conflicts: int
    rejections: int


# (entity, id) -> (the next local base version, the hub version it stands for): after a conflict the local and
# hub version numbers part, and a later update of the same row in the same push must not conflict with itself.
Rebase = dict[tuple[str, str], tuple[int, int]]


class Refused(Exception):
    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def insert_ignore(
    connection: Connection, target: Table, rows: list[dict[str, Any]], keys: Iterable[str]
) -> None:
    """Insert rows, leaving alone any whose key is already there (union merge)."""
    if not rows:
        return
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(target).on_conflict_do_nothing(index_elements=list(keys))
    connection.execute(statement, rows)


def upsert(connection: Connection, target: Table, rows: list[dict[str, Any]], keys: list[str]) -> None:
    if not rows:
        return
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(target)
    columns = [c for c in rows[0] if c not in keys]
    statement = statement.on_conflict_do_update(
        index_elements=keys, set_={c: statement.excluded[c] for c in columns}
    )
    connection.execute(statement, rows)


@dataclass
class _Batch:
    connection: Connection
    workstation_id: str
    rebase: Rebase
    rows: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    dirty: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    versions: dict[tuple[str, str, str], int] = field(default_factory=dict)
    changed_versions: set[tuple[str, str, str]] = field(default_factory=set)
    conflicts: list[dict[str, Any]] = field(default_factory=list)

    def apply(self, entries: list[PushEntry]) -> None:
        self._prefetch([e for e in entries if e.op == "update"])
        run: list[dict[str, Any]] = []
        run_table: Table | None = None
        for entry in entries:
            if entry.op == "insert":
                target = _table(entry.entity)
                row = from_payload(target, entry.payload)
                if target is not run_table:
                    self._flush(run_table, run)
                    run, run_table = [], target
                run.append(row)
                if entity(entry.entity).kind == MUTABLE:
                    self.rows[(entry.entity, entry.entity_id)] = dict(row)
            elif entry.op == "update":
                self._update(entry)
            else:
                raise Refused("invalid", f"unknown operation {entry.op!r}")
        self._flush(run_table, run)
        self._write_updates()

    def _flush(self, target: Table | None, rows: list[dict[str, Any]]) -> None:
        if target is not None and rows:
            insert_ignore(self.connection, target, rows, ["id"])

    def _prefetch(self, updates: list[PushEntry]) -> None:
        by_entity: dict[str, set[str]] = {}
        for entry in updates:
            by_entity.setdefault(entry.entity, set()).add(entry.entity_id)
        for name, ids in by_entity.items():
            target = _table(name)
            for chunk in _chunks(sorted(ids), 500):
                query = select(target).where(target.c.id.in_(chunk)).with_for_update()
                for row in self.connection.execute(query).mappings():
                    self.rows[(name, row["id"])] = dict(row)
            query = select(sync_field_version).where(
                sync_field_version.c.entity == name, sync_field_version.c.entity_id.in_(sorted(ids))
            )
            for row in self.connection.execute(query):
                self.versions[(row.entity, row.entity_id, row.field)] = row.version

    def _update(self, entry: PushEntry) -> None:
        key = (entry.entity, entry.entity_id)
        row = self.rows.get(key)
        if row is None:
            raise Refused("invalid", f"{entry.entity} {entry.entity_id} is not on the hub")
        target = _table(entry.entity)
        base = entry.base_version
        if base is not None and key in self.rebase and self.rebase[key][0] == base:
            base = self.rebase[key][1]
        hub_version = int(row.get("version") or 0)
        changed: list[str] = []
        for name, raw in entry.payload.items():
            if name in ("id", "version") or name not in target.c:
                continue
            incoming = column_value(target, name, raw)
            current = row.get(name)
            if json_safe(current) == json_safe(incoming):
                continue
            value = incoming
            if base is not None and self.versions.get((*key, name), 0) > base:
                value = self._contest(entry, row, name, current, incoming)
            if json_safe(value) != json_safe(current):
                row[name] = value
                changed.append(name)
        # Every applied update counts, even one that changes nothing here (a no-op release, a lost contest):
        # the pusher's version moved, and writing the row sends it back through the feed to correct it.
        if "version" in target.c:
            row["version"] = hub_version + 1
            if changed and "updated_at" in target.c:
                row["updated_at"] = utcnow()
            for name in changed:
                self.versions[(*key, name)] = row["version"]
                self.changed_versions.add((*key, name))
        self.dirty[key] = row
        if entry.base_version is not None and "version" in target.c:
            self.rebase[key] = (entry.base_version + 1, int(row.get("version") or 0))

    def _contest(self, entry: PushEntry, row: dict[str, Any], name: str, current: Any, incoming: Any) -> Any:
        _winner, kept_incoming, rule = rules.decide(
            entry.entity, name, json_safe(current), json_safe(incoming), entry.actor_id
        )
        value = incoming if kept_incoming else current
        loser = current if kept_incoming else incoming
        case_id = row["id"] if entry.entity == "case" else row.get("case_id")
        self.conflicts.append(
            {
                "id": str(uuid.uuid5(NAMESPACE, f"{self.workstation_id}:{entry.seq}:{name}")),
                "case_id": case_id or "",
                "entity": entry.entity,
                "entity_id": entry.entity_id,
                "field": name,
                "kept_value": json.dumps(json_safe(value)),
                "other_value": json.dumps(json_safe(loser)),
                "kept_incoming": kept_incoming,
                "rule": rule,
                "workstation_id": self.workstation_id,
                "actor_id": entry.actor_id,
                "created_at": utcnow(),
                "settled_value": None,
                "settled_by_id": None,
                "settled_at": None,
                "version": 1,
            }
        )
        return value

    def _write_updates(self) -> None:
        by_entity: dict[str, list[dict[str, Any]]] = {}
        for (name, _id), row in self.dirty.items():
            by_entity.setdefault(name, []).append(row)
        for name, rows in by_entity.items():
            target = _table(name)
            columns = [c for c in rows[0] if c != "id" and c in target.c]
            statement = (
                update(target)
                .where(target.c.id == bindparam("b_id"))
                .values({c: bindparam(f"b_{c}") for c in columns})
            )
            self.connection.execute(statement, [{f"b_{c}": r[c] for c in ("id", *columns)} for r in rows])
        if self.conflicts:
            insert_ignore(self.connection, _table("sync_conflict"), self.conflicts, ["id"])
        upsert(
            self.connection,
            sync_field_version,
            [
                {"entity": e, "entity_id": i, "field": f, "version": self.versions[(e, i, f)]}
                for e, i, f in sorted(self.changed_versions)
            ],
            ["entity", "entity_id", "field"],
        )


def _table(name: str) -> Table:
    try:
        return table(name)
    except KeyError as error:
        raise Refused("invalid", str(error)) from None


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def classify(error: BaseException) -> tuple[str, str]:
    """A refusal's code and its first line, from the hub's own words."""
    if isinstance(error, Refused):
        return error.code, error.reason
    original = getattr(error, "orig", error)
    message = str(original).strip().splitlines()[0] if str(original).strip() else type(original).__name__
    state = getattr(original, "sqlstate", None)
    if "four-eyes" in message:
        return "four_eyes", message
    if "append-only" in message:
        return "append_only", message
    if state == "42501" or "permission denied" in message or "row-level security" in message:
        return "permission", message
    return "invalid", message


def _lock_workstation(connection: Connection, workstation_id: str) -> int:
    query = select(sync_workstation.c.last_seq).where(sync_workstation.c.id == workstation_id)
    last = connection.execute(query.with_for_update()).scalar()
    if last is None:
        login = ""
        if connection.dialect.name == "postgresql":
            login = str(connection.execute(text("SELECT current_user")).scalar_one())
        insert_ignore(
            connection,
            sync_workstation,
            [{"id": workstation_id, "login": login, "last_seq": 0, "first_seen_at": utcnow()}],
            ["id"],
        )
        last = connection.execute(query.with_for_update()).scalar()
    return int(last or 0)


def _reject(connection: Connection, workstation_id: str, entry: PushEntry, error: BaseException) -> None:
    code, reason = classify(error)
    row = {
        "id": str(uuid.uuid5(NAMESPACE, f"{workstation_id}:{entry.seq}")),
        "workstation_id": workstation_id,
        "seq": entry.seq,
        "entity": entry.entity,
        "entity_id": entry.entity_id,
        "op": entry.op,
        "payload": entry.payload,
        "case_id": entry.case_id,
        "actor_id": entry.actor_id,
        "code": code,
        "reason": reason[:2000],
        "created_at": utcnow(),
    }
    insert_ignore(connection, _table("sync_rejection"), [row], ["id"])


def apply_push(
    engine: Engine,
    workstation_id: str,
    entries: list[PushEntry],
    *,
    rebase: Rebase | None = None,
    before_commit: Callable[[], None] | None = None,
) -> PushOutcome:
    """Apply ``entries`` (in sequence order) for ``workstation_id``, exactly once, in one transaction.

    ``before_commit`` runs inside the transaction just before it commits (tests use it to crash there).
    """
    rebase = rebase if rebase is not None else {}
    with engine.begin() as connection:
        last = _lock_workstation(connection, workstation_id)
        fresh = [e for e in entries if e.seq > last]
        conflicts = rejections = 0
        if fresh:
            trial = dict(rebase)
            try:
                with connection.begin_nested():
                    batch = _Batch(connection, workstation_id, trial)
                    batch.apply(fresh)
                conflicts = len(batch.conflicts)
                rebase.update(trial)
            except (DBAPIError, Refused):
                conflicts, rejections = _one_by_one(connection, workstation_id, fresh, rebase)
            _touch(connection, workstation_id, fresh)
            last = max(e.seq for e in fresh)
            connection.execute(
                update(sync_workstation)
                .where(sync_workstation.c.id == workstation_id)
                .values(last_seq=last, last_push_at=utcnow())
            )
        if before_commit is not None:
            before_commit()
    return PushOutcome(last, len(fresh) - rejections, len(entries) - len(fresh), conflicts, rejections)


def _one_by_one(
    connection: Connection, workstation_id: str, entries: list[PushEntry], rebase: Rebase
) -> tuple[int, int]:
    conflicts = rejections = 0
    for entry in entries:
        trial = dict(rebase)
        try:
            with connection.begin_nested():
                batch = _Batch(connection, workstation_id, trial)
                batch.apply([entry])
            conflicts += len(batch.conflicts)
            rebase.update(trial)
        except (DBAPIError, Refused) as error:
            with connection.begin_nested():
                _reject(connection, workstation_id, entry, error)
            rejections += 1
    return conflicts, rejections


def _touch(connection: Connection, workstation_id: str, entries: list[PushEntry]) -> None:
    cases = sorted({e.case_id for e in entries if e.case_id})
    if not cases:
        return
    rows = [{"workstation_id": workstation_id, "case_id": c} for c in cases]
    insert_ignore(connection, sync_touch, rows, ["workstation_id", "case_id"])
