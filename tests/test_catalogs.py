"""The translation catalogs: complete, consistent with the code, compilable, with correct plural forms."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from app.i18n import LANGUAGES

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"
KEYWORDS = ["-k", "_", "-k", "N_", "-k", "ngettext:1,2", "-k", "pgettext:1c,2", "-k", "NP_:1c,2"]


def catalog(lang: str):  # type: ignore[no-untyped-def]
    with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=lang)


def message_keys(cat) -> set[tuple[str | None, str]]:  # type: ignore[no-untyped-def]
    return {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in cat if m.id}


def test_committed_template_equals_a_fresh_extraction(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "pyproject.toml",
            "--no-default-keywords",
            *KEYWORDS,
            "--no-location",
            "-o",
            str(fresh),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with fresh.open("rb") as new, (TRANSLATIONS / "messages.pot").open("rb") as committed:
        assert message_keys(read_po(new)) == message_keys(read_po(committed)), (
            "run scripts/i18n extract && update"
        )


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_catalog_is_complete_and_checked(lang: str) -> None:
    cat = catalog(lang)
    with (TRANSLATIONS / "messages.pot").open("rb") as handle:
        template = read_po(handle)
    assert message_keys(cat) == message_keys(template), f"{lang}: run scripts/i18n update"
    nplurals = get_plural(Locale.parse(lang)).num_plurals
    problems = []
    for message in cat:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy:
            problems.append(f"fuzzy: {message.id!r}")
        if not all(strings):
            problems.append(f"untranslated: {message.id!r}")
        if isinstance(message.id, tuple) and len(strings) != nplurals:
            problems.append(f"{len(strings)} plural forms, CLDR says {nplurals}: {message.id!r}")
        problems += [f"{error}: {message.id!r}" for error in message.check(cat)]
    assert problems == [], "\n".join(problems[:40])


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_catalog_compiles(lang: str, tmp_path: Path) -> None:
    with (tmp_path / "messages.mo").open("wb") as out:
        write_mo(out, catalog(lang))
    assert (tmp_path / "messages.mo").stat().st_size > 100
