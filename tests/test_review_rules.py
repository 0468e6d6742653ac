"""Domain rules of the review loop: life cycle, checklist-derived outcome, override, four eyes, permissions."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.core.vocabulary import CASE_TRANSITIONS
from app.models import AuditEvent, Case, Decision, OutboxEntry, RemediationAction
from app.services.audit import verify_chain
from app.services.case_commands import ClaimCase, ReleaseCase, ReopenCase, ResolveCase, SetAwaitingInput
from app.services.checklist import case_checklists
from app.services.dto import ElementAnswer, PolicyChecklist
from app.services.errors import Conflict, IllegalTransition, InvalidInput, PermissionDenied
from app.services.permissions import MATRIX, allowed
from app.services.profile import Profile
from app.services.queries import case_detail
from app.services.remediation_commands import ApproveRemediation, PlanRemediation, SetRemediationStatus
from app.services.review_commands import AddNote, AnswerChecklistItem, RecordDecision
from app.services.rules import NOT_VIOLATED, UNDETERMINED, VIOLATED, suggested_outcome, verdict
from tests.factories import make_case


def element(kind: str, answer: str | None) -> ElementAnswer:
    return ElementAnswer("id", "key", kind, "text", "", answer, "")


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ([("criterion", "met"), ("criterion", "met"), ("exception", "not_met")], VIOLATED),
        ([("criterion", "met"), ("criterion", "not_met"), ("exception", None)], NOT_VIOLATED),
        ([("criterion", "met"), ("criterion", "met"), ("exception", "met")], NOT_VIOLATED),
        ([("criterion", "met"), ("criterion", "unsure"), ("exception", "not_met")], UNDETERMINED),
        ([("criterion", "met"), ("criterion", "met"), ("exception", None)], UNDETERMINED),
        ([("criterion", None), ("criterion", None)], UNDETERMINED),
    ],
)
def test_verdict_from_answers(answers: list[tuple[str, str | None]], expected: str) -> None:
    assert verdict([element(kind, answer) for kind, answer in answers]) == expected


def checklist(code: str, outcome: str, state: str) -> PolicyChecklist:
    return PolicyChecklist("p" + code, code, 1, code, "", outcome, "removal", False, (), state)


def test_suggested_outcome_takes_the_most_severe_violation() -> None:
    lists = [
        checklist("A", "label", VIOLATED),
        checklist("B", "suspend_account", VIOLATED),
        checklist("C", "remove_content", NOT_VIOLATED),
    ]
    assert suggested_outcome(lists) == "suspend_account"
    assert suggested_outcome([checklist("A", "label", NOT_VIOLATED)]) == "no_violation"
    assert (
        suggested_outcome([checklist("A", "label", NOT_VIOLATED), checklist("B", "label", UNDETERMINED)])
        is None
    )
    assert suggested_outcome([]) is None


def test_every_transition_follows_the_life_cycle(team_profile: Profile, people: dict[str, str]) -> None:
    store, me = team_profile.store, people["srivera"]
    case_id = make_case(store)
    with pytest.raises(PermissionDenied, match="Claim this case"):
        store.execute(ResolveCase(case_id), me)
    store.execute(ClaimCase(case_id), me)
    with pytest.raises(IllegalTransition, match="In review cannot move to Resolved"):
        store.execute(ResolveCase(case_id), me)
    store.execute(SetAwaitingInput(case_id, True), me)
    with pytest.raises(IllegalTransition, match="Awaiting input cannot move to Awaiting input"):
        store.execute(SetAwaitingInput(case_id, True), me)
    store.execute(SetAwaitingInput(case_id, False), me)
    with pytest.raises(IllegalTransition):
        store.execute(ReopenCase(case_id, "why not"), me)
    status = store.read(lambda s: s.get(Case, case_id).status)
    assert status == "in_review"
    assert "resolved" not in CASE_TRANSITIONS["new"]


def test_claim_is_exclusive_and_versioned(team_profile: Profile, people: dict[str, str]) -> None:
    store = team_profile.store
    case_id = make_case(store)
    store.execute(ClaimCase(case_id), people["srivera"])
    with pytest.raises(Conflict, match="already claimed"):
        store.execute(ClaimCase(case_id), people["asiddiqui"])
    version = store.read(lambda s: s.get(Case, case_id).version)
    with pytest.raises(Conflict):
        store.execute(ClaimCase(case_id, expected_version=version - 1), people["srivera"])
    store.execute(ReleaseCase(case_id), people["srivera"])
    store.execute(ClaimCase(case_id), people["asiddiqui"])
    assert store.read(lambda s: s.get(Case, case_id).assignee_id) == people["asiddiqui"]


def test_decision_contradicting_checklist_needs_override(
    team_profile: Profile, people: dict[str, str]
) -> None:
    store, me = team_profile.store, people["srivera"]
    case_id = make_case(store)
    store.execute(ClaimCase(case_id), me)
    lists = store.read(lambda s: case_checklists(s, s.get(Case, case_id)))
    privacy = lists[0]
    store.execute(AnswerChecklistItem(case_id, privacy.elements[0].element_id, "not_met"), me)
    with pytest.raises(InvalidInput, match="contradicts the checklist"):
        store.execute(
            RecordDecision(case_id, "remove_content", "Feels wrong.", policy_id=privacy.policy_id), me
        )
    with pytest.raises(InvalidInput, match="must cite a policy"):
        store.execute(RecordDecision(case_id, "remove_content", "No policy."), me)
    store.execute(
        RecordDecision(
            case_id,
            "remove_content",
            "Removed.",
            policy_id=privacy.policy_id,
            override_reason="Court order received by legal.",
        ),
        me,
    )
    decision = store.read(lambda s: s.scalars(select(Decision).where(Decision.case_id == case_id)).one())
    assert decision.override_reason == "Court order received by legal."
    assert decision.ground == "legal"  # the privacy policy rests on law
    assert store.read(lambda s: s.get(Case, case_id).status) == "decided"


def test_full_loop_writes_audit_and_outbox_in_the_same_transaction(
    worked_case: Profile, people: dict[str, str]
) -> None:
    store, me, lead = worked_case.store, people["srivera"], people["pnair"]
    case_id = worked_case.case_id  # type: ignore[attr-defined]
    changes = store.execute(PlanRemediation(case_id, "suspend_permanent", target="@someone"), me)
    action_id = changes.created_ids[0]
    with pytest.raises(PermissionDenied, match="second approval"):
        store.execute(SetRemediationStatus(action_id, "done"), me)
    with pytest.raises(PermissionDenied):
        store.execute(ApproveRemediation(action_id), me)  # a specialist cannot approve
    store.execute(ApproveRemediation(action_id), lead)
    with pytest.raises(InvalidInput, match="still open"):
        store.execute(ResolveCase(case_id), me)
    store.execute(SetRemediationStatus(action_id, "done"), me)
    store.execute(ResolveCase(case_id), me)
    detail = store.read(lambda s: case_detail(s, case_id))
    assert detail.status == "resolved"
    assert [r.status for r in detail.remediation] == ["done"]
    assert detail.remediation[0].approved_by_name == "Priya Nair"
    actions = [t.action for t in detail.timeline]
    assert actions[0] == "case.imported"
    assert actions[-1] == "case.resolved"
    assert "remediation.approved" in actions
    events = store.read(lambda s: len(s.scalars(select(AuditEvent)).all()))
    outbox = store.read(lambda s: len(s.scalars(select(OutboxEntry)).all()))
    assert outbox > events  # every change and every event is queued for the hub
    assert store.read(verify_chain).ok


def test_proposer_cannot_approve_own_severe_action(worked_case: Profile, people: dict[str, str]) -> None:
    store, lead = worked_case.store, people["pnair"]
    case_id = worked_case.case_id  # type: ignore[attr-defined]
    changes = store.execute(PlanRemediation(case_id, "terminate_account"), lead)
    with pytest.raises(PermissionDenied, match="someone other than the proposer"):
        store.execute(ApproveRemediation(changes.created_ids[0]), lead)
    store.execute(ApproveRemediation(changes.created_ids[0]), people["jbecker"])
    assert (
        store.read(lambda s: s.get(RemediationAction, changes.created_ids[0]).approved_by_id)
        == people["jbecker"]
    )


def test_failed_command_changes_nothing(team_profile: Profile, people: dict[str, str]) -> None:
    store, me = team_profile.store, people["srivera"]
    case_id = make_case(store)
    before = store.read(lambda s: len(s.scalars(select(AuditEvent)).all()))
    with pytest.raises(InvalidInput):
        store.execute(AddNote(case_id, "   ", "en"), me)
    assert store.read(lambda s: len(s.scalars(select(AuditEvent)).all())) == before


ROLE_EXPECTATIONS = [
    ("specialist", "record_decision", True),
    ("specialist", "approve_remediation", False),
    ("lead", "approve_remediation", True),
    ("qa", "record_decision", False),
    ("qa", "answer_checklist", False),
    ("qa", "claim_case", False),
    ("qa", "add_note", True),
    ("qa", "qa_review", True),
    ("admin", "record_decision", False),
    ("admin", "manage_reviewers", True),
]


@pytest.mark.parametrize(("role", "action", "expected"), ROLE_EXPECTATIONS)
def test_permission_matrix(role: str, action: str, expected: bool) -> None:
    assert allowed(role, action) is expected


def test_qa_cannot_decide(team_profile: Profile, people: dict[str, str]) -> None:
    store = team_profile.store
    case_id = make_case(store)
    with pytest.raises(PermissionDenied):
        store.execute(RecordDecision(case_id, "no_violation", "Looks fine."), people["mpark"])
    assert set(MATRIX) >= {"record_decision", "approve_remediation"}
