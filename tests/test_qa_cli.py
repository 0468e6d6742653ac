"""`arbiter qa …` from the command line: agreement, sample, sample-size, list, report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from app.cli import main
from app.services.profile import Profile
from app.services.qa.agreement import krippendorff_alpha, read_long_csv

RATINGS = """unit,rater,value
1,ann,yes
1,bob,yes
1,cat,no
2,ann,no
2,bob,no
3,ann,yes
3,bob,no
3,cat,yes
4,ann,yes
4,bob,yes
5,ann,no
5,cat,no
"""


@pytest.fixture
def ratings_file(tmp_path: Path) -> Path:
    path = tmp_path / "ratings.csv"
    path.write_text(RATINGS, encoding="utf-8")
    return path


def test_agreement_prints_alpha_by_default(ratings_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["qa", "agreement", str(ratings_file)]) == 0
    out = capsys.readouterr().out
    expected = krippendorff_alpha(read_long_csv(ratings_file.open(encoding="utf-8")))
    assert out.startswith("Krippendorff's alpha (nominal): ")
    assert f"{expected:.4f}" in out
    assert "95% CI [" in out


@pytest.mark.parametrize(("metric", "title"), [("kappa", "Cohen's kappa"), ("percent", "Percent agreement")])
def test_agreement_other_metrics(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], metric: str, title: str
) -> None:
    path = tmp_path / "two.csv"
    path.write_text("unit,rater,value\n1,a,x\n1,b,x\n2,a,y\n2,b,x\n3,a,y\n3,b,y\n", encoding="utf-8")
    assert main(["qa", "agreement", str(path), "--metric", metric]) == 0
    assert capsys.readouterr().out.startswith(f"{title}: ")


def test_agreement_json_has_every_metric_with_intervals(
    ratings_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(["qa", "agreement", str(ratings_file), "--json", "--level", "ordinal", "--samples", "200"]) == 0
    )
    document = json.loads(capsys.readouterr().out)
    assert document["level"] == "ordinal"
    assert set(document["metrics"]) == {"percent_agreement", "cohen_kappa", "krippendorff_alpha"}
    alpha = document["metrics"]["krippendorff_alpha"]
    assert alpha["low"] <= alpha["value"] <= alpha["high"]
    kappa = document["metrics"]["cohen_kappa"]
    assert kappa["value"] is None  # three raters: undefined, and said so
    assert "exactly two raters" in kappa["error"]


def test_agreement_refuses_bad_files_and_undefined_metrics(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("unit,judge,value\n1,a,x\n", encoding="utf-8")
    assert main(["qa", "agreement", str(bad)]) == 2
    assert "header must be exactly unit,rater,value" in capsys.readouterr().err
    assert main(["qa", "agreement", str(tmp_path / "missing.csv")]) == 2
    assert "cannot read" in capsys.readouterr().err
    same = tmp_path / "same.csv"
    same.write_text("unit,rater,value\n1,a,x\n1,b,x\n2,a,x\n2,b,x\n", encoding="utf-8")
    assert main(["qa", "agreement", str(same)]) == 1
    assert "undefined" in capsys.readouterr().err
    text = tmp_path / "text.csv"
    text.write_text("unit,rater,value\n1,a,high\n1,b,low\n", encoding="utf-8")
    assert main(["qa", "agreement", str(text), "--level", "interval"]) == 2
    assert "not a finite number" in capsys.readouterr().err


def test_sample_size(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["qa", "sample-size", "--population", "1000"]) == 0
    assert capsys.readouterr().out.strip() == "278"
    assert (
        main(["qa", "sample-size", "--population", "1000000", "--confidence", "0.99", "--margin", "0.02"])
        == 0
    )
    assert capsys.readouterr().out.strip() == "4130"  # n0 = 2.5758² · 0.25 / 0.02² = 4146.8, then the FPC
    assert main(["qa", "sample-size", "--population", "0"]) == 2


def test_sample_list_and_report(
    seeded: Profile, tmp_path: Path, capsys: pytest.CaptureFixture[str], qapp: QApplication
) -> None:
    base = ["--data-dir", str(tmp_path), "--profile", "demo", "qa"]
    assert main([*base, "sample", "--size", "5", "--as", "srivera"]) == 1  # a specialist may not sample
    assert "may not do this" in capsys.readouterr().err
    args = ["sample", "--method", "stratified", "--by", "language", "--allocation", "equal", "--size", "12"]
    assert main([*base, *args, "--seed", "42", "--name", "Languages", "--as", "mpark"]) == 0
    out = capsys.readouterr().out
    assert "method stratified  seed 42" in out
    assert "strata (population → sampled):" in out
    batch_id = out.split()[1]
    assert (
        main([*base, "sample", "--method", "risk", "--size", "4", "--from", "2000-01-01", "--as", "mpark"])
        == 0
    )
    capsys.readouterr()
    assert main([*base, "list"]) == 0
    listing = capsys.readouterr().out
    assert "Languages" in listing
    assert batch_id in listing
    csv_path, pdf_path = tmp_path / "batch.csv", tmp_path / "batch.pdf"
    assert main([*base, "report", batch_id[:8], "--csv", str(csv_path), "--pdf", str(pdf_path)]) == 0
    assert csv_path.read_text(encoding="utf-8").startswith("position,case,stratum")
    assert len(csv_path.read_text(encoding="utf-8").splitlines()) == 13
    assert pdf_path.read_bytes().startswith(b"%PDF")
    assert pdf_path.stat().st_size > 5000
    assert main([*base, "report", "nothing-like-it", "--csv", str(csv_path)]) == 2
    assert main([*base, "report", batch_id]) == 2  # no output named
