"""Workstations editing the same cases offline converge once they sync, on a SQLite hub and on PostgreSQL."""

# The hub fixtures come from tests.sync_support; a test's parameter of the same name is that fixture.
# ruff: noqa: F811

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from app.models import AuditEvent, Case, HubAuditEvent, Note, RemediationAction
from app.services.audit import verify_chain
from app.services.case_commands import ClaimCase, ReleaseCase, SetAwaitingInput
from app.services.checklist import case_checklists
from app.services.remediation_commands import ApproveRemediation, PlanRemediation, SetRemediationStatus
from app.services.review_commands import AddNote, AnswerChecklistItem, RecordDecision
from app.services.sync.conflicts import (
    SettleConflict,
    list_conflicts,
    list_rejections,
    open_conflicts,
    status,
)
from app.services.sync.local_state import pending_count
from tests.factories import make_case
from tests.sync_support import Hub, Workstation, hub, pg_server, workstation  # noqa: F401


def decide(ws: Workstation, case_id: str, handle: str | None = None) -> None:
    """Answer the case's first checklist so it is violated, and record that decision."""
    checklist = ws.store.read(lambda s: case_checklists(s, s.get(Case, case_id)))[0]
    for element in checklist.elements:
        answer = "met" if element.kind == "criterion" else "not_met"
        ws.run(AnswerChecklistItem(case_id, element.element_id, answer), handle)
    ws.run(RecordDecision(case_id, checklist.violation_outcome, "Elements met.", checklist.policy_id), handle)


def converge(hub: Hub, *stations: Workstation, rounds: int = 2) -> None:
    for _ in range(rounds):
        for ws in stations:
            ws.sync(hub)


def assert_same(*stations: Workstation) -> None:
    exports = [ws.export() for ws in stations]
    assert all(e == exports[0] for e in exports), "exported state differs between workstations"
    for ws in stations:
        assert ws.store.read(verify_chain).ok
        assert ws.store.read(pending_count) == 0


def test_two_workstations_converge(hub: Hub, tmp_path: Path) -> None:
    a = workstation(tmp_path, "a", "srivera")
    b = workstation(tmp_path, "b", "asiddiqui")
    cases = [make_case(a.store, ref=f"RPT-C-{n}") for n in range(3)]
    a.sync(hub)
    b.sync(hub)
    assert b.store.read(lambda s: s.scalar(select(func.count()).select_from(Case))) == 3

    # Offline: both claim case 0 (a conflict); each works a case of its own; both write notes on case 0.
    a.run(ClaimCase(cases[0]))
    b.run(ClaimCase(cases[0]))
    a.run(ClaimCase(cases[1]))
    decide(a, cases[1])
    b.run(ClaimCase(cases[2]))
    b.run(SetAwaitingInput(cases[2], True))
    a.run(AddNote(cases[0], "from a", "en"))
    b.run(AddNote(cases[0], "desde b", "es"))

    first = a.sync(hub)
    second = b.sync(hub)
    assert [c.status for c in first.claims] == ["won", "won"]
    assert {c.case_id: c.status for c in second.claims}[cases[0]] == "lost"
    converge(hub, a, b)
    assert_same(a, b)

    for ws in (a, b):
        notes = ws.store.read(lambda s: sorted(s.scalars(select(Note.text).where(Note.case_id == cases[0]))))
        assert notes == ["desde b", "from a"]  # append-only records merge by union
        conflicts = ws.store.read(lambda s: list_conflicts(s, cases[0]))
        assert [(c.field, c.kept_incoming, c.rule) for c in conflicts] == [
            ("assignee_id", False, "claim_first_come")
        ]
        assert ws.store.read(lambda s: open_conflicts(s, cases)) == {cases[0]: 1}
        # Others' audit events arrive beside the local chain, never in it.
        assert ws.store.read(lambda s: s.scalar(select(func.count()).select_from(HubAuditEvent))) > 0
    holder = a.store.read(lambda s: s.get(Case, cases[0]).assignee_id)
    assert holder == a.reviewer_id  # a's claim reached the hub first
    # The workstation whose push met the other value recorded both values in its own audit trail.
    event = b.store.read(
        lambda s: s.scalars(select(AuditEvent).where(AuditEvent.action == "sync.conflict")).one()
    )
    assert event.before == {"assignee_id": b.reviewer_id}
    assert event.after["assignee_id"] == b.people["srivera"]
    assert b.store.read(status).open_conflicts == 1


def test_three_workstations_converge_and_settle(hub: Hub, tmp_path: Path) -> None:
    a = workstation(tmp_path, "a", "srivera")
    b = workstation(tmp_path, "b", "asiddiqui")
    lead = workstation(tmp_path, "c", "pnair")
    cases = [make_case(a.store, ref=f"RPT-T-{n}") for n in range(4)]
    a.run(ClaimCase(cases[3]))
    decide(a, cases[3])
    a.run(PlanRemediation(cases[3], "terminate_account", target="@x"))
    a.run(PlanRemediation(cases[3], "remove_content", target="post"))
    converge(hub, a, b, lead, rounds=1)
    severe, plain = a.store.read(
        lambda s: [
            s.scalars(select(RemediationAction.id).where(RemediationAction.action_type == kind)).one()
            for kind in ("terminate_account", "remove_content")
        ]
    )

    # Offline, all three at once.
    a.run(ClaimCase(cases[0]))
    b.run(ClaimCase(cases[0]))
    lead.run(ClaimCase(cases[0]))
    b.run(ClaimCase(cases[1]))
    b.run(ReleaseCase(cases[1]))
    lead.run(ClaimCase(cases[2]))
    decide(lead, cases[2])
    lead.run(ApproveRemediation(severe))
    lead.run(SetRemediationStatus(plain, "cancelled"))
    a.run(SetRemediationStatus(plain, "done"))
    for ws, text in ((a, "a"), (b, "b"), (lead, "lead")):
        ws.run(AddNote(cases[0], f"note by {text}", "en"))

    converge(hub, a, b, lead)
    assert_same(a, b, lead)
    for ws in (a, b, lead):
        action = ws.store.read(lambda s: s.get(RemediationAction, plain))
        assert action.status == "cancelled"  # a terminal state wins over done
        assert ws.store.read(lambda s: s.get(RemediationAction, severe).approved_by_id) is not None
        assert ws.store.read(lambda s: s.scalar(select(func.count()).where(Note.case_id == cases[0]))) == 3

    # The lead settles the claim conflict of case 0 in b's favour; everyone follows.
    claim = next(
        c for c in lead.store.read(lambda s: list_conflicts(s, cases[0])) if c.field == "assignee_id"
    )
    lead.run(SettleConflict(claim.id, "other" if claim.other_value == lead.people["asiddiqui"] else "kept"))
    converge(hub, lead, a, b)
    assert_same(a, b, lead)
    for ws in (a, b, lead):
        settled = [c for c in ws.store.read(lambda s: list_conflicts(s, cases[0])) if c.id == claim.id]
        assert settled[0].settled
        assert ws.store.read(lambda s: s.get(Case, cases[0]).assignee_id) is not None
    assert not any(ws.store.read(list_rejections) for ws in (a, b, lead))
