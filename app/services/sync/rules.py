"""The conflict rule: how the hub decides two concurrent values of one mutable field.

Append-only records (checklist answers, notes, decisions, communications, audit events) never conflict: they
merge by union, and "current" values are derived by reading. Mutable rows (a case's status, assignee and
priority; a remediation action's status, approval, owner and due date; a conflict's settlement; a QA
finding's answer and resolution) carry a version, and every pushed update names the version it was made on
(its base version).

1. The hub's row is still at the base version: the update applies as is.
2. Otherwise each field the update changes is looked at on its own. A field the hub has not changed since the
   base version (the hub keeps the version at which each field last changed) takes the pushed value: edits of
   different fields of one row merge without a conflict.
3. A field changed on both sides is contested, and its rule decides. Rules look only at the two values (and,
   for the assignee, at who pushed), never at clocks, so every replay decides the same way:

   ============================  ===============================================================================
   case.status                   the status further along the life cycle wins (new < in review = awaiting
                                 input < decided < remediating < resolved); equal rank: the hub's value stays
   case.assignee_id              claims are first come, first served: the hub's holder keeps the case, unless
                                 the hub's case is unassigned or held by the very person who pushed the change
   case.priority                 the more urgent priority wins
   remediation_action.status     terminal states win (cancelled, verified), then the one further along (planned
                                 < in progress < done); equal rank: the hub's value stays
   remediation_action.approved   the first approval stays
   sync_conflict.settled_*       the first settlement stays
   qa_finding.status             the answer further along wins (open < acknowledged = disputed < resolved);
                                 equal rank: the hub's value stays
   any other field               the value that reaches the hub later wins
   ============================  ===============================================================================

4. Whichever value wins, a contested field whose two values differ is recorded as a conflict with both values
   (``sync_conflict``, synced to every workstation that has the case); the workstation whose push met it writes
   a ``sync.conflict`` audit event holding both, and the case shows a conflict marker until a person settles
   it (``SettleConflict``), which is an ordinary, audited change.
"""

from __future__ import annotations

from typing import Any, Final

CASE_RANK: Final[dict[str, int]] = {
    "new": 0,
    "in_review": 1,
    "awaiting_input": 1,
    "decided": 2,
    "remediating": 3,
    "resolved": 4,
}
FINDING_RANK: Final[dict[str, int]] = {"open": 0, "acknowledged": 1, "disputed": 1, "resolved": 2}
REMEDIATION_RANK: Final[dict[str, int]] = {
    "planned": 0,
    "in_progress": 1,
    "done": 2,
    "cancelled": 3,
    "verified": 3,
}


def decide(
    entity: str, field: str, hub_value: Any, incoming: Any, pusher_id: str | None
) -> tuple[Any, bool, str]:
    """The winning value of a contested field, whether it is the pushed one, and the rule's name."""
    key = f"{entity}.{field}"
    if key == "case.status":
        return _by_rank(CASE_RANK, hub_value, incoming, "status_further_along")
    if key == "remediation_action.status":
        return _by_rank(REMEDIATION_RANK, hub_value, incoming, "terminal_then_further_along")
    if key == "qa_finding.status":
        return _by_rank(FINDING_RANK, hub_value, incoming, "answer_further_along")
    if key == "case.assignee_id":
        if hub_value is None or hub_value == pusher_id:
            return incoming, True, "claim_first_come"
        return hub_value, False, "claim_first_come"
    if key == "case.priority":
        urgent = min(int(hub_value), int(incoming))
        return urgent, urgent == int(incoming) and urgent != int(hub_value), "more_urgent"
    if key in ("remediation_action.approved_by_id",) or key.startswith("sync_conflict.settled"):
        if hub_value is None:
            return incoming, True, "first_stays"
        return hub_value, False, "first_stays"
    return incoming, True, "later_arrival"


def _by_rank(ranks: dict[str, int], hub_value: Any, incoming: Any, rule: str) -> tuple[Any, bool, str]:
    if ranks.get(str(incoming), -1) > ranks.get(str(hub_value), -1):
        return incoming, True, rule
    return hub_value, False, rule
