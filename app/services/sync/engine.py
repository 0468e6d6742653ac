"""One sync: match reference data, push the outbox in batches, pull the change feed (or a first snapshot).

The order matters: pushing first means the pull brings back the hub's verdict on this workstation's own
changes (merged, conflicted or refused) along with everyone else's. Each pulled round is applied in one local
transaction together with the new cursor, so a crash at any point re-reads at most one round, and applying
a row twice changes nothing.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import Session

from app.models import Case, OutboxEntry, Reviewer, SyncIdMap, utcnow
from app.models.sync import hub_meta
from app.services.sync.catalog import APPLY_ORDER, PARENTS, REFERENCE_ENTITIES, entity
from app.services.sync.hub_push import apply_push
from app.services.sync.hub_read import (
    Position,
    Scope,
    end_position,
    fetch_by_id,
    read_feed,
    snapshot,
    snapshot_query,
    start_position,
)
from app.services.sync.local_apply import LocalApplier
from app.services.sync.local_state import IdMap, acknowledge, pending_count, read_pending, state
from app.services.sync.values import table


class HubUnreachable(Exception):
    """The hub could not be reached (network, server down, authentication); local work is unaffected."""


class HubNotReady(Exception):
    """The URL leads to a database that is not an initialised hub."""


@dataclass(frozen=True)
class SyncProgress:
    phase: str  # push | pull
    done: int
    total: int


@dataclass(frozen=True)
class ClaimOutcome:
    case_id: str
    external_ref: str
    status: str  # won | lost | provisional
    holder_id: str | None
    holder_name: str = ""  # who holds the case now, as this workstation knows them


@dataclass(frozen=True)
class SyncReport:
    pushed: int
    duplicates: int
    pulled: int
    conflicts: int  # conflicts new to this workstation
    rejections: int  # rejections new to this workstation
    claims: tuple[ClaimOutcome, ...]
    pending: int
    full_pull: bool
    seconds: float
    finished_at: datetime


Report = Callable[[SyncProgress], None]


def _noop(_progress: SyncProgress) -> None:
    return None


@dataclass
class _Run:
    local: Engine
    hub: Engine
    workstation_id: str
    reviewer_id: str
    ids: IdMap
    progress: Report
    cancelled: Callable[[], bool]


def _hub_id(hub: Engine) -> str:
    try:
        with hub.connect() as connection:
            value = connection.execute(select(hub_meta.c.value).where(hub_meta.c.key == "hub_id")).scalar()
    except (OperationalError, InterfaceError) as error:
        raise HubUnreachable(str(getattr(error, "orig", error)).strip().splitlines()[0]) from error
    except DBAPIError as error:
        raise HubNotReady("the hub is not initialised; run `arbiter hub init URL`") from error
    if not value:
        raise HubNotReady("the hub is not initialised; run `arbiter hub init URL`")
    return str(value)


def _prepare(local: Engine, hub_id: str) -> str:
    """This workstation's id; a different hub than last time starts over (new cursor, new id map)."""
    with Session(local) as session, session.begin():
        row = state(session)
        if row.hub_id != hub_id:
            row.hub_id = hub_id
            row.cursor_txid = row.cursor_id = 0
            row.scope = ""
            session.execute(SyncIdMap.__table__.delete())
        return row.workstation_id


# --- reference data -----------------------------------------------------------------------------------------


