"""The benchmark suite works end to end at a tiny size (a test that it runs, never of how fast)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROWS = (
    "| 1. cold start",
    "| 2. open the next case",
    "| 3. queue: first page",
    "| 3. queue: jump to the middle",
    "| 3. queue: jump to the end",
    "| 3. queue: scroll on from the middle",
    "| 3. queue: change filter",
    "| 3. queue: change sort",
    "| 4. search Latin",
    "| 4. search Devanagari",
    "| 4. search Thai",
    "| 4. search CJK",
    "| 4. search Hangul",
    "| 4. search Arabic",
    "| 5. QA stratified sample",
    "| 6. language switch",
    "| 7. record a decision durably",
    "| 8. sync figures",
    "| 9. resident memory",
    "| UI-thread lateness",
)


def test_suite_prints_every_scenario_at_a_tiny_size(tmp_path: Path) -> None:
    out = tmp_path / "bench.md"
    env = {**os.environ, "ARBITER_BENCH_CACHE": str(tmp_path / "cache"), "QT_QPA_PLATFORM": "offscreen"}
    command = [sys.executable, "-m", "benchmarks.suite", "--cases", "200", "--runs", "2"]
    command += ["--warmup", "0", "--open-cases", "20", "--busy-seconds", "0.5", "--out", str(out)]
    done = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=170, check=False
    )
    assert done.returncode == 0, done.stderr[-4000:]
    assert "built 200 cases" in done.stdout
    report = out.read_text(encoding="utf-8")
    for row in ROWS:
        assert any(line.startswith(row) for line in report.splitlines()), f"{row} missing:\n{report}"
