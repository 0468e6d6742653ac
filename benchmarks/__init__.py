"""Benchmarks: each scenario runs beside its floor, interleaved, after a warm-up; not part of the tests."""
