"""Sampling stays index-backed and interactive on a large frame.

The frame is filled straight in SQL (the sampler reads only qa_frame). 120,000 decisions by default; set
ARBITER_QA_SCALE=1000000 for the full million (about a minute to build).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from app.models.store import open_store
from app.services.commanding import Store
from app.services.qa.sampling import SampleSpec, draw, query_plans

ROWS = int(os.environ.get("ARBITER_QA_SCALE", "120000"))
FILL = """
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :rows)
INSERT INTO qa_frame (decision_id, case_id, decided_at, prn, queue, policy, reviewer, outcome, language, region,
                      severity, views, overturned, unsure, risk)
SELECT lower(hex(randomblob(16))), lower(hex(randomblob(16))),
       datetime('2025-01-01', '+' || (i * 3) || ' minutes'),
       abs(random()) % 281474976710656,
       'queue-' || (abs(random()) % 12), substr('HCVSPICSSHIM', 1 + 2 * (abs(random()) % 6), 2),
       'reviewer-' || (abs(random()) % 80), CASE abs(random()) % 3 WHEN 0 THEN 'no_violation'
       WHEN 1 THEN 'remove_content' ELSE 'label' END, substr('enurjahiesfr', 1 + 2 * (abs(random()) % 6), 2),
       'R' || (abs(random()) % 30), 1 + abs(random()) % 4, abs(random()) % 200000, 0, 0, abs(random()) % 64
FROM n
"""


@pytest.fixture(scope="module")
def big_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    engine = open_store(Path(tmp_path_factory.mktemp("qa-scale")) / "scale.db")
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")  # frame rows without decision rows
        connection.exec_driver_sql("PRAGMA synchronous=OFF")
        connection.exec_driver_sql("PRAGMA cache_size=-400000")  # random-order index inserts need the cache
        connection.exec_driver_sql(FILL.replace(":rows", str(ROWS)))
        connection.commit()
    yield Store(engine)
    engine.dispose()


@pytest.mark.parametrize("dimension", ["queue", "policy", "reviewer", "outcome", "language", "region"])
def test_counts_and_walks_use_the_stratum_indexes(big_store: Store, dimension: str) -> None:
    count, walk = big_store.read(lambda s: query_plans(s, SampleSpec("stratified", 400, 1, by=dimension)))
    assert f"COVERING INDEX ix_qa_frame_{dimension}_decided" in count
    assert (
        f"SEARCH qa_frame USING COVERING INDEX ix_qa_frame_{dimension}_prn ({dimension}=? AND prn>?)" in walk
    )
    assert "TEMP B-TREE" not in walk  # the index order is the sample order: no sort


def test_unstratified_and_risk_samples_use_their_indexes(big_store: Store) -> None:
    _count, walk = big_store.read(lambda s: query_plans(s, SampleSpec("random", 400, 1)))
    assert "SEARCH qa_frame USING COVERING INDEX ix_qa_frame_prn (prn>?)" in walk
    _count, walk = big_store.read(lambda s: query_plans(s, SampleSpec("risk", 400, 1)))
    assert "ix_qa_frame_risk_prn (risk=? AND prn>?)" in walk
    dated = SampleSpec(
        "stratified", 400, 1, by="language", date_from=date(2025, 2, 1), date_to=date(2025, 2, 9)
    )
    count, walk = big_store.read(lambda s: query_plans(s, dated))
    assert (
        count == "SCAN qa_frame USING COVERING INDEX ix_qa_frame_language_decided"
    )  # one pass for all strata
    # the date test runs on the index entries the walk visits
    assert "SEARCH qa_frame USING COVERING INDEX ix_qa_frame_language_prn (language=? AND prn>?)" in walk


@pytest.mark.parametrize(
    "spec",
    [
        SampleSpec("random", 400, 7),
        SampleSpec("stratified", 400, 7, by="queue"),
        SampleSpec("stratified", 400, 7, by="reviewer", allocation="equal"),
        SampleSpec("risk", 400, 7),
        SampleSpec("stratified", 400, 7, by="language", date_from=date(2025, 2, 1), date_to=date(2025, 2, 3)),
        SampleSpec("stratified", 400, 7, by="region", date_from=date(2025, 1, 1), date_to=date(2026, 12, 31)),
    ],
    ids=["random", "queue", "reviewer-equal", "risk", "narrow-dates", "wide-dates"],
)
def test_a_sample_of_400_is_interactive(big_store: Store, spec: SampleSpec) -> None:
    started = time.perf_counter()
    sample = big_store.read(lambda s: draw(s, spec))
    elapsed = time.perf_counter() - started
    assert len(sample.picks) == min(400, sample.population)
    assert len({p.decision_id for p in sample.picks}) == len(sample.picks)
    # Generous for slow CI machines; typically 20-80 ms at 120,000 and well under a second at a million.
    assert elapsed < 0.5 * max(1, ROWS / 120_000) ** 0.5 + 0.5, f"{elapsed:.2f} s"
