"""Calibration sessions: sealed answers, alpha overall and per element, splits, golden-set accuracy."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.models import Case, Decision, Reviewer
from app.services.errors import Conflict, NotFound, PermissionDenied
from app.services.profile import Profile
from app.services.qa.agreement import Rating, krippendorff_alpha
from app.services.qa.calibration import (
    CreateCalibration,
    SubmitCalibrationAnswer,
    calibration_cases,
    calibration_report,
    calibrations,
)


def test_calibration_round(seeded: Profile) -> None:
    store = seeded.store
    people = dict(store.read(lambda s: s.execute(select(Reviewer.handle, Reviewer.id)).all()))
    decided = store.read(
        lambda s: list(s.execute(select(Decision.case_id, Decision.outcome).order_by(Decision.id).limit(3)))
    )
    cases = tuple(c for c, _o in decided)
    golden = tuple((c, o, ()) for c, o in decided)
    with pytest.raises(PermissionDenied):
        store.execute(CreateCalibration("Week 48", cases), people["srivera"])
    with pytest.raises(NotFound):
        store.execute(
            CreateCalibration("Week 48", ("nope",), participant_ids=(people["srivera"], people["asiddiqui"])),
            people["pnair"],
        )
    participants = ["srivera", "asiddiqui", "kwatanabe"]
    invited = tuple(people[h] for h in participants)
    calibration_id = store.execute(
        CreateCalibration("Week 48", cases, golden, invited), people["pnair"]
    ).created_ids[0]
    listed = store.read(calibrations)[0]
    assert (listed.id, listed.name, listed.golden, listed.cases) == (calibration_id, "Week 48", True, 3)
    views = store.read(lambda s: calibration_cases(s, calibration_id, people["srivera"]))
    assert [v.case_id for v in views] == list(cases)
    assert all(v.expected_outcome == "" for v in views)  # the golden answer is not shown to participants
    with pytest.raises(PermissionDenied):  # results only after answering everything
        store.read(lambda s: calibration_report(s, calibration_id, people["srivera"]))
    ratings = []
    for p_index, handle in enumerate(participants):
        for c_index, (view, (_case, expected)) in enumerate(zip(views, decided, strict=True)):
            # everyone agrees on the first case; the last participant splits on the others
            outcome = expected if p_index < 2 or c_index == 0 else "label"
            key = view.checklists[0].elements[0].key if view.checklists else "e1"
            answers = ((key, "met" if p_index != 1 else "unsure"),)
            store.execute(SubmitCalibrationAnswer(view.id, outcome, answers), people[handle])
            ratings.append(Rating(view.id, handle, outcome))
    with pytest.raises(Conflict):
        store.execute(SubmitCalibrationAnswer(views[0].id, "label"), people["srivera"])
    report = store.read(lambda s: calibration_report(s, calibration_id, people["srivera"]))
    assert report.answers == 9
    assert report.cases == 3
    assert len(report.participants) == 3
    if len({o for _c, o in decided}) > 1 or any(o != "label" for _c, o in decided[1:]):
        assert report.outcome_alpha.value == pytest.approx(krippendorff_alpha(ratings))
    split_cases = {s.case_id for s in report.splits if s.subject == "outcome"}
    assert cases[0] not in split_cases
    assert split_cases <= set(cases[1:])
    golden_accuracy = dict(report.golden_accuracy)
    names = dict(store.read(lambda s: s.execute(select(Reviewer.handle, Reviewer.name)).all()))
    assert golden_accuracy[names["srivera"]] == 1.0
    assert golden_accuracy[names["kwatanabe"]] == pytest.approx(
        sum(o == "label" for _c, o in decided[1:]) / 3 + 1 / 3
    )
    assert report.per_element  # alpha per checklist element
    # the lead sees the report without answering
    assert store.read(lambda s: calibration_report(s, calibration_id, people["pnair"])).answers == 9
    titles = dict(store.read(lambda s: s.execute(select(Case.id, Case.title)).all()))
    assert all(s.title == titles[s.case_id] for s in report.splits)
