"""Walking every visible text of a window, to check translations and retranslation."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Iterator

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QComboBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QMainWindow,
    QMenu,
    QPlainTextEdit,
    QTabWidget,
    QTextEdit,
    QWidget,
)

from app.i18n import LANGUAGES, PseudoTranslations

INNERMOST = re.compile(
    re.escape(PseudoTranslations.MARK_OPEN) + "[^⟦⟧]*" + re.escape(PseudoTranslations.MARK_CLOSE), re.S
)


def strip_marked(text: str) -> str:
    """Remove pseudo-translated segments, innermost first (translations can nest: lists of names)."""
    while True:
        stripped = INNERMOST.sub(" ", text)
        if stripped == text:
            return text
        text = stripped


def visible_texts(root: QWidget) -> Iterator[tuple[str, str]]:
    """(where, text) for every text a person can see or hover in ``root`` and its children."""
    widgets: list[QObject] = [root, *root.findChildren(QWidget)]
    for widget in widgets:
        if not isinstance(widget, QWidget) or (not widget.isVisibleTo(root) and widget is not root):
            continue
        name = f"{type(widget).__name__}:{widget.objectName()}"
        if widget.toolTip():
            yield f"{name}.toolTip", widget.toolTip()
        if isinstance(widget, QMainWindow | QWidget) and widget.isWindow() and widget.windowTitle():
            yield f"{name}.windowTitle", widget.windowTitle()
        if isinstance(widget, (QLabel, QAbstractButton)):
            yield name, widget.text()
        elif isinstance(widget, (QLineEdit, QPlainTextEdit | QTextEdit)):
            yield f"{name}.placeholder", widget.placeholderText()
        elif isinstance(widget, QGroupBox):
            yield name, widget.title()
        elif isinstance(widget, QComboBox):
            for index in range(widget.count()):
                yield f"{name}[{index}]", widget.itemText(index)
        elif isinstance(widget, QTabWidget):
            for index in range(widget.count()):
                yield f"{name}.tab[{index}]", widget.tabText(index)
        elif isinstance(widget, QListWidget):  # its model hides columnCount()
            for row in range(min(widget.count(), 30)):
                item = widget.item(row)
                yield f"{name}[{row}]", item.text()
                yield f"{name}[{row}].tip", item.toolTip()
        elif isinstance(widget, QAbstractItemView) and widget.model() is not None:
            model = widget.model()
            for column in range(model.columnCount()):
                yield (
                    f"{name}.header[{column}]",
                    str(model.headerData(column, Qt.Orientation.Horizontal) or ""),
                )
            for row in range(min(model.rowCount(), 30)):
                for column in range(model.columnCount()):
                    for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
                        value = model.data(model.index(row, column), role)
                        if isinstance(value, str):
                            yield f"{name}[{row},{column}]", value
    if isinstance(root, QMainWindow):
        for menu in root.menuBar().findChildren(QMenu):
            yield f"menu:{menu.objectName()}", menu.title()
            for action in menu.actions():
                if not action.isSeparator():
                    yield f"action:{action.objectName()}", action.text()


def data_strings(*values: object) -> set[str]:
    """Every string inside dataclasses, tuples and dicts: values that come from data, not the catalog."""
    found: set[str] = set(LANGUAGES.values())

    def walk(value: object) -> None:
        if isinstance(value, str):
            if value:
                found.add(value)
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            for field in dataclasses.fields(value):
                walk(getattr(value, field.name))
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, Iterable):
            for item in value:
                walk(item)

    for value in values:
        walk(value)
    return found


def untranslated(texts: Iterable[tuple[str, str]], data: set[str]) -> list[tuple[str, str]]:
    """Texts with letters that are neither marked by the pseudo catalog nor data."""
    ordered = sorted(data, key=len, reverse=True)
    problems = []
    for where, text in texts:
        rest = strip_marked(text)
        for value in ordered:
            if value in rest:
                rest = rest.replace(value, " ")
        rest = re.sub(r"[&@#:;·,.()\[\]{}/\\|+\-–—…'\"%!?°×\s\d⁨⁩\u2068\u2069]", "", rest)
        if any(ch.isalpha() for ch in rest):
            problems.append((where, text))
    return problems


def still_marked(texts: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(where, text) for where, text in texts if PseudoTranslations.MARK_OPEN in text]
