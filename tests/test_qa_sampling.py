"""Sampling past decisions: the frame (staged by a trigger, applied before a draw), allocation,
reproducibility, strata, dates, risk."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select, text

from app.models import Case, Decision, QaFrame, Reviewer
from app.services.errors import InvalidInput, PermissionDenied
from app.services.profile import Profile
from app.services.qa import sampling
from app.services.qa.batches import CreateBatch, batch, batch_items
from app.services.qa.sampling import SampleSpec, allocate, allocate_equal, draw, prn, risk_class, risk_weight


def _people(profile: Profile) -> dict[str, str]:
    return dict(profile.store.read(lambda s: s.execute(select(Reviewer.handle, Reviewer.id)).all()))


def test_frame_has_one_row_per_decision_with_the_sql_prn(seeded: Profile) -> None:
    def check(session):  # type: ignore[no-untyped-def]
        sampling.catch_up(session)
        decisions = session.scalar(select(func.count()).select_from(Decision))
        rows = list(
            session.execute(select(QaFrame.decision_id, QaFrame.prn, QaFrame.queue, QaFrame.reviewer))
        )
        assert decisions > 50
        assert len(rows) == decisions
        for decision_id, value, _queue, _reviewer in rows:
            assert value == prn(decision_id)
            assert 0 <= value < sampling.PRN_SPACE
        joined = session.execute(
            select(QaFrame.queue, Case.queue_id, QaFrame.reviewer, Decision.author_id)
            .join(Decision, Decision.id == QaFrame.decision_id)
            .join(Case, Case.id == Decision.case_id)
        ).all()
        assert all(q == cq and r == a for q, cq, r, a in joined)

    seeded.store.read(check)


def test_prn_of_odd_ids_matches_sql_rules() -> None:
    assert prn("ffffffff-ffff-4fff") == sampling.PRN_SPACE - 1
    assert prn("") == 0
    assert prn("zz") == 0


def test_a_changed_outcome_marks_the_earlier_decision_overturned(
    worked_case: Profile, people: dict[str, str]
) -> None:
    from app.services.case_commands import ReopenCase
    from app.services.review_commands import RecordDecision

    store = worked_case.store
    case_id = worked_case.case_id  # type: ignore[attr-defined]
    store.write(sampling.catch_up)
    first = store.read(lambda s: s.scalar(select(QaFrame).where(QaFrame.case_id == case_id)))
    assert not first.overturned
    store.execute(ReopenCase(case_id, "Appeal upheld"), people["srivera"])
    store.execute(
        RecordDecision(case_id, "no_violation", "On appeal: public interest.", override_reason="appeal"),
        people["srivera"],
    )
    assert store.write(sampling.catch_up) == 1
    rows = store.read(lambda s: list(s.scalars(select(QaFrame).where(QaFrame.case_id == case_id))))
    earlier = next(r for r in rows if r.decision_id == first.decision_id)
    assert earlier.overturned
    assert earlier.risk == risk_class(earlier.severity, earlier.views, True, earlier.unsure)
    assert len(rows) == 2


@pytest.mark.parametrize(
    ("sizes", "total", "expected"),
    [
        ({"a": 100, "b": 50, "c": 50}, 20, {"a": 10, "b": 5, "c": 5}),
        ({"a": 1000, "b": 10}, 100, {"a": 99, "b": 1}),
        ({"a": 3, "b": 100}, 50, {"a": 1, "b": 49}),
        ({"a": 3, "b": 4}, 50, {"a": 3, "b": 4}),
        ({"a": 0, "b": 10}, 5, {"a": 0, "b": 5}),
    ],
)
def test_proportional_allocation(sizes: dict[str, int], total: int, expected: dict[str, int]) -> None:
    assert allocate(sizes, total) == expected


def test_equal_allocation_gives_what_a_small_stratum_cannot_take_to_the_others() -> None:
    assert allocate_equal({"a": 2, "b": 100, "c": 100}, 30) == {"a": 2, "b": 14, "c": 14}
    assert allocate_equal({"a": 50, "b": 50, "c": 50}, 30) == {"a": 10, "b": 10, "c": 10}


@given(
    st.dictionaries(st.text("abcdef", min_size=1, max_size=3), st.integers(0, 500), min_size=1, max_size=12),
    st.integers(1, 2000),
    st.booleans(),
)
def test_allocation_invariants(sizes: dict[str, int], total: int, equal: bool) -> None:
    result = allocate_equal(sizes, total) if equal else allocate(sizes, total)
    assert sum(result.values()) == min(total, sum(sizes.values()))
    assert all(0 <= result[k] <= sizes[k] for k in sizes)
    if not equal and total <= sum(sizes.values()):
        population = sum(sizes.values())
        # within one of the quota wherever no stratum hit its size
        if all(result[k] < sizes[k] or sizes[k] == 0 for k in sizes):
            assert all(abs(result[k] - total * sizes[k] / population) < 1 + 1e-9 for k in sizes)


def test_same_seed_same_sample_other_seed_other_sample(seeded: Profile) -> None:
    spec = SampleSpec("stratified", 25, seed=11, by="queue")
    first = seeded.store.read(lambda s: draw(s, spec))
    again = seeded.store.read(lambda s: draw(s, spec))
    other = seeded.store.read(lambda s: draw(s, SampleSpec("stratified", 25, seed=12, by="queue")))
    assert first == again
    assert {p.decision_id for p in first.picks} != {p.decision_id for p in other.picks}
    assert len({p.decision_id for p in first.picks}) == 25


@pytest.mark.parametrize("dimension", ["queue", "policy", "reviewer", "outcome", "language", "region"])
@pytest.mark.parametrize("allocation", ["proportional", "equal"])
def test_stratified_sample_follows_its_allocation(seeded: Profile, dimension: str, allocation: str) -> None:
    spec = SampleSpec("stratified", 30, seed=3, by=dimension, allocation=allocation)
    sample = seeded.store.read(lambda s: draw(s, spec))
    column = getattr(QaFrame, dimension)
    truth = dict(seeded.store.read(lambda s: s.execute(select(column, func.count()).group_by(column)).all()))
    assert {s.key: s.population for s in sample.strata} == {str(k): v for k, v in truth.items()}
    expected = allocate(truth, 30) if allocation == "proportional" else allocate_equal(truth, 30)
    assert {s.key: s.allocated for s in sample.strata} == {str(k): v for k, v in expected.items()}
    got = Counter(p.stratum for p in sample.picks)
    assert all(got[s.key] == s.allocated for s in sample.strata)
    members = dict(seeded.store.read(lambda s: s.execute(select(QaFrame.decision_id, column)).all()))
    assert all(str(members[p.decision_id]) == p.stratum for p in sample.picks)
    assert all(abs(p.weight - truth[p.stratum] / expected[p.stratum]) < 1e-9 for p in sample.picks)


def test_simple_random_sample_gives_every_decision_the_same_chance(seeded: Profile) -> None:
    seeded.store.write(sampling.catch_up)
    population = seeded.store.read(lambda s: s.scalar(select(func.count()).select_from(QaFrame)))
    counts: Counter[str] = Counter()
    rounds, size = 300, 20

    def work(session):  # type: ignore[no-untyped-def]
        for seed in range(rounds):
            counts.update(p.decision_id for p in draw(session, SampleSpec("random", size, seed=seed)).picks)

    seeded.store.read(work)
    expected = rounds * size / population
    assert len(counts) == population  # every decision can be drawn
    assert max(counts.values()) < 2.2 * expected
    assert min(counts.values()) > 0.3 * expected


def test_date_range_is_inclusive_and_both_reading_paths_draw_the_same(
    seeded: Profile, monkeypatch: pytest.MonkeyPatch
) -> None:
    seeded.store.write(sampling.catch_up)
    days = seeded.store.read(lambda s: [d.date() for d in s.scalars(select(QaFrame.decided_at))])
    start, end = sorted(days)[len(days) // 4], sorted(days)[3 * len(days) // 4]
    spec = SampleSpec("stratified", 15, seed=5, by="language", date_from=start, date_to=end)
    with monkeypatch.context() as patch:
        patch.setattr(sampling, "_walk", sampling._dense)  # every stratum read through the date index
        dense = seeded.store.read(lambda s: draw(s, spec))
    monkeypatch.setattr(sampling, "DENSE_LIMIT", 0)  # every stratum walked in PRN order
    walked = seeded.store.read(lambda s: draw(s, spec))
    assert dense == walked
    decided = dict(
        seeded.store.read(lambda s: s.execute(select(QaFrame.decision_id, QaFrame.decided_at)).all())
    )
    assert all(start <= decided[p.decision_id].date() <= end for p in dense.picks)
    assert dense.population == sum(1 for d in days if start <= d <= end)
    empty = SampleSpec("random", 5, seed=1, date_from=date(2000, 1, 1), date_to=date(2000, 1, 2))
    assert seeded.store.read(lambda s: draw(s, empty)).picks == ()


def test_risk_weighting_favours_risky_decisions(seeded: Profile) -> None:
    assert risk_weight(risk_class(4, 200_000, True, True)) == 4 * 4 * 3 * 2
    assert risk_weight(risk_class(1, 10, False, False)) == 1
    sample = seeded.store.read(lambda s: draw(s, SampleSpec("risk", 30, seed=2)))
    sizes = {s.key: s.population for s in sample.strata}
    assert {s.key: s.allocated for s in sample.strata} == allocate(
        sizes, 30, {k: risk_weight(int(k)) for k in sizes}
    )
    rates = sorted(
        (risk_weight(int(s.key)), s.allocated / s.population) for s in sample.strata if s.population >= 3
    )
    assert rates[-1][0] > rates[0][0]
    assert rates[-1][1] > rates[0][1]  # the riskiest class is sampled at a higher rate than the mildest


def test_create_batch_stores_parameters_and_can_be_drawn_again(seeded: Profile) -> None:
    people = _people(seeded)
    spec = SampleSpec("stratified", 12, seed=99, by="outcome", allocation="equal", date_from=date(2020, 1, 1))
    changes = seeded.store.execute(CreateBatch("Outcome check", spec), people["mpark"])
    batch_id = changes.created_ids[0]
    info = seeded.store.read(lambda s: batch(s, batch_id))
    assert info.parameters["seed"] == 99
    assert info.size == 12
    assert sum(s.allocated for s in info.strata) == 12
    again = seeded.store.read(lambda s: draw(s, SampleSpec.from_parameters(info.parameters)))
    items = seeded.store.read(lambda s: batch_items(s, batch_id, people["mpark"]))
    stored = seeded.store.read(
        lambda s: [
            r[0]
            for r in s.execute(
                text("SELECT decision_id FROM qa_batch_item WHERE batch_id = :b ORDER BY position"),
                {"b": batch_id},
            )
        ]
    )
    assert stored == [p.decision_id for p in again.picks]
    assert [i.position for i in items] == list(range(1, 13))
    assert not any(i.reviewed for i in items)
    events = seeded.store.read(
        lambda s: s.execute(
            text("SELECT count(*) FROM audit_event WHERE action = 'qa.batch_created'")
        ).scalar()
    )
    outbox = seeded.store.read(
        lambda s: s.execute(
            text("SELECT count(*) FROM outbox WHERE entity IN ('qa_batch', 'qa_batch_item')")
        ).scalar()
    )
    assert events == 1
    assert outbox == 13


def test_sampling_needs_a_qa_or_lead_role_and_sane_input(seeded: Profile) -> None:
    people = _people(seeded)
    with pytest.raises(PermissionDenied):
        seeded.store.execute(CreateBatch("Mine", SampleSpec()), people["srivera"])
    for bad in (
        SampleSpec("stratified", 10, by=None),
        SampleSpec("random", 0),
        SampleSpec("cluster", 10),
        SampleSpec("random", 10, date_from=date(2026, 2, 1), date_to=date(2026, 1, 1)),
    ):
        with pytest.raises(InvalidInput):
            seeded.store.execute(CreateBatch("Bad", bad), people["mpark"])


def test_date_helpers_cover_whole_days() -> None:
    spec = SampleSpec(date_from=date(2026, 1, 1), date_to=date(2026, 1, 1))
    low, high = sampling._date_bounds(spec)
    assert low is not None
    assert high is not None
    assert high - low == timedelta(days=1)
