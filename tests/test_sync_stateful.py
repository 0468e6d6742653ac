"""Property: whatever the edits, losses, retries and crashes, workstations converge and nothing is lost.

Three workstations edit three shared cases at random while pushes are dropped after the hub committed (the
acknowledgement never arrives), duplicated, or crash before the hub commits, and syncs happen in random
order. After everyone syncs: identical exports, every change on the hub exactly once, every note everywhere.

The SQLite-hub run does the 200+ examples; the PostgreSQL run is smaller (each example copies a database).
"""

from __future__ import annotations

import atexit
import contextlib
import shutil
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule
from sqlalchemy import Engine, func, select, text

from app.models import AuditEvent, Case, Note, OutboxEntry, Reviewer
from app.models.store import sqlite_engine
from app.models.sync import sync_workstation
from app.services.case_commands import ClaimCase, ReleaseCase, ReopenCase, SetAwaitingInput
from app.services.commanding import Store
from app.services.errors import DomainError
from app.services.review_commands import AddNote
from app.services.sync.connection import hub_engine
from app.services.sync.engine import sync
from app.services.sync.hub_push import apply_push
from app.services.sync.local_state import IdMap, acknowledge, read_pending, state
from tests.factories import make_case
from tests.sync_support import PG_SKIP, PgServer, Workstation, pg_url, start_pg_server, workstation
from tests.test_sync_converge import decide

HANDLES = ("srivera", "asiddiqui", "pnair")
CASES = 3


@dataclass
class World:
    """Template files: a hub and three workstations that have synced three cases once."""

    root: Path
    hub_url: str  # SQLite: a file in root; PostgreSQL: the template database (copied per example)
    server: PgServer | None
    people: list[dict[str, str]]
    cases: list[str]