def exchange_reference(run: _Run) -> None:
    """Map every local reference row to the hub's, adding to the hub what it lacks (where it lets us)."""
    unmapped: dict[str, list[dict[str, Any]]] = {}
    mapped = SyncIdMap.__table__
    with run.local.connect() as connection:
        for name in REFERENCE_ENTITIES:
            target = table(name)
            known = select(mapped.c.local_id).where(mapped.c.entity == name)
            query = select(target).where(target.c.id.not_in(known))
            unmapped[name] = [dict(r) for r in connection.execute(query).mappings()]
    if not any(unmapped.values()):
        return
    found: list[tuple[str, str, str]] = []
    adopted: dict[str, Any] | None = None
    with run.hub.begin() as connection:
        login = ""
        if connection.dialect.name == "postgresql":
            login = str(connection.execute(text("SELECT current_user")).scalar_one())
        local_handles = {r["handle"] for r in unmapped["reviewer"]} | set(run.ids.to_hub["reviewer"])
        for name in REFERENCE_ENTITIES:
            spec = entity(name)
            target = table(name)
            on_hub = {
                tuple(r[k] for k in spec.natural_key): r["id"]
                for r in connection.execute(
                    select(target.c.id, *(target.c[k] for k in spec.natural_key))
                ).mappings()
            }
            taken = set(run.ids.to_local[name])  # hub rows already matched to a local row
            for row in unmapped[name]:
                hub_row = run.ids.hub_row(name, row)
                key = tuple(hub_row[k] for k in spec.natural_key)
                hub_id = on_hub.get(key)
                if (
                    name == "reviewer"
                    and row["id"] == run.reviewer_id
                    and login
                    and login not in local_handles
                    and on_hub.get((login,)) not in taken | {None}
                ):
                    # The person connected is this profile's reviewer, whatever the profile called them.
                    hub_id = on_hub[(login,)]
                    adopted = dict(
                        connection.execute(select(target).where(target.c.id == hub_id)).mappings().one()
                    )
                    adopted["local_id"] = row["id"]
                if hub_id in taken:
                    continue  # another local row already stands for it; this one stays unmatched
                if hub_id is None:
                    try:
                        with connection.begin_nested():
                            connection.execute(target.insert().values(**hub_row))
                    except DBAPIError:
                        continue  # not ours to add (e.g. people are added by a lead); rows citing it are refused
                    hub_id = hub_row["id"]
                    on_hub[key] = hub_id
                found.append((name, row["id"], hub_id))
                taken.add(hub_id)
                if name == "policy":
                    run.ids.to_hub[name][row["id"]] = hub_id  # elements below translate their policy id
    with run.local.begin() as connection:
        for name, local_id, hub_id in found:
            run.ids.to_hub[name].pop(local_id, None)
            run.ids.add(connection, name, local_id, hub_id)
        if adopted is not None:
            _adopt_login(connection, adopted)


def _adopt_login(connection: Any, hub_row: dict[str, Any]) -> None:
    """The profile's reviewer is the person logged in to the hub: it takes their name, handle and role, so the
    window says who is working as the team knows them (unless another local reviewer has that handle)."""
    reviewers = table("reviewer")
    clash = connection.execute(
        select(reviewers.c.id).where(
            reviewers.c.handle == hub_row["handle"], reviewers.c.id != hub_row["local_id"]
        )
    ).first()
    if clash is None:
        connection.execute(
            reviewers.update()
            .where(reviewers.c.id == hub_row["local_id"])
            .values(name=hub_row["name"], handle=hub_row["handle"], role=hub_row["role"])
        )


# --- push ---------------------------------------------------------------------------------------------------


def push(run: _Run, batch_size: int) -> tuple[int, int]:
    """Send every pending outbox entry; returns (entries applied or refused, duplicates skipped)."""
    with Session(run.local) as session:
        total = pending_count(session)
    sent = duplicates = 0
    rebase: dict[tuple[str, str], tuple[int, int]] = {}
    while not run.cancelled():
        with Session(run.local) as session:
            acked = state(session).acked_seq
            entries = read_pending(session.connection(), run.ids, acked, batch_size, run.reviewer_id)
        if not entries:
            break
        outcome = apply_push(run.hub, run.workstation_id, entries, rebase=rebase)
        with run.local.begin() as connection:
            acknowledge(connection, outcome.last_seq)
        sent += outcome.applied + outcome.rejections
        duplicates += outcome.duplicates
        run.progress(SyncProgress("push", sent + duplicates, total))
    return sent, duplicates


# --- pull ---------------------------------------------------------------------------------------------------


def _missing_parents(run: _Run, hub_connection: Any, rows: dict[str, list[dict[str, Any]]]) -> None:
    """Add to ``rows`` any parent a row needs that neither the batch nor the local store has yet."""
    for _depth in range(5):  # a QA score -> re-review -> batch item -> decision -> case
        wanted: dict[str, set[str]] = defaultdict(set)
        for name, batch in rows.items():
            parent = PARENTS.get(name)
            for row in batch:
                if parent and row.get(parent[0]):
                    wanted[parent[1]].add(row[parent[0]])
                for column, ref in entity(name).refs.items():
                    value = row.get(column)
                    if value and value not in run.ids.to_local[ref]:
                        wanted[ref].add(value)
        missing: dict[str, list[str]] = {}
        with run.local.connect() as connection:
            for name, ids in wanted.items():
                ids -= {r["id"] for r in rows.get(name, ())}
                if ids and name not in REFERENCE_ENTITIES:
                    target = table(name)
                    ids -= set(connection.execute(select(target.c.id).where(target.c.id.in_(ids))).scalars())
                if ids:
                    missing[name] = sorted(ids)
        if not missing:
            return
        for name, ids in missing.items():
            rows.setdefault(name, []).extend(fetch_by_id(hub_connection, name, ids))


