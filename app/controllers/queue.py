"""Fetching the queue off the UI thread: a count, pages read by keyset from a known neighbour row, and the
filter's key directory read ahead in small steps, so a jump anywhere costs one page."""

from __future__ import annotations

from collections.abc import Callable
from math import ceil

from PySide6.QtCore import QObject

from app.controllers.tasks import TaskRunner
from app.services.commanding import Store
from app.services.dto import CaseRow, QueueFilter
from app.services.queue_query import (
    DIRECTORY_STRIDE,
    PRIME_HOPS,
    count_cases,
    fetch_page,
    prime_directory,
    sort_key,
)


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

    def prime(self, spec: QueueFilter, rows: int, wanted: Callable[[], bool]) -> None:
        """Read the key directory of ``spec`` (``rows`` long) a step at a time while ``wanted()`` holds.

        Each step is a task of its own, queued when the last one is done, so a page asked for meanwhile waits
        for one step at most. A commit during the reading starts it over; the steps are capped at twice the
        list's length, so a stream of commits cannot keep it busy. A failed step ends the reading: jumps then
        read the directory themselves.
        """
        steps = 2 * ceil(rows / (DIRECTORY_STRIDE * PRIME_HOPS)) + 1

        def step() -> bool:
            return self._store.read(lambda session: prime_directory(session, spec))

        def stepped(complete: bool) -> None:
            nonlocal steps
            steps -= 1
            if not complete and steps > 0 and wanted():
                self._runner.run(step, stepped, lambda _error: None)

        if wanted():
            self._runner.run(step, stepped, lambda _error: None)
