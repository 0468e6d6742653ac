"""The sampler: method, strata and allocation, size with the sample-size helper beside it, seed and dates."""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime

from babel import numbers
from PySide6.QtCore import QDate, QEvent, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.core import formatting
from app.i18n import _, babel_locale
from app.services.qa.sampling import MAX_SIZE, SampleSpec
from app.services.qa.vocabulary import ALLOCATIONS, DIMENSIONS, METHODS

CONFIDENCE_LEVELS = (0.90, 0.95, 0.99)


def _qdate(value: date) -> QDate:
    return QDate(value.year, value.month, value.day)


def _pydate(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


class SamplerPanel(QWidget):
    """Signals:
    sample_requested: (batch name, SampleSpec) when the auditor draws a batch.
    spec_changed: (SampleSpec, confidence, margin) when the helper should count the population again.
    """

    sample_requested = Signal(str, object)
    spec_changed = Signal(object, float, float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("qaSampler")
        self.heading = QLabel(self)
        self.heading.setProperty("role", "heading")
        self.name = QLineEdit(self)
        self.method = QComboBox(self)
        self.method.setObjectName("qaMethod")
        self.by = QComboBox(self)
        self.by.setObjectName("qaStratifyBy")
        self.allocation = QComboBox(self)
        self.allocation.setObjectName("qaAllocation")
        self.size = QSpinBox(self)
        self.size.setObjectName("qaSize")
        self.size.setRange(1, MAX_SIZE)
        self.size.setValue(50)
        self.confidence = QComboBox(self)
        self.margin = QSpinBox(self)
        self.margin.setRange(1, 20)
        self.margin.setValue(5)
        self.margin.setSuffix(" %")
        self.helper = QLabel(self)
        self.helper.setObjectName("qaSampleSizeHelper")
        self.helper.setProperty("role", "muted")
        self.helper.setWordWrap(True)
        self.use_suggestion = QPushButton(self)
        self.use_suggestion.setEnabled(False)
        self.seed = QSpinBox(self)
        self.seed.setObjectName("qaSeed")
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setValue(secrets.randbelow(2**31))
        self.new_seed = QPushButton(self)
        today = datetime.now(UTC).date()
        self.use_from = QCheckBox(self)
        self.date_from = QDateEdit(_qdate(today.replace(day=1)), self)
        self.use_to = QCheckBox(self)
        self.date_to = QDateEdit(_qdate(today), self)
        for edit in (self.date_from, self.date_to):
            edit.setCalendarPopup(True)
            edit.setEnabled(False)
        self.draw_button = QPushButton(self)
        self.draw_button.setObjectName("qaDraw")
        self._labels = {
            key: QLabel(self)
            for key in ("name", "method", "by", "allocation", "size", "precision", "seed", "dates")
        }
        self._population: tuple[int, int] | None = None
        self._build()
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(250)
        self._debounce.timeout.connect(self._emit_spec)
        self._connect()
        self.retranslate_ui()
        self._update_enabled()

    def _build(self) -> None:
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeading | Qt.AlignmentFlag.AlignVCenter)
        form.addRow(self._labels["name"], self.name)
        form.addRow(self._labels["method"], self.method)
        form.addRow(self._labels["by"], self.by)
        form.addRow(self._labels["allocation"], self.allocation)
        size_row = QHBoxLayout()
        size_row.addWidget(self.size)
        size_row.addWidget(self.use_suggestion)
        size_row.addStretch(1)
        form.addRow(self._labels["size"], size_row)
        precision = QHBoxLayout()
        precision.addWidget(self.confidence)
        precision.addWidget(self.margin)
        precision.addStretch(1)
        form.addRow(self._labels["precision"], precision)
        form.addRow("", self.helper)
        seed_row = QHBoxLayout()
        seed_row.addWidget(self.seed, 1)
        seed_row.addWidget(self.new_seed)
        form.addRow(self._labels["seed"], seed_row)
        dates = QHBoxLayout()
        dates.addWidget(self.use_from)
        dates.addWidget(self.date_from)
        dates.addWidget(self.use_to)
        dates.addWidget(self.date_to)
        dates.addStretch(1)
        form.addRow(self._labels["dates"], dates)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.heading)
        layout.addLayout(form)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(self.draw_button)
        layout.addLayout(bottom)

    def _connect(self) -> None:
        for combo in (self.method, self.by, self.allocation, self.confidence):
            combo.currentIndexChanged.connect(self._changed)
        self.margin.valueChanged.connect(self._changed)
        for check in (self.use_from, self.use_to):
            check.toggled.connect(self._changed)
        for edit in (self.date_from, self.date_to):
            edit.dateChanged.connect(self._changed)
        self.new_seed.clicked.connect(lambda: self.seed.setValue(secrets.randbelow(2**31)))
        self.use_suggestion.clicked.connect(self._use_suggestion)
        self.draw_button.clicked.connect(self.draw)

    def spec(self) -> SampleSpec:
        method = self.method.currentData() or "random"
        return SampleSpec(
            method=method,
            size=self.size.value(),
            seed=self.seed.value(),
            by=self.by.currentData() if method == "stratified" else None,
            allocation=self.allocation.currentData() or "proportional",
            date_from=_pydate(self.date_from.date()) if self.use_from.isChecked() else None,
            date_to=_pydate(self.date_to.date()) if self.use_to.isChecked() else None,
        )

    def precision(self) -> tuple[float, float]:
        return float(self.confidence.currentData() or 0.95), self.margin.value() / 100

    def draw(self) -> None:
        name = self.name.text().strip() or _("%(method)s sample of %(day)s") % {
            "method": self.method.currentText(),
            "day": formatting.day(datetime.now(UTC)),
        }
        self.sample_requested.emit(name, self.spec())

    def set_population(self, population: int, suggested: int) -> None:
        self._population = (population, suggested)
        self.use_suggestion.setEnabled(suggested > 0)
        self._render_helper()

    def request_count(self) -> None:
        self._emit_spec()

    def _changed(self, *_args: object) -> None:
        self._update_enabled()
        self._debounce.start()

    def _emit_spec(self) -> None:
        confidence, margin = self.precision()
        self.spec_changed.emit(self.spec(), confidence, margin)

    def _update_enabled(self) -> None:
        stratified = self.method.currentData() == "stratified"
        self.by.setEnabled(stratified)
        self.allocation.setEnabled(stratified)
        self.date_from.setEnabled(self.use_from.isChecked())
        self.date_to.setEnabled(self.use_to.isChecked())

    def _use_suggestion(self) -> None:
        if self._population is not None and self._population[1] > 0:
            self.size.setValue(self._population[1])

    def _render_helper(self) -> None:
        if self._population is None:
            self.helper.setText(_("Counting the decisions in scope…"))
            return
        population, suggested = self._population
        confidence, margin = self.precision()
        if population == 0:
            self.helper.setText(_("No decision in scope: widen the dates."))
            return
        self.helper.setText(
            _(
                "%(population)s decisions in scope. For a ±%(margin)s margin at %(confidence)s confidence, "
                "audit %(size)s."
            )
            % {
                "population": formatting.number(population),
                "margin": numbers.format_percent(margin, locale=babel_locale()),
                "confidence": numbers.format_percent(confidence, locale=babel_locale()),
                "size": formatting.number(suggested),
            }
        )

    def _fill(self, combo: QComboBox, items: dict[str, str]) -> None:
        current = combo.currentData()
        combo.blockSignals(True)
        combo.clear()
        for code, label in items.items():
            combo.addItem(_(label), code)
        combo.setCurrentIndex(max(0, combo.findData(current)))
        combo.blockSignals(False)

    def retranslate_ui(self) -> None:
        self.heading.setText(_("Draw an audit batch"))
        self._fill(self.method, METHODS)
        self._fill(self.by, DIMENSIONS)
        self._fill(self.allocation, ALLOCATIONS)
        current = self.confidence.currentData() or 0.95
        self.confidence.blockSignals(True)
        self.confidence.clear()
        for level in CONFIDENCE_LEVELS:
            self.confidence.addItem(
                _("%(level)s confidence") % {"level": numbers.format_percent(level, locale=babel_locale())},
                level,
            )
        self.confidence.setCurrentIndex(max(0, self.confidence.findData(current)))
        self.confidence.blockSignals(False)
        self.margin.setPrefix(_("± "))
        texts = {
            "name": _("Name"),
            "method": _("Method"),
            "by": _("Stratify by"),
            "allocation": _("Allocation"),
            "size": _("Decisions to audit"),
            "precision": _("Precision"),
            "seed": _("Seed"),
            "dates": _("Decided"),
        }
        for key, text in texts.items():
            self._labels[key].setText(text)
        self.name.setPlaceholderText(_("e.g. Weekly audit, hate & harassment"))
        self.use_suggestion.setText(_("Use suggested size"))
        self.new_seed.setText(_("New seed"))
        self.use_from.setText(_("from"))
        self.use_to.setText(_("to"))
        self.draw_button.setText(_("Draw batch"))
        self.seed.setToolTip(_("The same seed on the same decisions always draws the same batch."))
        self.method.setToolTip(
            _("Risk-weighted favours severe, far-reaching, overturned and unsure decisions.")
        )
        self._render_helper()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)
