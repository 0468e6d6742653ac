"""Batches: the sampler, the list of drawn batches, and the chosen batch's items (to open for re-review)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QItemSelectionModel, QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.core import formatting
from app.i18n import _
from app.services.qa.dto import BatchInfo, BatchItemRow
from app.services.qa.vocabulary import ALLOCATIONS, DIMENSIONS, METHODS
from app.views.itemmodels.qa_models import ID_ROLE, BatchItemModel, BatchListModel
from app.views.qa.sampler import SamplerPanel
from app.widgets.safe_text import plain_label


def make_table(parent: QWidget, name: str) -> QTableView:
    table = QTableView(parent)
    table.setObjectName(name)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().hide()
    table.setWordWrap(False)
    table.horizontalHeader().setDefaultAlignment(
        Qt.AlignmentFlag.AlignLeading | Qt.AlignmentFlag.AlignVCenter
    )
    return table


def select_row(table: QTableView, row: int) -> None:
    """Make ``row`` current and selected. (QTableView.selectRow clears the current index in a right-to-left
    layout when the view has not been laid out yet, so the selection model is asked directly.)"""
    model = table.model()
    if 0 <= row < model.rowCount():
        flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        table.selectionModel().setCurrentIndex(model.index(row, 0), flags)


class BatchesView(QWidget):
    """Signals:
    batch_selected: a batch id (or "" when none).
    item_opened: a batch item id to re-review.
    export_requested: (batch id, "csv" or "pdf").
    """

    batch_selected = Signal(str)
    item_opened = Signal(str)
    export_requested = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("qaBatches")
        self.sampler = SamplerPanel(self)
        self.batch_model = BatchListModel(self)
        self.item_model = BatchItemModel(self)
        self.batch_heading = plain_label(self, role="heading")
        self.batch_table = make_table(self, "qaBatchTable")
        self.batch_table.setModel(self.batch_model)
        self.batch_table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.items_heading = plain_label(self, role="heading")
        self.summary = plain_label(self, role="muted", wrap=True)
        self.item_table = make_table(self, "qaItemTable")
        self.item_table.setModel(self.item_model)
        header = self.item_table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)  # the case title takes what is left
        self.open_button = QPushButton(self)
        self.open_button.setObjectName("qaOpenItem")
        self.csv_button = QPushButton(self)
        self.pdf_button = QPushButton(self)
        self._batch: BatchInfo | None = None
        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.sampler)
        left_layout.addSpacing(8)
        left_layout.addWidget(self.batch_heading)
        left_layout.addWidget(self.batch_table, 1)
        right = QWidget(self)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.items_heading)
        right_layout.addWidget(self.summary)
        right_layout.addWidget(self.item_table, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addStretch(1)
        buttons.addWidget(self.csv_button)
        buttons.addWidget(self.pdf_button)
        right_layout.addLayout(buttons)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        split.setSizes([620, 980])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(split)
        self.batch_table.selectionModel().currentRowChanged.connect(self._batch_changed)
        self.item_table.doubleClicked.connect(self._open_index)
        self.item_table.activated.connect(self._open_index)
        self.open_button.clicked.connect(lambda: self._open_index(self.item_table.currentIndex()))
        self.csv_button.clicked.connect(lambda: self._export("csv"))
        self.pdf_button.clicked.connect(lambda: self._export("pdf"))
        self._update_buttons()
        self.retranslate_ui()

    # --- data ----------------------------------------------------------------------------------------------
    def show_batches(self, batches: list[BatchInfo], select_id: str | None = None) -> None:
        wanted = select_id or (self._batch.id if self._batch else None)
        self.batch_model.set_rows(batches)
        row = self.batch_model.row_of(lambda b: b.id == wanted) if wanted else None
        if row is None and batches:
            row = 0
        if row is not None:
            select_row(self.batch_table, row)
            self._batch = self.batch_model.row_at(row)
        self._update_buttons()
        self.retranslate_ui()

    def show_items(self, batch_id: str, items: list[BatchItemRow]) -> None:
        current = self.item_table.currentIndex().data(ID_ROLE)
        self.item_model.set_rows(items)
        row = self.item_model.row_of(lambda i: i.id == current) if current else None
        if row is None:
            row = self.item_model.row_of(lambda i: not i.reviewed)
        if row is not None:
            select_row(self.item_table, row)
        self._update_buttons()

    def select_batch(self, batch_id: str) -> None:
        row = self.batch_model.row_of(lambda b: b.id == batch_id)
        if row is not None:
            select_row(self.batch_table, row)

    def next_item(self, item_id: str, step: int) -> str | None:
        """The id of the item ``step`` rows from ``item_id`` in this batch's order, if any."""
        row = self.item_model.row_of(lambda i: i.id == item_id)
        if row is None:
            return None
        neighbour = self.item_model.row_at(row + step)
        if neighbour is None:
            return None
        select_row(self.item_table, row + step)
        return neighbour.id

    # --- reactions -----------------------------------------------------------------------------------------
    def _batch_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self._batch = self.batch_model.row_at(current.row()) if current.isValid() else None
        self.batch_selected.emit(self._batch.id if self._batch else "")
        self._update_buttons()
        self.retranslate_ui()

    def _open_index(self, index: QModelIndex) -> None:
        if index.isValid():
            item_id = self.item_model.index(index.row(), 0).data(ID_ROLE)
            if item_id:
                self.item_opened.emit(item_id)

    def _export(self, kind: str) -> None:
        if self._batch is not None:
            self.export_requested.emit(self._batch.id, kind)

    def _update_buttons(self) -> None:
        has_batch = self._batch is not None
        self.csv_button.setEnabled(has_batch)
        self.pdf_button.setEnabled(has_batch)
        self.open_button.setEnabled(self.item_model.rowCount() > 0)

    # --- text ----------------------------------------------------------------------------------------------
    def _summary_text(self, batch: BatchInfo) -> str:
        parameters = batch.parameters
        parts = [
            _(METHODS.get(batch.method, batch.method)),
            _("seed %(seed)s") % {"seed": parameters.get("seed")},
            _("%(count)s decisions in scope") % {"count": formatting.number(batch.population)},
        ]
        if parameters.get("by"):
            parts.append(
                _("by %(dimension)s, %(allocation)s")
                % {
                    "dimension": _(DIMENSIONS.get(parameters["by"], parameters["by"])),
                    "allocation": _(ALLOCATIONS.get(parameters.get("allocation", ""), "")),
                }
            )
        if parameters.get("date_from") or parameters.get("date_to"):
            parts.append(
                _("decided %(start)s – %(end)s")
                % {"start": parameters.get("date_from") or "…", "end": parameters.get("date_to") or "…"}
            )
        strata = [s for s in batch.strata if s.key]
        if strata:
            parts.append(
                _("strata: %(list)s")
                % {"list": formatting.join([f"{s.label} {s.allocated}/{s.population}" for s in strata])}
            )
        return " · ".join(parts)

    def retranslate_ui(self) -> None:
        self.batch_heading.setText(_("Audit batches"))
        batch = self._batch
        self.items_heading.setText(
            _("Decisions in %(batch)s") % {"batch": batch.name} if batch else _("Pick or draw a batch")
        )
        self.summary.setText(self._summary_text(batch) if batch else "")
        self.open_button.setText(_("Re-review blind"))
        self.csv_button.setText(_("Export CSV…"))
        self.pdf_button.setText(_("Export PDF report…"))
        self.batch_model.retranslate()
        self.item_model.retranslate()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)
