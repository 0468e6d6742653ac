"""Locale- and zone-aware formatting, and text direction that follows the content, not the UI."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app import i18n
from app.core import formatting
from app.core.untrusted import first_strong_direction
from app.views.content_pane import content_direction

MOMENT = datetime(2026, 3, 14, 15, 9, 26, tzinfo=UTC)


@pytest.mark.parametrize(
    ("lang", "zone", "expected"),
    [
        ("en", "America/New_York", "11:09"),  # EDT: UTC-4 in mid-March
        ("de", "Europe/Berlin", "16:09"),
        ("ja", "Asia/Tokyo", "2026/03/15"),  # already the next day in Tokyo
        ("ur", "Asia/Karachi", "8:09"),
    ],
)
def test_dates_in_reader_locale_and_zone(lang: str, zone: str, expected: str) -> None:
    i18n.set_language(lang)
    formatting.set_reader_zone(zone)
    try:
        assert expected in formatting.when(MOMENT)
    finally:
        formatting.set_reader_zone("UTC")


def test_relative_times_and_numbers_follow_the_language() -> None:
    now = MOMENT
    i18n.set_language("en")
    assert formatting.relative(now + timedelta(hours=3), now) == "in 3 hours"
    assert formatting.sla_text(now - timedelta(days=2), now) == "overdue by 2 days"
    i18n.set_language("de")
    assert formatting.relative(now - timedelta(days=2), now) == "vor 2 Tagen"
    assert formatting.number(1234567) == "1.234.567"
    i18n.set_language("hi")
    assert "घंटे" in formatting.relative(now + timedelta(hours=3), now)
    assert formatting.exact_utc(now) == "2026-03-14 15:09:26 UTC"


def test_language_names_in_the_reader_language() -> None:
    i18n.set_language("fr")
    assert formatting.language_name("ur") == "ourdou"
    assert formatting.country_name("PK") == "Pakistan"
    i18n.set_language("ja")
    assert formatting.language_name("en") == "英語"


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        ("ur", "یہ ایک پوسٹ ہے", "rtl"),
        ("en", "This is a post", "ltr"),
        ("", "123 اردو متن", "rtl"),  # unknown language: the first strong letter decides
        ("", "hello اردو", "ltr"),
    ],
)
def test_content_direction_ignores_the_ui_direction(language: str, text: str, expected: str) -> None:
    for ui in ("en", "ur"):
        i18n.set_language(ui)
        assert (content_direction(language) or first_strong_direction(text)) == expected


def test_urdu_is_right_to_left_from_cldr() -> None:
    assert i18n.text_direction("ur") == "rtl"
    assert all(i18n.text_direction(code) == "ltr" for code in i18n.LANGUAGES if code != "ur")
