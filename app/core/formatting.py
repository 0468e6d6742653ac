"""Dates, times, numbers and durations in the reader's locale and time zone (Babel, CLDR data)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import dates, lists, numbers

from app.i18n import PSEUDO_LANGUAGE, PseudoTranslations, _, babel_locale, current_language


def _marked(text: str) -> str:
    """In the pseudo-locale, locale-made text is marked like translated text, so tests can tell it from data."""
    if current_language() == PSEUDO_LANGUAGE:
        return f"{PseudoTranslations.MARK_OPEN}{text}{PseudoTranslations.MARK_CLOSE}"
    return text


_reader = {"zone": "UTC"}


def set_reader_zone(name: str) -> None:
    """The time zone dates are shown in: the working reviewer's own."""
    _reader["zone"] = zone(name).key


def reader_zone() -> str:
    return _reader["zone"]


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def when(moment: datetime, tz: str | None = None, length: str = "medium") -> str:
    """A date and time in the reader's zone and locale."""
    return _marked(
        dates.format_datetime(moment, length, tzinfo=zone(tz or reader_zone()), locale=babel_locale())
    )


def day(moment: datetime, tz: str | None = None) -> str:
    return _marked(
        dates.format_date(moment.astimezone(zone(tz or reader_zone())), "medium", locale=babel_locale())
    )


def exact_utc(moment: datetime) -> str:
    """The exact instant, for tooltips: ISO 8601 in UTC, the same in every language."""
    return _marked(moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"))


def relative(moment: datetime, now: datetime | None = None) -> str:
    """'in 3 hours' or '2 days ago', rounded the way people say it."""
    delta = moment - (now or datetime.now(UTC))
    return _marked(dates.format_timedelta(delta, add_direction=True, threshold=1.5, locale=babel_locale()))


def duration(span: timedelta) -> str:
    return _marked(dates.format_timedelta(span, threshold=1.5, locale=babel_locale()))


def sla_text(due: datetime, now: datetime | None = None) -> str:
    """How the SLA stands: time left, or how long it is overdue."""
    now = now or datetime.now(UTC)
    if due >= now:
        return _("due %(when)s") % {"when": relative(due, now)}
    return _("overdue by %(span)s") % {"span": duration(now - due)}


def sla_state(due: datetime, now: datetime | None = None, warn: timedelta = timedelta(hours=2)) -> str:
    """'breached', 'at_risk' or 'ok'."""
    now = now or datetime.now(UTC)
    if due < now:
        return "breached"
    return "at_risk" if due - now < warn else "ok"


def number(value: float) -> str:
    return numbers.format_decimal(value, locale=babel_locale())


def compact(value: int) -> str:
    """12.3K-style short numbers for metrics."""
    return numbers.format_compact_decimal(value, locale=babel_locale(), fraction_digits=1)


def join(items: Sequence[str]) -> str:
    return _marked(lists.format_list(list(items), locale=babel_locale())) if items else ""


def language_name(code: str) -> str:
    """A language's name in the reader's language ('Urdu', 'ourdou', 'اردو'...)."""
    if not code:
        return ""
    try:
        return _marked(babel_locale().languages.get(code, code))
    except (ValueError, TypeError):
        return code


def country_name(code: str) -> str:
    if not code:
        return ""
    return _marked(babel_locale().territories.get(code.upper(), code))
