"""Exposure during a shift: what was revealed and how long was spent on sensitive queues, and when to suggest a
break. Plain values, so the rule is easy to test and the window only displays it."""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class BreakPolicy:
    minutes_on_sensitive: int = 50  # continuous-ish exposure before a break is suggested
    reveals: int = 20  # media items revealed before a break is suggested


@dataclass(frozen=True)
class Exposure:
    reveals: int = 0
    sensitive_seconds: float = 0.0
    reveals_at_last_break: int = 0
    seconds_at_last_break: float = 0.0

    def revealed(self) -> Exposure:
        return replace(self, reveals=self.reveals + 1)

    def spent(self, seconds: float, sensitive: bool) -> Exposure:
        return replace(self, sensitive_seconds=self.sensitive_seconds + seconds) if sensitive else self

    def took_break(self) -> Exposure:
        return replace(self, reveals_at_last_break=self.reveals, seconds_at_last_break=self.sensitive_seconds)

    def break_due(self, policy: BreakPolicy) -> bool:
        """True once the exposure since the last break passes either limit."""
        minutes = (self.sensitive_seconds - self.seconds_at_last_break) / 60
        return (
            minutes >= policy.minutes_on_sensitive
            or self.reveals - self.reveals_at_last_break >= policy.reveals
        )

    @property
    def sensitive_minutes(self) -> int:
        return int(self.sensitive_seconds // 60)
