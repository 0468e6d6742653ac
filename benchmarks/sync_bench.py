"""Sync benchmarks against a PostgreSQL hub, each beside its floor measured in the same run.

  initial pull   100,000 cases with children (2 content items, 1 note, 2 audit events each) into a fresh
                 profile; floor: psycopg COPY ... TO STDOUT of the same rows + raw sqlite3 executemany of them
                 into the same schema (indexes and full-text triggers included), in one transaction
  no-change      a sync with nothing to push or pull, at 100,000 and at 1,000,000 hub cases; floor: the
                 cursor query alone through psycopg
  push           10,000 offline changes (5,000 notes and their audit events); floor: psycopg executemany of
                 the same rows in one transaction

Usage: python -m benchmarks.sync_bench [--small] [--pg URL] [--runs N]
The hub URL defaults to ARBITER_TEST_PG_URL. Hub databases are created and dropped by the script.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import create_engine, select, text

from app.models import Note, Reviewer
from app.services.demo import ensure_queues, ensure_team
from app.services.profile import open_profile
from app.services.review_commands import AddNote
from app.services.sync.connection import hub_engine, parse_hub_url
from app.services.sync.engine import sync
from app.services.sync.hub_admin import init_hub
from benchmarks.common import Result, table

CHILD_TABLES = ("case", "content_item", "note", "audit_event")


def timed(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


class Server:
    def __init__(self, url: str) -> None:
        self.url = url
        self.prefix = f"arbb{secrets.token_hex(3)}_"
        self.databases: list[str] = []

    def admin(self) -> Any:
        return create_engine(parse_hub_url(self.url), isolation_level="AUTOCOMMIT")

    def create(self, template: str | None = None) -> str:
        name = f"{self.prefix}{len(self.databases)}"
        with self.admin().connect() as connection:
            connection.execute(
                text(f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else ""))
            )
        self.databases.append(name)
        return name

    def url_of(self, name: str) -> str:
        return parse_hub_url(self.url).set(database=name).render_as_string(hide_password=False)

    def libpq(self, name: str) -> str:
        return self.url_of(name).replace("postgresql+psycopg://", "postgresql://")

    def drop_all(self) -> None:
        with self.admin().connect() as connection:
            for name in self.databases:
                connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            for group in ("specialist", "lead", "qa", "admin"):
                connection.execute(text(f'DROP ROLE IF EXISTS "{self.prefix}{group}"'))


def fill_hub(server: Server, cases: int, *, children: bool, root: Path) -> tuple[str, Path]:
    """A hub with ``cases`` cases made server-side, and a template profile that knows its reference data."""
    name = server.create()
    url = server.url_of(name)
    engine = hub_engine(url)
    init_hub(engine, prefix=server.prefix)
    seed = open_profile(root, f"seed{name}")
    seed.store.write(lambda s: (ensure_queues(s), ensure_team(s)))
    reviewer = seed.store.read(
        lambda s: s.scalars(select(Reviewer.id).where(Reviewer.handle == "srivera")).one()
    )
    sync(seed.engine, engine, reviewer_id=reviewer)  # queues, people and policies now on the hub
    with engine.begin() as connection:
        for table_name in (*CHILD_TABLES, "media_attachment"):
            connection.execute(text(f'ALTER TABLE "{table_name}" DISABLE TRIGGER arbiter_feed'))
        connection.execute(
            text(
                """INSERT INTO "case" (id, external_ref, queue_id, title, status, priority, severity, region,
                language, source_type, report_reason, created_at, due_at, assignee_id, version, updated_at)
                SELECT md5('c' || g)::uuid::text, 'BENCH-' || g,
                (ARRAY(SELECT id FROM queue ORDER BY slug))[1 + g % 10], 'Reported post number ' || g, 'new', 1 + g % 4, 1 + g % 4, 'DE', 'en',
                'user_report', '', now() - interval '1 day', now() + interval '1 day', NULL, 1, now()
                FROM generate_series(1, :n) g"""
            ),
            {"n": cases},
        )
        if children:
            connection.execute(
                text(
                    """INSERT INTO content_item (id, case_id, parent_id, position, reported, kind, text, link_url,
                    author_handle, author_display_name, author_meta, language, captured_at, metrics)
                    SELECT md5('i' || g || '-' || p)::uuid::text, md5('c' || g)::uuid::text, NULL, p, p = 0,
                    CASE WHEN p = 0 THEN 'post' ELSE 'reply' END, 'Some reported words, item ' || p || ' of ' || g,
                    '', 'author' || (g % 5000), '', '{"followers": 12}', 'en', now(), '{"views": 3}'
                    FROM generate_series(1, :n) g, generate_series(0, 1) p"""
                ),
                {"n": cases},
            )
            author = connection.execute(text("SELECT id FROM reviewer WHERE handle = 'srivera'")).scalar()
            connection.execute(
                text(
                    """INSERT INTO note (id, case_id, text, language, visibility, author_id, created_at)
                    SELECT md5('n' || g)::uuid::text, md5('c' || g)::uuid::text, 'A note of about fifty
                    characters, number ' || g, 'en', 'internal', :a, now() FROM generate_series(1, :n) g"""
                ),
                {"n": cases, "a": author},
            )
            connection.execute(
                text(
                    """INSERT INTO audit_event (id, case_id, actor_id, action, entity, entity_id, before, after,
                    created_at, prev_hash, hash)
                    SELECT md5('a' || g || '-' || k)::uuid::text, md5('c' || g)::uuid::text, :a, 'case.imported',
                    'case', md5('c' || g)::uuid::text, NULL, '{"items": 2}', now(), repeat('0', 64), repeat('f', 64)
                    FROM generate_series(1, :n) g, generate_series(0, 1) k"""
                ),
                {"n": cases, "a": author},
            )
        for table_name in CHILD_TABLES:
            connection.execute(
                text(
                    f"""INSERT INTO sync_feed (entity, entity_id, case_id, queue_id)
                    SELECT '{table_name}', t.id, {"t.id" if table_name == "case" else "t.case_id"}, c.queue_id
                    FROM "{table_name}" t JOIN "case" c ON c.id = {"t.id" if table_name == "case" else "t.case_id"}
                    WHERE c.external_ref LIKE 'BENCH-%'"""
                )
            )
            connection.execute(text(f'ALTER TABLE "{table_name}" ENABLE TRIGGER arbiter_feed'))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))
        connection.execute(text("CHECKPOINT"))  # the load's writes flushed now, not during a measurement
    engine.dispose()
    template = open_profile(root, f"tpl{name}")
    template.store.write(lambda s: (ensure_queues(s), ensure_team(s)))
    template.engine.dispose()
    seed.engine.dispose()
    return name, template.path


