"""Inter-rater agreement for QA re-reviews: percent agreement, Cohen's kappa and Krippendorff's alpha.

Ratings come in "long" form, one :class:`Rating` per unit and rater; a missing rating is simply absent.
Each rater may rate a unit at most once. Units with fewer than two ratings carry no information about
agreement, so every metric drops them.

Krippendorff's alpha follows Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability": the
coincidence-matrix method, with these difference functions between two values ``c`` and ``k``:

* nominal: 0 when equal, else 1;
* ordinal: ``(sum of n_g for g from c to k - (n_c + n_k) / 2) ** 2`` over the sorted distinct values,
  where ``n_g`` counts the pairable values equal to ``g``;
* interval: ``(c - k) ** 2``;
* ratio: ``((c - k) / (c + k)) ** 2`` (values must be non-negative).

Ordinal values may be numbers or text. If every value parses as a number they are ordered numerically
(so "10" ranks above "9"); otherwise each value is taken as text and ordered by plain string sorting,
so a scale such as low/medium/high needs codes that sort in scale order (e.g. "1-low", "2-medium").

Everything is linear in the number of ratings except the ratio level, whose cost also grows with the
square of the number of distinct values (harmless for rating scales).
"""

from __future__ import annotations

import csv
import math
import random
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from typing import Any, Final, Literal, TextIO, TypeVar, cast, get_args

Level = Literal["nominal", "ordinal", "interval", "ratio"]
Value = str | float

LEVELS: Final[tuple[str, ...]] = get_args(Level)
CSV_HEADER: Final[tuple[str, str, str]] = ("unit", "rater", "value")

_ONE_CATEGORY: Final = "agreement is undefined: every rating falls in one category"
_NO_PAIRABLE_UNIT: Final = "no unit has two or more ratings"

T = TypeVar("T")
# A unit's ratings as seen by alpha: each distinct value with how many raters gave it.
_Profile = frozenset[tuple[Value, int]]
_Unit = dict[str, Value]  # rater -> value


@dataclass(frozen=True, slots=True)
class Rating:
    """One rater's value for one unit (e.g. one re-reviewed decision)."""

    unit: str
    rater: str
    value: Value


@dataclass(frozen=True, slots=True)
class Estimate:
    """A metric's point value with its bootstrap interval.

    ``value`` is NaN when the metric is undefined; ``low`` and ``high`` are None when there is no interval.
    ``error`` then says why, in plain words. ``n_units`` counts the units the metric used.
    """

    metric: str
    value: float
    low: float | None
    high: float | None
    n_units: int
    error: str | None


class UndefinedMetricError(ValueError):
    """The data cannot give the metric a value; the message says why."""


# --- grouping -----------------------------------------------------------------------------------------


def _group(ratings: Iterable[Rating]) -> dict[str, _Unit]:
    """Ratings by unit (in order of first appearance), then by rater."""
    units: dict[str, _Unit] = {}
    for rating in ratings:
        unit = units.setdefault(rating.unit, {})
        if rating.rater in unit:
            raise ValueError(f"rater {rating.rater!r} rated unit {rating.unit!r} more than once")
        unit[rating.rater] = rating.value
    return units


def _pairable_units(ratings: Iterable[Rating]) -> list[_Unit]:
    return [unit for unit in _group(ratings).values() if len(unit) >= 2]


# --- percent agreement --------------------------------------------------------------------------------


def _unit_agreement(unit: _Unit) -> float:
    """Share of the unit's rater pairs that gave the same value."""
    counts = Counter(unit.values()).values()
    m = len(unit)
    return sum(c * (c - 1) for c in counts) / (m * (m - 1))


def _percent_from(weights: Mapping[float, int]) -> float:
    total = sum(weights.values())
    if total == 0:
        raise UndefinedMetricError(_NO_PAIRABLE_UNIT)
    return math.fsum(score * weight for score, weight in weights.items()) / total


