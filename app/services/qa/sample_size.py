"""How many past decisions a QA audit must re-review to estimate a rate within a margin of error."""

from __future__ import annotations

import math
from statistics import NormalDist


def _check(population: int, confidence: float, margin: float, proportion: float) -> None:
    if population < 1:
        raise ValueError(f"population must be at least 1; got {population}")
    # Written as "not inside" so that NaN is refused too.
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie strictly between 0 and 1; got {confidence}")
    if not 0 < margin < 1:
        raise ValueError(f"margin must lie strictly between 0 and 1; got {margin}")
    if not 0 <= proportion <= 1:
        raise ValueError(f"proportion must lie between 0 and 1; got {proportion}")


def sample_size(
    population: int, confidence: float = 0.95, margin: float = 0.05, proportion: float = 0.5
) -> int:
    """Cochran's sample size with the finite population correction.

    ``n0 = z**2 p (1 - p) / margin**2`` with ``z`` the two-sided normal quantile for ``confidence``, then
    ``n = n0 / (1 + (n0 - 1) / population)``, rounded up. ``proportion`` is the expected rate; 0.5 (the
    default) is the most cautious guess. The answer is at least 1, since an empty audit measures nothing,
    and never more than ``population``.

    Raises:
        ValueError: population below 1, confidence or margin outside (0, 1), proportion outside [0, 1].
    """
    _check(population, confidence, margin, proportion)
    z = NormalDist().inv_cdf(1 - (1 - confidence) / 2)
    n0 = z * z * proportion * (1 - proportion) / (margin * margin)
    if n0 <= 1:  # also avoids 0 / 0 when proportion is 0 or 1 and population is 1
        return 1
    n = n0 / (1 + (n0 - 1) / population)
    # Shave float noise so an exact integer result is not pushed up by one.
    return min(population, math.ceil(n - 1e-9))
