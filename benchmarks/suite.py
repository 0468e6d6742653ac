"""The benchmark suite: every scenario beside its floor, interleaved, at up to a million cases.

Run: .venv/bin/python -m benchmarks.suite [--cases 1000000] [--runs 7] [--out FILE]   (or ./scripts/bench)

The data is built once per (cases, seed, schema) into /tmp/arbiter-bench and copied into a temporary profile
per run. Sync figures are measured by benchmarks/sync_bench.py, not here.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from itertools import cycle
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_LOGGING_RULES", "qt.text.font.db.info=false")

import PySide6
import sqlalchemy
from PySide6.QtCore import QCoreApplication, QElapsedTimer, QEvent, QEventLoop, Qt, QTimer, qVersion
from PySide6.QtWidgets import QApplication

from app.main import Workstation, build, keep_out_of_collections, settle
from app.services import export
from app.services.commanding import Store
from app.services.dto import QueueFilter
from app.services.profile import open_profile, profile_path
from app.services.queue_query import count_cases, fetch_page, forget, sort_key
from app.services.review_commands import RecordDecision
from benchmarks import build as data
from benchmarks import floors
from benchmarks.common import Result, interleaved, table
from benchmarks.probe import rss_kb

PAGE = 100
NEXT_CASE_RUNS, NEXT_CASE_WARMUP = 60, 10
SCRIPTS = (
    ("Latin", "en"),
    ("Devanagari", "hi"),
    ("Thai", "th"),
    ("CJK", "ja"),
    ("Hangul", "ko"),
    ("Arabic", "ur"),
)
LANGUAGE_CYCLE = ("ur", "ja", "de", "hi", "en")
ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Figure:
    """A row whose values are not durations in seconds (memory in kB, lateness percentiles)."""

    scenario: str
    ours: str
    floor: str
    ratio: str

    def row(self) -> str:
        return f"| {self.scenario} | {self.ours} | {self.floor} | {self.ratio} |"


# --- helpers ------------------------------------------------------------------------------------------------


def wait_for(signal: Any, start: Callable[[], object], timeout_ms: int = 60_000) -> None:
    """Start something and run the event loop until ``signal`` fires (or the timeout passes)."""
    loop = QEventLoop()
    signal.connect(loop.quit)
    QTimer.singleShot(timeout_ms, loop.quit)
    start()
    loop.exec()
    signal.disconnect(loop.quit)


def spawn_until(args: list[str], word: str) -> float:
    """Seconds from spawning a child until it prints ``word``; the child is then reaped."""
    start = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.probe", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,  # the offscreen plugin's size-hint notes; a failure shows as no "painted"
        text=True,
        cwd=ROOT,
    )
    assert child.stdout is not None
    line = child.stdout.readline()
    elapsed = time.perf_counter() - start
    child.wait(60)
    if not line.startswith(word):
        raise RuntimeError(f"probe {args} said {line!r}")
    return elapsed


def probe_value(args: list[str]) -> int:
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.probe", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    return int(out.stdout.split()[1])


def needle_for(lang: str) -> str:
    """A 4–8 character piece of a real note text of the language, so the search finds realistic matches."""
    text = data.load_corpus().texts[lang][0]
    words = [w.strip(".,!?;:\"'()…「」、。") for w in text.split()]
    long_words = [w for w in words if len(w) >= 5]
    if len(words) > 3 and long_words:
        return max(long_words, key=len)[:8]
    return text[2:6]


# --- scenarios ----------------------------------------------------------------------------------------------


def cold_start(data_dir: Path, runs: int, warmup: int) -> Result:
    return interleaved(
        "1. cold start to first painted window with the queue's first page",
        lambda: spawn_until(["app", str(data_dir)], "painted"),
        lambda: spawn_until(["bare"], "painted"),
        "bare PySide6 window",
        runs=runs,
        warmup=warmup,
    )


def next_case(station: Workstation, raw: sqlite3.Connection, ids: list[str], runs: int) -> Result:
    mine, theirs = cycle(ids), cycle(ids)

    def ours() -> None:
        case_id = next(mine)
        wait_for(station.workspace.case_opened, lambda: station.workspace.open_case(case_id))
        QApplication.processEvents()  # the panes paint what show_case set

    # A p95 needs more than a handful of cases: a specialist works down the queue, so this opens a run of them
    # (each costs tens of milliseconds); the warm-up covers the first showing of each policy's checklist.
    return interleaved(
        "2. open the next case (detail + rendered panes)",
        ours,
        lambda: floors.case_selects(raw, next(theirs)),
        "same SELECTs, raw sqlite3",
        runs=max(runs, NEXT_CASE_RUNS),
        warmup=NEXT_CASE_WARMUP,
    )


def queue_pages(store: Store, raw: sqlite3.Connection, runs: int) -> list[Result]:
    spec = QueueFilter()
    total = store.read(lambda s: count_cases(s, spec))
    middle = max(0, (total // 2) // PAGE * PAGE)
    last = max(0, (total - 1) // PAGE * PAGE)

    def key_before(offset: int) -> tuple[Any, ...] | None:
        if offset == 0:
            return None
        row = store.read(lambda s: fetch_page(s, spec, 1, offset=offset - 1))[0]
        return sort_key(row, spec)

    def raw_key(key: tuple[Any, ...] | None) -> list[Any] | None:
        return None if key is None else [data.stamp(k) if hasattr(k, "tzinfo") else k for k in key]

    mid_key, last_key = key_before(middle), key_before(last)
    th = QueueFilter(language="th")
    by_priority = QueueFilter(sort="priority")

    def page(spec_: QueueFilter, **where: Any) -> Callable[[], object]:
        return lambda: store.read(lambda s: fetch_page(s, spec_, PAGE, **where))

    cases: list[tuple[str, Callable[[], object], Callable[[], object]]] = [
        ("first page", page(spec, offset=0), lambda: floors.keyset_page(raw)),
        (
            f"jump to the middle (row {middle:,})",
            page(spec, offset=middle),
            lambda: floors.keyset_page(raw, after=raw_key(mid_key)),
        ),
        (
            f"jump to the end (row {last:,})",
            page(spec, offset=last),
            lambda: floors.keyset_page(raw, after=raw_key(last_key)),
        ),
        (
            "scroll on from the middle (keyset)",
            page(spec, after=mid_key) if mid_key else page(spec, offset=0),
            lambda: floors.keyset_page(raw, after=raw_key(mid_key)),
        ),
        (
            "change filter (language = th), first page",
            page(th, offset=0),
            lambda: floors.keyset_page(raw, language="th"),
        ),
        (
            "change sort (priority), first page",
            page(by_priority, offset=0),
            lambda: floors.keyset_page(raw, sort="priority"),
        ),
        (
            "count after a filter change (language = th)",
            lambda: store.read(lambda s: count_cases(s, th)),
            lambda: floors.count_open(raw, "th"),
        ),
    ]
    return [
        interleaved(f"3. queue: {name}", ours, floor, "raw keyset query", runs=runs)
        for name, ours, floor in cases
    ]


def search(store: Store, raw: sqlite3.Connection, runs: int) -> list[Result]:
    results = []
    for script, lang in SCRIPTS:
        needle = needle_for(lang)
        spec = QueueFilter(text=needle)

        def ours(spec: QueueFilter = spec) -> object:
            forget(store.engine)  # a new search each time: the match is evaluated anew, as by the floor
            return store.read(lambda s: (count_cases(s, spec), fetch_page(s, spec, PAGE, offset=0)))

        hits = floors.search(raw, needle)[0]
        results.append(
            interleaved(
                f"4. search {script} «{needle}» ({hits:,} open cases): count + first page",
                ours,
                lambda needle=needle: floors.search(raw, needle),
                "same statements, raw",
                runs=runs,
            )
        )
    return results


def qa_sample(store: Store, raw: sqlite3.Connection, runs: int) -> Result | Figure:
    try:
        from app.services.qa.sampling import SampleSpec, draw
    except ImportError as error:
        return Figure("5. QA stratified sample", f"not measured: {error}", "", "")
    seeds = iter(range(1, 10_000))
    languages = len(data.LANGUAGES)

    def ours() -> object:
        spec = SampleSpec(method="stratified", by="language", size=200, seed=next(seeds))
        return store.read(lambda s: draw(s, spec))

    return interleaved(
        "5. QA stratified sample (200 by language)",
        ours,
        lambda: floors.full_scan_sample(raw, 200 // languages),
        "full-scan sample, raw",
        runs=runs,
    )


def language_switch(station: Workstation, profile_dir: Path, runs: int, warmup: int) -> Result:
    profile = open_profile(profile_dir, data.PROFILE)
    langs = cycle(LANGUAGE_CYCLE)
    rebuilt: list[Workstation] = []

    def switch() -> None:
        station.window.switch_language(next(langs))
        QApplication.processEvents()

    def rebuild() -> None:
        other = build(profile, language=next(langs))
        other.window.resize(1600, 960)
        other.window.show()
        QApplication.processEvents()
        other.window.close()
        rebuilt.append(other)

    result = interleaved(
        "6. language switch, case open",
        switch,
        rebuild,
        "new window in that language",
        runs=runs,
        warmup=warmup,
    )
    for other in rebuilt:
        other.runner.wait()
    station.window.switch_language("en")
    QApplication.processEvents()
    return result


def durable_decision(store: Store, actor: str, reserved: list[str], scratch: Path, runs: int) -> Result:
    mine = iter(reserved)
    raw = floors.durable_connection(scratch)
    keys = (f"floor-{i}" for i in range(10**9))
    payload = '{"outcome": "no_violation", "rationale": "Benchmark decision."}'

    def ours() -> object:
        command = RecordDecision(case_id=next(mine), outcome="no_violation", rationale="Benchmark decision.")
        return store.execute(command, actor)

    result = interleaved(
        "7. record a decision durably (decision + audit + outbox)",
        ours,
        lambda: floors.commit_three_rows(raw, next(keys), payload),
        "raw commit of 3 rows, synchronous=FULL",
        runs=runs,
    )
    raw.close()
    return result


def memory(data_dir: Path, opened: int, runs: int) -> Figure:
    ours, bare = [], []
    for _ in range(runs):
        ours.append(probe_value(["app-memory", str(data_dir), str(opened)]))
        bare.append(probe_value(["bare-memory"]))
    a, b = statistics.median(ours) / 1024, statistics.median(bare) / 1024
    return Figure(
        f"9. resident memory, queue open, after opening {opened:,} cases",
        f"{a:.0f} MB (max {max(ours) / 1024:.0f})",
        f"bare window: {b:.0f} MB (max {max(bare) / 1024:.0f})",
        f"+{a - b:.0f} MB",
    )


def lateness(station: Workstation, store: Store, seconds: float) -> Figure:
    """A 10 ms timer on the UI thread, idle and then while a full export of the cases runs on the runner."""

    def sample(background: bool) -> list[float]:
        late: list[float] = []
        clock = QElapsedTimer()
        timer = QTimer()
        timer.setTimerType(Qt.TimerType.PreciseTimer)
        timer.setInterval(10)
        loop = QEventLoop()

        def tick() -> None:
            late.append(max(0.0, clock.nsecsElapsed() / 1e6 - 10.0))
            clock.restart()

        def export_all(handle: Any) -> int:
            rows = 0
            deadline = time.perf_counter() + seconds
            with store.session() as session:
                for row in export.case_rows(session):
                    rows += len(row)
                    if handle.cancelled or time.perf_counter() > deadline:
                        break
            return rows

        timer.timeout.connect(tick)
        clock.start()
        timer.start()
        if background:
            station.runner.run_with_handle(export_all, lambda _n: loop.quit(), lambda _e: loop.quit())
        else:
            QTimer.singleShot(int(seconds * 1000), loop.quit)
        loop.exec()
        timer.stop()
        return late

    # Earlier scenarios leave windows to delete (the language-switch rebuilds): let them go first, so the idle
    # sample measures an idle window.
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    QApplication.processEvents()
    idle, busy = sample(False), sample(True)

    def p99(values: list[float]) -> float:
        ordered = sorted(values) or [0.0]
        return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]

    return Figure(
        f"UI-thread lateness of a 10 ms timer during a case export ({seconds:.0f} s on the task runner)",
        f"p99 {p99(busy):.1f} ms (median {statistics.median(busy or [0]):.1f}, {len(busy)} ticks)",
        f"idle: p99 {p99(idle):.1f} ms",
        "",
    )


# --- the run ------------------------------------------------------------------------------------------------


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    memory_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    return (
        f"{os.cpu_count()} CPUs ({cpu}), {memory_kb / 2**20:.1f} GiB RAM, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}, Qt {qVersion()}, PySide6 {PySide6.__version__}, "
        f"SQLAlchemy {sqlalchemy.__version__}"
    )


def reserved_cases(raw: sqlite3.Connection, actor: str, count: int) -> list[str]:
    rows = raw.execute(
        "SELECT id FROM \"case\" WHERE assignee_id = ? AND status = 'in_review' ORDER BY external_ref LIMIT ?",
        [actor, count],
    )
    return [r[0] for r in rows]


def queue_ids(raw: sqlite3.Connection, count: int) -> list[str]:
    return [r[0] for r in floors.keyset_page(raw, limit=count)]


def run(args: argparse.Namespace) -> str:
    started = time.perf_counter()
    cached = data.cached_path(args.cases, args.seed).exists()
    source = data.build(args.cases, args.seed)
    build_note = "reused the cached database" if cached else f"built in {time.perf_counter() - started:.1f} s"
    work = Path(tempfile.mkdtemp(prefix="arbiter-bench-"))
    target = profile_path(work, data.PROFILE)
    target.parent.mkdir(parents=True)
    shutil.copyfile(source, target)
    profile = open_profile(work, data.PROFILE)
    raw = floors.connect(profile.path)
    actor = str(raw.execute("SELECT value FROM setting WHERE key = 'reviewer_id'").fetchone()[0]).strip('"')
    runs = args.runs
    results: list[Result | Figure] = []
    try:
        clock = time.perf_counter()

        def step(item: Result | Figure | list[Result]) -> None:
            nonlocal clock
            items = item if isinstance(item, list) else [item]
            results.extend(items)
            for done in items:  # streamed, so a long run that is stopped still shows what it measured
                print(f"{done.row()}  [{time.perf_counter() - clock:.0f} s]", file=sys.stderr, flush=True)
            clock = time.perf_counter()

        step(cold_start(work, runs, args.warmup))
        station = build(profile)
        station.window.resize(1600, 960)
        station.window.show()
        settle(station)
        keep_out_of_collections()  # as app.main.run does once the window is up
        ids = queue_ids(raw, (max(runs, NEXT_CASE_RUNS) + NEXT_CASE_WARMUP) * 2 + 10)
        step(next_case(station, raw, ids, runs))
        step(queue_pages(profile.store, raw, runs))
        step(search(profile.store, raw, runs))
        step(qa_sample(profile.store, raw, runs))
        wait_for(station.workspace.case_opened, lambda: station.workspace.open_case(ids[0]))
        step(language_switch(station, work, runs, args.warmup))
        reserved = reserved_cases(raw, actor, runs + 2)
        step(durable_decision(profile.store, actor, reserved, work / "floor.db", runs))
        step(Figure("8. sync figures", "measured by benchmarks/sync_bench.py", "", ""))
        step(memory(work, min(args.open_cases, args.cases), args.memory_runs))
        step(lateness(station, profile.store, args.busy_seconds))
        station.runner.wait()
    finally:
        raw.close()
        shutil.rmtree(work, ignore_errors=True)
    header = (
        f"Arbiter benchmark: {args.cases:,} cases (~3 content items each), {args.cases:,} notes in ten languages, "
        f"{args.cases:,} decisions; seed {args.seed}; {build_note}; {runs} runs after a warm-up, interleaved.\n"
        f"Machine: {machine()}.\n"
        f"Wall time {time.perf_counter() - started:.0f} s; this process's RSS {rss_kb() / 1024:.0f} MB.\n"
    )
    body = table([r for r in results if isinstance(r, Result)])
    extra = "\n".join(r.row() for r in results if isinstance(r, Figure))
    return f"{header}\n{body}\n{extra}\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=7, help="timed runs per scenario, after one warm-up")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--warmup", type=int, default=1, help="warm-up runs of the window-building scenarios (1, 6)"
    )
    parser.add_argument("--open-cases", type=int, default=1_000, help="cases opened before memory is read")
    parser.add_argument("--memory-runs", type=int, default=1, help="child processes per side for memory")
    parser.add_argument("--busy-seconds", type=float, default=3.0, help="length of the background job")
    parser.add_argument("--out", type=Path, help="also write the report (Markdown) here")
    args = parser.parse_args(argv)
    report = run(args)
    print(report)
    if args.out:
        args.out.write_text(report, encoding="utf-8")


if __name__ == "__main__":
    main()
