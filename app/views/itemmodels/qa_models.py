"""Table models of the QA workspace: batches, a batch's items, findings.

These lists are small (a batch holds tens to a few thousand items), so each model holds its rows, fed whole
by the QA controller; the big list (the decisions a batch is drawn from) never reaches the UI.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from babel import numbers
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from app.core import formatting
from app.core.vocabulary import OUTCOMES
from app.i18n import N_, _, babel_locale
from app.services.qa.dto import BatchInfo, BatchItemRow, FindingInfo
from app.services.qa.vocabulary import FINDING_CATEGORIES, FINDING_STATUSES, METHODS
from app.theme import sla_colour

ID_ROLE = Qt.ItemDataRole.UserRole + 1
Index = QModelIndex | QPersistentModelIndex
R = TypeVar("R")


def escaped_tooltip(text: str) -> str:
    """Tooltips guess rich text; people's words are escaped inside an explicit rich-text wrapper."""
    return "<qt>" + html.escape(text).replace("\n", "<br>") + "</qt>"


class RowsModel(QAbstractTableModel, Generic[R]):
    """A read-only table over a list of frozen rows; subclasses name the columns and render the cells."""

    COLUMNS: tuple[tuple[str, str], ...] = ()

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[R] = []

    def set_rows(self, rows: Sequence[R]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_at(self, row: int) -> R | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def rows(self) -> list[R]:
        return list(self._rows)

    def row_of(self, predicate: Callable[[R], bool]) -> int | None:
        return next((i for i, r in enumerate(self._rows) if predicate(r)), None)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(self.COLUMNS)
        ):
            return _(self.COLUMNS[section][1])
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.column() < len(self.COLUMNS):
            return None
        item = self.row_at(index.row())
        if item is None:
            return None
        column = self.COLUMNS[index.column()][0]
        if role == Qt.ItemDataRole.DisplayRole:
            return self.display(item, column)
        if role == ID_ROLE:
            return getattr(item, "id", None)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.tooltip(item, column)
        if role == Qt.ItemDataRole.ForegroundRole:
            return self.foreground(item, column)
        return None

    def display(self, item: R, column: str) -> str:
        raise NotImplementedError

    def tooltip(self, item: R, column: str) -> str | None:
        return None

    def foreground(self, item: R, column: str) -> Any:
        return None

    def retranslate(self) -> None:
        """Headers and translated cells follow the UI language."""
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(self.COLUMNS) - 1)
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, len(self.COLUMNS) - 1))


class BatchListModel(RowsModel[BatchInfo]):
    COLUMNS = (
        ("name", N_("Batch")),
        ("method", N_("Method")),
        ("progress", N_("Re-reviewed")),
        ("findings", N_("Findings")),
        ("created", N_("Drawn")),
    )

    def display(self, item: BatchInfo, column: str) -> str:
        if column == "name":
            return item.name
        if column == "method":
            return _(METHODS.get(item.method, item.method))
        if column == "progress":
            return _("%(done)s of %(total)s") % {
                "done": formatting.number(item.reviewed),
                "total": formatting.number(item.size),
            }
        if column == "findings":
            return formatting.number(item.findings)
        return formatting.day(item.created_at)

    def tooltip(self, item: BatchInfo, column: str) -> str | None:
        if column == "created":
            return formatting.exact_utc(item.created_at)
        if column == "name":
            return _("Seed %(seed)s · %(count)s decisions in scope") % {
                "seed": item.parameters.get("seed"),
                "count": formatting.number(item.population),
            }
        return None


class BatchItemModel(RowsModel[BatchItemRow]):
    COLUMNS = (
        ("position", N_("#")),
        ("status", N_("Status")),
        ("title", N_("Case")),
        ("stratum", N_("Stratum")),
        ("queue", N_("Queue")),
        ("language", N_("Language")),
        ("score", N_("Score")),
        ("findings", N_("Findings")),
    )

    def display(self, item: BatchItemRow, column: str) -> str:
        if column == "position":
            return formatting.number(item.position)
        if column == "status":
            if not item.reviewed:
                return _("To re-review")
            return _("Agrees") if item.agreed else _("Differs")
        if column == "title":
            return item.case_title.replace("\n", " ")
        if column == "stratum":
            return item.stratum_label
        if column == "queue":
            return item.queue_name
        if column == "language":
            return item.language
        if column == "score":
            return "" if item.score is None else numbers.format_percent(item.score, locale=babel_locale())
        return formatting.number(item.findings) if item.findings else ""

    def foreground(self, item: BatchItemRow, column: str) -> Any:
        if column == "status" and item.reviewed:
            return sla_colour("ok" if item.agreed else "breached")
        return None


class FindingModel(RowsModel[FindingInfo]):
    COLUMNS = (
        ("case", N_("Case")),
        ("category", N_("Category")),
        ("status", N_("Status")),
        ("outcomes", N_("Original → audit")),
        ("note", N_("Finding")),
        ("people", N_("Reviewer / auditor")),
        ("created", N_("Raised")),
    )

    def display(self, item: FindingInfo, column: str) -> str:
        if column == "case":
            return item.external_ref
        if column == "category":
            return _(FINDING_CATEGORIES.get(item.category, item.category))
        if column == "status":
            return _(FINDING_STATUSES.get(item.status, item.status))
        if column == "outcomes":
            original = _(OUTCOMES.get(item.original_outcome, item.original_outcome))
            return f"{original} → {_(OUTCOMES.get(item.audit_outcome, item.audit_outcome))}"
        if column == "note":
            return item.note.replace("\n", " ")
        if column == "people":
            return f"{item.reviewer_name} / {item.auditor_name}"
        return formatting.day(item.created_at)

    def tooltip(self, item: FindingInfo, column: str) -> str | None:
        if column in ("note", "status"):
            parts = [item.note]
            if item.response:
                parts.append(_("Reply: %(text)s") % {"text": item.response})
            if item.resolution_note:
                parts.append(_("Resolution: %(text)s") % {"text": item.resolution_note})
            return escaped_tooltip("\n".join(parts))
        return None

    def foreground(self, item: FindingInfo, column: str) -> Any:
        if column == "status" and item.status in ("open", "disputed"):
            return sla_colour("at_risk")
        return None
