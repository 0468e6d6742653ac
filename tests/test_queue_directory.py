"""Jumps through the queue's key directory return exactly the rows OFFSET would, and counts stay true,
before and after writes."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pytestqt.qtbot import QtBot
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.controllers.queue import QueueSource
from app.controllers.tasks import TaskRunner
from app.models import Case, Note, Queue, Reviewer
from app.services import queue_query
from app.services.commanding import Store
from app.services.dto import QueueFilter
from app.services.profile import Profile, open_profile
from app.services.queue_query import SORTS, fetch_page, prime_directory, rows_query, sort_key
from app.views.itemmodels import queue_model
from app.views.itemmodels.queue_model import CASE_ID_ROLE, CaseQueueModel
from tests.factories import make_case

LANGUAGES = ("en", "de", "hi", "ja", "ur", "xx")
STATUSES = ("new", "in_review", "decided", "resolved")


@pytest.fixture(scope="module")
def demo(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Profile]:
    """One read-only copy of the demo profile for the whole module (the examples only read)."""
    root = tmp_path_factory.mktemp("queue-directory")
    shutil.copytree(demo_template / "profiles", root / "profiles")
    profile = open_profile(root, "demo")
    yield profile
    profile.engine.dispose()


def by_offset(session: Session, spec: QueueFilter, limit: int, offset: int) -> list[str]:
    """The page the plain way: ORDER BY the sort, OFFSET and LIMIT over the joined rows."""
    keys = SORTS[spec.sort]
    order = [k.desc() if spec.descending else k.asc() for k in keys]
    return [r[0] for r in session.execute(rows_query(spec).order_by(*order).limit(limit).offset(offset))]


def by_directory(session: Session, spec: QueueFilter, limit: int, offset: int) -> list[str]:
    return [r.id for r in fetch_page(session, spec, limit, offset=offset)]


def same_pages(store: Store, spec: QueueFilter, offsets: list[int], limit: int = 7) -> None:
    for offset in offsets:
        expected = store.read(lambda s, o=offset: by_offset(s, spec, limit, o))
        assert store.read(lambda s, o=offset: by_directory(s, spec, limit, o)) == expected, offset


def filters(queue_ids: list[str]) -> st.SearchStrategy[QueueFilter]:
    return st.builds(
        QueueFilter,
        queue_id=st.sampled_from([None, *queue_ids]),
        status=st.sampled_from([None, *STATUSES]),
        language=st.sampled_from([None, *LANGUAGES]),
        only_open=st.booleans(),
        text=st.sampled_from(["", "a", "post"]),
        sort=st.sampled_from(sorted(SORTS)),
        descending=st.booleans(),
    )


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    data=st.data(),
    stride=st.sampled_from([1, 2, 3, 7, 16, 256]),
    limit=st.integers(1, 40),
    kept=st.sampled_from([0, 5, 50_000]),  # a search's keys kept: none (too broad), some, all
)
def test_a_jump_returns_the_rows_offset_returns(
    demo: Profile, data: st.DataObject, stride: int, limit: int, kept: int
) -> None:
    queue_ids = demo.store.read(lambda s: sorted(s.scalars(select(Queue.id))))
    spec = data.draw(filters(queue_ids))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(queue_query, "DIRECTORY_STRIDE", stride)  # directories made from now on
        patch.setattr(queue_query, "MATCH_ROWS", kept)
        patch.setattr(queue_query, "_DIRECTORIES", type(queue_query._DIRECTORIES)())
        total = demo.store.read(lambda s: queue_query.count_cases(s, spec))
        offset = data.draw(st.integers(0, total + 3))
        got = demo.store.read(lambda s: by_directory(s, spec, limit, offset))
        again = demo.store.read(lambda s: by_directory(s, spec, limit, offset))  # from the directory read
        pages = demo.store.read(lambda s: [r.id for r in walk(s, spec, limit)])
    everything = demo.store.read(lambda s: by_offset(s, spec, total + 10, 0))
    assert total == len(everything)
    assert got == again == demo.store.read(lambda s: by_offset(s, spec, limit, offset))
    assert pages == everything


def walk(session: Session, spec: QueueFilter, limit: int) -> list[Any]:
    """The whole list by keyset pages forwards, checked against the same pages read backwards."""
    rows, last = [], None
    while page := fetch_page(session, spec, limit, after=last and sort_key(last, spec)):
        rows += page
        last = page[-1]
    if rows:
        back = rows[-limit:]
        first = back[0]
        while page := fetch_page(session, spec, limit, before=sort_key(first, spec)):
            back[:0] = page
            first = page[0]
        assert back == rows
    return rows


@pytest.fixture
def small_stride(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(queue_query, "DIRECTORY_STRIDE", 5)
    monkeypatch.setattr(queue_query, "_DIRECTORIES", type(queue_query._DIRECTORIES)())
    return 5


def prime(store: Store, spec: QueueFilter) -> None:
    while not store.read(lambda s: prime_directory(s, spec, hops=3)):
        pass


def test_a_local_write_drops_the_directory(seeded: Profile, small_stride: int) -> None:
    store, spec = seeded.store, QueueFilter()
    prime(store, spec)
    offsets = [0, 4, 5, 6, 97, 150, 190]
    same_pages(store, spec, offsets)
    victim = store.read(lambda s: by_directory(s, spec, 1, 120))[0]

    def move_to_the_front(session: Session) -> None:
        case = session.get(Case, victim)
        assert case is not None
        case.due_at = datetime(2000, 1, 1, tzinfo=UTC)

    store.write(move_to_the_front)
    assert store.read(lambda s: by_directory(s, spec, 1, 0)) == [victim]
    same_pages(store, spec, offsets)


def test_a_write_by_another_process_drops_the_directory(seeded: Profile, small_stride: int) -> None:
    store, spec = seeded.store, QueueFilter(sort="priority", descending=True)
    prime(store, spec)
    offsets = [0, 3, 10, 11, 64, 101]
    same_pages(store, spec, offsets)
    gone = store.read(lambda s: by_directory(s, spec, 6, 30))
    before = store.read(lambda s: queue_query.count_cases(s, spec))
    other = sqlite3.connect(seeded.path)  # another connection, as a second process would have
    try:
        marks = ",".join("?" * len(gone))
        other.execute(f"UPDATE \"case\" SET status = 'resolved' WHERE id IN ({marks})", gone)
        other.commit()
    finally:
        other.close()
    same_pages(store, spec, offsets)
    assert not set(gone) & set(store.read(lambda s: by_directory(s, spec, 300, 0)))
    assert store.read(lambda s: queue_query.count_cases(s, spec)) == before - len(gone)


def test_past_the_end_is_empty(seeded: Profile, small_stride: int) -> None:
    spec: Any = QueueFilter(language="ur")
    total = seeded.store.read(lambda s: queue_query.count_cases(s, spec))
    assert seeded.store.read(lambda s: by_directory(s, spec, 10, total)) == []
    assert seeded.store.read(lambda s: by_directory(s, spec, 10, total + 50)) == []
    assert len(seeded.store.read(lambda s: by_directory(s, spec, 10, total - 1))) == 1


def test_the_model_reads_a_long_lists_directory_ahead(
    seeded: Profile, small_stride: int, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(queue_model, "PAGE_SIZE", 10)
    monkeypatch.setattr(queue_model, "MAX_PAGES", 3)  # 260 rows are a long list here
    runner = TaskRunner()
    model = CaseQueueModel(QueueSource(seeded.store, runner))
    spec = QueueFilter(only_open=False)
    with qtbot.waitSignal(model.loaded, timeout=10_000):
        model.set_filter(spec)
    qtbot.waitUntil(lambda: not runner.busy, timeout=10_000)
    assert seeded.store.read(lambda s: prime_directory(s, spec, hops=0))  # complete: nothing left to read
    far = model.index(203, 0)
    model.data(far)
    qtbot.waitUntil(lambda: model.data(far, CASE_ID_ROLE) is not None, timeout=10_000)
    assert model.data(far, CASE_ID_ROLE) == seeded.store.read(lambda s: by_offset(s, spec, 1, 203))[0]
    runner.wait()


NEEDLE = "zebrafinchwing"


def add_note(session: Session, case_id: str) -> None:
    author = session.scalars(select(Reviewer.id).limit(1)).one()
    session.add(Note(case_id=case_id, text=f"seen a {NEEDLE} here", language="en", author_id=author))


def test_a_local_note_renews_a_kept_search(seeded: Profile) -> None:
    store, spec = seeded.store, QueueFilter(text=NEEDLE)
    assert store.read(lambda s: queue_query.count_cases(s, spec)) == 0  # kept: no match
    assert store.read(lambda s: fetch_page(s, spec, 10)) == []
    target = store.read(lambda s: fetch_page(s, QueueFilter(), 1))[0].id
    store.write(lambda s: add_note(s, target))
    assert store.read(lambda s: queue_query.count_cases(s, spec)) == 1
    assert [r.id for r in store.read(lambda s: fetch_page(s, spec, 10))] == [target]


def test_a_note_from_another_connection_renews_a_kept_search(seeded: Profile) -> None:
    store, spec = seeded.store, QueueFilter(text=NEEDLE, sort="priority", descending=True)
    assert store.read(lambda s: queue_query.count_cases(s, spec)) == 0
    assert store.read(lambda s: prime_directory(s, spec))
    targets = [r.id for r in store.read(lambda s: fetch_page(s, QueueFilter(), 2))]
    author = store.read(lambda s: s.scalars(select(Reviewer.id).limit(1)).one())
    other = sqlite3.connect(seeded.path)  # another connection, as a second process would have
    try:
        other.executemany(
            "INSERT INTO note (id, case_id, text, language, visibility, author_id, created_at) "
            "VALUES (?, ?, ?, 'en', 'internal', ?, '2026-01-01 00:00:00.000000')",
            [(f"note-{i}", case_id, f"a {NEEDLE}", author) for i, case_id in enumerate(targets)],
        )
        other.commit()
    finally:
        other.close()
    assert store.read(lambda s: queue_query.count_cases(s, spec)) == 2
    expected = store.read(lambda s: by_offset(s, spec, 10, 0))
    assert sorted(expected) == sorted(targets)
    assert [r.id for r in store.read(lambda s: fetch_page(s, spec, 10))] == expected


def test_keyset_pages_never_repeat_a_row_due_at_a_whole_second(team_profile: Profile) -> None:
    """A key's time goes to SQLite as the stored text: rendered by the driver, a whole second loses its
    ".000000" and then sorts before the stored value, so the next page would start with the last row again."""
    profile = team_profile
    ids = [make_case(profile.store, ref=f"RPT-S-{n}") for n in range(6)]
    due = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)  # no microseconds
    profile.store.write(lambda s: [setattr(s.get(Case, case_id), "due_at", due) for case_id in ids] and None)
    spec = QueueFilter()

    def pages(session: Session) -> list[str]:
        seen: list[str] = []
        last = None
        for _ in range(len(ids)):  # bounded: a repeating page would otherwise never end
            page = fetch_page(session, spec, 2, after=last and sort_key(last, spec))
            if not page:
                break
            seen += [r.id for r in page]
            last = page[-1]
        return seen

    seen = profile.store.read(pages)
    assert sorted(seen) == sorted(ids)  # every case once: none repeated, none skipped
