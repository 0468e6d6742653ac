"""Every question the window asks the person goes through here, so tests can answer them.

The link dialog shows the real host (decoded and in punycode), the full URL and any look-alike warnings;
only http and https links can be opened at all.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QInputDialog, QMessageBox, QWidget

from app.core.untrusted import LinkInspection, inspect_link, reveal
from app.i18n import N_, _

LINK_WARNINGS = {
    "mixed_scripts": N_("The address mixes alphabets, a common trick to imitate a known site."),
    "confusable": N_("The address uses letters that look like other letters."),
    "punycode": N_("The address is internationalised; check the real host below."),
    "ip_address": N_("The address is a bare IP address."),
    "userinfo": N_("The address hides text before an @, a trick to disguise the host."),
    "hidden_characters": N_("The address contains invisible or direction-control characters."),
    "non_standard_port": N_("The address uses an unusual port."),
}


class DialogService:
    """Asks and tells through standard dialogs; tests replace these methods."""

    def __init__(self, parent: QWidget) -> None:
        self._parent = parent

    def error(self, message: str) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Warning, _("Arbiter"), message, QMessageBox.StandardButton.Ok, self._parent
        )
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.exec()

    def ask_text(self, title: str, label: str) -> str | None:
        text, ok = QInputDialog.getText(self._parent, title, label)
        return text if ok else None

    def confirm_link(self, link: LinkInspection) -> bool:
        if not link.openable:
            self.error(_("This link cannot be opened: %(reason)s") % {"reason": link.reason or ""})
            return False
        lines = [
            _("Real host: %(host)s") % {"host": reveal(link.host_unicode, identifier=True)},
            _("As sent on the network: %(host)s") % {"host": link.host_ascii},
            _("Full address: %(url)s") % {"url": reveal(link.url, identifier=True)},
        ]
        lines += [_(LINK_WARNINGS[w]) for w in link.warnings if w in LINK_WARNINGS]
        box = QMessageBox(self._parent)
        box.setIcon(QMessageBox.Icon.Warning if link.warnings else QMessageBox.Icon.Question)
        box.setWindowTitle(_("Open this link in your browser?"))
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setText("\n".join(lines))
        box.setStandardButtons(QMessageBox.StandardButton.Open | QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        return box.exec() == QMessageBox.StandardButton.Open

    def open_url(self, url: str) -> None:
        QDesktopServices.openUrl(QUrl(url, QUrl.ParsingMode.StrictMode))


def open_link_safely(dialogs: DialogService, url: str) -> bool:
    """Inspect, confirm, then open; returns whether the link was opened."""
    link = inspect_link(url)
    if dialogs.confirm_link(link):
        dialogs.open_url(link.url)
        return True
    return False
