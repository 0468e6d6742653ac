"""Small bar and line charts drawn with QPainter (PySide6-Essentials has no QtCharts).

Domain-agnostic: a chart gets labelled values (and optional intervals) and paints them. The painting
functions need only QtGui, so a PDF report can draw the same charts without widgets. Colours come from the
palette (so the theme decides) unless a style sheet sets ``qproperty-barColor`` / ``qproperty-accentColor``.
Right-to-left: labels sit on the leading side, bars grow toward the trailing side and time runs from the
leading edge, so an Urdu chart reads the way an English one does, mirrored.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import Property, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QPainter, QPainterPath, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget


@dataclass(frozen=True)
class Datum:
    label: str
    value: float  # NaN draws nothing (an undefined value)
    low: float | None = None
    high: float | None = None
    note: str = ""  # shown after the value, e.g. "n=12"


@dataclass(frozen=True)
class ChartColours:
    bar: QColor
    accent: QColor
    text: QColor
    grid: QColor


# Positions are mirrored by hand for right-to-left, so text alignment must not be mirrored again by Qt.
_ABSOLUTE = Qt.AlignmentFlag.AlignAbsolute


def _defined(value: float) -> bool:
    return value == value  # NaN is the only value unequal to itself


def _default_format(value: float) -> str:
    return f"{value:.2f}"


def paint_bar_chart(
    painter: QPainter,
    rect: QRectF,
    data: Sequence[Datum],
    colours: ChartColours,
    *,
    maximum: float | None = None,
    rtl: bool = False,
    fmt: Callable[[float], str] = _default_format,
    empty_text: str = "",
) -> None:
    """Horizontal bars, one row per datum, with the value (and interval whiskers) drawn."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    metrics = QFontMetricsF(painter.font())
    if not data:
        painter.setPen(colours.text)
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, empty_text)
        painter.restore()
        return
    top = (
        max((d.high if d.high is not None else d.value) for d in data if _defined(d.value))
        if any(_defined(d.value) for d in data)
        else 1.0
    )
    scale_max = maximum if maximum is not None else max(top, 1e-9)
    label_width = min(rect.width() * 0.38, max(metrics.horizontalAdvance(d.label) for d in data) + 8)
    value_width = (
        max(metrics.horizontalAdvance(fmt(d.value) + (f"  {d.note}" if d.note else "")) for d in data) + 8
    )
    row = min(rect.height() / len(data), metrics.height() * 2.4)
    bar_height = max(4.0, min(row * 0.6, metrics.height() * 1.2))
    plot_width = max(10.0, rect.width() - label_width - value_width)
    for index, datum in enumerate(data):
        y = rect.top() + index * row
        centre = y + row / 2
        label_rect = QRectF(0, y, label_width - 6, row)
        bar_left = label_width
        value_text = (fmt(datum.value) if _defined(datum.value) else "—") + (
            f"  {datum.note}" if datum.note else ""
        )
        length = plot_width * max(0.0, min(1.0, datum.value / scale_max)) if _defined(datum.value) else 0.0
        bar = QRectF(bar_left, centre - bar_height / 2, length, bar_height)
        whisker = None
        if datum.low is not None and datum.high is not None and _defined(datum.value):
            whisker = (
                bar_left + plot_width * max(0.0, min(1.0, datum.low / scale_max)),
                bar_left + plot_width * max(0.0, min(1.0, datum.high / scale_max)),
            )
        # The value sits past the bar and its whisker, never on top of them.
        value_left = max(bar_left + length, whisker[1] if whisker else 0.0) + 6
        value_rect = QRectF(value_left, y, value_width, row)

        # Lay out left to right, then mirror every x for right-to-left.
        def place(r: QRectF) -> QRectF:
            if not rtl:
                return r.translated(rect.left(), 0)
            return QRectF(rect.right() - (r.left() + r.width()), r.top(), r.width(), r.height())

        def place_x(x: float) -> float:
            return rect.left() + x if not rtl else rect.right() - x

        painter.setPen(colours.text)
        leading = Qt.AlignmentFlag.AlignRight if not rtl else Qt.AlignmentFlag.AlignLeft
        text_flags = leading | Qt.AlignmentFlag.AlignVCenter | _ABSOLUTE
        elided = metrics.elidedText(datum.label, Qt.TextElideMode.ElideRight, label_rect.width())
        painter.drawText(place(label_rect), int(text_flags), elided)
        painter.fillRect(place(bar), colours.bar)
        if whisker is not None:
            painter.setPen(QPen(colours.accent, 1.5))
            low_x, high_x = place_x(whisker[0]), place_x(whisker[1])
            painter.drawLine(QPointF(low_x, centre), QPointF(high_x, centre))
            for x in (low_x, high_x):
                painter.drawLine(QPointF(x, centre - bar_height / 3), QPointF(x, centre + bar_height / 3))
        painter.setPen(colours.text)
        trailing = Qt.AlignmentFlag.AlignLeft if not rtl else Qt.AlignmentFlag.AlignRight
        painter.drawText(
            place(value_rect), int(trailing | Qt.AlignmentFlag.AlignVCenter | _ABSOLUTE), value_text
        )
    painter.restore()


