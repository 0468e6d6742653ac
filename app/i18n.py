"""The one i18n module: gettext functions backed by Babel catalogs, the current language, text direction.

Plain Python (no Qt) so that services, the command line and views share one catalog. Qt's side of a language
switch (its own translator, layout direction, retranslation events) lives in app.controllers.language.
Strings defined at import time are marked with ``N_`` and translated when shown.
"""

from __future__ import annotations

import gettext
from functools import cache
from pathlib import Path
from typing import Final

from babel import Locale
from babel.support import NullTranslations, Translations

TRANSLATIONS_DIR: Final = Path(__file__).resolve().parent.parent / "translations"
DOMAIN: Final = "messages"
SOURCE_LANGUAGE: Final = "en"
PSEUDO_LANGUAGE: Final = "x-pseudo"

# Code → the language's own name, as shown in the language menu (never translated).
LANGUAGES: Final[dict[str, str]] = {
    "en": "English",
    "es": "Español",
    "fr": "Français",
    "de": "Deutsch",
    "pt": "Português",
    "ja": "日本語",
    "hi": "हिन्दी",
    "th": "ไทย",
    "ko": "한국어",
    "ur": "اردو",
}


class PseudoTranslations(NullTranslations):
    """Marks every translated string, so a test can find visible text that skipped the catalog."""

    MARK_OPEN = "⟦"
    MARK_CLOSE = "⟧"

    def gettext(self, message: str) -> str:
        return f"{self.MARK_OPEN}{message}{self.MARK_CLOSE}"

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        return self.gettext(msgid1 if n == 1 else msgid2)

    def pgettext(self, context: str, message: str) -> str:
        return self.gettext(message)

    def npgettext(self, context: str, msgid1: str, msgid2: str, n: int) -> str:
        return self.ngettext(msgid1, msgid2, n)


_state: dict[str, object] = {"code": SOURCE_LANGUAGE, "catalog": NullTranslations()}


def _catalog() -> gettext.NullTranslations:
    catalog = _state["catalog"]
    assert isinstance(catalog, gettext.NullTranslations)
    return catalog


def load_catalog(code: str) -> gettext.NullTranslations:
    if code == PSEUDO_LANGUAGE:
        return PseudoTranslations()
    if code == SOURCE_LANGUAGE:
        return NullTranslations()
    return Translations.load(str(TRANSLATIONS_DIR), [code], domain=DOMAIN)


def set_language(code: str) -> None:
    """Make ``code`` the language of every later ``_()`` call."""
    if code not in LANGUAGES and code != PSEUDO_LANGUAGE:
        raise ValueError(f"unknown UI language {code!r}; choose one of {', '.join(LANGUAGES)}")
    _state["catalog"] = load_catalog(code)
    _state["code"] = code


def current_language() -> str:
    return str(_state["code"])


def babel_locale(code: str | None = None) -> Locale:
    code = code or current_language()
    return _parsed(SOURCE_LANGUAGE if code == PSEUDO_LANGUAGE else code)


@cache
def _parsed(code: str) -> Locale:
    """CLDR data for a locale, loaded once (parsing it costs milliseconds, and it is asked for per text)."""
    return Locale.parse(code)


def text_direction(code: str | None = None) -> str:
    """'rtl' or 'ltr', from CLDR data (never a hand-written list)."""
    return str(babel_locale(code).text_direction)


def _(message: str) -> str:
    return _catalog().gettext(message)


def N_(message: str) -> str:
    """Marks a string for extraction; it is translated later, when shown."""
    return message


def NP_(context: str, message: str) -> tuple[str, str]:
    """Marks a (context, message) pair for extraction, e.g. Qt's own strings under Qt's context names."""
    return context, message


def ngettext(singular: str, plural: str, n: int) -> str:
    return _catalog().ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    return _catalog().pgettext(context, message)
