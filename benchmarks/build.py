"""Building the benchmark profile fast: generated rows through the real schema, cached under /tmp.

The schema comes from the migrations (``open_profile``); rows go in with raw sqlite3 ``executemany``. The
full-text triggers and the QA frame's staging trigger are dropped for the load and replaced by one INSERT…SELECT
each (the same statements the triggers and the QA migration's backfill run, so the frame is complete and
nothing is staged), then recreated.
"""

from __future__ import annotations

import importlib.util
import json
import os
import random
import shutil
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from app.core.vocabulary import OUTCOMES
from app.models.store import open_store
from app.services.demo import ensure_queues, ensure_team
from app.services.profile import ensure_reviewer, open_profile, profile_path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "resources" / "demo" / "corpus"
CACHE = Path(os.environ.get("ARBITER_BENCH_CACHE") or Path(tempfile.gettempdir()) / "arbiter-bench")
PROFILE = "bench"
LANGUAGES = ("en", "es", "fr", "de", "pt", "ja", "hi", "th", "ko", "ur")
STATUSES = (("new", 40), ("in_review", 15), ("awaiting_input", 5), ("decided", 10), ("remediating", 5))
RESOLVED_SHARE = 25
RESERVED = 2_000  # cases in review, assigned to the bench reviewer, for the durable-decision scenario
BATCH = 20_000
EPOCH = datetime(2025, 1, 1, tzinfo=UTC)
BUILD_VERSION = 1  # bump when the generated rows change; schema changes are applied by upgrading the cache
LOADER_TRIGGERS = ("search_case_ai", "search_content_ai", "search_note_ai", "qa_frame_stage_ai")


@dataclass(frozen=True)
class Corpus:
    """Real snippets per language: case titles, content texts and thread replies, author handles."""

    titles: dict[str, list[str]]
    texts: dict[str, list[str]]
    handles: dict[str, list[str]]
    regions: dict[str, list[str]]


@cache
def load_corpus() -> Corpus:
    titles, texts, handles, regions = {}, {}, {}, {}
    for lang in LANGUAGES:
        data = yaml.safe_load((CORPUS / f"{lang}.yaml").read_text(encoding="utf-8"))
        items = data["items"]
        titles[lang] = [i["title"] for i in items]
        texts[lang] = [i["text"] for i in items] + [t for i in items for t in i.get("thread", [])]
        handles[lang] = list(data["handles"])
        regions[lang] = list(data["regions"])
    return Corpus(titles, texts, handles, regions)


def cached_path(cases: int, seed: int) -> Path:
    return profile_path(CACHE / f"n{cases}-s{seed}-v{BUILD_VERSION}", PROFILE)


def stamp(moment: datetime) -> str:
    """SQLAlchemy's SQLite storage format for a (UTC) datetime."""
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _batches(rows: Iterator[tuple[Any, ...]]) -> Iterator[list[tuple[Any, ...]]]:
    batch: list[tuple[Any, ...]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _frame_backfill() -> list[str]:
    """The QA migration's backfill statements (its module name starts with a digit, so load it by path)."""
    path = ROOT / "app" / "models" / "migrations" / "versions" / "0003_qa.py"
    spec = importlib.util.spec_from_file_location("_bench_qa_migration", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    backfill: list[str] = module.BACKFILL
    # No generated decision supersedes another, so the "overturned" pass (a correlated scan) is skipped.
    return [s for s in backfill if "overturned = 1" not in s]


def build(cases: int, seed: int, *, log: bool = True) -> Path:
    """The cached database for (cases, seed), built on first use; returns its path."""
    target = cached_path(cases, seed)
    if target.exists():
        open_store(target).dispose()  # newer migrations (indexes) are applied to the cache once
        return target
    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="arbiter-bench-build-"))
    profile = open_profile(work, PROFILE)  # migrations and the policy pack
    profile.store.write(ensure_team)
    profile.store.write(ensure_queues)
    actor = profile.store.write(ensure_reviewer)
    profile.engine.dispose()
    _fill(profile.path, cases, seed, actor)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(profile.path), target)
    shutil.rmtree(work, ignore_errors=True)
    if log:
        size = target.stat().st_size / 2**30
        print(
            f"built {cases:,} cases (seed {seed}) in {time.perf_counter() - started:.1f} s: {target} ({size:.2f} GiB)"
        )
    return target