def paint_line_chart(
    painter: QPainter,
    rect: QRectF,
    series: Sequence[Sequence[Datum]],
    colours: Sequence[QColor],
    text: QColor,
    grid: QColor,
    *,
    maximum: float = 1.0,
    minimum: float = 0.0,
    rtl: bool = False,
    fmt: Callable[[float], str] = _default_format,
    empty_text: str = "",
    names: Sequence[str] = (),
) -> None:
    """One or more lines over the same labelled x positions (the first series' labels), with a light grid.

    A series' interval, when given, is drawn as a band; an undefined value breaks the line.
    """
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    metrics = QFontMetricsF(painter.font())
    labels = [d.label for d in series[0]] if series else []
    if not labels:
        painter.setPen(text)
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, empty_text)
        painter.restore()
        return
    ticks = [minimum + (maximum - minimum) * step / 4 for step in range(5)]
    axis_width = max(metrics.horizontalAdvance(fmt(v)) for v in ticks) + 8
    legend_height = metrics.height() + 6 if names else 0.0
    plot = QRectF(
        rect.left(),
        rect.top() + 4 + legend_height,
        rect.width(),
        rect.height() - metrics.height() - 10 - legend_height,
    )
    if rtl:
        plot.setRight(plot.right() - axis_width)
    else:
        plot.setLeft(plot.left() + axis_width)
    span = max(maximum - minimum, 1e-9)

    def x_at(index: int) -> float:
        fraction = 0.5 if len(labels) == 1 else index / (len(labels) - 1)
        inner = plot.adjusted(12, 0, -12, 0)
        return inner.right() - fraction * inner.width() if rtl else inner.left() + fraction * inner.width()

    def y_at(value: float) -> float:
        return plot.bottom() - (min(max(value, minimum), maximum) - minimum) / span * plot.height()

    painter.setPen(QPen(grid, 1))
    for value in ticks:
        y = y_at(value)
        painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
        axis = QRectF(
            plot.right() + 4 if rtl else rect.left(),
            y - metrics.height() / 2,
            axis_width - 6,
            metrics.height(),
        )
        painter.setPen(text)
        side = Qt.AlignmentFlag.AlignLeft if rtl else Qt.AlignmentFlag.AlignRight
        painter.drawText(axis, int(Qt.AlignmentFlag.AlignVCenter | side | _ABSOLUTE), fmt(value))
        painter.setPen(QPen(grid, 1))
    every = max(1, int(len(labels) * (metrics.averageCharWidth() * 12) / max(plot.width(), 1)) + 1)
    painter.setPen(text)
    for index, label in enumerate(labels):
        if index % every:
            continue
        width = metrics.horizontalAdvance(label) + 4
        left = min(max(x_at(index) - width / 2, plot.left()), plot.right() - width)
        box = QRectF(left, plot.bottom() + 4, width, metrics.height() + 4)
        painter.drawText(box, int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop), label)
    for data, colour in zip(series, colours, strict=False):
        band = [
            (i, d)
            for i, d in enumerate(data)
            if _defined(d.value) and d.low is not None and d.high is not None
        ]
        if len(band) > 1:
            path = QPainterPath(QPointF(x_at(band[0][0]), y_at(band[0][1].high or 0)))
            for i, d in band[1:]:
                path.lineTo(x_at(i), y_at(d.high or 0))
            for i, d in reversed(band):
                path.lineTo(x_at(i), y_at(d.low or 0))
            path.closeSubpath()
            fill = QColor(colour)
            fill.setAlphaF(0.15)
            painter.fillPath(path, fill)
        painter.setPen(QPen(colour, 2))
        previous: QPointF | None = None
        for index, datum in enumerate(data):
            if not _defined(datum.value):
                previous = None
                continue
            point = QPointF(x_at(index), y_at(datum.value))
            if previous is not None:
                painter.drawLine(previous, point)
            painter.setBrush(colour)
            painter.drawEllipse(point, 3, 3)
            previous = point
    _legend(painter, QRectF(plot.left(), rect.top(), plot.width(), legend_height), names, colours, text, rtl)
    painter.restore()


