"""Blind re-review, reveal, scores, findings and their answers; the original decision never changes."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

from app.models import Decision, Reviewer
from app.services.errors import Conflict, IllegalTransition, InvalidInput, PermissionDenied
from app.services.profile import Profile
from app.services.qa.agreement import Rating, cohen_kappa
from app.services.qa.batches import CreateBatch, batch_items
from app.services.qa.findings import (
    AcknowledgeFinding,
    DisputeFinding,
    RaiseFinding,
    ResolveFinding,
    ScoreReview,
    findings,
    findings_about,
    policy_ambiguities,
)
from app.services.qa.metrics import dashboard
from app.services.qa.report import batch_report, write_csv
from app.services.qa.review import AnswerAuditChecklist, SubmitBlindReview, blind_case, compare_item
from app.services.qa.rubric import ConfigureRubric, current_rubric
from app.services.qa.sampling import SampleSpec

REVIEW_TABLES = ("decision", "checklist_answer", "note", "communication", "remediation_action", '"case"')


def snapshot(profile: Profile) -> dict[str, list[tuple[Any, ...]]]:
    """Every review table, row by row as SQLite stores it (bytes and all)."""
    with profile.engine.connect() as connection:
        return {
            table: sorted(connection.exec_driver_sql(f"SELECT * FROM {table}").all(), key=repr)
            for table in REVIEW_TABLES
        }


@pytest.fixture
def audit(seeded: Profile) -> dict[str, Any]:
    people = dict(seeded.store.read(lambda s: s.execute(select(Reviewer.handle, Reviewer.id)).all()))
    changes = seeded.store.execute(
        CreateBatch("Audit", SampleSpec("stratified", 10, seed=4, by="queue")), people["mpark"]
    )
    batch_id = changes.created_ids[0]
    items = seeded.store.read(lambda s: batch_items(s, batch_id, people["mpark"]))
    return {"people": people, "batch": batch_id, "items": items, "store": seeded.store}


def decision_of(profile: Profile, item_id: str) -> Decision:
    def query(session):  # type: ignore[no-untyped-def]
        decision_id = session.execute(
            text("SELECT decision_id FROM qa_batch_item WHERE id = :i"), {"i": item_id}
        ).scalar()
        return session.get(Decision, decision_id)

    return profile.store.read(query)


def answer_all(store: Any, item_id: str, auditor: str, violated: bool) -> Any:
    case = store.read(lambda s: blind_case(s, item_id, auditor))
    checklist = case.checklists[0]
    for element in checklist.elements:
        met = (element.kind == "criterion") == violated
        store.execute(AnswerAuditChecklist(item_id, element.element_id, "met" if met else "not_met"), auditor)
    return checklist


def test_blind_case_hides_the_original(seeded: Profile, audit: dict[str, Any]) -> None:
    store, qa = audit["store"], audit["people"]["mpark"]
    item = audit["items"][0]
    decision = decision_of(seeded, item.id)
    author = store.read(lambda s: s.get(Reviewer, decision.author_id))
    case = store.read(lambda s: blind_case(s, item.id, qa))
    shown = repr(case)
    assert decision.rationale not in shown
    assert author.name not in shown
    assert decision.id not in shown
    assert "external_ref" not in shown  # the case reference would lead straight to the decision
    assert not case.submitted
    assert all(e.answer is None for c in case.checklists for e in c.elements)  # not the reviewer's answers
    assert case.content  # but the content to judge is there
    with pytest.raises(InvalidInput, match="before the original is revealed"):
        store.read(lambda s: compare_item(s, item.id, qa))


def test_full_audit_leaves_every_review_record_byte_identical(seeded: Profile, audit: dict[str, Any]) -> None:
    store, people = audit["store"], audit["people"]
    qa, lead = people["mpark"], people["jbecker"]
    before = snapshot(seeded)
    item = audit["items"][0]
    decision = decision_of(seeded, item.id)
    violated = decision.outcome == "no_violation"  # disagree on purpose
    checklist = answer_all(store, item.id, qa, violated)
    outcome = checklist.violation_outcome if violated else "no_violation"
    store.execute(SubmitBlindReview(item.id, outcome, checklist.policy_id if violated else None, "Mine."), qa)
    comparison = store.read(lambda s: compare_item(s, item.id, qa))
    assert comparison.original_outcome == decision.outcome
    assert comparison.original_rationale == decision.rationale
    assert not comparison.agreed
    assert comparison.differences[0].field == "outcome"
    assert any(e.differs for e in comparison.elements)
    store.execute(ScoreReview(comparison.review_id, (("correct_outcome", 0), ("timeliness", 2))), qa)
    store.execute(RaiseFinding(comparison.review_id, "policy_misapplied", "Element 1 is not met."), qa)
    author = decision.author_id
    finding = store.read(lambda s: findings_about(s, author))[0]
    assert finding.category == "policy_misapplied"
    assert finding.status == "open"
    store.execute(DisputeFinding(finding.id, finding.version, "Regional context."), author)
    store.execute(ResolveFinding(finding.id, finding.version + 1, "upheld", "The audit stands."), lead)
    resolved = store.read(lambda s: findings_about(s, author))[0]
    assert (resolved.status, resolved.resolution) == ("resolved", "upheld")
    assert snapshot(seeded) == before
    with seeded.engine.connect() as connection:
        actions = {
            row[0]
            for row in connection.exec_driver_sql("SELECT action FROM audit_event WHERE action LIKE 'qa.%'")
        }
        entities = {row[0] for row in connection.exec_driver_sql("SELECT DISTINCT entity FROM outbox")}
    assert {
        "qa.answered",
        "qa.reviewed",
        "qa.scored",
        "qa.finding_raised",
        "qa.finding_disputed",
        "qa.finding_resolved",
    } <= actions
    assert {"qa_answer", "qa_review", "qa_score", "qa_finding"} <= entities


def test_a_recorded_review_and_its_answers_cannot_change(seeded: Profile, audit: dict[str, Any]) -> None:
    store, qa = audit["store"], audit["people"]["mpark"]
    item = audit["items"][1]
    checklist = answer_all(store, item.id, qa, violated=False)
    store.execute(SubmitBlindReview(item.id, "no_violation"), qa)
    with pytest.raises(Conflict):
        store.execute(SubmitBlindReview(item.id, "remove_content", checklist.policy_id), qa)
    with pytest.raises(Conflict):
        store.execute(AnswerAuditChecklist(item.id, checklist.elements[0].element_id, "met"), qa)
    for statement in (
        "UPDATE qa_review SET outcome = 'label'",
        "DELETE FROM qa_answer",
        "UPDATE qa_batch SET name = 'x'",
    ):
        with pytest.raises(DatabaseError, match="append-only"), seeded.engine.begin() as connection:
            connection.exec_driver_sql(statement)


def test_who_may_do_what(seeded: Profile, audit: dict[str, Any]) -> None:
    store, people = audit["store"], audit["people"]
    qa = people["mpark"]
    item = audit["items"][2]
    decision = decision_of(seeded, item.id)
    with pytest.raises(PermissionDenied):  # a specialist is not an auditor
        store.execute(SubmitBlindReview(item.id, "no_violation"), people["ldubois"])
    with pytest.raises(PermissionDenied):  # nobody audits their own decision
        store.read(lambda s: blind_case(s, item.id, decision.author_id))
    with pytest.raises(InvalidInput):
        store.execute(SubmitBlindReview(item.id, "remove_content"), qa)  # restricting needs a policy
    store.execute(SubmitBlindReview(item.id, "no_violation"), qa)
    review_id = store.read(lambda s: compare_item(s, item.id, qa)).review_id
    with pytest.raises(PermissionDenied):  # only the auditor scores their review
        store.execute(ScoreReview(review_id, (("timeliness", 1),)), people["jbecker"])
    with pytest.raises(InvalidInput):
        store.execute(ScoreReview(review_id, (("timeliness", 3),)), qa)
    with pytest.raises(InvalidInput):
        store.execute(RaiseFinding(review_id, "bad_vibes", "x"), qa)
    store.execute(RaiseFinding(review_id, "documentation_gap", "The rationale names no element."), qa)
    finding = store.read(lambda s: findings_about(s, decision.author_id))[0]
    other = next(p for h, p in people.items() if p != decision.author_id and h in ("srivera", "kwatanabe"))
    with pytest.raises(PermissionDenied):  # only the decision's author answers a finding
        store.execute(AcknowledgeFinding(finding.id, finding.version), other)
    with pytest.raises(IllegalTransition):  # nothing to resolve before a dispute
        store.execute(ResolveFinding(finding.id, finding.version, "upheld", "x"), people["jbecker"])
    store.execute(AcknowledgeFinding(finding.id, finding.version, "Fair."), decision.author_id)
    with pytest.raises(Conflict):  # a stale version
        store.execute(DisputeFinding(finding.id, finding.version, "Changed my mind"), decision.author_id)
    with pytest.raises(IllegalTransition):
        store.execute(DisputeFinding(finding.id, finding.version + 1, "Changed my mind"), decision.author_id)


def test_rubric_can_be_configured_and_scores_follow_it(audit: dict[str, Any]) -> None:
    store, people = audit["store"], audit["people"]
    assert [c.key for c in store.read(current_rubric)][:2] == ["correct_outcome", "correct_policy"]
    with pytest.raises(PermissionDenied):
        store.execute(ConfigureRubric((("accuracy", "Accuracy", 4),)), people["srivera"])
    with pytest.raises(InvalidInput):
        store.execute(ConfigureRubric((("Bad Key", "x", 2),)), people["mpark"])
    store.execute(
        ConfigureRubric((("correct_outcome", "Correct outcome", 2), ("tone", "Tone of the rationale", 4))),
        people["mpark"],
    )
    rubric = store.read(current_rubric)
    assert [(c.key, c.max, c.builtin) for c in rubric] == [("correct_outcome", 2, True), ("tone", 4, False)]


def test_policy_ambiguities_collect_for_policy_owners(audit: dict[str, Any]) -> None:
    store, qa = audit["store"], audit["people"]["mpark"]
    item = audit["items"][3]
    store.execute(SubmitBlindReview(item.id, "no_violation"), qa)
    review_id = store.read(lambda s: compare_item(s, item.id, qa)).review_id
    store.execute(RaiseFinding(review_id, "policy_ambiguity", "Is satire of officials covered?"), qa)
    ambiguities = store.read(policy_ambiguities)
    assert [a.note for a in ambiguities] == ["Is satire of officials covered?"]
    assert store.read(lambda s: findings(s, ("open",)))[0].category == "policy_ambiguity"


def test_dashboard_and_csv_agree_with_the_records(seeded: Profile, audit: dict[str, Any]) -> None:
    store, qa = audit["store"], audit["people"]["mpark"]
    outcomes = []
    for index, item in enumerate(audit["items"][:6]):
        decision = decision_of(seeded, item.id)
        agree = index % 3 != 0
        violated = (decision.outcome != "no_violation") == agree
        checklist = answer_all(store, item.id, qa, violated)
        outcome = (decision.outcome if agree else checklist.violation_outcome) if violated else "no_violation"
        policy = (
            (decision.policy_id if agree and decision.policy_id else checklist.policy_id)
            if violated
            else None
        )
        store.execute(SubmitBlindReview(item.id, outcome, policy, '=HYPERLINK("http://x")'), qa)
        outcomes.append((item.id, decision.outcome, outcome))
    board = store.read(lambda s: dashboard(s, audit["batch"]))
    assert board.reviewed == 6
    assert board.agreed == sum(o == a for _i, o, a in outcomes)
    ratings = [r for i, o, a in outcomes for r in (Rating(i, "original", o), Rating(i, "audit", a))]
    assert board.overall is not None
    assert board.overall.kappa.value == pytest.approx(cohen_kappa(ratings))
    assert board.overall.accuracy.value == pytest.approx(board.agreed / 6)
    assert sum(g.n for g in board.by_queue) == 6
    report = store.read(lambda s: batch_report(s, audit["batch"], datetime.now(UTC)))
    out = io.StringIO()
    assert write_csv(report, out) == 10  # every item, reviewed or not
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("position,case,stratum,design_weight,queue,original_outcome")
    assert sum(",yes," in line for line in lines) == board.agreed
