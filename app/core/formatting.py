"""Dates, times, numbers and durations in the reader's locale and time zone (Babel, CLDR data)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import dates, lists, numbers

from app.i18n import _, babel_locale


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def when(moment: datetime, tz: str = "UTC", length: str = "medium") -> str:
    """A date and time in the reader's zone and locale."""
    return dates.format_datetime(moment, length, tzinfo=zone(tz), locale=babel_locale())


def day(moment: datetime, tz: str = "UTC") -> str:
    return dates.format_date(moment.astimezone(zone(tz)), "medium", locale=babel_locale())


def exact_utc(moment: datetime) -> str:
    """The exact instant, for tooltips: ISO 8601 in UTC, the same in every language."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def relative(moment: datetime, now: datetime | None = None) -> str:
    """'in 3 hours' or '2 days ago', rounded the way people say it."""
    delta = moment - (now or datetime.now(UTC))
    return dates.format_timedelta(delta, add_direction=True, threshold=1.5, locale=babel_locale())


def duration(span: timedelta) -> str:
    return dates.format_timedelta(span, threshold=1.5, locale=babel_locale())


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
    return lists.format_list(list(items), locale=babel_locale()) if items else ""


def language_name(code: str) -> str:
    """A language's name in the reader's language ('Urdu', 'ourdou', 'اردو'...)."""
    if not code:
        return ""
    try:
        return babel_locale().languages.get(code, code)
    except (ValueError, TypeError):
        return code


def country_name(code: str) -> str:
    if not code:
        return ""
    return babel_locale().territories.get(code.upper(), code)
