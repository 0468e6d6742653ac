"""Fetching the queue off the UI thread: a count, and pages read by keyset from a known neighbour row."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject

from app.controllers.tasks import TaskRunner
from app.services.commanding import Store
from app.services.dto import CaseRow, QueueFilter
from app.services.queue_query import count_cases, fetch_page, sort_key


class QueueSource(QObject):
    def __init__(self, store: Store, runner: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._runner = runner

    def count(
        self, spec: QueueFilter, done: Callable[[int], None], failed: Callable[[BaseException], None]
    ) -> None:
        self._runner.run(lambda: self._store.read(lambda s: count_cases(s, spec)), done, failed)

    def page(
        self,
        spec: QueueFilter,
        index: int,
        size: int,
        *,
        previous: CaseRow | None,
        following: CaseRow | None,
        done: Callable[[list[CaseRow]], None],
        failed: Callable[[BaseException], None],
    ) -> None:
        """Page ``index``: after the previous page's last row, before the next page's first, or by offset."""

        def work() -> list[CaseRow]:
            def query(session: object) -> list[CaseRow]:
                if previous is not None:
                    return fetch_page(session, spec, size, after=sort_key(previous, spec))  # type: ignore[arg-type]
                if following is not None:
                    return fetch_page(session, spec, size, before=sort_key(following, spec))  # type: ignore[arg-type]
                return fetch_page(session, spec, size, offset=index * size)  # type: ignore[arg-type]

            return self._store.read(query)

        self._runner.run(work, done, failed)
