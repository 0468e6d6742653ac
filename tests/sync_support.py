"""Shared pieces of the sync tests: hubs (a SQLite file, or a fresh PostgreSQL database), and workstations.

PostgreSQL comes from ARBITER_TEST_PG_URL (e.g. postgresql://postgres@127.0.0.1:5432/test): a role that may
create databases and roles. Each test run initialises one template hub (its own random role prefix, so runs
on one server never meet), each test gets a copy (CREATE DATABASE ... TEMPLATE), and everything is dropped at
the end of the run.
"""

from __future__ import annotations

import atexit
import io
import os
import secrets
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text

from app.models import Reviewer
from app.services.demo import ensure_queues, ensure_team
from app.services.export import write
from app.services.profile import Profile, open_profile
from app.services.sync.connection import hub_engine, parse_hub_url
from app.services.sync.engine import SyncReport, sync
from app.services.sync.hub_admin import init_hub

PG_ENV = "ARBITER_TEST_PG_URL"
PG_SKIP = f"PostgreSQL tests need {PG_ENV} (e.g. postgresql://postgres@127.0.0.1:5432/test)"


def pg_url() -> str | None:
    return os.environ.get(PG_ENV) or None


@dataclass
class PgServer:
    """Admin access to the test server, and what this run created on it."""

    url: str
    prefix: str
    template: str
    databases: list[str] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)

    def admin(self) -> Engine:
        return create_engine(parse_hub_url(self.url), isolation_level="AUTOCOMMIT")

    def database_url(self, name: str) -> str:
        return str(parse_hub_url(self.url).set(database=name).render_as_string(hide_password=False))

    def new_database(self, template: str | None = None) -> str:
        name = f"{self.prefix}db_{secrets.token_hex(4)}"
        engine = self.admin()
        with engine.connect() as connection:
            suffix = f" TEMPLATE {template}" if template else ""
            connection.execute(text(f"CREATE DATABASE {name}{suffix}"))
        engine.dispose()
        self.databases.append(name)
        return name

    def login(self, handle: str) -> str:
        """A per-run login name (roles are server-wide)."""
        name = f"{self.prefix}{handle}"
        self.logins.append(name)
        return name

    def cleanup(self) -> None:
        """Drop what this run made; each statement on its own, so one refusal does not keep the rest."""
        engine = self.admin()
        names = [f"DATABASE IF EXISTS {n} WITH (FORCE)" for n in self.databases]
        groups = [f"{self.prefix}{g}" for g in ("specialist", "lead", "qa", "admin")]
        names += [f'ROLE IF EXISTS "{r}"' for r in [*self.logins, *groups]]
        with engine.connect() as connection:
            for what in names:
                try:
                    connection.execute(text(f"DROP {what}"))
                except Exception as error:  # reported, not raised: the tests' verdict stands
                    print(f"sync tests: could not drop {what}: {error}", file=sys.stderr)
        self.databases.clear()
        self.logins.clear()
        engine.dispose()


def start_pg_server() -> PgServer | None:
    url = pg_url()
    if url is None:
        return None
    server = PgServer(url=url, prefix=f"arbt{secrets.token_hex(3)}_", template="")
    server.template = server.new_database()
    atexit.register(server.cleanup)  # also when a run stops early; cleanup is idempotent
    engine = hub_engine(server.database_url(server.template))
    init_hub(engine, prefix=server.prefix)
    engine.dispose()
    return server


@dataclass
class Hub:
    kind: str  # sqlite | postgresql
    url: str
    engine: Engine
    server: PgServer | None = None


def make_hub(kind: str, tmp_path: Path, server: PgServer | None) -> Hub:
    if kind == "sqlite":
        url = f"sqlite:///{tmp_path / 'hub.db'}"
        engine = hub_engine(url)
        init_hub(engine)
        return Hub(kind, url, engine)
    if server is None:
        pytest.skip(PG_SKIP)
    url = server.database_url(server.new_database(server.template))
    return Hub(kind, url, hub_engine(url), server)


@dataclass
class Workstation:
    profile: Profile
    reviewer_id: str
    people: dict[str, str]
    queues: tuple[str, ...] | None = None

    @property
    def store(self) -> Any:
        return self.profile.store

    def sync(self, hub: Hub | Engine, **options: Any) -> SyncReport:
        engine = hub.engine if isinstance(hub, Hub) else hub
        return sync(self.profile.engine, engine, reviewer_id=self.reviewer_id, queues=self.queues, **options)

    def run(self, command: Any, handle: str | None = None) -> Any:
        actor = self.people[handle] if handle else self.reviewer_id
        return self.store.execute(command, actor)

    def export(self) -> str:
        parts = []
        for what in ("cases", "decisions"):
            out = io.StringIO()
            self.store.read(lambda s, what=what, out=out: write(s, what, "jsonl", out))
            parts.append(out.getvalue())
        return "\n".join(parts)


def workstation(root: Path, name: str, handle: str = "srivera", **options: Any) -> Workstation:
    """A profile with the demo queues and team (ids of its own: the hub maps them by handle)."""
    profile = open_profile(root, name)
    profile.store.write(lambda s: (ensure_queues(s), ensure_team(s)))
    people = dict(profile.store.read(lambda s: s.query(Reviewer.handle, Reviewer.id).all()))
    return Workstation(profile, people[handle], people, **options)


def copy_workstation(source: Workstation, root: Path, name: str) -> Workstation:
    """A copy of a workstation's profile that has never synced (a new sync identity)."""
    source.profile.engine.dispose()
    target = root / "profiles" / name
    shutil.copytree(source.profile.path.parent, target)
    profile = open_profile(root, name)
    return Workstation(profile, source.reviewer_id, source.people, source.queues)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer | None]:
    server = start_pg_server()
    yield server
    if server is not None:
        server.cleanup()


@pytest.fixture(params=["sqlite", "postgresql"])
def hub(request: pytest.FixtureRequest, tmp_path: Path, pg_server: PgServer | None) -> Iterator[Hub]:
    made = make_hub(request.param, tmp_path, pg_server)
    yield made
    made.engine.dispose()


@pytest.fixture
def pg_hub(tmp_path: Path, pg_server: PgServer | None) -> Iterator[Hub]:
    made = make_hub("postgresql", tmp_path, pg_server)
    yield made
    made.engine.dispose()
