"""Inter-rater agreement: published examples, brute-force cross-checks, degenerate data, bootstrap, CSV."""

from __future__ import annotations

import io
import math
import random
from collections import defaultdict
from collections.abc import Callable, Sequence

import pytest

from app.services.qa.agreement import (
    Level,
    Rating,
    UndefinedMetricError,
    all_metrics,
    bootstrap_interval,
    coerce_numeric,
    cohen_kappa,
    krippendorff_alpha,
    percent_agreement,
    read_long_csv,
)

LEVELS: tuple[Level, ...] = ("nominal", "ordinal", "interval", "ratio")

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", the 4 observers x 12 units example;
# "." is a missing value.
KRIPPENDORFF_2011 = {
    "A": "1 2 3 3 2 1 4 1 2 . . .",
    "B": "1 2 3 3 2 2 4 1 2 5 . 3",
    "C": ". 3 3 3 2 3 4 2 2 5 1 .",
    "D": "1 2 3 3 2 4 4 1 2 5 1 .",
}
PUBLISHED_ALPHA = {"nominal": 0.743, "ordinal": 0.815, "interval": 0.849, "ratio": 0.797}


def matrix_ratings(matrix: dict[str, str]) -> list[Rating]:
    return [
        Rating(f"u{i}", rater, value)
        for rater, line in matrix.items()
        for i, value in enumerate(line.split(), start=1)
        if value != "."
    ]


def pair_ratings(pairs: Sequence[tuple[str, str]]) -> list[Rating]:
    """Two raters, one unit per pair."""
    ratings: list[Rating] = []
    for i, (first, second) in enumerate(pairs):
        ratings += [Rating(f"u{i}", "first", first), Rating(f"u{i}", "second", second)]
    return ratings


def random_ratings(seed: int, raters: int, missing: float, categories: int = 5) -> list[Rating]:
    """Units on a 0..categories scale, raters agreeing more often than chance, some ratings missing."""
    rng = random.Random(seed)
    ratings: list[Rating] = []
    for unit in range(rng.randint(20, 60)):
        truth = rng.randint(0, categories)
        for rater in range(raters):
            if rng.random() < missing:
                continue
            value = truth if rng.random() < 0.6 else rng.randint(0, categories)
            ratings.append(Rating(f"u{unit}", f"r{rater}", str(value)))
    return ratings


# --- independent, straightforward implementations ---------------------------------------------------


def naive_alpha(ratings: Sequence[Rating], level: Level) -> float:
    """Krippendorff's alpha straight from the definition: coincidences over all pairable value pairs."""
    by_unit: dict[str, list[float]] = defaultdict(list)
    for rating in ratings:
        by_unit[rating.unit].append(float(rating.value))
    pairable = [values for values in by_unit.values() if len(values) >= 2]
    categories = sorted({v for values in pairable for v in values})
    o: dict[tuple[float, float], float] = defaultdict(float)
    for values in pairable:
        for i, c in enumerate(values):
            for j, k in enumerate(values):
                if i != j:
                    o[c, k] += 1 / (len(values) - 1)
    n_c = {c: sum(o[c, k] for k in categories) for c in categories}
    n = sum(n_c.values())

    def delta(c: float, k: float) -> float:
        if level == "nominal":
            return 0.0 if c == k else 1.0
        if level == "ordinal":
            low, high = min(c, k), max(c, k)
            between = sum(n_c[g] for g in categories if low <= g <= high)
            return (between - (n_c[c] + n_c[k]) / 2) ** 2
        if level == "interval":
            return (c - k) ** 2
        return ((c - k) / (c + k)) ** 2 if c + k else 0.0

    d_o = sum(o[c, k] * delta(c, k) for c in categories for k in categories) / n
    d_e = sum(n_c[c] * n_c[k] * delta(c, k) for c in categories for k in categories) / (n * (n - 1))
    return 1 - d_o / d_e


