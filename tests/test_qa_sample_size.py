"""Cochran's sample size with the finite population correction."""

from __future__ import annotations

import math

import pytest

from app.services.qa.sample_size import sample_size


@pytest.mark.parametrize(
    ("population", "expected"),
    [(1000, 278), (10**9, 385), (100, 80), (1, 1), (10, 10)],
)
def test_known_values_at_95_percent_and_5_percent_margin(population: int, expected: int) -> None:
    assert sample_size(population) == expected


def test_other_settings() -> None:
    # n0 = 2.5758**2 * 0.25 / 0.01**2 = 16587.2; 16587.2 / (1 + 16586.2 / 5000) = 3842.3
    assert sample_size(5000, confidence=0.99, margin=0.01) == 3843
    # A rarer expected rate needs fewer items: n0 = 1.96**2 * 0.1 * 0.9 / 0.05**2 = 138.3
    assert sample_size(10**9, proportion=0.1) == 139
    assert sample_size(10**9, proportion=0.9) == 139


def test_never_more_than_population_and_at_least_one() -> None:
    for population in (1, 2, 3, 50, 385, 10_000):
        assert 1 <= sample_size(population) <= population
    assert sample_size(1000, proportion=0.0) == 1
    assert sample_size(1, proportion=1.0) == 1


def test_grows_with_population_and_confidence() -> None:
    sizes = [sample_size(n) for n in (10, 100, 1000, 10_000, 100_000)]
    assert sizes == sorted(sizes)
    assert sample_size(1000, confidence=0.90) < sample_size(1000) < sample_size(1000, confidence=0.99)


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"population": 0}, "population must be at least 1"),
        ({"population": -5}, "population must be at least 1"),
        ({"population": 100, "confidence": 0.0}, "confidence"),
        ({"population": 100, "confidence": 1.0}, "confidence"),
        ({"population": 100, "confidence": math.nan}, "confidence"),
        ({"population": 100, "margin": 0.0}, "margin"),
        ({"population": 100, "margin": 1.0}, "margin"),
        ({"population": 100, "proportion": -0.1}, "proportion"),
        ({"population": 100, "proportion": 1.1}, "proportion"),
    ],
)
def test_bad_inputs(kwargs: dict[str, float], fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        sample_size(**kwargs)  # type: ignore[arg-type]
