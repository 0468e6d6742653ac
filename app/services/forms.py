"""What the decision and remediation forms hand to the controller: plain values, no database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class DecisionForm:
    outcome: str
    rationale: str
    policy_id: str | None
    override_reason: str = ""
    territorial_scope: tuple[str, ...] = ("*",)
    duration_days: int | None = None
    legal_reference: str = ""


@dataclass(frozen=True)
class RemediationForm:
    action_type: str
    target: str = ""
    horizon: str = "immediate"
    countries: tuple[str, ...] = ()
    due_at: datetime | None = None