def naive_kappa(pairs: Sequence[tuple[str, str]]) -> float:
    n = len(pairs)
    categories = {a for a, _ in pairs} | {b for _, b in pairs}
    p_o = sum(a == b for a, b in pairs) / n
    p_e = sum((sum(a == c for a, _ in pairs) / n) * (sum(b == c for _, b in pairs) / n) for c in categories)
    return (p_o - p_e) / (1 - p_e)


# --- Krippendorff's alpha ---------------------------------------------------------------------------


@pytest.mark.parametrize("level", LEVELS)
def test_alpha_reproduces_krippendorff_2011_example(level: Level) -> None:
    alpha = krippendorff_alpha(matrix_ratings(KRIPPENDORFF_2011), level)
    assert round(alpha, 3) == PUBLISHED_ALPHA[level]


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("seed", range(10))
def test_alpha_two_raters_no_missing_matches_brute_force(level: Level, seed: int) -> None:
    ratings = random_ratings(seed, raters=2, missing=0.0)
    assert krippendorff_alpha(ratings, level) == pytest.approx(naive_alpha(ratings, level), abs=1e-9)


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("seed", range(10))
def test_alpha_many_raters_with_missing_matches_brute_force(level: Level, seed: int) -> None:
    ratings = random_ratings(100 + seed, raters=2 + seed % 4, missing=0.3, categories=7)
    assert krippendorff_alpha(ratings, level) == pytest.approx(naive_alpha(ratings, level), abs=1e-9)


def test_alpha_brute_force_agrees_with_published_example() -> None:
    ratings = matrix_ratings(KRIPPENDORFF_2011)
    for level in LEVELS:
        assert naive_alpha(ratings, level) == pytest.approx(krippendorff_alpha(ratings, level), abs=1e-12)


def test_alpha_drops_units_with_a_single_rating() -> None:
    ratings = matrix_ratings(KRIPPENDORFF_2011)
    lonely = [*ratings, Rating("lonely", "A", "5"), Rating("another", "B", "1")]
    for level in LEVELS:
        assert krippendorff_alpha(lonely, level) == krippendorff_alpha(ratings, level)


def test_alpha_is_one_for_perfect_agreement_and_needs_two_values() -> None:
    assert krippendorff_alpha(pair_ratings([("a", "a"), ("b", "b")])) == 1.0
    with pytest.raises(UndefinedMetricError, match="every rating falls in one category"):
        krippendorff_alpha(pair_ratings([("a", "a"), ("a", "a")]))


@pytest.mark.parametrize("level", LEVELS)
def test_alpha_one_category_is_undefined(level: Level) -> None:
    with pytest.raises(UndefinedMetricError, match="every rating falls in one category"):
        krippendorff_alpha(pair_ratings([("3", "3")] * 5), level)


@pytest.mark.parametrize("level", LEVELS)
def test_alpha_without_pairable_units_is_undefined(level: Level) -> None:
    singles = [Rating("u1", "a", "1"), Rating("u2", "b", "2")]
    for ratings in ([], singles):
        with pytest.raises(UndefinedMetricError, match="no unit has two or more ratings"):
            krippendorff_alpha(ratings, level)


def test_ordinal_orders_numbers_numerically_and_text_by_sorting() -> None:
    numeric = pair_ratings([("9", "10"), ("10", "10"), ("2", "9"), ("10", "11")])
    as_floats = [Rating(r.unit, r.rater, float(r.value)) for r in numeric]
    assert krippendorff_alpha(numeric, "ordinal") == krippendorff_alpha(as_floats, "ordinal")
    # Text keeps string order: "c-high" > "b-mid" > "a-low" behaves like 3 > 2 > 1.
    codes = {"1": "a-low", "2": "b-mid", "3": "c-high"}
    scale = pair_ratings([("1", "2"), ("2", "2"), ("3", "3"), ("1", "1"), ("3", "2")])
    text = [Rating(r.unit, r.rater, codes[str(r.value)]) for r in scale]
    assert krippendorff_alpha(text, "ordinal") == pytest.approx(krippendorff_alpha(scale, "ordinal"))


