"""Qt's own user-visible strings, under Qt's translation contexts, for languages Qt ships no catalog for.

Qt translates standard buttons and the text-field context menu through QTranslator; for Hindi, Thai and
Urdu there is no qtbase catalog in PySide6, so these go through our catalog (see CatalogTranslator).
"""

from __future__ import annotations

from app.i18n import NP_

QT_STRINGS = (
    NP_("QPlatformTheme", "OK"),
    NP_("QPlatformTheme", "Cancel"),
    NP_("QPlatformTheme", "Close"),
    NP_("QPlatformTheme", "Open"),
    NP_("QPlatformTheme", "Save"),
    NP_("QPlatformTheme", "Apply"),
    NP_("QPlatformTheme", "Reset"),
    NP_("QPlatformTheme", "Help"),
    NP_("QPlatformTheme", "Discard"),
    NP_("QPlatformTheme", "&Yes"),
    NP_("QPlatformTheme", "&No"),
    NP_("QPlatformTheme", "Restore Defaults"),
    NP_("QMessageBox", "Show Details..."),
    NP_("QMessageBox", "Hide Details..."),
    NP_("QWidgetTextControl", "&Undo"),
    NP_("QWidgetTextControl", "&Redo"),
    NP_("QWidgetTextControl", "Cu&t"),
    NP_("QWidgetTextControl", "&Copy"),
    NP_("QWidgetTextControl", "&Paste"),
    NP_("QWidgetTextControl", "Delete"),
    NP_("QWidgetTextControl", "Select All"),
    NP_("QWidgetTextControl", "Copy &Link Location"),
    NP_("QLineEdit", "&Undo"),
    NP_("QLineEdit", "&Redo"),
    NP_("QLineEdit", "Cu&t"),
    NP_("QLineEdit", "&Copy"),
    NP_("QLineEdit", "&Paste"),
    NP_("QLineEdit", "Delete"),
    NP_("QLineEdit", "Select All"),
    NP_("QShortcut", "Ctrl"),
    NP_("QShortcut", "Shift"),
    NP_("QShortcut", "Return"),
    NP_("QShortcut", "Esc"),
    NP_("QShortcut", "Space"),
    NP_("QShortcut", "Tab"),
    NP_("QShortcut", "Down"),
    NP_("QShortcut", "Up"),
)