def _apply(
    run: _Run,
    rows: dict[str, list[dict[str, Any]]],
    hub_connection: Any,
    cursor: Position | None,
    scope_key: str | None,
) -> tuple[int, int, int]:
    with Session(run.local) as session, session.begin():
        applier = LocalApplier(session, run.ids, run.workstation_id, run.reviewer_id)
        stats = applier.apply(rows)
        if stats.refetch and hub_connection is not None:
            again: dict[str, list[dict[str, Any]]] = defaultdict(list)
            for name, entity_id in set(stats.refetch):
                again[name].extend(fetch_by_id(hub_connection, name, [entity_id]))
            applier.apply(dict(again))
        if cursor is not None:
            row = state(session)
            row.cursor_txid, row.cursor_id = cursor.txid, cursor.id
            if scope_key is not None:
                row.scope = scope_key
    return stats.rows, len(stats.conflicts), len(stats.rejections)


def pull_snapshot(run: _Run, scope: Scope, chunk: int = 2000) -> tuple[int, int, int]:
    """The first pull (or after the scope changed): every row in scope, streamed from one snapshot."""
    pulled = conflicts = rejections = 0
    with snapshot(run.hub) as connection:
        start = start_position(connection)
        cases = table("case")
        total = int(
            connection.execute(
                select(func.count()).select_from(snapshot_query("case", scope).subquery())
            ).scalar()
            or 0
        )
        run.progress(SyncProgress("pull", 0, total))
        done_cases = 0
        for name in APPLY_ORDER:
            result = connection.execution_options(yield_per=chunk).execute(snapshot_query(name, scope))
            for part in result.mappings().partitions(chunk):
                if run.cancelled():
                    return pulled, conflicts, rejections
                count, new_conflicts, new_rejections = _apply(
                    run, {name: [dict(r) for r in part]}, None, None, None
                )
                pulled += count
                conflicts += new_conflicts
                rejections += new_rejections
                if name == cases.name:
                    done_cases += len(part)
                    run.progress(SyncProgress("pull", done_cases, total))
        _apply(run, {}, None, start, scope.key)
    return pulled, conflicts, rejections


def pull_feed(run: _Run, scope: Scope, cursor: Position, round_size: int) -> tuple[int, int, int]:
    """Changes since ``cursor``, round by round; each round lands with its cursor in one local transaction."""
    pulled = conflicts = rejections = 0
    while not run.cancelled():
        with snapshot(run.hub) as connection:
            feed = read_feed(connection, cursor, scope, round_size)
            wanted: dict[str, list[str]] = defaultdict(list)
            for row in feed:
                wanted[row.entity].append(row.entity_id)
            rows = {name: fetch_by_id(connection, name, sorted(set(ids))) for name, ids in wanted.items()}
            _missing_parents(run, connection, rows)
            last = Position(feed[-1].txid, feed[-1].id) if feed else cursor
            end = last if len(feed) >= round_size else end_position(connection, last)
            count, new_conflicts, new_rejections = _apply(run, rows, connection, end, None)
        pulled += count
        conflicts += new_conflicts
        rejections += new_rejections
        cursor = end
        if feed:
            run.progress(SyncProgress("pull", pulled, 0))
        if len(feed) < round_size:
            break
    return pulled, conflicts, rejections


# --- the whole sync -----------------------------------------------------------------------------------------


def _pending_claims(local: Engine, reviewer_id: str) -> list[str]:
    with Session(local) as session:
        acked = state(session).acked_seq
        rows = session.execute(
            select(OutboxEntry.entity_id, OutboxEntry.payload).where(
                OutboxEntry.seq > acked, OutboxEntry.entity == "case", OutboxEntry.op == "update"
            )
        ).all()
    return sorted({case_id for case_id, payload in rows if (payload or {}).get("assignee_id") == reviewer_id})


def _claim_outcomes(
    run: _Run | None, local: Engine, reviewer_id: str, cases: list[str]
) -> tuple[ClaimOutcome, ...]:
    """The hub's verdict on claims pushed in this sync, read from the hub itself (the pull may lag behind it
    while a long transaction elsewhere holds the feed's horizon back). A lost claim's case takes the hub's
    row at once, so it leaves this reviewer's cases now rather than at a later pull."""
    if not cases:
        return ()
    holders: dict[str, str | None] = {}
    if run is not None:
        target = table("case")
        with run.hub.connect() as connection:
            for case_id, holder in connection.execute(
                select(target.c.id, target.c.assignee_id).where(target.c.id.in_(cases))
            ):
                holders[case_id] = run.ids.to_local["reviewer"].get(holder, holder) if holder else None
            lost = sorted(c for c, h in holders.items() if h != reviewer_id)
            if lost:
                _apply(run, {"case": fetch_by_id(connection, "case", lost)}, connection, None, None)
    outcomes = []
    with Session(local) as session:
        names = dict(
            session.execute(
                select(Reviewer.id, Reviewer.name).where(Reviewer.id.in_({h for h in holders.values() if h}))
            ).all()
        )
        for case in session.scalars(select(Case).where(Case.id.in_(cases)).order_by(Case.external_ref)):
            if case.id not in holders:
                outcomes.append(ClaimOutcome(case.id, case.external_ref, "provisional", case.assignee_id))
                continue
            holder = holders[case.id]
            status = "won" if holder == reviewer_id else "lost"
            outcomes.append(
                ClaimOutcome(case.id, case.external_ref, status, holder, names.get(holder or "", ""))
            )
    return tuple(outcomes)


