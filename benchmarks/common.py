"""Timing helpers shared by the benchmarks: interleaved runs, medians and 95th percentiles, a table."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Result:
    scenario: str
    ours: list[float]
    floor: list[float]
    floor_name: str

    @staticmethod
    def p95(values: list[float]) -> float:
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]

    def row(self) -> str:
        ours, floor = statistics.median(self.ours), statistics.median(self.floor)
        ratio = ours / floor if floor else float("inf")
        return (
            f"| {self.scenario} | {ours * 1000:.1f} ms (p95 {self.p95(self.ours) * 1000:.1f}) "
            f"| {self.floor_name}: {floor * 1000:.1f} ms (p95 {self.p95(self.floor) * 1000:.1f}) | {ratio:.2f}x |"
        )


def interleaved(
    scenario: str,
    ours: Callable[[], object],
    floor: Callable[[], object],
    floor_name: str,
    *,
    runs: int = 7,
    warmup: int = 1,
) -> Result:
    """Run ours and the floor alternately, so drift in the machine affects both alike."""
    for _ in range(warmup):
        ours()
        floor()
    ours_times, floor_times = [], []
    for _ in range(runs):
        start = time.perf_counter()
        ours()
        ours_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        floor()
        floor_times.append(time.perf_counter() - start)
    return Result(scenario, ours_times, floor_times, floor_name)


def table(results: list[Result]) -> str:
    header = "| scenario | ours: median (p95) | floor: median (p95) | ratio |\n|---|---|---|---|"
    return "\n".join([header, *(r.row() for r in results)])
