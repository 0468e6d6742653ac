"""The queue pane: filters, text search and the lazy list of cases."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QEvent, QModelIndex, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.controllers.workspace import ReferenceData
from app.core import formatting
from app.core.vocabulary import CASE_STATUSES
from app.i18n import _, ngettext
from app.views.itemmodels.queue_model import CASE_ID_ROLE, TITLE_COLUMN, CaseQueueModel
from app.widgets.safe_text import plain_label

SEARCH_DELAY_MS = 250
ANY = ""
OPEN = "__open__"
MINE = "__mine__"
MY_LANGUAGES = "__my_languages__"
FITTED_COLUMNS = (0, 1, 3, 4)


class QueuePane(QWidget):
    """Signals:
    case_selected: the id of the case the reviewer moved to.
    """

    case_selected = Signal(str)

    def __init__(self, model: CaseQueueModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("queuePane")
        self.model = model
        self._actor_id = ""
        self._current_id: str | None = None
        self._my_languages: tuple[str, ...] = ()
        self._reference = ReferenceData((), (), (), ())
        self._search = QLineEdit(self)
        self._search.setClearButtonEnabled(True)
        self._search.setObjectName("queueSearch")
        self._queue = QComboBox(self)
        self._status = QComboBox(self)
        self._language = QComboBox(self)
        self._assignee = QComboBox(self)
        self._count = plain_label(self)
        self._count.setProperty("role", "muted")
        self._table = QTableView(self)
        self._table.setObjectName("queueTable")
        self._table.setModel(model)
        self._table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self._table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self._table.setSortingEnabled(False)
        self._table.verticalHeader().hide()
        self._table.verticalHeader().setDefaultSectionSize(28)
        self._table.setWordWrap(False)
        header = self._table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        header.setSectionResizeMode(TITLE_COLUMN, QHeaderView.ResizeMode.Stretch)
        header.setSortIndicator(1, Qt.SortOrder.AscendingOrder)
        header.setSectionsClickable(True)
        header.setSortIndicatorShown(True)
        header.sectionClicked.connect(self._sort_clicked)
        self._table.selectionModel().currentRowChanged.connect(self._row_changed)
        self._labels: dict[str, QLabel] = {}
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for key, widget in (
            ("queue", self._queue),
            ("status", self._status),
            ("language", self._language),
            ("assignee", self._assignee),
        ):
            label = plain_label(self)
            self._labels[key] = label
            form.addRow(label, widget)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self._search)
        layout.addLayout(form)
        layout.addWidget(self._count)
        layout.addWidget(self._table, 1)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(SEARCH_DELAY_MS)
        self._debounce.timeout.connect(self._apply_filter)
        self._search.textChanged.connect(lambda _text: self._debounce.start())
        for combo in (self._queue, self._status, self._language, self._assignee):
            combo.currentIndexChanged.connect(lambda _i: self._apply_filter())
        model.loaded.connect(self._loaded)
        self.retranslate_ui()

    # --- state ---------------------------------------------------------------------------------------------
    def set_reference(self, reference: ReferenceData, actor_id: str) -> None:
        self._reference = reference
        self._actor_id = actor_id
        actor = next((r for r in reference.reviewers if r.id == actor_id), None)
        self._my_languages = actor.languages if actor else ()
        self.model.set_reader_languages(self._my_languages)
        self._fill_combos()

    def focus_search(self) -> None:
        self._search.setFocus()
        self._search.selectAll()

    def focus_table(self) -> None:
        self._table.setFocus()

    def current_case_id(self) -> str | None:
        index = self._table.currentIndex()
        value = self.model.data(self.model.index(index.row(), 0), CASE_ID_ROLE) if index.isValid() else None
        return str(value) if value else None

    def move(self, step: int) -> None:
        """Select the next (+1) or previous (-1) case."""
        rows = self.model.rowCount()
        if rows == 0:
            return
        current = self._table.currentIndex().row()
        target = 0 if current < 0 else max(0, min(rows - 1, current + step))
        self._table.setCurrentIndex(self.model.index(target, 0))
        self._table.scrollTo(self.model.index(target, 0))

    def select_case(self, case_id: str) -> None:
        row = self.model.row_of(case_id)
        if row is not None:
            self._table.setCurrentIndex(self.model.index(row, 0))

    # --- behaviour -----------------------------------------------------------------------------------------
    def _row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        index = self.model.index(current.row(), 0)
        case_id = self.model.data(index, CASE_ID_ROLE) if current.isValid() else None
        if case_id and case_id != self._current_id:
            self._current_id = str(case_id)
            self.case_selected.emit(self._current_id)

    def _fit_columns(self) -> None:
        """Short columns as wide as their header or their loaded text in the current language.

        Only the rows already fetched are measured: Qt's ResizeToContents would ask for every row of the queue.
        """
        metrics = self._table.fontMetrics()
        header_metrics = self._table.horizontalHeader().fontMetrics()
        padding = 40  # cell margins and the sort indicator
        sample = [self.model.index(row, 0) for row in range(min(self.model.rowCount(), 60))]
        for column in FITTED_COLUMNS:
            header_text = str(self.model.headerData(column, Qt.Orientation.Horizontal) or "")
            texts = [header_text] + [
                str(self.model.data(self.model.index(i.row(), column)) or "")
                for i in sample
                if self.model.case_row(i.row()) is not None
            ]
            widest = max(metrics.horizontalAdvance(t) for t in texts[1:]) if texts[1:] else 0
            # headers are drawn in a bolder, larger face than cells: measure them with their own font
            header_width = int(header_metrics.horizontalAdvance(header_text) * 1.15)
            self._table.setColumnWidth(column, max(widest, header_width) + padding)

    def _loaded(self, rows: int) -> None:
        self._count.setText(
            ngettext("%(count)s case", "%(count)s cases", rows) % {"count": formatting.number(rows)}
        )
        self._fit_columns()
        if not rows:
            return
        # A refresh keeps the reviewer on their case; only a first load picks the top of the queue.
        row = self.model.row_of(self._current_id) if self._current_id else 0
        if row is None:
            return
        if self._current_id is None:
            self._table.setCurrentIndex(self.model.index(row, 0))
            return
        selection = self._table.selectionModel()
        selection.blockSignals(True)
        self._table.setCurrentIndex(self.model.index(row, 0))
        selection.blockSignals(False)
        self._table.viewport().update()

    def _sort_clicked(self, column: int) -> None:
        header = self._table.horizontalHeader()
        self.model.sort(column, header.sortIndicatorOrder())

    def _apply_filter(self) -> None:
        status = self._status.currentData()
        assignee = self._assignee.currentData()
        spec = replace(
            self.model.spec,
            text=self._search.text(),
            queue_id=self._queue.currentData() or None,
            status=status if status not in (ANY, OPEN, None) else None,
            only_open=status == OPEN,
            language=self._language.currentData()
            if self._language.currentData() not in (ANY, MY_LANGUAGES)
            else None,
            languages=self._my_languages if self._language.currentData() == MY_LANGUAGES else (),
            assignee_id=self._actor_id if assignee == MINE else None,
        )
        if spec != self.model.spec:
            self.model.set_filter(spec)

    def _fill_combos(self) -> None:
        def refill(combo: QComboBox, items: list[tuple[str, str]]) -> None:
            current = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            for label, data in items:
                combo.addItem(label, data)
            found = combo.findData(current)
            combo.setCurrentIndex(max(0, found))
            combo.blockSignals(False)

        refill(self._queue, [(_("All queues"), ANY)] + [(q.name, q.id) for q in self._reference.queues])
        refill(
            self._status,
            [(_("Open cases"), OPEN), (_("Any status"), ANY)]
            + [(_(label), code) for code, label in CASE_STATUSES.items()],
        )
        refill(
            self._language,
            [(_("All languages"), ANY)]
            + [(f"{formatting.language_name(c)} ({c})", c) for c in self._reference.languages],
        )
        refill(self._assignee, [(_("Anyone"), ANY), (_("Assigned to me"), MINE)])

    def retranslate_ui(self) -> None:
        self._search.setPlaceholderText(_("Search titles, content and notes (/)"))
        self._labels["queue"].setText(_("Queue"))
        self._labels["status"].setText(_("Status"))
        self._labels["language"].setText(_("Language"))
        self._labels["assignee"].setText(_("Assignee"))
        self._table.setToolTip(_("J / K: next and previous case"))
        self._fill_combos()
        self.model.retranslate()
        self._loaded(self.model.rowCount())

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)