def _record(local: Engine, error: str) -> None:
    """Remember how the sync went. Advisory bookkeeping, so written without the fsync user actions get
    (WAL with synchronous=NORMAL is still crash-safe; a power cut could only lose this timestamp)."""
    with local.connect() as connection:
        connection.exec_driver_sql("PRAGMA synchronous=NORMAL")
        connection.commit()  # a pragma outside any transaction; the session below starts its own
        try:
            with Session(bind=connection) as session:
                row = state(session)
                row.last_error = error[:2000]
                if not error:
                    row.last_sync_at = utcnow()
                session.commit()
        finally:
            connection.rollback()
            connection.exec_driver_sql("PRAGMA synchronous=FULL")
            connection.commit()


def sync(
    local: Engine,
    hub: Engine,
    *,
    reviewer_id: str,
    queues: tuple[str, ...] | None = None,
    batch_size: int = 500,
    round_size: int = 5000,
    progress: Report | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> SyncReport:
    """Push then pull; raises HubUnreachable when the hub cannot be reached (nothing local is lost)."""
    started = time.monotonic()
    try:
        hub_id = _hub_id(hub)
        workstation_id = _prepare(local, hub_id)
        with local.connect() as connection:
            ids = IdMap.load(connection)
        run = _Run(
            local, hub, workstation_id, reviewer_id, ids, progress or _noop, cancelled or (lambda: False)
        )
        claims = _pending_claims(local, reviewer_id)
        exchange_reference(run)
        pushed, duplicates = push(run, batch_size)
        scope = Scope(workstation_id, queues)
        with Session(local) as session:
            row = state(session)
            cursor, known_scope, synced_before = (
                Position(row.cursor_txid, row.cursor_id),
                row.scope,
                row.scope != "",
            )
        full = not synced_before or known_scope != scope.key
        if full:
            pulled, conflicts, rejections = pull_snapshot(run, scope)
        else:
            pulled, conflicts, rejections = pull_feed(run, scope, cursor, round_size)
        unsent = set(_pending_claims(local, reviewer_id)) if claims else set()  # left by a cancelled push
        outcomes = _claim_outcomes(run, local, reviewer_id, [c for c in claims if c not in unsent])
    except (OperationalError, InterfaceError) as error:
        message = str(getattr(error, "orig", error)).strip().splitlines()[0]
        _record(local, message)
        raise HubUnreachable(message) from error
    except (HubUnreachable, HubNotReady) as error:
        _record(local, str(error))
        raise
    _record(local, "")
    with Session(local) as session:
        pending = pending_count(session)
    return SyncReport(
        pushed=pushed,
        duplicates=duplicates,
        pulled=pulled,
        conflicts=conflicts,
        rejections=rejections,
        claims=outcomes,
        pending=pending,
        full_pull=full,
        seconds=time.monotonic() - started,
        finished_at=utcnow(),
    )


def claim_on_hub(
    local: Engine, hub: Engine, case_id: str, actor_id: str, *, queues: tuple[str, ...] | None = None
) -> ClaimOutcome:
    """Claim a case as a compare-and-set on the hub: claim locally, push at once, read the hub's verdict.

    The hub applies the claim only if the case's version is still the one the claim was made on, or if the
    assignee field is uncontested; otherwise the first claim to reach it stands (see ``rules``). Offline,
    the claim stays provisional and its outcome comes with the next sync (``SyncReport.claims``).
    """
    from app.services.case_commands import ClaimCase
    from app.services.commanding import Store

    Store(local).execute(ClaimCase(case_id), actor_id)
    try:
        report = sync(local, hub, reviewer_id=actor_id, queues=queues)
    except HubUnreachable:
        with Session(local) as session:
            case = session.get(Case, case_id)
            ref = case.external_ref if case else ""
        return ClaimOutcome(case_id, ref, "provisional", actor_id)
    outcome = next((c for c in report.claims if c.case_id == case_id), None)
    if outcome is not None:
        return outcome
    return _claim_outcomes(None, local, actor_id, [case_id])[0]