def test_alpha_rejects_values_that_do_not_suit_the_level() -> None:
    with pytest.raises(ValueError, match="unit 'u0', rater 'first'"):
        krippendorff_alpha(pair_ratings([("spam", "1"), ("2", "2")]), "interval")
    with pytest.raises(ValueError, match="ratio level needs values >= 0"):
        krippendorff_alpha(pair_ratings([("-1", "1"), ("2", "2")]), "ratio")
    with pytest.raises(ValueError, match="unknown level"):
        krippendorff_alpha(pair_ratings([("1", "1")]), "cardinal")  # type: ignore[arg-type]


def test_a_rater_may_rate_a_unit_only_once() -> None:
    twice = [Rating("u1", "a", "1"), Rating("u1", "a", "2"), Rating("u1", "b", "1")]
    for metric in (percent_agreement, cohen_kappa, krippendorff_alpha):
        with pytest.raises(ValueError, match="rater 'a' rated unit 'u1' more than once"):
            metric(twice)


# --- percent agreement ------------------------------------------------------------------------------


def test_percent_agreement_averages_pairwise_agreement_over_units() -> None:
    ratings = [
        # u1: 1 of 3 pairs agree; u2: 1 of 1; u3 has a single rating and is dropped.
        *(Rating("u1", rater, value) for rater, value in (("a", "x"), ("b", "x"), ("c", "y"))),
        *(Rating("u2", rater, "x") for rater in ("a", "b")),
        Rating("u3", "a", "y"),
    ]
    assert percent_agreement(ratings) == pytest.approx((1 / 3 + 1) / 2)
    assert percent_agreement(pair_ratings([("a", "a")] * 3)) == 1.0


def test_percent_agreement_needs_a_pairable_unit() -> None:
    for ratings in ([], [Rating("u1", "a", "x")]):
        with pytest.raises(UndefinedMetricError, match="no unit has two or more ratings"):
            percent_agreement(ratings)


# --- Cohen's kappa ----------------------------------------------------------------------------------


def test_kappa_textbook_example() -> None:
    # Wikipedia, "Cohen's kappa": 50 proposals, 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no.
    pairs = [("yes", "yes")] * 20 + [("yes", "no")] * 5 + [("no", "yes")] * 10 + [("no", "no")] * 15
    assert cohen_kappa(pair_ratings(pairs)) == pytest.approx(0.4, abs=1e-12)


@pytest.mark.parametrize("seed", range(25))
def test_kappa_matches_straightforward_implementation(seed: int) -> None:
    rng = random.Random(seed)
    pairs = [(rng.choice("abcd"), rng.choice("abcd")) for _ in range(rng.randint(5, 80))]
    ratings = pair_ratings(pairs)
    # Units only one rater saw must not count.
    ratings += [Rating(f"solo{i}", rng.choice(["first", "second"]), "a") for i in range(rng.randint(0, 5))]
    rng.shuffle(ratings)
    assert cohen_kappa(ratings) == pytest.approx(naive_kappa(pairs), abs=1e-9)


def test_kappa_and_nominal_alpha_nearly_agree_when_marginals_match() -> None:
    # With equal marginals kappa is Scott's pi, and alpha differs from pi by O(1/n): the scales line up.
    pairs = [("a", "a")] * 400 + [("a", "b")] * 100 + [("b", "b")] * 400 + [("b", "a")] * 100
    assert cohen_kappa(pair_ratings(pairs)) == pytest.approx(
        krippendorff_alpha(pair_ratings(pairs)), abs=1e-3
    )


def test_kappa_needs_exactly_two_raters() -> None:
    three = [Rating("u1", rater, "x") for rater in ("a", "b", "c")]
    with pytest.raises(UndefinedMetricError, match="Cohen's kappa needs exactly two raters; found 3"):
        cohen_kappa(three)
    with pytest.raises(UndefinedMetricError, match="found 0"):
        cohen_kappa([])


def test_kappa_degenerate_cases() -> None:
    with pytest.raises(UndefinedMetricError, match="every rating falls in one category"):
        cohen_kappa(pair_ratings([("x", "x")] * 4))
    with pytest.raises(UndefinedMetricError, match="no unit was rated by both raters"):
        cohen_kappa([Rating("u1", "a", "x"), Rating("u2", "b", "x")])
    # Each rater constant but different: chance agreement is 0, observed 0.
    assert cohen_kappa(pair_ratings([("x", "y")] * 4)) == 0.0