def _fill(path: Path, cases: int, seed: int, actor: str) -> None:
    rng = random.Random(seed)
    corpus = load_corpus()
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    db.execute("PRAGMA cache_size=-1000000")
    db.execute("PRAGMA temp_store=MEMORY")
    triggers = dict(
        db.execute(
            f"SELECT name, sql FROM sqlite_master WHERE type='trigger' AND name IN ({','.join('?' * len(LOADER_TRIGGERS))})",
            LOADER_TRIGGERS,
        ).fetchall()
    )
    for name in triggers:
        db.execute(f"DROP TRIGGER {name}")
    queues = [r[0] for r in db.execute("SELECT id FROM queue ORDER BY slug")]
    reviewers = [r[0] for r in db.execute("SELECT id FROM reviewer ORDER BY handle")]
    policies = [r[0] for r in db.execute("SELECT id FROM policy ORDER BY code, version")]
    outcomes = list(OUTCOMES)
    statuses = [s for s, w in STATUSES for _ in range(w)] + ["resolved"] * RESOLVED_SHARE
    case_ids = [_uuid(rng) for _ in range(cases)]
    case_langs = [rng.choice(LANGUAGES) for _ in range(cases)]
    authors = max(1, cases // 300)  # about one reported item per author, a few repeat offenders
    db.execute("BEGIN")

    def case_rows() -> Iterator[tuple[Any, ...]]:
        for i, (cid, lang) in enumerate(zip(case_ids, case_langs, strict=True)):
            created = EPOCH + timedelta(seconds=rng.randrange(300 * 86400))
            due = created + timedelta(minutes=rng.randrange(60, 4 * 1440))
            reserved = i < RESERVED
            yield (
                cid,
                f"BENCH-{i:08d}",
                rng.choice(queues),
                rng.choice(corpus.titles[lang]),
                "in_review" if reserved else rng.choice(statuses),
                rng.randint(1, 4),
                rng.randint(1, 4),
                rng.choice(corpus.regions[lang]),
                lang,
                "user_report",
                "",
                stamp(created),
                stamp(due),
                actor if reserved else (rng.choice(reviewers) if rng.random() < 0.3 else None),
                1,
                stamp(created),
            )

    for batch in _batches(case_rows()):
        db.executemany('INSERT INTO "case" VALUES (' + ",".join("?" * 16) + ")", batch)

    def item_rows() -> Iterator[tuple[Any, ...]]:
        for cid, lang in zip(case_ids, case_langs, strict=True):
            captured = stamp(EPOCH + timedelta(seconds=rng.randrange(300 * 86400)))
            for position in range(3):
                views = int(rng.paretovariate(1.2) * 100)
                yield (
                    _uuid(rng), cid, None, position, int(position == 0), "post" if position == 0 else "reply",
                    rng.choice(corpus.texts[lang]), "", f"{rng.choice(corpus.handles[lang])}_{rng.randrange(authors)}",
                    "", "{}", lang,
                    captured, json.dumps({"views": views}),
                )  # fmt: skip

    for batch in _batches(item_rows()):
        db.executemany("INSERT INTO content_item VALUES (" + ",".join("?" * 14) + ")", batch)

    def note_rows() -> Iterator[tuple[Any, ...]]:
        for i, cid in enumerate(case_ids):
            lang = LANGUAGES[i % len(LANGUAGES)]  # every script in equal measure
            at = stamp(EPOCH + timedelta(seconds=rng.randrange(300 * 86400)))
            text = rng.choice(corpus.texts[lang])
            yield (_uuid(rng), cid, text, lang, "internal", rng.choice(reviewers), at)

    for batch in _batches(note_rows()):
        db.executemany("INSERT INTO note VALUES (?, ?, ?, ?, ?, ?, ?)", batch)

    def decision_rows() -> Iterator[tuple[Any, ...]]:
        for cid in case_ids:
            outcome = rng.choice(outcomes)
            at = stamp(EPOCH + timedelta(seconds=rng.randrange(300 * 86400)))
            yield (
                _uuid(rng), cid, outcome, rng.choice(policies), "[]", "Generated for the benchmark.", "",
                "" if outcome == "no_violation" else "removal", '["*"]', None, "", "user_report", 0, "terms",
                "", rng.choice(reviewers), at, None,
            )  # fmt: skip

    for batch in _batches(decision_rows()):
        db.executemany("INSERT INTO decision VALUES (" + ",".join("?" * 18) + ")", batch)
    db.execute("COMMIT")
    db.execute("BEGIN")
    db.execute("INSERT INTO search_fts(case_id, source, body) SELECT id, 'case', title FROM \"case\"")
    db.execute(
        "INSERT INTO search_fts(case_id, source, body) SELECT case_id, 'content', text FROM content_item"
    )
    db.execute("INSERT INTO search_fts(case_id, source, body) SELECT case_id, 'note', text FROM note")
    for statement in _frame_backfill():
        db.execute(statement)
    for sql in triggers.values():
        db.execute(sql)
    db.execute("COMMIT")
    db.execute("INSERT INTO search_fts(search_fts) VALUES ('optimize')")
    db.execute("ANALYZE")
    db.execute("PRAGMA journal_mode=WAL")
    db.close()