def fresh_profile(template: Path, root: Path, label: str) -> Any:
    target = root / "profiles" / label
    shutil.copytree(template.parent, target)
    return open_profile(root, label)


def reviewer_of(profile: Any) -> str:
    return str(
        profile.store.read(lambda s: s.scalars(select(Reviewer.id).where(Reviewer.handle == "srivera")).one())
    )


# --- scenarios ----------------------------------------------------------------------------------------------


def initial_pull(server: Server, hub: str, template: Path, root: Path, runs: int) -> Result:
    ours, floor = [], []
    for n in range(runs):
        profile = fresh_profile(template, root, f"pull{n}")
        engine = hub_engine(server.url_of(hub))
        reviewer = reviewer_of(profile)
        ours.append(timed(lambda p=profile, e=engine, r=reviewer: sync(p.engine, e, reviewer_id=r)))
        engine.dispose()
        floor.append(_copy_floor(server, hub, template, root, n))
    return Result("initial pull", ours, floor, "COPY out + sqlite3 executemany")


def _copy_floor(server: Server, hub: str, template: Path, root: Path, n: int) -> float:
    target = root / "profiles" / f"floor{n}"
    shutil.copytree(template.parent, target)
    db = sqlite3.connect(target / "arbiter.db")
    columns = {t: [r[1] for r in db.execute(f'PRAGMA table_info("{t}")')] for t in CHILD_TABLES}
    with psycopg.connect(server.libpq(hub)) as pg:
        start = time.perf_counter()
        for name in CHILD_TABLES:
            with pg.cursor().copy(f'COPY (SELECT * FROM "{name}") TO STDOUT') as copy:
                for _block in copy:
                    pass
        copy_time = time.perf_counter() - start
        rows = {}
        for name in CHILD_TABLES:
            cols = [c for c in columns[name] if c != "seq"]
            quoted = ", ".join(f'"{c}"' for c in cols)
            fetched = pg.execute(f'SELECT {quoted} FROM "{name}"').fetchall()
            rows[name] = (cols, [tuple(_sqlite_value(v) for v in r) for r in fetched])
    start = time.perf_counter()
    with db:
        for name in CHILD_TABLES:
            target_name = "hub_audit_event" if name == "audit_event" else name
            cols, values = rows[name]
            marks = ", ".join("?" for _ in cols)
            db.executemany(f'INSERT INTO "{target_name}" ({", ".join(cols)}) VALUES ({marks})', values)
    apply_time = time.perf_counter() - start
    db.close()
    return copy_time + apply_time


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
    if isinstance(value, dict | list):
        return json.dumps(value)
    return value


