"""Domain vocabularies: stored codes and their translatable labels.

Codes are what the database, files and the hub store; labels are marked with ``N_`` and translated when shown.
"""

from __future__ import annotations

from typing import Final

from app.i18n import N_

CASE_STATUSES: Final[dict[str, str]] = {
    "new": N_("New"),
    "in_review": N_("In review"),
    "awaiting_input": N_("Awaiting input"),
    "decided": N_("Decided"),
    "remediating": N_("Remediating"),
    "resolved": N_("Resolved"),
}

# The case life cycle. Reopening sends a decided, remediating or resolved case back to review.
CASE_TRANSITIONS: Final[dict[str, frozenset[str]]] = {
    "new": frozenset({"in_review"}),
    "in_review": frozenset({"awaiting_input", "decided"}),
    "awaiting_input": frozenset({"in_review"}),
    "decided": frozenset({"remediating", "resolved", "in_review"}),
    "remediating": frozenset({"resolved", "in_review"}),
    "resolved": frozenset({"in_review"}),
}

OUTCOMES: Final[dict[str, str]] = {
    "no_violation": N_("No violation"),
    "label": N_("Label content"),
    "reduce_reach": N_("Reduce reach"),
    "age_restrict": N_("Age-restrict"),
    "remove_content": N_("Remove content"),
    "geo_withhold": N_("Withhold in country"),
    "suspend_account": N_("Suspend account"),
    "terminate_account": N_("Terminate account"),
}
# Ordered mildest first: when several policies are violated the most severe suggestion wins.
OUTCOME_SEVERITY: Final[tuple[str, ...]] = tuple(OUTCOMES)

ANSWERS: Final[dict[str, str]] = {
    "met": N_("Met"),
    "not_met": N_("Not met"),
    "unsure": N_("Unsure"),
}

REMEDIATION_TYPES: Final[dict[str, str]] = {
    "remove_content": N_("Remove content"),
    "label_content": N_("Label content"),
    "reduce_reach": N_("Reduce reach"),
    "age_restrict": N_("Age-restrict"),
    "geo_withhold": N_("Withhold in countries"),
    "suspend_temporary": N_("Suspend account temporarily"),
    "suspend_permanent": N_("Suspend account permanently"),
    "terminate_account": N_("Terminate account"),
    "refer_law_enforcement": N_("Refer to law enforcement"),
    "notify_user": N_("Notify user"),
    "hash_and_block": N_("Hash and block re-uploads"),
    "monitor_account": N_("Monitor account"),
    "policy_feedback": N_("Send feedback to policy team"),
}
# Severe actions need a lead's second approval, never from the person who proposed them.
SEVERE_REMEDIATIONS: Final[frozenset[str]] = frozenset(
    {"suspend_permanent", "terminate_account", "refer_law_enforcement", "geo_withhold"}
)

REMEDIATION_STATUSES: Final[dict[str, str]] = {
    "planned": N_("Planned"),
    "in_progress": N_("In progress"),
    "done": N_("Done"),
    "verified": N_("Verified"),
    "cancelled": N_("Cancelled"),
}
REMEDIATION_TRANSITIONS: Final[dict[str, frozenset[str]]] = {
    "planned": frozenset({"in_progress", "done", "cancelled"}),
    "in_progress": frozenset({"done", "cancelled"}),
    "done": frozenset({"verified", "in_progress"}),
    "verified": frozenset(),
    "cancelled": frozenset(),
}
OPEN_REMEDIATION_STATUSES: Final[frozenset[str]] = frozenset({"planned", "in_progress"})

HORIZONS: Final[dict[str, str]] = {
    "immediate": N_("Immediate"),
    "long_term": N_("Long-term"),
}

ROLES: Final[dict[str, str]] = {
    "specialist": N_("Specialist"),
    "lead": N_("Team lead"),
    "qa": N_("QA auditor"),
    "admin": N_("Administrator"),
}

SOURCE_TYPES: Final[dict[str, str]] = {
    "user_report": N_("User report"),
    "trusted_flagger": N_("Trusted flagger"),
    "automated": N_("Automated detection"),
    "authority_order": N_("Authority order"),
    "internal": N_("Internal referral"),
}

RESTRICTION_TYPES: Final[dict[str, str]] = {
    "removal": N_("Removal"),
    "disabling_access": N_("Disabling access"),
    "demotion": N_("Demotion"),
    "label": N_("Label"),
    "account_suspension": N_("Account suspension"),
    "account_termination": N_("Account termination"),
    "monetary": N_("Monetary restriction"),
}

NOTE_VISIBILITIES: Final[dict[str, str]] = {
    "internal": N_("Internal"),
    "stakeholder": N_("Stakeholder"),
}

CONTENT_KINDS: Final[dict[str, str]] = {
    "post": N_("Post"),
    "reply": N_("Reply"),
    "profile": N_("Profile"),
    "media": N_("Media"),
    "link": N_("Link"),
}

PRIORITIES: Final[dict[int, str]] = {
    1: N_("P1 urgent"),
    2: N_("P2 high"),
    3: N_("P3 normal"),
    4: N_("P4 low"),
}
SEVERITIES: Final[dict[int, str]] = {1: N_("Low"), 2: N_("Moderate"), 3: N_("High"), 4: N_("Critical")}

AUDIT_ACTIONS: Final[dict[str, str]] = {
    "case.imported": N_("Case received"),
    "case.claimed": N_("Claimed"),
    "case.released": N_("Released"),
    "case.awaiting_input": N_("Waiting for input"),
    "case.resumed": N_("Back in review"),
    "case.decided": N_("Decided"),
    "case.remediating": N_("Remediation started"),
    "case.resolved": N_("Resolved"),
    "case.reopened": N_("Reopened"),
    "case.reopen_reason": N_("Reason for reopening"),
    "checklist.answered": N_("Checklist answered"),
    "note.added": N_("Note added"),
    "communication.logged": N_("Stakeholder message logged"),
    "decision.recorded": N_("Decision recorded"),
    "remediation.planned": N_("Remediation planned"),
    "remediation.approved": N_("Second approval given"),
    "remediation.in_progress": N_("Remediation in progress"),
    "remediation.done": N_("Remediation done"),
    "remediation.verified": N_("Remediation verified"),
    "remediation.cancelled": N_("Remediation cancelled"),
    "media.revealed": N_("Media revealed"),
    "qa.batch_created": N_("Audit batch created"),
    "qa.answered": N_("Blind checklist answered"),
    "qa.reviewed": N_("Blind re-review recorded"),
    "qa.scored": N_("Audit scored"),
    "qa.finding_raised": N_("Finding raised"),
    "qa.finding_acknowledged": N_("Finding acknowledged"),
    "qa.finding_disputed": N_("Finding disputed"),
    "qa.finding_resolved": N_("Finding resolved"),
    "qa.rubric_configured": N_("Rubric configured"),
    "qa.calibration_created": N_("Calibration session created"),
    "qa.calibration_answered": N_("Calibration answered"),
    "sync.conflict": N_("Sync conflict recorded"),
    "sync.conflict_settled": N_("Sync conflict settled"),
    "case.conflict_settled": N_("Case value settled after a conflict"),
    "remediation.conflict_settled": N_("Remediation value settled after a conflict"),
}
