"""QA vocabularies: stored codes and their translatable labels (translated when shown)."""

from __future__ import annotations

from typing import Final

from app.i18n import N_

METHODS: Final[dict[str, str]] = {
    "random": N_("Simple random"),
    "stratified": N_("Stratified"),
    "risk": N_("Risk-weighted"),
}

DIMENSIONS: Final[dict[str, str]] = {
    "queue": N_("Queue"),
    "policy": N_("Policy"),
    "reviewer": N_("Reviewer"),
    "outcome": N_("Outcome"),
    "language": N_("Language"),
    "region": N_("Region"),
}

ALLOCATIONS: Final[dict[str, str]] = {
    "proportional": N_("Proportional"),
    "equal": N_("Equal"),
}

FINDING_CATEGORIES: Final[dict[str, str]] = {
    "policy_misapplied": N_("Policy misapplied"),
    "evidence_missed": N_("Evidence missed"),
    "wrong_remediation": N_("Wrong remediation"),
    "documentation_gap": N_("Documentation gap"),
    "policy_ambiguity": N_("Policy ambiguity"),
}

FINDING_STATUSES: Final[dict[str, str]] = {
    "open": N_("Open"),
    "acknowledged": N_("Acknowledged"),
    "disputed": N_("Disputed"),
    "resolved": N_("Resolved"),
}

RESOLUTIONS: Final[dict[str, str]] = {
    "upheld": N_("Finding upheld"),
    "withdrawn": N_("Finding withdrawn"),
}

# The default rubric; each criterion is scored 0 (no), 1 (partly) or 2 (yes), or left out when it does not
# apply. A lead may configure another (ConfigureRubric); labels of custom criteria are shown as typed.
DEFAULT_RUBRIC: Final[tuple[tuple[str, str, int], ...]] = (
    ("correct_outcome", N_("Correct outcome"), 2),
    ("correct_policy", N_("Correct policy cited"), 2),
    ("checklist_consistent", N_("Checklist complete and consistent"), 2),
    ("rationale_quality", N_("Rationale quality"), 2),
    ("remediation_appropriate", N_("Remediation appropriate"), 2),
    ("stakeholder_communication", N_("Stakeholder communication"), 2),
    ("timeliness", N_("Timeliness"), 2),
)

SCORE_LABELS: Final[dict[int, str]] = {0: N_("No"), 1: N_("Partly"), 2: N_("Yes")}

# Fields of the side-by-side comparison.
DIFFERENCE_FIELDS: Final[dict[str, str]] = {
    "outcome": N_("Outcome"),
    "policy": N_("Cited policy"),
    "element": N_("Checklist element"),
}
