"""The lazy queue model: consistent under qtmodeltester, pages by keyset, filters and sorts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from app.controllers.queue import QueueSource
from app.controllers.tasks import TaskRunner
from app.services.dto import QueueFilter
from app.services.profile import Profile
from app.services.queue_query import count_cases, fetch_page, sort_key
from app.views.itemmodels import queue_model
from app.views.itemmodels.queue_model import CASE_ID_ROLE, CaseQueueModel


@pytest.fixture
def model(seeded: Profile, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> Iterator[CaseQueueModel]:
    monkeypatch.setattr(queue_model, "PAGE_SIZE", 25)  # small pages, so paging really happens
    runner = TaskRunner()
    model = CaseQueueModel(QueueSource(seeded.store, runner))
    with qtbot.waitSignal(model.loaded, timeout=10_000):
        model.set_filter(QueueFilter(only_open=False))
    yield model
    runner.wait()


def load_all(model: CaseQueueModel, qtbot: QtBot) -> list[str]:
    ids = []
    for row in range(model.rowCount()):
        index = model.index(row, 0)
        qtbot.waitUntil(lambda index=index: model.data(index, CASE_ID_ROLE) is not None, timeout=10_000)
        ids.append(model.data(index, CASE_ID_ROLE))
    return ids


def test_model_passes_qtmodeltester(model: CaseQueueModel, qtmodeltester: ModelTester) -> None:
    qtmodeltester.check(model, force_py=True)


def test_pages_load_on_demand_and_match_the_query(
    model: CaseQueueModel, seeded: Profile, qtbot: QtBot
) -> None:
    assert model.rowCount() == 260
    assert model.data(model.index(200, 0)) == "…"  # not fetched yet: a placeholder, no blocking read
    ids = load_all(model, qtbot)
    expected = [r.id for r in seeded.store.read(lambda s: fetch_page(s, QueueFilter(only_open=False), 1000))]
    assert ids == expected
    assert len(set(ids)) == 260


def test_jump_to_the_middle_then_neighbours_by_keyset(
    model: CaseQueueModel, seeded: Profile, qtbot: QtBot
) -> None:
    middle = model.index(130, 0)
    model.data(middle)
    qtbot.waitUntil(lambda: model.data(middle, CASE_ID_ROLE) is not None, timeout=10_000)
    before = model.index(124, 0)
    model.data(before)  # the page before the middle one is read backwards from its neighbour's first key
    qtbot.waitUntil(lambda: model.data(before, CASE_ID_ROLE) is not None, timeout=10_000)
    everything = seeded.store.read(lambda s: fetch_page(s, QueueFilter(only_open=False), 1000))
    assert model.data(middle, CASE_ID_ROLE) == everything[130].id
    assert model.data(before, CASE_ID_ROLE) == everything[124].id


def test_filter_and_sort(model: CaseQueueModel, seeded: Profile, qtbot: QtBot) -> None:
    spec = QueueFilter(only_open=True, language="ur", sort="priority", descending=True)
    with qtbot.waitSignal(model.loaded, timeout=10_000):
        model.set_filter(spec)
    assert model.rowCount() == seeded.store.read(lambda s: count_cases(s, spec))
    rows = [model.case_row(r) for r in range(model.rowCount())]
    qtbot.waitUntil(
        lambda: all(model.case_row(r) is not None for r in range(model.rowCount())), timeout=10_000
    )
    rows = [model.case_row(r) for r in range(model.rowCount())]
    keys = [sort_key(r, spec) for r in rows if r is not None]
    assert keys == sorted(keys, reverse=True)
    assert all(r is not None and r.language == "ur" for r in rows)


def test_text_search_uses_the_full_text_index(seeded: Profile) -> None:
    found = seeded.store.read(lambda s: fetch_page(s, QueueFilter(only_open=False, text="Aadhaar"), 50))
    everything = seeded.store.read(lambda s: fetch_page(s, QueueFilter(only_open=False), 1000))
    assert len(found) < len(everything)
    assert (
        seeded.store.read(
            lambda s: count_cases(s, QueueFilter(only_open=False, text='"; DROP TABLE case; --'))
        )
        == 0
    )


def test_keyset_pages_concatenate_to_the_whole(seeded: Profile) -> None:
    spec = QueueFilter(only_open=False, sort="created", descending=True)
    whole = seeded.store.read(lambda s: fetch_page(s, spec, 1000))
    pages, last = [], None
    while True:
        page = seeded.store.read(
            lambda s, last=last: fetch_page(s, spec, 40, after=sort_key(last, spec) if last else None)
        )
        if not page:
            break
        pages.extend(page)
        last = page[-1]
    assert [r.id for r in pages] == [r.id for r in whole]
