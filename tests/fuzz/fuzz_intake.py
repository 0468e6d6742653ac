"""Coverage-guided fuzzing of the importer's parser with atheris. Not part of the test run (no test_ name).

    .venv/bin/pip install atheris            # Linux and macOS; a wheel for CPython 3.11 exists
    .venv/bin/python tests/fuzz/fuzz_intake.py -atheris_runs=200000 -max_len=4096 CORPUS_DIR

Any exception is a finding: ``parse_jsonl`` must turn every input into cases or named problems. A crash
leaves a ``crash-…`` file; keep it as a regression in tests/test_import_fuzz.py (REGRESSIONS).
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports():
    from app.services.intake import parse_jsonl


def test_one_input(data: bytes) -> None:
    _, problems = parse_jsonl(data)
    for problem in problems:
        shown = str(problem)
        if not (problem.field and shown.isprintable()):
            raise AssertionError(f"a problem that does not name its field printably: {shown!r}")
        shown.encode("utf-8")


if __name__ == "__main__":
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