def no_change(server: Server, hub: str, template: Path, root: Path, runs: int, label: str) -> Result:
    profile = fresh_profile(template, root, f"idle{label}")
    engine = hub_engine(server.url_of(hub))
    reviewer = reviewer_of(profile)
    scope = ("privacy",)  # a tenth of the hub: the poll's cost should not care either way
    sync(profile.engine, engine, reviewer_id=reviewer, queues=scope)
    sync(profile.engine, engine, reviewer_id=reviewer, queues=scope)
    ours = [
        timed(lambda: sync(profile.engine, engine, reviewer_id=reviewer, queues=scope)) for _ in range(runs)
    ]
    # The floor is the same empty poll: from the workstation's own cursor, up to the horizon.
    position = profile.store.read(
        lambda s: s.execute(text("SELECT cursor_txid, cursor_id FROM sync_state")).one()
    )
    with psycopg.connect(server.libpq(hub)) as pg:
        query = (
            "SELECT id, entity, entity_id FROM sync_feed WHERE (txid, id) > (%s::text::xid8, %s) "
            "AND txid < pg_snapshot_xmin(pg_current_snapshot()) ORDER BY txid, id LIMIT 5000"
        )
        args = (str(position[0]), position[1])
        floor = [timed(lambda: pg.execute(query, args).fetchall()) for _ in range(runs)]
    engine.dispose()
    return Result(f"no-change sync, {label} hub cases", ours, floor, "cursor query alone")


def push(server: Server, hub: str, template: Path, root: Path, runs: int, changes: int) -> Result:
    ours, floor = [], []
    notes = changes // 2  # each note is a row and its audit event
    for n in range(runs):
        copy = server.create(template=hub)
        profile = fresh_profile(template, root, f"push{n}")
        engine = hub_engine(server.url_of(copy))
        reviewer = reviewer_of(profile)
        sync(profile.engine, engine, reviewer_id=reviewer, queues=("privacy",))
        case_ids = profile.store.read(
            lambda s: s.execute(text('SELECT id FROM "case" LIMIT 50')).scalars().all()
        )

        def offline(session: Any, case_ids: list[str] = case_ids, reviewer: str = reviewer) -> None:
            actor = session.get(Reviewer, reviewer)
            for k in range(notes):
                AddNote(case_ids[k % len(case_ids)], f"offline note {k}", "en").run(session, actor)

        profile.store.write(offline)
        ours.append(
            timed(
                lambda p=profile, e=engine, r=reviewer: sync(p.engine, e, reviewer_id=r, queues=("privacy",))
            )
        )
        engine.dispose()
        rows = profile.store.read(
            lambda s: [
                (r.id, r.case_id, r.text, r.author_id)
                for r in s.scalars(select(Note).where(Note.text.like("offline note %")))
            ]
        )
        floor.append(_push_floor(server, hub, rows))
    return Result(f"push {changes:,} offline changes", ours, floor, "psycopg executemany, one transaction")


