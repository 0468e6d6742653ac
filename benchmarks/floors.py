"""The floors: the least work any implementation must do, in raw sqlite3 on the same database file."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from app.services.queue_query import MATCH_ROWS, OPEN_STATUSES, fts_phrase

OPEN = "c.status IN (" + ",".join(f"'{s}'" for s in OPEN_STATUSES) + ")"
ROWS = (
    "SELECT c.id, c.external_ref, c.title, c.status, c.priority, c.severity, c.language, c.region, q.name, "
    "c.due_at, c.created_at, coalesce(r.name, '') "
    'FROM "case" c JOIN queue q ON q.id = c.queue_id LEFT JOIN reviewer r ON r.id = c.assignee_id '
)
MATCH = "c.id IN (SELECT case_id FROM search_fts WHERE search_fts MATCH ?)"
SORT_COLUMNS = {"due": ("due_at", "id"), "priority": ("priority", "due_at", "id")}


def connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA foreign_keys=ON")
    return db


def keyset_page(
    db: sqlite3.Connection,
    *,
    sort: str = "due",
    after: Sequence[Any] | None = None,
    language: str | None = None,
    limit: int = 100,
) -> list[Any]:
    """One queue page after a known key (or the first), as a hand-written keyset query."""
    columns = SORT_COLUMNS[sort]
    where, params = [OPEN], []
    if language:
        where.append("c.language = ?")
        params.append(language)
    if after is not None:
        where.append(f"({', '.join('c.' + k for k in columns)}) > ({', '.join('?' * len(columns))})")
        params.extend(after)
    order = ", ".join("c." + k for k in columns)
    sql = f"{ROWS}WHERE {' AND '.join(where)} ORDER BY {order} LIMIT {limit}"
    return db.execute(sql, params).fetchall()


def count_open(db: sqlite3.Connection, language: str | None = None) -> int:
    extra = " AND c.language = ?" if language else ""
    row = db.execute(f'SELECT count(*) FROM "case" c WHERE {OPEN}{extra}', [language] if language else [])
    return int(row.fetchone()[0])


def search(db: sqlite3.Connection, needle: str, limit: int = 100) -> tuple[int, list[Any]]:
    """What a search shows: how many open cases match, and the first page of them. The match is evaluated
    once: the sort keys of all matching open cases in one statement (their number is the count), then the
    first page's rows by primary key."""
    keys = db.execute(
        f'SELECT c.due_at, c.id FROM "case" c WHERE {OPEN} AND {MATCH} ORDER BY c.due_at, c.id LIMIT ?',
        [fts_phrase(needle), MATCH_ROWS + 1],
    ).fetchall()
    ids = json.dumps([key[1] for key in keys[:limit]])
    rows = db.execute(f"{ROWS}WHERE c.id IN (SELECT value FROM json_each(?)) ORDER BY c.due_at, c.id", [ids])
    return len(keys), rows.fetchall()


def case_selects(db: sqlite3.Connection, case_id: str) -> int:
    """The SELECTs behind an open case: the case, its queue, items, media, checklist, notes, decisions,
    remediation, messages, timeline, names, and the reported author's other cases. Returns a row count."""
    one = db.execute('SELECT * FROM "case" WHERE id = ?', [case_id]).fetchone()
    queue = db.execute("SELECT * FROM queue WHERE id = ?", [one[2]]).fetchone()
    per_case = [
        db.execute(f"SELECT * FROM {table} WHERE case_id = ? ORDER BY {order}", [case_id]).fetchall()
        for table, order in (
            ("note", "created_at"),
            ("remediation_action", "created_at"),
            ("communication", "created_at"),
            ("audit_event", "seq"),
            ("decision", "created_at"),
            ("checklist_answer", "created_at"),
            ("content_item", "position"),
        )
    ]
    items = per_case[-1]
    marks = ",".join("?" * len(items))
    media = db.execute(
        f"SELECT * FROM media_attachment WHERE content_item_id IN ({marks})", [i[0] for i in items]
    )
    elements = db.execute(
        "SELECT e.* FROM policy_element e JOIN policy p ON p.id = e.policy_id "
        "WHERE p.queues LIKE '%' || ? || '%'",
        [queue[1]],
    ).fetchall()
    people = {r[5] for r in per_case[0]} | {r[15] for r in per_case[4]}
    names = db.execute(
        f"SELECT id, name FROM reviewer WHERE id IN ({','.join('?' * len(people))})", list(people)
    )
    reported = next((i for i in items if i[4]), None)
    history: list[Any] = []
    if reported is not None:
        others = "SELECT DISTINCT case_id FROM content_item WHERE author_handle = ? AND reported = 1 AND case_id != ?"
        history = db.execute(
            f'SELECT id FROM "case" WHERE id IN ({others}) ORDER BY created_at DESC LIMIT 20',
            [reported[8], case_id],
        ).fetchall()
        db.execute(
            f"SELECT count(DISTINCT case_id) FROM decision WHERE case_id IN ({others}) "
            "AND outcome != 'no_violation'",
            [reported[8], case_id],
        ).fetchone()
    return (
        sum(map(len, per_case)) + len(media.fetchall()) + len(elements) + len(names.fetchall()) + len(history)
    )


def full_scan_sample(db: sqlite3.Connection, per_stratum: int) -> list[Any]:
    """A stratified sample the plain way: number every decision at random within its language, keep the first."""
    sql = (
        "SELECT decision_id FROM (SELECT decision_id, row_number() OVER "
        "(PARTITION BY language ORDER BY random()) AS r FROM qa_frame) WHERE r <= ?"
    )
    return db.execute(sql, [per_stratum]).fetchall()


SCRATCH = """
CREATE TABLE IF NOT EXISTS decision (id TEXT PRIMARY KEY, case_id TEXT, outcome TEXT, rationale TEXT,
    author_id TEXT, created_at TEXT);
CREATE TABLE IF NOT EXISTS audit_event (seq INTEGER PRIMARY KEY, id TEXT UNIQUE, case_id TEXT, action TEXT,
    after TEXT, prev_hash TEXT, hash TEXT);
CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY, entity TEXT, entity_id TEXT, op TEXT, payload TEXT);
"""


def durable_connection(path: Path) -> sqlite3.Connection:
    """A scratch database beside the profile (same disk), WAL and synchronous=FULL like the store."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.executescript(SCRATCH)
    return db


def commit_three_rows(db: sqlite3.Connection, key: str, payload: str) -> None:
    db.execute("BEGIN")
    db.execute(
        "INSERT INTO decision VALUES (?, ?, 'no_violation', 'bench', 'me', datetime('now'))", [key, key]
    )
    db.execute(
        "INSERT INTO audit_event (id, case_id, action, after, prev_hash, hash) VALUES (?, ?, 'decided', ?, '', '')",
        [key, key, payload],
    )
    db.execute(
        "INSERT INTO outbox (entity, entity_id, op, payload) VALUES ('decision', ?, 'insert', ?)",
        [key, payload],
    )
    db.execute("COMMIT")
