"""Case intake from JSON Lines (all or nothing, named errors) and export, through the command line."""

from __future__ import annotations

import base64
import csv
import io
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.cli import main
from app.core.png import abstract_image
from app.models import Case, ContentItem, MediaAttachment
from app.services.demo import ensure_queues, ensure_team
from app.services.profile import open_profile


def good_case(ref: str, **extra: object) -> dict[str, object]:
    case: dict[str, object] = {
        "external_ref": ref,
        "queue": "privacy",
        "title": "Address posted",
        "priority": 2,
        "severity": 3,
        "region": "de",
        "source_type": "trusted_flagger",
        "report_reason": "doxxing",
        "created_at": "2026-11-27T10:00:00+00:00",
        "items": [
            {
                "kind": "post",
                "text": "Sie wohnt in der Beispielstraße 5, besucht sie mal.",
                "author_handle": "anon1",
                "metrics": {"views": 120},
                "media": [
                    {
                        "file_name": "a.png",
                        "mime": "image/png",
                        "data_base64": base64.b64encode(abstract_image(3)).decode(),
                    }
                ],
            },
            {"kind": "reply", "text": "Das geht gar nicht.", "parent": 0},
        ],
    }
    case.update(extra)
    return case


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    profile = open_profile(tmp_path, "work")
    profile.store.write(lambda s: (ensure_queues(s), ensure_team(s)))
    return tmp_path


def run(data_dir: Path, *args: str) -> int:
    return main(["--data-dir", str(data_dir), "--profile", "work", *args])


def count(data_dir: Path, model: type) -> int:
    profile = open_profile(data_dir, "work")
    return int(profile.store.read(lambda s: s.scalar(select(func.count()).select_from(model))))


def write_lines(path: Path, lines: list[object]) -> Path:
    path.write_text(
        "\n".join(line if isinstance(line, str) else json.dumps(line, ensure_ascii=False) for line in lines),
        encoding="utf-8",
    )
    return path


def test_good_file_imports_everything(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_lines(tmp_path / "in.jsonl", [good_case("A-1"), "", good_case("A-2", language="de")])
    assert run(data_dir, "import", str(path)) == 0
    assert "imported 2 cases" in capsys.readouterr().out
    assert count(data_dir, Case) == 2
    assert count(data_dir, ContentItem) == 4
    assert count(data_dir, MediaAttachment) == 2
    profile = open_profile(data_dir, "work")
    languages = profile.store.read(lambda s: sorted(s.scalars(select(Case.language))))
    assert languages == ["de", "de"]  # the first was detected from its text


BAD_LINES = [
    ("{not json", "line 2: (line): malformed JSON"),
    (good_case("B-1", priority="high"), "line 2: priority: expected int, got str"),
    (good_case("B-1", colour="red"), "line 2: colour: unknown field"),
    (good_case("B-1", queue="nope"), "line 2: queue: no queue 'nope'"),
    (good_case("B-1", title="x" * 600), "line 2: title: longer than 500 characters"),
    (good_case("A-1"), "line 2: external_ref: duplicate of line 1"),
    (good_case("B-1", items=[]), "line 2: items: a case needs at least one content item"),
    (good_case("B-1", items=[{"kind": "tweet"}]), "line 2: items[0].kind: must be one of"),
    (good_case("B-1", created_at="yesterday"), "line 2: created_at: not an ISO 8601 date-time"),
    (good_case("B-1", items=[{"kind": "post", "parent": 3}]), "line 2: items[0].parent: must be the index"),
    ([1, 2], "line 2: (line): expected a JSON object"),
]


@pytest.mark.parametrize(("line", "message"), BAD_LINES)
def test_bad_file_imports_nothing(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], line: object, message: str
) -> None:
    path = write_lines(tmp_path / "bad.jsonl", [good_case("A-1"), line])
    assert run(data_dir, "import", str(path)) == 1
    err = capsys.readouterr().err
    assert "nothing was changed" in err
    assert message in err
    assert count(data_dir, Case) == 0


def test_invalid_utf8_is_named(data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "latin1.jsonl"
    path.write_bytes(json.dumps(good_case("A-1")).encode() + b"\n" + '{"title": "caf\xe9"}'.encode("latin-1"))
    assert run(data_dir, "import", str(path)) == 1
    assert "line 2: (line): not valid UTF-8" in capsys.readouterr().err
    assert count(data_dir, Case) == 0


def test_existing_reference_is_refused(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_lines(tmp_path / "in.jsonl", [good_case("A-1")])
    assert run(data_dir, "import", str(path)) == 0
    assert run(data_dir, "import", str(path)) == 1
    assert "already exists" in capsys.readouterr().err
    assert count(data_dir, Case) == 1


def test_missing_file_is_a_clear_error(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(data_dir, "import", str(data_dir / "nope.jsonl")) == 2
    assert "cannot read" in capsys.readouterr().err


def test_export_cases_and_decisions(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--data-dir", str(tmp_path), "demo", "seed", "--cases", "30", "--seed", "7"]) == 0
    capsys.readouterr()
    assert main(["--data-dir", str(tmp_path), "export", "cases", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(rows) == 30
    assert {"external_ref", "status", "due_at"} <= set(rows[0])
    out = tmp_path / "decisions.jsonl"
    assert main(["--data-dir", str(tmp_path), "export", "decisions", "-o", str(out)]) == 0
    decisions = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert decisions, "the seed decides some cases"
    assert {"restriction_type", "territorial_scope", "ground", "automated_detection"} <= set(decisions[0])


def test_demo_seed_is_reproducible(tmp_path: Path) -> None:
    for name in ("a", "b"):
        assert main(["--data-dir", str(tmp_path / name), "demo", "seed", "--cases", "12", "--seed", "3"]) == 0
    titles = [
        open_profile(tmp_path / name, "demo").store.read(lambda s: sorted(s.scalars(select(Case.title))))
        for name in ("a", "b")
    ]
    assert titles[0] == titles[1]
    languages = open_profile(tmp_path / "a", "demo").store.read(
        lambda s: set(s.scalars(select(Case.language)))
    )
    assert len(languages) >= 5


def test_audit_verify_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--data-dir", str(tmp_path), "demo", "seed", "--cases", "10"]) == 0
    assert main(["--data-dir", str(tmp_path), "audit", "verify"]) == 0
    assert "audit trail intact" in capsys.readouterr().out
