"""Applying pulled rows to the local store, without echoing them back to the hub.

Pulled rows go in with Core statements, never through the commands, so nothing of them reaches the local
outbox. Append-only rows are inserted unless present (union). A mutable row takes the hub's state unless the
workstation has an unpushed change of it: then it is left alone and comes again once that change has reached
the hub (or was refused, which the pull notices through the rejection). Reference rows are matched by natural
key and their ids mapped. Other workstations' audit events go to ``hub_audit_event``: the local chain holds
exactly what this workstation wrote, so ``verify_chain`` keeps verifying it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Table, select, update
from sqlalchemy.orm import Session

from app.models import AuditEvent, HubAuditEvent, OutboxEntry, SyncState
from app.services import audit
from app.services.sync.catalog import APPLY_ORDER, MUTABLE, REFERENCE, entity
from app.services.sync.hub_push import insert_ignore, upsert
from app.services.sync.local_state import IdMap, conflict_values
from app.services.sync.values import table


@dataclass
class ApplyStats:
    rows: int = 0
    kept_local: int = 0  # mutable rows with an unpushed local change, left for a later pull
    conflicts: list[str] = field(default_factory=list)  # ids of conflicts new to this workstation
    rejections: list[str] = field(default_factory=list)
    refetch: list[tuple[str, str]] = field(default_factory=list)  # refused changes: reload the hub's row


class LocalApplier:
    def __init__(self, session: Session, ids: IdMap, workstation_id: str, reviewer_id: str) -> None:
        self.session = session
        self.connection: Connection = session.connection()
        self.ids = ids
        self.workstation_id = workstation_id
        self.reviewer_id = reviewer_id
        self.stats = ApplyStats()
        # Parents may arrive later in the same transaction (feed order is commit order, not insert order), so
        # foreign keys are checked at commit. The pragma only holds inside a transaction, and the driver opens
        # one lazily at the first write: make that write first.
        self.connection.execute(update(SyncState).where(SyncState.id == -1).values(id=-1))
        self.connection.exec_driver_sql("PRAGMA defer_foreign_keys = ON")

    def apply(self, rows_by_entity: dict[str, list[dict[str, Any]]]) -> ApplyStats:
        names = [n for n in APPLY_ORDER if n in rows_by_entity]
        names += sorted(n for n in rows_by_entity if n not in APPLY_ORDER)
        for name in names:
            rows = rows_by_entity[name]
            if not rows:
                continue
            kind = entity(name).kind
            if kind == REFERENCE:
                self._reference(name, rows)
            elif kind == MUTABLE:
                self._mutable(name, rows)
            else:
                self._append(name, rows)
            self.stats.rows += len(rows)
        return self.stats

    def _reference(self, name: str, rows: list[dict[str, Any]]) -> None:
        spec = entity(name)
        target = table(name)
        local_by_key = {
            tuple(r[k] for k in spec.natural_key): r["id"]
            for r in self.connection.execute(
                select(target.c.id, *(target.c[k] for k in spec.natural_key))
            ).mappings()
        }
        for hub_row in rows:
            hub_id = hub_row["id"]
            if hub_id in self.ids.to_local[name]:
                continue
            local = self.ids.local_row(name, hub_row)
            key = tuple(local[k] for k in spec.natural_key)
            local_id = local_by_key.get(key)
            if local_id is None:
                insert_ignore(self.connection, target, [local], ["id"])
                local_id = local["id"]
                local_by_key[key] = local_id
            self.ids.add(self.connection, name, local_id, hub_id)

    def _append(self, name: str, rows: list[dict[str, Any]]) -> None:
        local_rows = [self.ids.local_row(name, r) for r in rows]
        target: Table = table(name)
        if name == "audit_event":
            mine = set(
                self.connection.execute(
                    select(AuditEvent.id).where(AuditEvent.id.in_([r["id"] for r in local_rows]))
                ).scalars()
            )
            target = HubAuditEvent.__table__  # type: ignore[assignment]
            local_rows = [
                {k: v for k, v in r.items() if k in target.c} for r in local_rows if r["id"] not in mine
            ]
        elif name == "sync_rejection":
            self._note_new(target, local_rows, self.stats.rejections)
            for row in local_rows:
                if row["workstation_id"] == self.workstation_id and entity(row["entity"]).kind == MUTABLE:
                    self.stats.refetch.append((row["entity"], row["entity_id"]))
        insert_ignore(self.connection, target, local_rows, ["id"])

    def _note_new(self, target: Table, rows: list[dict[str, Any]], into: list[str]) -> set[str]:
        ids = [r["id"] for r in rows]
        present = set(self.connection.execute(select(target.c.id).where(target.c.id.in_(ids))).scalars())
        new = {i for i in ids if i not in present}
        into.extend(sorted(new))
        return new

    def _mutable(self, name: str, rows: list[dict[str, Any]]) -> None:
        target = table(name)
        local_rows = [self.ids.local_row(name, r) for r in rows]
        if name == "sync_conflict":
            local_rows = [conflict_values(r, self.ids.to_local["reviewer"]) for r in local_rows]
        ids = [r["id"] for r in local_rows]
        acked = self.connection.execute(select(SyncState.acked_seq).where(SyncState.id == 1)).scalar() or 0
        busy = set(
            self.connection.execute(
                select(OutboxEntry.entity_id).where(
                    OutboxEntry.seq > acked, OutboxEntry.entity == name, OutboxEntry.entity_id.in_(ids)
                )
            ).scalars()
        )
        ready = [r for r in local_rows if r["id"] not in busy]
        self.stats.kept_local += len(local_rows) - len(ready)
        new: set[str] = set()
        if name == "sync_conflict":
            new = self._note_new(target, ready, self.stats.conflicts)
        upsert(self.connection, target, ready, ["id"])
        for row in ready:
            if row["id"] in new and row["workstation_id"] == self.workstation_id:
                self._audit_conflict(row)

    def _audit_conflict(self, row: dict[str, Any]) -> None:
        """The workstation whose push met the other value records both in its own audit trail."""
        audit.record(
            self.session,
            actor_id=row.get("actor_id") or self.reviewer_id,
            action="sync.conflict",
            entity=row["entity"],
            entity_id=row["entity_id"],
            case_id=row["case_id"],
            before={row["field"]: json.loads(row["other_value"])},
            after={
                row["field"]: json.loads(row["kept_value"]),
                "rule": row["rule"],
                "kept_pushed_value": row["kept_incoming"],
                "conflict_id": row["id"],
            },
        )