def percent_agreement(ratings: Sequence[Rating]) -> float:
    """Mean over units with two or more ratings of the share of rater pairs that agree."""
    return _percent_from(Counter(_unit_agreement(unit) for unit in _pairable_units(ratings)))


# --- Cohen's kappa ------------------------------------------------------------------------------------


def _two_raters(ratings: Iterable[Rating]) -> tuple[str, str]:
    raters = list(dict.fromkeys(rating.rater for rating in ratings))
    if len(raters) != 2:
        raise UndefinedMetricError(f"Cohen's kappa needs exactly two raters; found {len(raters)}")
    return raters[0], raters[1]


def _kappa_pairs(units: Iterable[_Unit], first: str, second: str) -> list[tuple[Value, Value]]:
    return [(unit[first], unit[second]) for unit in units if first in unit and second in unit]


def _kappa_from(pairs: Mapping[tuple[Value, Value], int]) -> float:
    n = sum(pairs.values())
    if n == 0:
        raise UndefinedMetricError("no unit was rated by both raters")
    first: Counter[Value] = Counter()
    second: Counter[Value] = Counter()
    for (a, b), weight in pairs.items():
        first[a] += weight
        second[b] += weight
    agreeing = sum(weight for (a, b), weight in pairs.items() if a == b)
    # Both terms scaled by n**2 stay integers, so "chance agreement is certain" is an exact test.
    chance = sum(count * second[value] for value, count in first.items())
    if chance == n * n:
        raise UndefinedMetricError(_ONE_CATEGORY)
    return (n * agreeing - chance) / (n * n - chance)


def cohen_kappa(ratings: Sequence[Rating]) -> float:
    """Cohen's kappa (nominal) for exactly two raters, over the units both of them rated."""
    first, second = _two_raters(ratings)
    return _kappa_from(Counter(_kappa_pairs(_group(ratings).values(), first, second)))


# --- Krippendorff's alpha -----------------------------------------------------------------------------


def _check_level(level: str) -> Level:
    if level not in LEVELS:
        raise ValueError(f"unknown level of measurement {level!r}; expected one of {', '.join(LEVELS)}")
    return cast(Level, level)


