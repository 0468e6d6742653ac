"""The case queue as a lazy table model: a row count, and pages of rows fetched on demand off the UI thread.

It never holds the whole table: pages are requested when a view asks for rows it does not have, placeholders
are shown meanwhile, and far-away pages are dropped from the cache.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal

from app.controllers.queue import QueueSource
from app.core import formatting
from app.core.vocabulary import CASE_STATUSES
from app.i18n import N_, _
from app.services.dto import CaseRow, QueueFilter
from app.theme import sla_colour
from app.views.labels import priority_label

PAGE_SIZE = 100
MAX_PAGES = 40
COLUMNS = (
    ("priority", N_("Priority")),
    ("due", N_("SLA")),
    ("title", N_("Title")),
    ("status", N_("Status")),
    ("language", N_("Language")),
)
TITLE_COLUMN = 2
SORTABLE = {"priority": "priority", "due": "due"}
CASE_ID_ROLE = Qt.ItemDataRole.UserRole + 1
Index = QModelIndex | QPersistentModelIndex


class CaseQueueModel(QAbstractTableModel):
    """Signals:
    loaded: emitted with the row count once a filter's count and first page have arrived.
    load_failed: emitted with a message when a fetch failed.
    """

    loaded = Signal(int)
    load_failed = Signal(str)

    def __init__(self, source: QueueSource, parent: Any = None) -> None:
        super().__init__(parent)
        self._source = source
        self._spec = QueueFilter()
        self._generation = 0
        self._rows = 0
        self._pages: OrderedDict[int, list[CaseRow]] = OrderedDict()
        self._pending: set[int] = set()
        self._now = datetime.now(UTC)
        self._readable: frozenset[str] = frozenset()
        self._pending_claims: frozenset[str] = frozenset()

    def set_reader_languages(self, languages: tuple[str, ...]) -> None:
        """Cases in languages the reviewer does not read are shown muted."""
        self._readable = frozenset(languages)
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(self._rows - 1, len(COLUMNS) - 1))

    def set_pending_claims(self, case_ids: frozenset[str]) -> None:
        """Cases claimed here whose claim the team hub has not confirmed yet are marked in the status column."""
        if case_ids == self._pending_claims:
            return
        self._pending_claims = case_ids
        if self._rows:
            column = next(i for i, (key, _t) in enumerate(COLUMNS) if key == "status")
            self.dataChanged.emit(self.index(0, column), self.index(self._rows - 1, column))

    # --- filter and refresh --------------------------------------------------------------------------------
    @property
    def spec(self) -> QueueFilter:
        return self._spec

    def set_filter(self, spec: QueueFilter) -> None:
        self._spec = spec
        self.refresh()

    def refresh(self) -> None:
        """Count again and reload; results of the previous generation are dropped when they arrive."""
        self._generation += 1
        generation = self._generation
        self._source.count(
            self._spec, lambda n: self._counted(generation, n), lambda e: self._failed(generation, e)
        )

    def _counted(self, generation: int, rows: int) -> None:
        if generation != self._generation:
            return
        self.beginResetModel()
        self._rows = rows
        self._pages.clear()
        self._pending.clear()
        self._now = datetime.now(UTC)
        self.endResetModel()
        if rows == 0:
            self.loaded.emit(0)
        else:
            self._request(0)
        if rows > PAGE_SIZE * MAX_PAGES:  # a list longer than the cache: make later jumps into it cheap
            self._source.prime(self._spec, rows, lambda: generation == self._generation)

    def _failed(self, generation: int, error: BaseException) -> None:
        if generation == self._generation:
            self.load_failed.emit(str(error))

    def _request(self, page: int) -> None:
        if page in self._pending or page in self._pages:
            return
        self._pending.add(page)
        generation = self._generation
        previous = self._pages.get(page - 1)
        following = self._pages.get(page + 1)
        self._source.page(
            self._spec,
            page,
            PAGE_SIZE,
            previous=previous[-1] if previous else None,
            following=following[0] if following else None,
            done=lambda rows: self._arrived(generation, page, rows),
            failed=lambda e: self._failed(generation, e),
        )

    def _arrived(self, generation: int, page: int, rows: list[CaseRow]) -> None:
        if generation != self._generation:
            return
        self._pending.discard(page)
        first = page * PAGE_SIZE
        rows = rows[: max(0, self._rows - first)]
        self._pages[page] = rows
        self._pages.move_to_end(page)
        while len(self._pages) > MAX_PAGES:
            self._pages.popitem(last=False)
        if rows:
            last = first + len(rows) - 1
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(COLUMNS) - 1))
        if page == 0:
            self.loaded.emit(self._rows)

    # --- access --------------------------------------------------------------------------------------------
    def case_row(self, row: int) -> CaseRow | None:
        page = self._pages.get(row // PAGE_SIZE)
        if page is None:
            if 0 <= row < self._rows:
                self._request(row // PAGE_SIZE)
            return None
        offset = row % PAGE_SIZE
        return page[offset] if offset < len(page) else None

    def row_of(self, case_id: str) -> int | None:
        for page, rows in self._pages.items():
            for offset, item in enumerate(rows):
                if item.id == case_id:
                    return page * PAGE_SIZE + offset
        return None

    # --- Qt model interface --------------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._rows

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(COLUMNS)
        ):
            return _(COLUMNS[section][1])
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < self._rows or not 0 <= index.column() < len(COLUMNS):
            return None
        item = self.case_row(index.row())
        column = COLUMNS[index.column()][0]
        if item is None:
            return "…" if role == Qt.ItemDataRole.DisplayRole and index.column() == 0 else None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(item, column)
        if role == CASE_ID_ROLE:
            return item.id
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == "due":
                return formatting.exact_utc(item.due_at)
            if column in ("title", "status"):
                return " · ".join(p for p in (item.external_ref, item.queue_name, item.assignee_name) if p)
            if column == "language":
                if self._readable and item.language not in self._readable:
                    return _("%(language)s: not one of your languages") % {
                        "language": formatting.language_name(item.language)
                    }
                return formatting.join(
                    [formatting.language_name(item.language), formatting.country_name(item.region)]
                )
        if role == Qt.ItemDataRole.ForegroundRole and column == "due" and item.status not in ("resolved",):
            return sla_colour(formatting.sla_state(item.due_at, self._now))
        if role == Qt.ItemDataRole.ForegroundRole and self._readable and item.language not in self._readable:
            return sla_colour("muted")
        if role == Qt.ItemDataRole.TextAlignmentRole and column in ("priority", "language"):
            return int(Qt.AlignmentFlag.AlignCenter)
        return None

    def _display(self, item: CaseRow, column: str) -> str:
        if column == "priority":
            return priority_label(item.priority)
        if column == "due":
            return formatting.sla_text(item.due_at, self._now) if item.status != "resolved" else "—"
        if column == "status":
            status = _(CASE_STATUSES.get(item.status, item.status))
            if item.id in self._pending_claims:
                return _("%(status)s · claim pending sync") % {"status": status}
            return status
        if column == "language":
            return f"{item.language} · {item.region}" if item.region else item.language
        return item.title.replace("\n", " ")

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = SORTABLE.get(COLUMNS[column][0]) if 0 <= column < len(COLUMNS) else None
        if key is None:
            return
        self.set_filter(replace(self._spec, sort=key, descending=order == Qt.SortOrder.DescendingOrder))

    def retranslate(self) -> None:
        """Headers and translated cells change with the UI language."""
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(COLUMNS) - 1)
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(self._rows - 1, len(COLUMNS) - 1))
