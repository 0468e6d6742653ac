"""The QA dashboard: headline figures, accuracy and agreement over time, by policy and queue, and findings."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from babel import numbers
from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import QComboBox, QFrame, QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from app.core import formatting
from app.core.untrusted import isolate
from app.i18n import _, babel_locale
from app.services.qa.agreement import Estimate
from app.services.qa.dto import BatchInfo, Dashboard, GroupAgreement
from app.services.qa.vocabulary import FINDING_CATEGORIES
from app.widgets.charts import BarChart, Datum, LineChart
from app.widgets.safe_text import plain_label


def percent(value: float | None) -> str:
    """A share in the reader's locale ("83%", "83 %"); its sign stays with the number in right-to-left text."""
    if value is None or math.isnan(value):
        return "—"
    return numbers.format_percent(value, locale=babel_locale())


def decimal(value: float) -> str:
    return "—" if math.isnan(value) else formatting.number(round(value, 2))


def with_interval(estimate: Estimate, fmt: object = decimal) -> str:
    shown = fmt(estimate.value)  # type: ignore[operator]
    if estimate.low is None or estimate.high is None:
        return shown
    # isolated: in a right-to-left line the brackets and numbers keep their order
    return isolate(f"{shown} [{fmt(estimate.low)}, {fmt(estimate.high)}]")  # type: ignore[operator]


