"""`arbiter qa calibration …` from the command line, and who may do what with a calibration session."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from app.cli import main
from app.models import Case, Decision, Reviewer
from app.services.errors import InvalidInput, PermissionDenied
from app.services.profile import Profile
from app.services.qa.calibration import (
    CreateCalibration,
    SubmitCalibrationAnswer,
    calibration_cases,
    calibration_report,
    calibrations,
)


def _people(profile: Profile) -> dict[str, str]:
    return dict(profile.store.read(lambda s: s.execute(select(Reviewer.handle, Reviewer.id)).all()))


def _refs(profile: Profile, count: int = 3) -> list[tuple[str, str, str]]:
    """(case id, external reference, decided outcome) of a few decided cases."""
    return profile.store.read(
        lambda s: list(
            s.execute(
                select(Case.id, Case.external_ref, Decision.outcome)
                .join(Decision, Decision.case_id == Case.id)
                .order_by(Case.external_ref)
                .limit(count)
            )
        )
    )


def _cli(profile: Profile, *args: str) -> int:
    return main(["--data-dir", str(profile.path.parent.parent.parent), "--profile", profile.name, *args])


@pytest.fixture
def session_id(seeded: Profile) -> str:
    people = _people(seeded)
    cases = _refs(seeded)
    command = CreateCalibration(
        "Week 48",
        tuple(c for c, _r, _o in cases),
        ((cases[0][0], cases[0][2], ()),),
        (people["srivera"], people["asiddiqui"]),
    )
    calibration_id = seeded.store.execute(command, people["pnair"]).created_ids[0]
    for handle, outcome in (("srivera", "label"), ("asiddiqui", "remove_content")):
        participant = people[handle]
        for view in seeded.store.read(lambda s, p=participant: calibration_cases(s, calibration_id, p)):
            key = view.checklists[0].elements[0].key
            answer = "met" if handle == "srivera" else "not_met"
            seeded.store.execute(SubmitCalibrationAnswer(view.id, outcome, ((key, answer),)), people[handle])
    return calibration_id


def test_list_and_report(
    seeded: Profile, session_id: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _cli(seeded, "qa", "calibration", "list") == 0
    out = capsys.readouterr().out
    assert session_id in out
    assert "golden" in out
    assert "6/6" in out
    assert _cli(seeded, "qa", "calibration", "report", "Week 48", "--as", "pnair", "--json") == 0
    document = json.loads(capsys.readouterr().out)
    people = _people(seeded)
    report = seeded.store.read(lambda s: calibration_report(s, session_id, people["pnair"]))
    assert document["id"] == session_id
    assert document["answers"] == 6
    alpha = document["outcome_alpha"]
    assert alpha["value"] == pytest.approx(report.outcome_alpha.value)
    assert (alpha["low"], alpha["high"]) == (report.outcome_alpha.low, report.outcome_alpha.high)
    assert len(document["splits"]) == len(report.splits) == 6  # three cases, split on outcome and element
    assert {w["name"] for w in document["splits"][0]["who"]} == {"Sam Rivera", "Aisha Siddiqui"}
    assert set(document["golden_accuracy"]) == {"Sam Rivera", "Aisha Siddiqui"}
    assert _cli(seeded, "qa", "calibration", "report", session_id[:8], "--as", "srivera") == 0
    text = capsys.readouterr().out
    assert "Krippendorff's alpha, outcome:" in text
    assert "where people split:" in text


def test_report_refusals(seeded: Profile, session_id: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert _cli(seeded, "qa", "calibration", "report", "no such session") == 2
    assert "no calibration session 'no such session'" in capsys.readouterr().err
    assert _cli(seeded, "qa", "calibration", "report", session_id, "--as", "nobody") == 2
    assert "no reviewer with the handle 'nobody'" in capsys.readouterr().err
    # a specialist who did not take part sees no results
    assert _cli(seeded, "qa", "calibration", "report", session_id, "--as", "kwatanabe") == 1
    assert "once you have answered every case" in capsys.readouterr().err
    assert _cli(seeded, "qa", "calibration", "list", "--as", "kwatanabe") == 0
    assert session_id not in capsys.readouterr().out


def test_create_with_a_golden_file(
    seeded: Profile, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cases = _refs(seeded, 2)
    golden = tmp_path / "golden.csv"
    golden.write_text(
        f"case,outcome\n{cases[0][1]},{cases[0][2]}\n{cases[1][1]},no_violation\n", encoding="utf-8"
    )
    refs = ",".join(r for _c, r, _o in cases)
    args = ["qa", "calibration", "create", "--name", "From the CLI", "--cases", refs]
    assert (
        _cli(seeded, *args, "--participants", "srivera,ldubois", "--golden", str(golden), "--as", "jbecker")
        == 0
    )
    assert "golden answers for 2" in capsys.readouterr().out
    created = seeded.store.read(calibrations)[0]
    assert (created.name, created.golden, created.cases) == ("From the CLI", True, 2)
    assert {name for _id, name in created.participants} == {"Sam Rivera", "Léa Dubois"}
    # refusals: a specialist may not create; a bad file; an unknown case
    assert _cli(seeded, *args, "--participants", "srivera,ldubois", "--as", "srivera") == 1
    assert "may not do this" in capsys.readouterr().err
    bad = tmp_path / "bad.csv"
    bad.write_text(f"case,outcome\n{cases[0][1]},obliterate\n", encoding="utf-8")
    assert (
        _cli(seeded, *args, "--participants", "srivera,ldubois", "--golden", str(bad), "--as", "jbecker") == 2
    )
    assert "line 2: unknown outcome 'obliterate'" in capsys.readouterr().err
    assert _cli(seeded, *args[:-1], "RPT-NOPE", "--participants", "srivera,ldubois", "--as", "jbecker") == 2
    assert "no case with the reference or id 'RPT-NOPE'" in capsys.readouterr().err


def test_permissions(seeded: Profile) -> None:
    people = _people(seeded)
    cases = tuple(c for c, _r, _o in _refs(seeded, 2))
    invited = (people["srivera"], people["asiddiqui"])
    with pytest.raises(PermissionDenied):  # only leads and QA create
        seeded.store.execute(CreateCalibration("x", cases, (), invited), people["srivera"])
    with pytest.raises(InvalidInput):  # several people, not one
        seeded.store.execute(CreateCalibration("x", cases, (), invited[:1]), people["pnair"])
    calibration_id = seeded.store.execute(
        CreateCalibration("QA-run", cases, (), invited), people["mpark"]
    ).created_ids[0]
    item = seeded.store.read(lambda s: calibration_cases(s, calibration_id, people["srivera"]))[0]
    key = item.checklists[0].elements[0].key
    with pytest.raises(PermissionDenied):  # only participants answer
        seeded.store.execute(SubmitCalibrationAnswer(item.id, "label", ((key, "met"),)), people["kwatanabe"])
    with pytest.raises(PermissionDenied):  # and only participants (or leads) read the cases
        seeded.store.read(lambda s: calibration_cases(s, calibration_id, people["kwatanabe"]))
    with pytest.raises(InvalidInput):  # answers name elements of the case's checklist
        seeded.store.execute(
            SubmitCalibrationAnswer(item.id, "label", (("no_such_element", "met"),)), people["srivera"]
        )
    seeded.store.execute(SubmitCalibrationAnswer(item.id, "label", ((key, "met"),)), people["srivera"])
    with pytest.raises(PermissionDenied):  # results only once every case is answered
        seeded.store.read(lambda s: calibration_report(s, calibration_id, people["srivera"]))
    seen = {c.id: c for c in seeded.store.read(lambda s: calibrations(s, people["srivera"]))}
    assert seen[calibration_id].participant
    assert not seen[calibration_id].can_see_results
    assert calibration_id not in {
        c.id for c in seeded.store.read(lambda s: calibrations(s, people["kwatanabe"]))
    }
    assert seeded.store.read(lambda s: calibration_report(s, calibration_id, people["mpark"])).answers == 1
