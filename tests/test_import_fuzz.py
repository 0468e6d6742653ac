"""Fuzzing the importer: whatever the file holds, problems are named by line and field, and the import is
all or nothing.

Hypothesis makes files from random JSON values, random bytes (invalid UTF-8 too), cases with unknown fields,
wrong types, oversized fields, repeated ids and the hostile strings of tests/fixtures/hostile_strings.json.
Inputs that once broke the importer are kept below as plain regression tests. ARBITER_FUZZ_EXAMPLES raises
the number of examples (and makes the run random rather than repeatable), e.g. for a nightly job.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import AuditEvent, Case, ContentItem, MediaAttachment, OutboxEntry, Reviewer
from app.services.demo import QUEUES, ensure_queues, ensure_team
from app.services.intake import ImportRejected, Problem, import_jsonl, parse_jsonl
from app.services.profile import Profile, open_profile

HOSTILE: list[str] = json.loads(
    (Path(__file__).parent / "fixtures" / "hostile_strings.json").read_text(encoding="utf-8")
)
_EXAMPLES = os.environ.get("ARBITER_FUZZ_EXAMPLES")
FUZZ = settings(
    max_examples=int(_EXAMPLES or 150),
    derandomize=_EXAMPLES is None,  # CI runs the same examples every time; a chosen count explores anew
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# --- strategies -----------------------------------------------------------------------------------------

# Surrogates, format (bidi, zero-width) and control characters, which st.text() rarely or never makes.
odd_characters = st.text(st.characters(codec=None, categories=["Cs", "Cf", "Cc"]), max_size=5)
hostile = st.integers(0, len(HOSTILE) - 1).map(HOSTILE.__getitem__)  # not sampled_from: its repr is huge
texts = st.one_of(hostile, st.text(max_size=30), odd_characters)
leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=10**18, max_value=10**40),
    st.floats(),
    texts,
)
json_values = st.recursive(
    leaves,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4),
    max_leaves=12,
)
# Just past, or just inside, each length limit the importer has.
oversized = st.sampled_from([120, 121, 200, 201, 500, 501, 4096, 4097, 100_000, 100_001]).map(
    lambda n: "é" * n
)
# What a valid case may hold: any text but NUL, hostile strings cut to the field's limit.
clean = st.one_of(hostile, st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=30))


def clean_texts(limit: int) -> st.SearchStrategy[str]:
    return clean.map(lambda text: text[:limit])


# Mostly fresh ids; now and then one from a small pool, so a file or a later import repeats it.
refs = st.uuids().map(str) | st.sampled_from(["R-1", "R-2", "R-3"])


@st.composite
def items(draw: st.DrawFn, index: int) -> dict[str, Any]:
    item: dict[str, Any] = {
        "kind": draw(st.sampled_from(["post", "reply", "profile", "media", "link"])),
        "text": draw(clean),
        "author_handle": draw(clean_texts(200)),
        "author_display_name": draw(clean_texts(200)),
        "link_url": draw(clean_texts(4096)),
        "metrics": {"views": draw(st.integers(0, 10**6))},
    }
    if index:
        item["parent"] = draw(st.integers(0, index - 1))
    if draw(st.booleans()):
        data = draw(st.binary(max_size=64))
        item["media"] = [
            {
                "file_name": draw(clean_texts(200)),
                "mime": "image/png",
                "data_base64": base64.b64encode(data).decode(),
            }
        ]
    return item


@st.composite
def good_cases(draw: st.DrawFn) -> dict[str, Any]:
    count = draw(st.integers(1, 3))
    return {
        "external_ref": draw(refs),
        "queue": draw(st.sampled_from([slug for slug, *_ in QUEUES])),
        "title": draw(clean_texts(500)),
        "report_reason": draw(clean),
        "created_at": draw(st.sampled_from(["2026-11-27T10:00:00+00:00", "2026-01-01T00:00:00-05:00"])),
        "items": [draw(items(i)) for i in range(count)],
    }


@st.composite
def broken_cases(draw: st.DrawFn) -> dict[str, Any]:
    """A good case with one thing wrong: a field of another type, unknown, missing, or too long."""
    case = draw(good_cases())
    target = case if draw(st.booleans()) else case["items"][0]
    mistake = draw(st.sampled_from(["value", "unknown", "missing", "oversized", "odd text"]))
    key = draw(st.sampled_from(sorted(target)))
    if mistake == "value":
        target[key] = draw(json_values)
    elif mistake == "unknown":
        target[draw(texts)] = draw(json_values)
    elif mistake == "missing":
        del target[key]
    elif mistake == "odd text":
        target[key] = draw(odd_characters | st.just("no such queue"))
    else:
        target[key] = draw(oversized)
    return case


def encode(value: Any, ascii_only: bool) -> bytes:
    return json.dumps(value, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")


lines = st.one_of(
    st.builds(encode, good_cases(), st.booleans()),
    st.builds(encode, broken_cases(), st.booleans()),
    st.builds(encode, json_values, st.booleans()),
    st.binary(max_size=80),
    st.sampled_from([b"", b"   ", b"{", b"\xff\xfe{}", b'{"a": 1, "a": 2}', b"[NaN]", b"\xef\xbb\xbf{}"]),
)
files = st.lists(lines, min_size=1, max_size=4).map(b"\n".join)
good_files = st.lists(st.builds(encode, good_cases(), st.booleans()), min_size=1, max_size=3).map(b"\n".join)
mostly_good_files = st.one_of(good_files, good_files, files)  # about two in three import

# --- properties -----------------------------------------------------------------------------------------


def content_lines(data: bytes) -> set[int]:
    """Numbers of the lines that are not blank (as the importer counts them, a first-line BOM aside)."""
    raw = data.split(b"\n")
    raw[0] = raw[0].removeprefix(b"\xef\xbb\xbf")
    return {n for n, line in enumerate(raw, start=1) if line.strip()}


def assert_named(problems: list[Problem], data: bytes) -> None:
    last = data.count(b"\n") + 1
    for problem in problems:
        assert 1 <= problem.line <= last, problem
        assert problem.field, problem
        assert problem.message, problem
        shown = str(problem)
        # Printable as is: no control or bidi characters, no surrogates that a terminal cannot encode.
        assert shown.isprintable(), repr(shown)
        shown.encode("utf-8")


@FUZZ
@given(files)
def test_parse_never_raises_and_names_line_and_field(data: bytes) -> None:
    specs, problems = parse_jsonl(data)
    assert_named(problems, data)
    clean = content_lines(data) - {p.line for p in problems}
    assert len(specs) == len(clean), "every line without a problem is a case"


TABLES = (Case, ContentItem, MediaAttachment, AuditEvent, OutboxEntry)


def counts(session: Session) -> dict[str, int]:
    return {m.__name__: int(session.scalar(select(func.count()).select_from(m)) or 0) for m in TABLES}


@pytest.fixture(scope="module")
def intake_profile(tmp_path_factory: pytest.TempPathFactory) -> Profile:
    profile = open_profile(tmp_path_factory.mktemp("fuzz"), "fuzz")
    profile.store.write(lambda s: (ensure_queues(s), ensure_team(s)))
    return profile


def run_import(profile: Profile, data: bytes) -> int:
    def work(session: Session) -> int:
        return import_jsonl(
            session, session.scalars(select(Reviewer).where(Reviewer.handle == "pnair")).one(), data
        )

    return profile.store.write(work)


@FUZZ
@given(mostly_good_files)
def test_import_is_all_or_nothing(intake_profile: Profile, data: bytes) -> None:
    """Counted inside the import's own transaction, then rolled back, so every example meets the same store.

    A refusal must come before anything is written (ImportRejected, nothing else); a success writes it all.
    """
    with intake_profile.store.session() as session:
        try:
            before = counts(session)
            actor = session.scalars(select(Reviewer).where(Reviewer.handle == "pnair")).one()
            try:
                imported = import_jsonl(session, actor, data)
            except ImportRejected as rejected:
                problems = rejected.problems
            else:
                problems = []
            event("refused" if problems else "imported")
            if problems:
                assert_named(problems, data)
                assert counts(session) == before, "a refused file writes nothing"
                return
            specs, _ = parse_jsonl(data)
            assert imported == len(specs) == len(content_lines(data))
            after = counts(session)
            assert after["Case"] == before["Case"] + imported
            assert after["ContentItem"] == before["ContentItem"] + sum(len(s.items) for s in specs)
            assert after["AuditEvent"] == before["AuditEvent"] + imported
            titles = dict(
                session.execute(
                    select(Case.external_ref, Case.title).where(
                        Case.external_ref.in_([x.external_ref for x in specs])
                    )
                ).all()
            )
            assert titles == {s.external_ref: s.title for s in specs}, "stored exactly as given"
        finally:
            session.rollback()


# --- regressions: inputs that broke the importer, kept as tests ------------------------------------------

GOOD = {"external_ref": "X-1", "queue": "privacy", "title": "t", "items": [{"kind": "post", "text": "hi"}]}


def with_item(**fields: Any) -> dict[str, Any]:
    return {**GOOD, "items": [{"kind": "post", "text": "hi", **fields}]}


REGRESSIONS = [
    # found by Hypothesis: media that is not a list raised TypeError
    (json.dumps({"external_ref": None, "items": [{"media": 1.0}]}), "items[0].media", "expected list"),
    ("[" * 100_000, "(line)", "nested too deeply"),  # RecursionError
    ('{"priority": ' + "1" * 5000 + "}", "(line)", "too many digits"),  # ValueError from int()
    ('{"title": NaN}', "(line)", "NaN is not a JSON number"),
    (json.dumps({**GOOD, "title": "\ud800"}), "title", "unpaired UTF-16 surrogate"),  # failed in SQLite
    (json.dumps({**GOOD, "\ud800": 1}), "\\ud800", "unpaired UTF-16 surrogate"),
    # 1e999 is valid JSON, but Python reads it as infinity, which neither SQLite's JSON nor the hub stores
    (
        json.dumps(with_item(author_meta={"x": 0})).replace('"x": 0', '"x": 1e999'),
        "items[0].author_meta.x",
        "not a finite",
    ),
    ('{"title": "a", "title": "b"}', "title", "given more than once"),
    (json.dumps({**GOOD, "created_at": "0001-01-01T00:00:00+01:00"}), "created_at", "between the years"),
    (json.dumps({**GOOD, "queue": "q" * 10_000}), "queue", "longer than 80 characters"),
    (json.dumps(with_item(author_meta={"bio": "x" * 20_000})), "items[0].author_meta", "larger than"),
    (json.dumps({**GOOD, "colour\u202e": 1}), "colour\\u202e", "unknown field"),
    # found by Hypothesis: an empty field name gave a problem naming no field
    ('{"": null}', '""', "unknown field"),
]


@pytest.mark.parametrize(("line", "field", "message"), REGRESSIONS)
def test_regressions_are_named(line: str, field: str, message: str) -> None:
    data = line.encode("utf-8", "surrogatepass")
    specs, problems = parse_jsonl(data)
    assert specs == []
    assert_named(problems, data)
    assert any(p.field == field and message in p.message for p in problems), problems


def test_a_byte_order_mark_is_accepted(intake_profile: Profile) -> None:
    data = b"\xef\xbb\xbf" + json.dumps({**GOOD, "external_ref": "BOM-1"}).encode()
    assert run_import(intake_profile, data) == 1
