"""Pure review rules over plain values, shared by the commands and by the screens that preview them.

No database here, so views may use it to warn before a command would refuse.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from app.core.vocabulary import OUTCOME_SEVERITY
from app.i18n import N_, _
from app.services.dto import ElementAnswer, PolicyChecklist

VIOLATED, NOT_VIOLATED, UNDETERMINED = "violated", "not_violated", "undetermined"


def verdict(elements: Sequence[ElementAnswer]) -> str:
    """Violated when every criterion is met and every exception ruled out; not violated as soon as one
    criterion is not met or one exception applies; otherwise undetermined."""
    criteria = [e for e in elements if e.kind == "criterion"]
    exceptions = [e for e in elements if e.kind == "exception"]
    if any(e.answer == "met" for e in exceptions) or any(e.answer == "not_met" for e in criteria):
        return NOT_VIOLATED
    if all(e.answer == "met" for e in criteria) and all(e.answer == "not_met" for e in exceptions):
        return VIOLATED
    return UNDETERMINED


def suggested_outcome(checklists: Iterable[PolicyChecklist]) -> str | None:
    """The most severe outcome among violated policies; no violation once every checklist says so."""
    lists = list(checklists)
    violated = [c.violation_outcome for c in lists if c.verdict == VIOLATED]
    if violated:
        return max(violated, key=OUTCOME_SEVERITY.index)
    if lists and all(c.verdict == NOT_VIOLATED for c in lists):
        return "no_violation"
    return None


VERDICT_LABELS = {
    VIOLATED: N_("violated"),
    NOT_VIOLATED: N_("not violated"),
    UNDETERMINED: N_("undetermined"),
}


def contradiction(outcome: str, policy_id: str | None, checklists: Sequence[PolicyChecklist]) -> str:
    """Why a decision contradicts the checklist, in the reader's language ("" when it does not)."""
    if outcome == "no_violation":
        violated = [c.code for c in checklists if c.verdict == VIOLATED]
        return (
            _("the checklist finds a violation of %(codes)s") % {"codes": ", ".join(violated)}
            if violated
            else ""
        )
    cited = next((c for c in checklists if c.policy_id == policy_id), None)
    if cited is None:
        return _("the cited policy has no checklist answers")
    if cited.verdict != VIOLATED:
        return _("the checklist says %(code)s is %(verdict)s") % {
            "code": cited.code,
            "verdict": _(VERDICT_LABELS[cited.verdict]),
        }
    return ""


def met_criteria(checklists: Sequence[PolicyChecklist], policy_id: str | None) -> list[str]:
    for checklist in checklists:
        if checklist.policy_id == policy_id:
            return [e.key for e in checklist.elements if e.kind == "criterion" and e.answer == "met"]
    return []
