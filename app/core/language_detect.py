"""Offline language detection for intake and notes, limited to the languages Arbiter's reviewers work in.

Scripts used by a single language decide at once (Thai, Hangul, kana, Devanagari, Arabic script); for the rest
py3langid's model, which ships inside the package, decides. The model loads lazily on first use.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from typing import Any

CONTENT_LANGUAGES = ("en", "es", "fr", "de", "pt", "ja", "hi", "th", "ko", "ur")
SCRIPT_LANGUAGE = {
    "THAI": "th",
    "HANGUL": "ko",
    "HIRAGANA": "ja",
    "KATAKANA": "ja",
    "DEVANAGARI": "hi",
    "ARABIC": "ur",
}
MIN_LETTERS = 3


@cache
def _identifier() -> Any:
    from py3langid import langid

    identifier = langid.LanguageIdentifier.from_modelpath(
        langid.MODEL_DIR / langid.MODEL_FILE, norm_probs=True
    )
    identifier.set_languages(list(CONTENT_LANGUAGES))
    return identifier


def _script_vote(text: str) -> str | None:
    counts: dict[str, int] = {}
    for ch in text:
        if not ch.isalpha():
            continue
        name = unicodedata.name(ch, "")
        for script, lang in SCRIPT_LANGUAGE.items():
            if name.startswith(script):
                counts[lang] = counts.get(lang, 0) + 1
                break
        else:
            if name.startswith("CJK UNIFIED"):
                counts["ja"] = counts.get("ja", 0) + 1
            elif name.startswith("LATIN"):
                counts["latin"] = counts.get("latin", 0) + 1
    if not counts:
        return None
    best = max(counts, key=lambda k: counts[k])
    return None if best == "latin" else best


def detect_language(text: str) -> str | None:
    """The most likely of the content languages, or None when the text has too few letters to tell."""
    if sum(ch.isalpha() for ch in text) < MIN_LETTERS:
        return None
    by_script = _script_vote(text)
    if by_script:
        return by_script
    language, _confidence = _identifier().classify(text)
    return str(language)
