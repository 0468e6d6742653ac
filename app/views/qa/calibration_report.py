"""A calibration session's results: Krippendorff's alpha on the outcome and on the checklist (overall and per
element) with bootstrap intervals, accuracy against the golden set, and where people split, who said what."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QGridLayout, QHeaderView, QSplitter, QTableView, QVBoxLayout, QWidget

from app.core import formatting
from app.core.untrusted import isolate, neutralise_bidi
from app.i18n import _, ngettext
from app.services.qa.dto import CalibrationReport
from app.views.itemmodels.calibration_models import (
    NOT_ENOUGH,
    ElementAlphaModel,
    ElementRow,
    GoldenModel,
    GoldenRow,
    SplitModel,
    alpha_text,
)
from app.views.qa.batches_view import make_table
from app.views.qa.dashboard import Tile, percent
from app.widgets.safe_text import plain_label


def _stretch_first(table: QTableView) -> None:
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)


class CalibrationReportView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("calibrationReport")
        self.report: CalibrationReport | None = None
        self.summary = plain_label(self, wrap=True)
        self.summary.setObjectName("calibrationSummary")
        self.progress = plain_label(self, role="muted", wrap=True)
        self.tiles = {key: Tile(f"calibrationTile_{key}", self) for key in ("outcome", "elements", "golden")}
        self.element_model = ElementAlphaModel(self)
        self.golden_model = GoldenModel(self)
        self.split_model = SplitModel(self)
        self.elements = make_table(self, "calibrationElements")
        self.elements.setModel(self.element_model)
        self.golden = make_table(self, "calibrationGolden")
        self.golden.setModel(self.golden_model)
        self.splits = make_table(self, "calibrationSplits")
        self.splits.setModel(self.split_model)
        for table in (self.elements, self.golden):
            _stretch_first(table)
        split_header = self.splits.horizontalHeader()
        split_header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        split_header.setStretchLastSection(False)
        split_header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.splits.setColumnWidth(0, 260)
        self.splits.setColumnWidth(1, 260)
        self.splits.setWordWrap(True)
        self.headings = {key: plain_label(self, role="heading") for key in ("elements", "golden", "splits")}
        tiles = QGridLayout()
        for column, tile in enumerate(self.tiles.values()):
            tiles.addWidget(tile, 0, column)
        upper = QWidget(self)
        upper_layout = QGridLayout(upper)
        upper_layout.setContentsMargins(0, 0, 0, 0)
        upper_layout.addWidget(self.headings["elements"], 0, 0)
        upper_layout.addWidget(self.elements, 1, 0)
        upper_layout.addWidget(self.headings["golden"], 0, 1)
        upper_layout.addWidget(self.golden, 1, 1)
        upper_layout.setColumnStretch(0, 3)
        upper_layout.setColumnStretch(1, 2)
        lower = QWidget(self)
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addWidget(self.headings["splits"])
        lower_layout.addWidget(self.splits, 1)
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(upper)
        split.addWidget(lower)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.summary)
        layout.addWidget(self.progress)
        layout.addLayout(tiles)
        layout.addWidget(split, 1)
        self.retranslate_ui()

    def show_report(self, report: CalibrationReport | None) -> None:
        self.report = report
        texts = dict(report.element_texts) if report else {}
        self.element_model.set_rows(
            [ElementRow(key, texts.get(key, key), estimate) for key, estimate in report.per_element]
            if report
            else []
        )
        outcome = dict(report.golden_accuracy) if report else {}
        elements = dict(report.golden_elements) if report else {}
        self.golden_model.set_rows(
            [GoldenRow(name, outcome.get(name), elements.get(name)) for name in sorted({*outcome, *elements})]
        )
        self.split_model.set_element_texts(texts)
        self.split_model.set_rows(list(report.splits) if report else [])
        self.splits.resizeRowsToContents()
        golden = bool(report and report.golden)
        self.golden.setVisible(golden)
        self.headings["golden"].setVisible(golden)
        self.tiles["golden"].setVisible(golden)
        self.golden.setColumnHidden(2, not (report and report.golden_elements))
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        report = self.report
        self.headings["elements"].setText(_("Agreement per checklist element"))
        self.headings["golden"].setText(_("Accuracy against the golden set"))
        self.headings["splits"].setText(_("Where people split"))
        self.tiles["outcome"].caption.setText(_("Krippendorff's alpha on the outcome [95% CI]"))
        self.tiles["elements"].caption.setText(_("Krippendorff's alpha on the checklist, all elements"))
        self.tiles["golden"].caption.setText(_("Outcomes matching the golden set"))
        for model in (self.element_model, self.golden_model, self.split_model):
            model.retranslate()
        if report is None:
            self.summary.setText(_("Pick a session to see its results."))
            self.progress.clear()
            for tile in self.tiles.values():
                tile.value.setText("—")
            return
        self.summary.setText(
            _("%(name)s · %(cases)s · %(answers)s")
            % {
                "name": neutralise_bidi(report.name),
                "cases": isolate(
                    ngettext("%(count)s case", "%(count)s cases", report.cases)
                    % {"count": formatting.number(report.cases)}
                ),
                "answers": isolate(
                    ngettext("%(count)s answer", "%(count)s answers", report.answers)
                    % {"count": formatting.number(report.answers)}
                ),
            }
        )
        self.progress.setText(
            _("Answered so far: %(people)s")
            % {
                "people": ", ".join(
                    _("%(name)s %(done)s of %(total)s")
                    % {
                        "name": neutralise_bidi(name),
                        "done": formatting.number(done),
                        "total": formatting.number(report.cases),
                    }
                    for name, done in report.progress
                )
            }
        )
        for key, estimate in (("outcome", report.outcome_alpha), ("elements", report.element_alpha)):
            self.tiles[key].value.setText(alpha_text(estimate))
            self.tiles[key].setToolTip(_(NOT_ENOUGH) if estimate.error else "")
        hits = [share for _name, share in report.golden_accuracy]
        self.tiles["golden"].value.setText(percent(sum(hits) / len(hits)) if hits else "—")

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)