class Tile(QFrame):
    """A headline number with its caption."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setProperty("role", "card")
        self.value = plain_label(self)
        self.value.setProperty("role", "figure")
        self.caption = plain_label(self, role="muted", wrap=True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.addWidget(self.value)
        layout.addWidget(self.caption)


class DashboardView(QWidget):
    """Signals:
    scope_changed: a batch id, or "" for every batch.
    """

    scope_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("qaDashboard")
        self._board: Dashboard | None = None
        self._batches: list[BatchInfo] = []
        self.scope = QComboBox(self)
        self.scope.setObjectName("qaDashboardScope")
        self.scope_label = QLabel(self)
        self.tiles = {
            key: Tile(f"qaTile_{key}", self)
            for key in ("reviewed", "accuracy", "kappa", "alpha", "score", "findings")
        }
        self.trend = LineChart(self)
        self.trend.setObjectName("qaTrend")
        self.by_policy = BarChart(self)
        self.by_policy.setObjectName("qaByPolicy")
        self.by_queue = BarChart(self)
        self.by_queue.setObjectName("qaByQueue")
        self.categories = BarChart(self)
        self.categories.setObjectName("qaCategories")
        self.headings = {
            key: plain_label(self, role="heading") for key in ("trend", "policy", "queue", "categories")
        }
        top = QHBoxLayout()
        top.addWidget(self.scope_label)
        top.addWidget(self.scope)
        top.addStretch(1)
        tiles = QHBoxLayout()
        for tile in self.tiles.values():
            tiles.addWidget(tile, 1)
        grid = QGridLayout()
        grid.addWidget(self.headings["trend"], 0, 0)
        grid.addWidget(self.trend, 1, 0)
        grid.addWidget(self.headings["categories"], 0, 1)
        grid.addWidget(self.categories, 1, 1)
        grid.addWidget(self.headings["policy"], 3, 0)
        grid.addWidget(self.by_policy, 4, 0)
        grid.addWidget(self.headings["queue"], 3, 1)
        grid.addWidget(self.by_queue, 4, 1)
        grid.setRowStretch(1, 3)
        grid.setRowStretch(4, 4)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        for heading in self.headings.values():
            heading.setAlignment(Qt.AlignmentFlag.AlignLeading | Qt.AlignmentFlag.AlignVCenter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(top)
        layout.addLayout(tiles)
        layout.addLayout(grid, 1)
        self.scope.activated.connect(lambda _i: self.scope_changed.emit(self.scope.currentData() or ""))
        self.retranslate_ui()

    def set_batches(self, batches: list[BatchInfo]) -> None:
        self._batches = batches
        self._fill_scope()

    def show_dashboard(self, board: Dashboard) -> None:
        self._board = board
        self.retranslate_ui()

    def _fill_scope(self) -> None:
        current = self.scope.currentData()
        self.scope.blockSignals(True)
        self.scope.clear()
        self.scope.addItem(_("All batches"), "")
        for batch in self._batches:
            self.scope.addItem(batch.name, batch.id)
        self.scope.setCurrentIndex(max(0, self.scope.findData(current)))
        self.scope.blockSignals(False)

    @staticmethod
    def _bars(groups: tuple[GroupAgreement, ...]) -> list[Datum]:
        return [
            Datum(
                g.label or _("No policy cited"),
                g.accuracy.value,
                g.accuracy.low,
                g.accuracy.high,
                note=f"n={formatting.number(g.n)}",
            )
            for g in groups
        ]

    def _render(self) -> None:
        board = self._board
        overall = board.overall if board else None
        tiles = self.tiles
        tiles["reviewed"].value.setText(formatting.number(board.reviewed) if board else "—")
        tiles["accuracy"].value.setText(with_interval(overall.accuracy, percent) if overall else "—")
        tiles["kappa"].value.setText(with_interval(overall.kappa) if overall else "—")
        tiles["alpha"].value.setText(with_interval(overall.alpha) if overall else "—")
        tiles["score"].value.setText(percent(overall.mean_score) if overall else "—")
        tiles["findings"].value.setText(
            _("%(open)s open · %(disputed)s disputed")
            % {
                "open": formatting.number(board.open_findings),
                "disputed": formatting.number(board.disputed_findings),
            }
            if board
            else "—"
        )
        if overall is not None and overall.kappa.error:
            tiles["kappa"].setToolTip(overall.kappa.error)
        groups = board.over_time if board else ()
        labels = [formatting.day(datetime.fromisoformat(g.key).replace(tzinfo=UTC)) for g in groups]
        accuracy = [
            Datum(label, g.accuracy.value, g.accuracy.low, g.accuracy.high)
            for label, g in zip(labels, groups, strict=True)
        ]
        kappa = [Datum(label, g.kappa.value) for label, g in zip(labels, groups, strict=True)]
        lowest = min([0.0, *(g.kappa.value for g in groups if not math.isnan(g.kappa.value))])
        self.trend.set_series(
            [accuracy, kappa] if groups else [],
            minimum=lowest,
            maximum=1.0,
            fmt=decimal,
            names=(_("Accuracy"), _("Cohen's kappa")),
        )
        self.by_policy.set_data(self._bars(board.by_policy) if board else [], maximum=1.0, fmt=percent)
        self.by_queue.set_data(self._bars(board.by_queue) if board else [], maximum=1.0, fmt=percent)
        self.categories.set_data(
            [Datum(_(FINDING_CATEGORIES.get(c, c)), float(n)) for c, n in board.categories] if board else [],
            fmt=lambda v: formatting.number(int(v)),
        )

    def retranslate_ui(self) -> None:
        self.scope_label.setText(_("Show"))
        self._fill_scope()
        captions = {
            "reviewed": _("decisions re-reviewed"),
            "accuracy": _(
                "accuracy: audit agrees with the original outcome [interval at 95 percent confidence]"
            ),
            "kappa": _("Cohen's kappa, original vs audit"),
            "alpha": _("Krippendorff's alpha, original vs audit"),
            "score": _("mean rubric score"),
            "findings": _("findings"),
        }
        for key, tile in self.tiles.items():
            tile.caption.setText(captions[key])
        self.headings["trend"].setText(_("Accuracy and agreement over time"))
        self.headings["policy"].setText(_("Accuracy by policy"))
        self.headings["queue"].setText(_("Accuracy by queue"))
        self.headings["categories"].setText(_("Finding categories"))
        empty = _("No re-review yet.")
        for chart in (self.trend, self.by_policy, self.by_queue, self.categories):
            chart.empty_text = empty
        self.categories.empty_text = _("No finding yet.")
        self._render()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)