def _legend(
    painter: QPainter, rect: QRectF, names: Sequence[str], colours: Sequence[QColor], text: QColor, rtl: bool
) -> None:
    """A line sample and the name of each series, from the leading edge."""
    metrics = QFontMetricsF(painter.font())
    x = 0.0
    centre = rect.top() + rect.height() / 2
    for name, colour in zip(names, colours, strict=False):
        width = metrics.horizontalAdvance(name)
        start = rect.left() + x if not rtl else rect.right() - x - 18
        painter.setPen(QPen(colour, 2))
        painter.drawLine(QPointF(start, centre), QPointF(start + 18, centre))
        label_left = start + 22 if not rtl else start - 4 - width
        painter.setPen(text)
        painter.drawText(
            QRectF(label_left, rect.top(), width + 2, rect.height()),
            int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft | _ABSOLUTE),
            name,
        )
        x += 18 + 4 + width + 18


class _Chart(QWidget):
    """Shared colour properties; a style sheet may set them (qproperty-barColor, qproperty-accentColor)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bar: QColor | None = None
        self._accent: QColor | None = None
        self.empty_text = ""
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def _get_bar(self) -> QColor:
        return self._bar or self.palette().color(QPalette.ColorRole.Highlight)

    def _set_bar(self, colour: QColor) -> None:
        self._bar = QColor(colour)
        self.update()

    def _get_accent(self) -> QColor:
        return self._accent or self.palette().color(QPalette.ColorRole.WindowText)

    def _set_accent(self, colour: QColor) -> None:
        self._accent = QColor(colour)
        self.update()

    # Qt property names are camelCase, as style sheets spell them.
    barColor = Property(QColor, _get_bar, _set_bar)
    accentColor = Property(QColor, _get_accent, _set_accent)

    def colours(self) -> ChartColours:
        grid = QColor(self.palette().color(QPalette.ColorRole.WindowText))
        grid.setAlphaF(0.18)
        return ChartColours(
            self._get_bar(), self._get_accent(), self.palette().color(QPalette.ColorRole.WindowText), grid
        )

    def is_rtl(self) -> bool:
        return self.layoutDirection() == Qt.LayoutDirection.RightToLeft


class BarChart(_Chart):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._data: tuple[Datum, ...] = ()
        self._maximum: float | None = None
        self._format: Callable[[float], str] = _default_format

    def set_data(
        self,
        data: Sequence[Datum],
        *,
        maximum: float | None = None,
        fmt: Callable[[float], str] | None = None,
    ) -> None:
        self._data = tuple(data)
        self._maximum = maximum
        self._format = fmt or _default_format
        self.setAccessibleDescription("; ".join(f"{d.label}: {self._format(d.value)}" for d in self._data))
        self.updateGeometry()
        self.update()

    @property
    def data(self) -> tuple[Datum, ...]:
        return self._data

    def sizeHint(self) -> QSize:
        rows = max(len(self._data), 2)
        return QSize(320, int(rows * self.fontMetrics().height() * 1.7) + 8)

    def minimumSizeHint(self) -> QSize:
        return QSize(160, self.fontMetrics().height() * 3)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        paint_bar_chart(
            painter,
            QRectF(self.rect()).adjusted(4, 4, -4, -4),
            self._data,
            self.colours(),
            maximum=self._maximum,
            rtl=self.is_rtl(),
            fmt=self._format,
            empty_text=self.empty_text,
        )
        painter.end()


class LineChart(_Chart):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._series: tuple[tuple[Datum, ...], ...] = ()
        self._names: tuple[str, ...] = ()
        self._range = (0.0, 1.0)
        self._format: Callable[[float], str] = _default_format

    def set_series(
        self,
        series: Sequence[Sequence[Datum]],
        *,
        minimum: float = 0.0,
        maximum: float = 1.0,
        fmt: Callable[[float], str] | None = None,
        names: Sequence[str] = (),
    ) -> None:
        self._series = tuple(tuple(s) for s in series)
        self._names = tuple(names)
        self._range = (minimum, maximum)
        self._format = fmt or _default_format
        self.setAccessibleDescription(
            " / ".join("; ".join(f"{d.label}: {self._format(d.value)}" for d in s) for s in self._series)
        )
        self.update()

    @property
    def series(self) -> tuple[tuple[Datum, ...], ...]:
        return self._series

    def sizeHint(self) -> QSize:
        return QSize(420, 200)

    def minimumSizeHint(self) -> QSize:
        return QSize(200, 120)

    def paintEvent(self, event: QPaintEvent) -> None:
        colours = self.colours()
        painter = QPainter(self)
        paint_line_chart(
            painter,
            QRectF(self.rect()).adjusted(4, 4, -4, -4),
            self._series,
            [colours.bar, colours.accent],
            colours.text,
            colours.grid,
            minimum=self._range[0],
            maximum=self._range[1],
            rtl=self.is_rtl(),
            fmt=self._format,
            empty_text=self.empty_text,
            names=self._names,
        )
        painter.end()
