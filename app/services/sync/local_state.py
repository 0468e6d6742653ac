"""The workstation's side of the bookkeeping: its identity, the outbox still to push, the id map.

Acknowledged outbox entries are deleted, except the newest one: SQLite numbers a new row one past the largest
rowid present, so keeping it means a sequence number is never reused (the hub would take a reused number for
a retry and skip it).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, func, select, update
from sqlalchemy.orm import Session

from app.models import Case, OutboxEntry, SyncIdMap, SyncState
from app.services.sync.catalog import entity
from app.services.sync.hub_push import PushEntry
from app.services.sync.values import table


def state(session: Session) -> SyncState:
    """The one sync_state row, made on first use (so a profile copied before its first sync is distinct)."""
    row = session.get(SyncState, 1)
    if row is None:
        row = SyncState(id=1, hub_id="", acked_seq=0, cursor_txid=0, cursor_id=0, scope="", last_error="")
        session.add(row)
        session.flush()
    return row


def pending_count(session: Session) -> int:
    acked = session.scalar(select(SyncState.acked_seq).where(SyncState.id == 1)) or 0
    return int(
        session.scalar(select(func.count()).select_from(OutboxEntry).where(OutboxEntry.seq > acked)) or 0
    )


def pending_claims(session: Session, reviewer_id: str) -> frozenset[str]:
    """Cases this reviewer claimed here whose claim has not reached the hub yet (provisional claims)."""
    acked = session.scalar(select(SyncState.acked_seq).where(SyncState.id == 1)) or 0
    rows = session.execute(
        select(OutboxEntry.entity_id, OutboxEntry.payload)
        .where(OutboxEntry.seq > acked, OutboxEntry.entity == "case", OutboxEntry.op == "update")
        .order_by(OutboxEntry.seq)
    ).all()
    claimed: set[str] = set()
    for case_id, payload in rows:  # in sequence order: a later release or hand-over ends the claim
        if "assignee_id" in (payload or {}):
            if payload["assignee_id"] == reviewer_id:
                claimed.add(case_id)
            else:
                claimed.discard(case_id)
    if not claimed:
        return frozenset()
    mine = select(Case.id).where(Case.id.in_(claimed), Case.assignee_id == reviewer_id)
    return frozenset(session.scalars(mine))


def acknowledge(connection: Connection, last_seq: int) -> None:
    """The hub has everything up to ``last_seq``: remember that, and drop what is no longer needed."""
    connection.execute(
        update(SyncState).where(SyncState.id == 1, SyncState.acked_seq < last_seq).values(acked_seq=last_seq)
    )
    newest = connection.execute(select(func.max(OutboxEntry.seq))).scalar() or 0
    connection.execute(delete(OutboxEntry).where(OutboxEntry.seq <= last_seq, OutboxEntry.seq < newest))


REVIEWER_FIELDS = frozenset({"assignee_id", "approved_by_id", "owner_id"})


def conflict_values(row: dict[str, Any], ids: dict[str, str]) -> dict[str, Any]:
    """A conflict's JSON values with reviewer ids translated (they name people when the field is one)."""
    if row.get("field") not in REVIEWER_FIELDS:
        return row
    out = dict(row)
    for name in ("kept_value", "other_value", "settled_value"):
        raw = out.get(name)
        if isinstance(raw, str):
            value = json.loads(raw)
            out[name] = json.dumps(ids.get(value, value) if isinstance(value, str) else value)
    return out


@dataclass
class IdMap:
    """Reference ids in both directions; an id without an entry is the same on both sides."""

    to_hub: dict[str, dict[str, str]]
    to_local: dict[str, dict[str, str]]

    @classmethod
    def load(cls, connection: Connection) -> IdMap:
        to_hub: dict[str, dict[str, str]] = defaultdict(dict)
        to_local: dict[str, dict[str, str]] = defaultdict(dict)
        for row in connection.execute(select(SyncIdMap.entity, SyncIdMap.local_id, SyncIdMap.hub_id)):
            to_hub[row.entity][row.local_id] = row.hub_id
            to_local[row.entity][row.hub_id] = row.local_id
        return cls(to_hub, to_local)

    def add(self, connection: Connection, name: str, local_id: str, hub_id: str) -> None:
        if self.to_hub[name].get(local_id) == hub_id:
            return
        connection.execute(SyncIdMap.__table__.insert().values(entity=name, local_id=local_id, hub_id=hub_id))
        self.to_hub[name][local_id] = hub_id
        self.to_local[name][hub_id] = local_id

    def known(self, name: str, local_id: str) -> bool:
        return local_id in self.to_hub[name]

    def _translate(
        self, name: str, values: dict[str, Any], table: dict[str, dict[str, str]]
    ) -> dict[str, Any]:
        spec = entity(name)
        out = dict(values)
        if name in table and "id" in out:
            out["id"] = table[name].get(out["id"], out["id"])
        for column, ref in spec.refs.items():
            value = out.get(column)
            if isinstance(value, str):
                out[column] = table[ref].get(value, value)
        return out

    def hub_row(self, name: str, values: dict[str, Any]) -> dict[str, Any]:
        return self._translate(name, values, self.to_hub)

    def local_row(self, name: str, values: dict[str, Any]) -> dict[str, Any]:
        return self._translate(name, values, self.to_local)


def read_pending(
    connection: Connection, ids: IdMap, after: int, limit: int, actor_id: str
) -> list[PushEntry]:
    """The next outbox entries in order, in the hub's terms.

    An update's author is the actor of the audit event written just before it (every command writes the
    event, then the change), or the profile's reviewer.
    """
    outbox = OutboxEntry.__table__
    rows = connection.execute(select(outbox).where(outbox.c.seq > after).order_by(outbox.c.seq).limit(limit))
    entries: list[PushEntry] = []
    last_actor: dict[str, str] = {}
    for row in rows:
        payload = ids.hub_row(row.entity, row.payload or {})
        if row.entity == "sync_conflict":
            payload = conflict_values(payload, ids.to_hub["reviewer"])
        if row.entity == "audit_event":
            last_actor[str(payload.get("entity_id"))] = str(payload.get("actor_id"))
        actor = last_actor.get(row.entity_id) or ids.to_hub["reviewer"].get(actor_id, actor_id)
        case_id = row.entity_id if row.entity == "case" else payload.get("case_id")
        if case_id is None and row.op == "update":
            case_id = _case_of(connection, row.entity, row.entity_id)
        entries.append(
            PushEntry(
                seq=row.seq,
                entity=row.entity,
                entity_id=ids.to_hub[row.entity].get(row.entity_id, row.entity_id),
                op=row.op,
                payload=payload,
                base_version=row.base_version,
                actor_id=actor if row.op == "update" else payload.get("author_id") or payload.get("actor_id"),
                case_id=case_id if isinstance(case_id, str) else None,
            )
        )
    return entries


def _case_of(connection: Connection, name: str, entity_id: str) -> str | None:
    """The case an updated row belongs to (an update's payload names only what changed)."""
    try:
        target = table(name)
    except KeyError:
        return None
    if "case_id" not in target.c:
        return None
    value = connection.execute(select(target.c.case_id).where(target.c.id == entity_id)).scalar()
    return str(value) if value else None
