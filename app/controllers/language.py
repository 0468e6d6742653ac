"""Qt's side of switching the UI language: translators, layout direction and the LanguageChange event.

app.i18n holds the catalog our own strings use; this installs a translator that routes Qt's own strings
(standard buttons, dialogs) through Qt's shipped catalogs or ours, and mirrors the layout for right-to-left
languages. Installing a translator makes Qt send LanguageChange to every widget, which calls retranslate_ui().
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QLibraryInfo, QLocale, QObject, Qt, QTranslator, Signal
from PySide6.QtWidgets import QApplication

from app import i18n
from app.controllers.qt_strings import QT_STRINGS


class CatalogTranslator(QTranslator):
    """Qt strings our catalog translates (msgctxt = Qt's context); the rest fall through to qtbase."""

    KNOWN = frozenset(QT_STRINGS)

    def isEmpty(self) -> bool:  # an "empty" translator would make Qt post no LanguageChange
        return False

    def translate(
        self, context: str, source: str, disambiguation: str | None = None, n: int = -1
    ) -> str | None:
        if (context, source) not in self.KNOWN:
            return None  # not ours: Qt's own catalog (or the source text) answers
        translated = i18n.pgettext(context, source)
        return translated if translated != source else None


class LanguageService(QObject):
    """Signals:
    language_changed: emitted with the new language code once every widget has been told.
    """

    language_changed = Signal(str)

    def __init__(self, app: QApplication, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._app = app
        self._catalog = CatalogTranslator(self)
        self._qtbase = QTranslator(self)
        self._installed = False

    def set_language(self, code: str) -> None:
        i18n.set_language(code)
        if self._installed:
            QApplication.removeTranslator(self._qtbase)
            QApplication.removeTranslator(self._catalog)
        base = i18n.babel_locale(code)
        QLocale.setDefault(QLocale(str(base)))
        path = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
        has_qtbase = self._qtbase.load(f"qtbase_{base.language}", path) or self._qtbase.load(
            f"qtbase_{base.language}_BR", path
        )
        if has_qtbase:
            QApplication.installTranslator(self._qtbase)
        QApplication.installTranslator(self._catalog)  # installed last: consulted first
        self._installed = True
        rtl = i18n.text_direction(code) == "rtl"
        self._app.setLayoutDirection(
            Qt.LayoutDirection.RightToLeft if rtl else Qt.LayoutDirection.LeftToRight
        )
        # Deliver the LanguageChange events now, so every widget speaks the new language when this returns.
        QCoreApplication.sendPostedEvents(None, QEvent.Type.LanguageChange)
        self.language_changed.emit(code)

    @property
    def language(self) -> str:
        return i18n.current_language()