def _build(kind: str) -> World | None:
    root = Path(tempfile.mkdtemp(prefix=f"arbiter-stateful-{kind}-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    server = None
    if kind == "sqlite":
        url = f"sqlite:///{root / 'hub.db'}"
        from app.services.sync.hub_admin import init_hub

        engine = hub_engine(url)
        init_hub(engine)
    else:
        server = start_pg_server()
        if server is None:
            return None
        url = server.database_url(server.new_database(server.template))
        engine = hub_engine(url)
    stations = [workstation(root, f"ws{n}", handle) for n, handle in enumerate(HANDLES)]
    cases = [make_case(stations[0].store, ref=f"RPT-P-{n}") for n in range(CASES)]
    for ws in (*stations, *stations):
        ws.sync(engine)
    engine.dispose()
    for ws in stations:
        ws.profile.engine.dispose()
    return World(root, url, server, [ws.people for ws in stations], cases)


world = cache(_build)


class SyncMachine(RuleBasedStateMachine):
    kind = "sqlite"

    @initialize()
    def start(self) -> None:
        template = world(self.kind)
        assert template is not None
        # Same paths and engines every example (only the files are fresh): SQLAlchemy caches compiled
        # statements per engine, and recompiling them each example would dominate the run.
        work = template.root / "work"
        self.hub = _hub_for(template, work)
        self.stations = []
        for n, handle in enumerate(HANDLES):
            path = work / f"ws{n}.db"
            engine = _engine(path)
            _copy_sqlite(template.root / "profiles" / f"ws{n}" / "arbiter.db", path)
            people = template.people[n]
            self.stations.append(Workstation(_profile(engine), people[handle], people))
        self.cases = template.cases
        self.notes: set[str] = set()

    def teardown(self) -> None:
        if not hasattr(self, "stations"):
            return
        try:
            self._check_convergence()
        finally:
            for ws in self.stations:
                ws.profile.engine.dispose()
            self.hub.dispose()

    # --- edits ---------------------------------------------------------------------------------------------
    @rule(
        n=st.integers(0, 2),
        c=st.integers(0, CASES - 1),
        what=st.sampled_from(["claim", "release", "wait", "resume", "reopen", "decide"]),
    )
    def edit(self, n: int, c: int, what: str) -> None:
        ws, case_id = self.stations[n], self.cases[c]
        commands: dict[str, Any] = {
            "claim": lambda: ws.run(ClaimCase(case_id)),
            "release": lambda: ws.run(ReleaseCase(case_id)),
            "wait": lambda: ws.run(SetAwaitingInput(case_id, True)),
            "resume": lambda: ws.run(SetAwaitingInput(case_id, False)),
            "reopen": lambda: ws.run(ReopenCase(case_id, "second look")),
            "decide": lambda: decide(ws, case_id),
        }
        with contextlib.suppress(DomainError):  # not possible in this workstation's view: fine
            commands[what]()

    @rule(n=st.integers(0, 2), c=st.integers(0, CASES - 1))
    def note(self, n: int, c: int) -> None:
        self.stations[n].run(AddNote(self.cases[c], f"note {len(self.notes)}", "en"))
        newest = self.stations[n].store.read(
            lambda s: s.scalars(select(Note.id).order_by(Note.created_at.desc(), Note.id)).first()
        )
        self.notes.add(newest)

    # --- network and crashes -------------------------------------------------------------------------------
    @rule(n=st.integers(0, 2))
    def sync_one(self, n: int) -> None:
        self.stations[n].sync(self.hub, batch_size=4)

    @rule(n=st.integers(0, 2), twice=st.booleans())
    def push_without_ack(self, n: int, twice: bool) -> None:
        """The hub commits, the acknowledgement is lost (or the push is sent again before it arrives)."""
        ws_id, entries = self._pending(n)
        if not entries:
            return
        first = apply_push(self.hub, ws_id, entries)
        if twice:
            again = apply_push(self.hub, ws_id, entries)
            assert again.applied == 0
            assert again.duplicates == len(entries)
            assert again.last_seq == first.last_seq
            with self.stations[n].profile.engine.begin() as connection:
                acknowledge(connection, again.last_seq)

    @rule(n=st.integers(0, 2))
    def crash_before_commit(self, n: int) -> None:
        ws_id, entries = self._pending(n)
        if not entries:
            return

        def crash() -> None:
            raise KeyboardInterrupt  # the process dies inside the hub transaction

        with pytest.raises(KeyboardInterrupt):
            apply_push(self.hub, ws_id, entries, before_commit=crash)

    def _pending(self, n: int) -> tuple[str, list[Any]]:
        ws = self.stations[n]
        with Store(ws.profile.engine).session() as session:
            row = state(session)
            ids = IdMap.load(session.connection())
            return row.workstation_id, read_pending(
                session.connection(), ids, row.acked_seq, 3, ws.reviewer_id
            )

    # --- the property --------------------------------------------------------------------------------------
    def _check_convergence(self) -> None:
        for _ in range(2):
            for ws in self.stations:
                sync(ws.profile.engine, self.hub, reviewer_id=ws.reviewer_id, batch_size=7)
        exports = [ws.export() for ws in self.stations]
        assert exports[1] == exports[0], "workstations diverged"
        assert exports[2] == exports[0], "workstations diverged"
        audit = _table("audit_event")
        with self.hub.connect() as hub:
            hub_events = set(hub.execute(select(audit.c.id)).scalars())
            hub_count = hub.execute(select(func.count()).select_from(audit)).scalar()
            applied = dict(hub.execute(select(sync_workstation.c.id, sync_workstation.c.last_seq)).all())
        assert hub_count == len(hub_events)
        for ws in self.stations:
            with ws.profile.engine.connect() as local:
                mine = set(local.execute(select(AuditEvent.id)).scalars())
                newest = local.execute(select(func.max(OutboxEntry.seq))).scalar()
                notes = set(local.execute(select(Note.id)).scalars())
                ws_id = local.execute(select(_table("sync_state").c.workstation_id)).scalar()
                cases = local.execute(select(func.count()).select_from(Case)).scalar()
            assert mine <= hub_events, "a local audit event never reached the hub"
            assert self.notes <= notes, "a note is missing on a workstation"
            assert applied.get(ws_id, 0) == (newest or 0), (
                "the hub's applied sequence is not the workstation's last change"
            )
            assert cases == CASES
        assert self.stations[0].store.read(lambda s: s.scalar(select(func.count()).select_from(Reviewer)))


_ENGINES: dict[str, Engine] = {}


def _engine(path: Path, hub: bool = False) -> Engine:
    key = str(path)
    if key not in _ENGINES:
        _ENGINES[key] = hub_engine(f"sqlite:///{path}") if hub else sqlite_engine(path)
    _ENGINES[key].dispose()
    return _ENGINES[key]


def _copy_sqlite(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copy(source, target)


def _hub_for(template: World, work: Path) -> Engine:
    if template.server is None:
        engine = _engine(work / "hub.db", hub=True)
        _copy_sqlite(template.root / "hub.db", work / "hub.db")
        return engine
    server = template.server
    name = f"{server.prefix}example"
    key = server.database_url(name)
    if key in _ENGINES:
        _ENGINES[key].dispose()
    admin = server.admin()
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        connection.execute(text(f"CREATE DATABASE {name} TEMPLATE {template.hub_url.rsplit('/', 1)[1]}"))
    admin.dispose()
    if name not in server.databases:
        server.databases.append(name)
    _ENGINES.setdefault(key, hub_engine(key))
    return _ENGINES[key]


def _table(name: str) -> Any:
    from app.services.sync.values import table

    return table(name)


def _profile(engine: Engine) -> Any:
    from app.services.profile import Profile

    return Profile(
        name="example", path=Path(engine.url.database or ""), engine=engine, store=Store(engine), fresh=False
    )


class PgSyncMachine(SyncMachine):
    kind = "postgresql"


TestSyncOnSqliteHub = SyncMachine.TestCase
TestSyncOnSqliteHub.settings = settings(
    max_examples=200,
    stateful_step_count=10,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@pytest.mark.postgres
@pytest.mark.skipif(pg_url() is None, reason=PG_SKIP)
class TestSyncOnPostgresHub(PgSyncMachine.TestCase):  # type: ignore[misc, valid-type]
    settings = settings(
        max_examples=25,
        stateful_step_count=10,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