def _finite(value: Value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def coerce_numeric(ratings: Iterable[Rating]) -> list[Rating]:
    """The ratings with every value as a float; ValueError names the unit and rater of a non-number."""
    result: list[Rating] = []
    for rating in ratings:
        number = _finite(rating.value)
        if number is None:
            raise ValueError(
                f"unit {rating.unit!r}, rater {rating.rater!r}: value {rating.value!r} is not a finite number"
            )
        result.append(Rating(rating.unit, rating.rater, number))
    return result


def _ordinal_values(ratings: Sequence[Rating]) -> list[Rating]:
    """Numbers when every value is one, otherwise text (see the module docstring)."""
    try:
        return coerce_numeric(ratings)
    except ValueError:
        return [Rating(rating.unit, rating.rater, str(rating.value)) for rating in ratings]


def _prepare(ratings: Sequence[Rating], level: Level) -> list[Rating]:
    if level == "nominal":
        return list(ratings)
    if level == "ordinal":
        return _ordinal_values(ratings)
    numeric = coerce_numeric(ratings)
    if level == "ratio":
        for rating in numeric:
            if float(rating.value) < 0:
                raise ValueError(
                    f"unit {rating.unit!r}, rater {rating.rater!r}: ratio level needs values >= 0; "
                    f"found {rating.value!r}"
                )
    return numeric


def _alpha_profile(unit: _Unit) -> _Profile:
    return frozenset(Counter(unit.values()).items())


def _order_key(value: Value) -> tuple[float, str]:
    # Prepared ordinal values are all floats or all strings, so one half of the key decides.
    return (value, "") if isinstance(value, float) else (0.0, value)


def _midranks(marginals: Mapping[Value, int]) -> dict[Value, float]:
    """Each value's mid-rank among all pairable values.

    Krippendorff's ordinal difference between c and k equals the squared difference of their mid-ranks,
    which lets ordinal alpha reuse the linear-time interval sums.
    """
    ranks: dict[Value, float] = {}
    below = 0
    for value in sorted(marginals, key=_order_key):
        ranks[value] = below + marginals[value] / 2
        below += marginals[value]
    return ranks


def _nominal_sum(counts: Mapping[Value, int]) -> float:
    m = sum(counts.values())
    return float(m * m - sum(c * c for c in counts.values()))


def _squared_sum(counts: Mapping[Value, int], position: Mapping[Value, float]) -> float:
    # sum_c sum_k n_c n_k (x_c - x_k)^2 == 2 m sum_c n_c (x_c - mean)^2: linear, and centring keeps precision.
    m = sum(counts.values())
    mean = math.fsum(c * position[v] for v, c in counts.items()) / m
    return 2 * m * math.fsum(c * (position[v] - mean) ** 2 for v, c in counts.items())


def _ratio_sum(counts: Mapping[Value, int]) -> float:
    items = [(float(v), c) for v, c in counts.items()]
    terms = [a * b * ((x - y) / (x + y)) ** 2 for i, (x, a) in enumerate(items) for y, b in items[i + 1 :]]
    return 2 * math.fsum(terms)


def _pair_difference_sum(
    level: Level, marginals: Mapping[Value, int]
) -> Callable[[Mapping[Value, int]], float]:
    """A function giving sum_c sum_k n_c n_k delta(c, k)**2 over a tally of values."""
    if level == "nominal":
        return _nominal_sum
    if level == "ratio":
        return _ratio_sum
    position = _midranks(marginals) if level == "ordinal" else {v: float(v) for v in marginals}
    return lambda counts: _squared_sum(counts, position)


def _alpha_from(profiles: Mapping[_Profile, int], level: Level) -> float:
    marginals: Counter[Value] = Counter()
    for profile, weight in profiles.items():
        for value, count in profile:
            marginals[value] += weight * count
    if not marginals:
        raise UndefinedMetricError(_NO_PAIRABLE_UNIT)
    if len(marginals) == 1:
        raise UndefinedMetricError(_ONE_CATEGORY)
    differences = _pair_difference_sum(level, marginals)
    observed = math.fsum(
        weight * differences(dict(profile)) / (sum(c for _, c in profile) - 1)
        for profile, weight in profiles.items()
    )
    n = marginals.total()
    return 1.0 - (n - 1) * observed / differences(marginals)


def krippendorff_alpha(ratings: Sequence[Rating], level: Level = "nominal") -> float:
    """Krippendorff's alpha for any number of raters, missing ratings allowed.

    Raises:
        UndefinedMetricError: no unit has two ratings, or all pairable values are equal.
        ValueError: a rater rated a unit twice, or a value does not suit the level.
    """
    level = _check_level(level)
    units = _pairable_units(_prepare(ratings, level))
    return _alpha_from(Counter(_alpha_profile(unit) for unit in units), level)


# --- bootstrap ----------------------------------------------------------------------------------------


def _check_bootstrap(samples: int, confidence: float) -> None:
    if samples < 1:
        raise ValueError(f"bootstrap needs at least one resample; got {samples}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie strictly between 0 and 1; got {confidence}")


def _draws(population: Sequence[T], samples: int, seed: int) -> Iterator[list[T]]:
    """Resamples of the population, with replacement and of the same size, reproducible from the seed."""
    rng = random.Random(seed)
    for _ in range(samples):
        yield rng.choices(population, k=len(population))


def _quantile(ordered: Sequence[float], q: float) -> float:
    """Linear interpolation between order statistics (numpy's default)."""
    position = q * (len(ordered) - 1)
    lower = math.floor(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


def _percentile_interval(values: Sequence[float], confidence: float) -> tuple[float, float]:
    if not values:
        raise UndefinedMetricError("no interval: the metric is undefined on every bootstrap resample")
    ordered = sorted(values)
    tail = (1 - confidence) / 2
    return _quantile(ordered, tail), _quantile(ordered, 1 - tail)


def bootstrap_interval(
    ratings: Sequence[Rating],
    metric: Callable[[Sequence[Rating]], float],
    *,
    samples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> tuple[float, float]:
    """Percentile bootstrap interval for any metric, resampling units with replacement.

    Only units with two or more ratings are resampled (the others cannot affect agreement). Resamples
    on which the metric is undefined are skipped. The same seed always gives the same interval.

    Raises:
        UndefinedMetricError: the metric is undefined on every resample.
    """
    _check_bootstrap(samples, confidence)
    values: list[float] = []
    for draws in _draws(_pairable_units(ratings), samples, seed):
        # A unit drawn twice must count as two units, so each draw gets its own unit id.
        resample = [
            Rating(str(i), rater, value) for i, unit in enumerate(draws) for rater, value in unit.items()
        ]
        with suppress(UndefinedMetricError):
            values.append(metric(resample))
    return _percentile_interval(values, confidence)


# --- all metrics at once ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Tally:
    """A metric reduced to one hashable profile per pairable unit, and computed from profile weights.

    Identical profiles are common (few raters, few categories), so a resample costs one draw per unit
    plus work on the distinct profiles only.
    """

    name: str
    compute: Callable[[Mapping[Any, int]], float]
    profiles: Sequence[Hashable]
    error: str | None = None  # known to be undefined before looking at any profile


def _point_value(tally: _Tally) -> tuple[float, str | None]:
    if tally.error is not None:
        return math.nan, tally.error
    try:
        return tally.compute(Counter(tally.profiles)), None
    except UndefinedMetricError as error:
        return math.nan, str(error)


def _joint_resample(tallies: Sequence[_Tally], samples: int, seed: int) -> list[list[float]]:
    """Each tally's defined values over the same resamples of units.

    Drawing is the expensive part, so all metrics share one draw per resample; it picks the very units
    :func:`bootstrap_interval` would pick with the same seed.
    """
    keys = list(zip(*(tally.profiles for tally in tallies), strict=True))  # one key per unit
    distinct = list(dict.fromkeys(keys))
    index = {key: i for i, key in enumerate(distinct)}
    values: list[list[float]] = [[] for _ in tallies]
    for draws in _draws([index[key] for key in keys], samples, seed):
        counts = Counter(draws)
        for column, tally in enumerate(tallies):
            weights: Counter[Hashable] = Counter()
            for key, count in counts.items():
                weights[distinct[key][column]] += count
            with suppress(UndefinedMetricError):
                values[column].append(tally.compute(weights))
    return values


def _kappa_tally(ratings: Sequence[Rating], units: Sequence[_Unit]) -> _Tally:
    try:
        first, second = _two_raters(ratings)
    except UndefinedMetricError as error:
        return _Tally("cohen_kappa", _kappa_from, [], str(error))
    return _Tally("cohen_kappa", _kappa_from, _kappa_pairs(units, first, second))


def _tallies(ratings: Sequence[Rating], level: Level) -> list[_Tally]:
    units = _pairable_units(ratings)
    # _prepare keeps the order of the ratings, so these units line up with ``units``.
    alpha_units = _pairable_units(_prepare(ratings, level))
    return [
        _Tally("percent_agreement", _percent_from, [_unit_agreement(unit) for unit in units]),
        _kappa_tally(ratings, units),
        _Tally(
            "krippendorff_alpha",
            lambda profiles: _alpha_from(profiles, level),
            [_alpha_profile(unit) for unit in alpha_units],
        ),
    ]


def all_metrics(
    ratings: Sequence[Rating], level: Level = "nominal", *, samples: int = 1000, seed: int = 0
) -> list[Estimate]:
    """Percent agreement, Cohen's kappa and Krippendorff's alpha, each with a 95% bootstrap interval.

    Metrics are named ``percent_agreement``, ``cohen_kappa`` and ``krippendorff_alpha``; percent agreement
    and kappa are nominal whatever ``level`` says. ``error`` carries the reason a value or interval is
    missing. Intervals match :func:`bootstrap_interval` with the same seed (up to rounding), only faster:
    the cost is about ``samples`` draws per pairable unit, a few seconds for 100,000 ratings.

    Raises:
        ValueError: a rater rated a unit twice, or a value does not suit ``level``.
    """
    _check_bootstrap(samples, 0.95)
    tallies = _tallies(ratings, _check_level(level))
    points = [_point_value(tally) for tally in tallies]
    live = [tally for tally, (_, error) in zip(tallies, points, strict=True) if error is None]
    resampled = dict(zip((t.name for t in live), _joint_resample(live, samples, seed), strict=True))
    estimates: list[Estimate] = []
    for tally, (value, error) in zip(tallies, points, strict=True):
        low: float | None = None
        high: float | None = None
        if error is None:
            try:
                low, high = _percentile_interval(resampled[tally.name], 0.95)
            except UndefinedMetricError as no_interval:
                error = str(no_interval)
        estimates.append(Estimate(tally.name, value, low, high, len(tally.profiles), error))
    return estimates


# --- CSV ----------------------------------------------------------------------------------------------


def _rows(stream: TextIO) -> Iterator[tuple[int, list[str]]]:
    """Non-blank CSV rows with the line number they end on, fields stripped of surrounding whitespace."""
    reader = csv.reader(stream)
    try:
        for row in reader:
            if row:
                yield reader.line_num, [field.strip() for field in row]
    except csv.Error as error:
        raise ValueError(f"line {reader.line_num}: {error}") from error


def _check_header(line: int, fields: list[str]) -> None:
    expected = ",".join(CSV_HEADER)
    if fields:
        fields[0] = fields[0].removeprefix("\ufeff")  # spreadsheet exports often start with a BOM
    if len(fields) != len(CSV_HEADER):
        raise ValueError(f"line {line}: header must be exactly {expected}; found {len(fields)} column(s)")
    for column, (found, wanted) in enumerate(zip(fields, CSV_HEADER, strict=True), start=1):
        if found != wanted:
            raise ValueError(
                f"line {line}, column {column}: header must be exactly {expected}; "
                f"found {found!r} where {wanted!r} belongs"
            )


def _parse_row(line: int, fields: list[str]) -> Rating | None:
    """The row's rating, or None when its value is empty (missing)."""
    if len(fields) != len(CSV_HEADER):
        raise ValueError(f"line {line}: expected 3 fields (unit,rater,value); found {len(fields)}")
    unit, rater, value = fields
    for column, (name, field) in enumerate((("unit", unit), ("rater", rater)), start=1):
        if not field:
            raise ValueError(f"line {line}, column {column}: {name} is empty")
    return Rating(unit, rater, value) if value else None


def read_long_csv(stream: TextIO) -> list[Rating]:
    """Ratings from CSV text with the header ``unit,rater,value``; an empty value is a missing rating.

    Values stay text; use :func:`coerce_numeric` (or an ordinal, interval or ratio level) for numbers.

    Raises:
        ValueError: naming the line (and column where it applies) of a bad header, a row without exactly
            three fields, an empty unit or rater, or a second rating by the same rater for the same unit.
    """
    rows = _rows(stream)
    first = next(rows, None)
    if first is None:
        raise ValueError(f"line 1: the file is empty; expected the header {','.join(CSV_HEADER)}")
    _check_header(*first)
    ratings: list[Rating] = []
    seen: dict[tuple[str, str], int] = {}
    for line, fields in rows:
        rating = _parse_row(line, fields)
        if rating is None:
            continue
        earlier = seen.setdefault((rating.unit, rating.rater), line)
        if earlier != line:
            raise ValueError(
                f"line {line}: rater {rating.rater!r} already rated unit {rating.unit!r} on line {earlier}"
            )
        ratings.append(rating)
    return ratings
