"""The permission matrix: which role may do what. Every command asks here, and nowhere else."""

from __future__ import annotations

from typing import Final

from app.core.vocabulary import ROLES
from app.i18n import N_
from app.services.errors import PermissionDenied

SPECIALIST, LEAD, QA, ADMIN = "specialist", "lead", "qa", "admin"

MATRIX: Final[dict[str, frozenset[str]]] = {
    "claim_case": frozenset({SPECIALIST, LEAD}),
    "release_case": frozenset({SPECIALIST, LEAD}),
    "change_status": frozenset({SPECIALIST, LEAD}),
    "answer_checklist": frozenset({SPECIALIST, LEAD}),
    "add_note": frozenset({SPECIALIST, LEAD, QA, ADMIN}),
    "add_communication": frozenset({SPECIALIST, LEAD}),
    "record_decision": frozenset({SPECIALIST, LEAD}),
    "plan_remediation": frozenset({SPECIALIST, LEAD}),
    "update_remediation": frozenset({SPECIALIST, LEAD}),
    "approve_remediation": frozenset({LEAD}),
    "resolve_case": frozenset({SPECIALIST, LEAD}),
    "reopen_case": frozenset({SPECIALIST, LEAD}),
    "work_any_case": frozenset({LEAD}),
    "import_cases": frozenset({SPECIALIST, LEAD, ADMIN}),
    "manage_reviewers": frozenset({ADMIN, LEAD}),
    "qa_review": frozenset({QA, LEAD}),
    # QA audit. Responding to a finding also requires being the audited decision's author.
    "qa_sample": frozenset({QA, LEAD}),
    "configure_rubric": frozenset({QA, LEAD}),
    "respond_finding": frozenset({SPECIALIST, LEAD}),
    "resolve_finding": frozenset({LEAD}),
    "run_calibration": frozenset({QA, LEAD}),
    "answer_calibration": frozenset({SPECIALIST, LEAD, QA}),
}


def allowed(role: str, action: str) -> bool:
    return role in MATRIX.get(action, frozenset())


def require(role: str, action: str) -> None:
    if not allowed(role, action):
        raise PermissionDenied(
            N_("Your role (%(role)s) may not do this: %(action)s."),
            role=ROLES.get(role, role),
            action=action.replace("_", " "),
        )