# --- bootstrap --------------------------------------------------------------------------------------


def test_bootstrap_is_reproducible_and_brackets_the_estimate() -> None:
    ratings = random_ratings(7, raters=3, missing=0.2)
    alpha = krippendorff_alpha(ratings)
    first = bootstrap_interval(ratings, krippendorff_alpha, samples=300, seed=42)
    assert first == bootstrap_interval(ratings, krippendorff_alpha, samples=300, seed=42)
    assert first != bootstrap_interval(ratings, krippendorff_alpha, samples=300, seed=43)
    low, high = first
    assert low <= alpha <= high
    assert 0 < high - low < 1


def test_bootstrap_wider_confidence_gives_wider_interval() -> None:
    ratings = random_ratings(8, raters=2, missing=0.0)
    low90, high90 = bootstrap_interval(ratings, percent_agreement, samples=300, confidence=0.90)
    low99, high99 = bootstrap_interval(ratings, percent_agreement, samples=300, confidence=0.99)
    assert low99 <= low90 <= high90 <= high99


def test_bootstrap_skips_undefined_resamples_and_fails_when_all_are() -> None:
    # Two units: resamples drawing the same unit twice have one category and are skipped.
    ratings = pair_ratings([("a", "a"), ("b", "b")])
    assert bootstrap_interval(ratings, krippendorff_alpha, samples=50) == (1.0, 1.0)
    with pytest.raises(UndefinedMetricError, match="undefined on every bootstrap resample"):
        bootstrap_interval(pair_ratings([("a", "a")] * 3), krippendorff_alpha, samples=20)


def test_bootstrap_rejects_bad_settings() -> None:
    ratings = pair_ratings([("a", "b"), ("b", "b")])
    with pytest.raises(ValueError, match="at least one resample"):
        bootstrap_interval(ratings, percent_agreement, samples=0)
    for confidence in (0.0, 1.0, math.nan):
        with pytest.raises(ValueError, match="confidence"):
            bootstrap_interval(ratings, percent_agreement, confidence=confidence)


# --- all metrics ------------------------------------------------------------------------------------


@pytest.mark.parametrize("level", LEVELS)
def test_all_metrics_match_the_individual_functions(level: Level) -> None:
    ratings = random_ratings(11, raters=2, missing=0.1)
    estimates = {e.metric: e for e in all_metrics(ratings, level, samples=200, seed=5)}
    metrics: dict[str, Callable[[Sequence[Rating]], float]] = {
        "percent_agreement": percent_agreement,
        "cohen_kappa": cohen_kappa,
        "krippendorff_alpha": lambda r: krippendorff_alpha(r, level),
    }
    assert list(estimates) == list(metrics)
    for name, metric in metrics.items():
        estimate = estimates[name]
        assert estimate.error is None
        assert estimate.value == pytest.approx(metric(ratings), abs=1e-12)
        assert estimate.low is not None
        assert estimate.high is not None
        expected = bootstrap_interval(ratings, metric, samples=200, seed=5)
        assert (estimate.low, estimate.high) == pytest.approx(expected, abs=1e-12)
        assert estimate.low <= estimate.value <= estimate.high


def test_all_metrics_reports_errors_instead_of_raising() -> None:
    estimates = {e.metric: e for e in all_metrics(matrix_ratings(KRIPPENDORFF_2011), "interval", samples=100)}
    kappa = estimates["cohen_kappa"]
    assert math.isnan(kappa.value)
    assert (kappa.low, kappa.high, kappa.n_units) == (None, None, 0)
    assert kappa.error == "Cohen's kappa needs exactly two raters; found 4"
    alpha = estimates["krippendorff_alpha"]
    assert round(alpha.value, 3) == 0.849
    assert alpha.n_units == 11  # unit 12 has a single value
    assert alpha.error is None

    constant = {e.metric: e for e in all_metrics(pair_ratings([("x", "x")] * 3), samples=50)}
    assert constant["percent_agreement"].value == 1.0
    assert (constant["percent_agreement"].low, constant["percent_agreement"].high) == (1.0, 1.0)
    for name in ("cohen_kappa", "krippendorff_alpha"):
        assert constant[name].error == "agreement is undefined: every rating falls in one category"