def _push_floor(server: Server, hub: str, rows: list[tuple[str, str, str, str]]) -> float:
    copy = server.create(template=hub)
    with psycopg.connect(server.libpq(copy)) as pg:
        author = pg.execute("SELECT id FROM reviewer WHERE handle = 'srivera'").fetchone()[0]
        now = datetime.now(UTC)
        start = time.perf_counter()
        with pg.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO note (id, case_id, text, language, visibility, author_id, created_at) "
                "VALUES (%s, %s, %s, 'en', 'internal', %s, %s)",
                [(r[0], r[1], r[2], author, now) for r in rows],
            )
            cursor.executemany(
                "INSERT INTO audit_event (id, case_id, actor_id, action, entity, entity_id, before, after, "
                "created_at, prev_hash, hash) VALUES (%s, %s, %s, 'note.added', 'note', %s, NULL, '{}', %s, "
                "repeat('0', 64), repeat('f', 64))",
                [(secrets.token_hex(16), r[1], author, r[0], now) for r in rows],
            )
        pg.commit()
        return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pg", default=os.environ.get("ARBITER_TEST_PG_URL"), help="PostgreSQL URL")
    parser.add_argument(
        "--small", action="store_true", help="a quick run: 2,000 / 20,000 cases, 1,000 changes"
    )
    parser.add_argument("--runs", type=int, default=None)
    args = parser.parse_args(argv)
    if not args.pg:
        print("sync_bench: give --pg URL or set ARBITER_TEST_PG_URL", file=sys.stderr)
        return 2
    small, large, changes = (2_000, 20_000, 1_000) if args.small else (100_000, 1_000_000, 10_000)
    runs = args.runs or 3
    server = Server(args.pg)
    root = Path(tempfile.mkdtemp(prefix="arbiter-sync-bench-"))
    results = []
    try:
        started = time.perf_counter()
        hub, template = fill_hub(server, small, children=True, root=root)
        print(
            f"built hub with {small:,} cases and children in {time.perf_counter() - started:.1f}s", flush=True
        )
        for scenario in (
            lambda: initial_pull(server, hub, template, root, runs),
            lambda: no_change(server, hub, template, root, max(runs, 7), f"{small:,}"),
            lambda: push(server, hub, template, root, runs, changes),
        ):
            results.append(scenario())
            print(results[-1].row(), flush=True)
        started = time.perf_counter()
        big, big_template = fill_hub(server, large, children=False, root=root)
        print(f"built hub with {large:,} cases in {time.perf_counter() - started:.1f}s", flush=True)
        results.append(no_change(server, big, big_template, root, max(runs, 7), f"{large:,}"))
        print(results[-1].row(), flush=True)
    finally:
        server.drop_all()
        shutil.rmtree(root, ignore_errors=True)
    print(table(results))
    idle = [statistics.median(r.ours) for r in results if r.scenario.startswith("no-change")]
    print(f"\nno-change sync at {large:,} vs {small:,} hub cases: {idle[1] / idle[0]:.2f}x (flat is 1.0)")
    print(f"sqlite {sqlite3.sqlite_version}, python {sys.version.split()[0]}, {os.cpu_count()} cpus")
    return 0


if __name__ == "__main__":
    sys.exit(main())