def test_all_metrics_on_empty_input() -> None:
    estimates = all_metrics([], samples=10)
    assert [e.error for e in estimates] == [
        "no unit has two or more ratings",
        "Cohen's kappa needs exactly two raters; found 0",
        "no unit has two or more ratings",
    ]


def test_all_metrics_propagates_input_errors() -> None:
    with pytest.raises(ValueError, match="not a finite number"):
        all_metrics(pair_ratings([("spam", "1")]), "interval")


# --- CSV and coercion -------------------------------------------------------------------------------


def test_read_long_csv_good_file_with_missing_ratings() -> None:
    text = " unit , rater ,value\nc1,ann,spam\nc1,bob, spam \n\nc2,ann,ok\nc2,bob,\nc2,cy,ok\nc3,bob,spam\n"
    ratings = read_long_csv(io.StringIO(text))
    assert ratings == [
        Rating("c1", "ann", "spam"),
        Rating("c1", "bob", "spam"),
        Rating("c2", "ann", "ok"),
        Rating("c2", "cy", "ok"),
        Rating("c3", "bob", "spam"),
    ]
    assert percent_agreement(ratings) == 1.0


def test_read_long_csv_accepts_a_byte_order_mark_and_quoted_fields() -> None:
    ratings = read_long_csv(io.StringIO('\ufeffunit,rater,value\n"c,1",ann,"a, b"\n'))
    assert ratings == [Rating("c,1", "ann", "a, b")]


@pytest.mark.parametrize(
    ("header", "fragment"),
    [
        ("unit,coder,value", "line 1, column 2"),
        ("rater,unit,value", "line 1, column 1"),
        ("unit,rater", "line 1: header must be exactly unit,rater,value"),
        ("unit,rater,value,note", "line 1: header must be exactly unit,rater,value"),
    ],
)
def test_read_long_csv_bad_header_names_line_1(header: str, fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        read_long_csv(io.StringIO(f"{header}\nc1,ann,spam\n"))


def test_read_long_csv_empty_file() -> None:
    with pytest.raises(ValueError, match="line 1: the file is empty"):
        read_long_csv(io.StringIO(""))


def test_read_long_csv_wrong_field_count_names_its_line() -> None:
    with pytest.raises(ValueError, match="line 4: expected 3 fields"):
        read_long_csv(io.StringIO("unit,rater,value\nc1,ann,spam\n\nc1,bob\n"))
    with pytest.raises(ValueError, match=r"line 3: expected 3 fields .* found 4"):
        read_long_csv(io.StringIO("unit,rater,value\nc1,ann,spam\nc1,bob,spam,extra\n"))


def test_read_long_csv_rejects_empty_ids_and_duplicates() -> None:
    with pytest.raises(ValueError, match="line 2, column 2: rater is empty"):
        read_long_csv(io.StringIO("unit,rater,value\nc1,,spam\n"))
    with pytest.raises(ValueError, match="line 4: rater 'ann' already rated unit 'c1' on line 2"):
        read_long_csv(io.StringIO("unit,rater,value\nc1,ann,spam\nc1,bob,ok\nc1,ann,ok\n"))


def test_coerce_numeric() -> None:
    ratings = [Rating("u1", "a", " 2.5 "), Rating("u1", "b", 3.0), Rating("u2", "a", "-1")]
    assert coerce_numeric(ratings) == [
        Rating("u1", "a", 2.5),
        Rating("u1", "b", 3.0),
        Rating("u2", "a", -1.0),
    ]
    for bad in ("high", "", "nan", "inf"):
        with pytest.raises(ValueError, match=f"unit 'u7', rater 'bob': value '{bad}' is not a finite number"):
            coerce_numeric([Rating("u1", "a", "1"), Rating("u7", "bob", bad)])
