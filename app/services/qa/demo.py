"""Demo QA data: a stratified batch re-reviewed in part, with scores, findings, a dispute and a resolution,
and a golden-set calibration session that two participants have answered and a third has begun.

Made with the real commands from a seed, after app.services.demo has decided some cases, so the QA
workspace has something to show in a demo profile and in screenshots.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.vocabulary import OUTCOMES
from app.models import Decision, QaBatchItem, Reviewer
from app.services.qa.batches import CreateBatch
from app.services.qa.calibration import (
    CreateCalibration,
    SubmitCalibrationAnswer,
    calibration_candidates,
    calibration_cases,
)
from app.services.qa.findings import (
    AcknowledgeFinding,
    DisputeFinding,
    RaiseFinding,
    ResolveFinding,
    ScoreReview,
)
from app.services.qa.review import AnswerAuditChecklist, SubmitBlindReview, blind_case
from app.services.qa.rubric import default_rubric
from app.services.qa.sampling import SampleSpec
from app.services.qa.vocabulary import FINDING_CATEGORIES

NOTES = {
    "policy_misapplied": "The cited policy's second element is not met by this content.",
    "evidence_missed": "The reply thread shows the intent; it was not considered.",
    "wrong_remediation": "Removal was enough; the account action is disproportionate.",
    "documentation_gap": "The rationale does not say which element was met.",
    "policy_ambiguity": "The policy does not say whether satire of a public figure is covered.",
}


@dataclass(frozen=True)
class QaSeedReport:
    batch_id: str
    reviewed: int
    findings: int
    calibration_id: str = ""


def seed_qa_demo(session: Session, seed: int = 1, size: int = 40, share: float = 0.75) -> QaSeedReport | None:
    """Draw a batch and re-review ``share`` of it as the demo's QA auditor; None without decisions."""
    people = {r.handle: r for r in session.scalars(select(Reviewer))}
    auditor, lead = people.get("mpark"), people.get("jbecker")
    if auditor is None or lead is None or session.scalar(select(Decision.id).limit(1)) is None:
        return None
    rng = random.Random(seed)
    changes = CreateBatch("Demo audit: all queues", SampleSpec("stratified", size, seed, by="queue")).run(
        session, auditor
    )
    batch_id = changes.created_ids[0]
    items = list(
        session.scalars(
            select(QaBatchItem).where(QaBatchItem.batch_id == batch_id).order_by(QaBatchItem.position)
        )
    )
    reviewed = findings = 0
    for item in items[: int(len(items) * share)]:
        decision = session.get(Decision, item.decision_id)
        assert decision is not None
        agree = rng.random() < 0.8
        review_id = _review(session, auditor, item.id, decision, agree, rng)
        reviewed += 1
        scores = [(c.key, 2 if agree or c.key != "correct_outcome" else 0) for c in default_rubric()]
        scores = [(key, value if rng.random() < 0.7 else max(0, value - 1)) for key, value in scores]
        ScoreReview(review_id, tuple(scores)).run(session, auditor)
        if agree and rng.random() < 0.85:
            continue
        category = rng.choice(list(FINDING_CATEGORIES)) if not agree else "documentation_gap"
        finding_id = RaiseFinding(review_id, category, NOTES[category]).run(session, auditor).created_ids[0]
        findings += 1
        author = session.get(Reviewer, decision.author_id)
        assert author is not None
        roll = rng.random()
        if roll < 0.35:
            AcknowledgeFinding(finding_id, 1, "Understood; I will cite the element next time.").run(
                session, author
            )
        elif roll < 0.7:
            DisputeFinding(finding_id, 1, "The regional context supports my reading.").run(session, author)
            if rng.random() < 0.5:
                resolution = rng.choice(["upheld", "withdrawn"])
                ResolveFinding(finding_id, 2, resolution, "Discussed in calibration.").run(session, lead)
    cases = [item.case_id for item in items[:5]] or [
        c.case_id for c in calibration_candidates(session, None, 5)
    ]
    calibration_id = _calibration(session, lead, people, cases, rng)
    return QaSeedReport(batch_id, reviewed, findings, calibration_id)


CALIBRATION_PEOPLE = ("srivera", "asiddiqui", "kwatanabe", "ldubois")


def _calibration(
    session: Session, lead: Reviewer, people: dict[str, Reviewer], cases: list[str], rng: random.Random
) -> str:
    """A golden set of the batch's first cases (expected: the latest decided outcome); two participants answer
    every case, a third answers two, the fourth has not started."""
    participants = [people[h] for h in CALIBRATION_PEOPLE if h in people]
    if len(participants) < 2 or not cases:
        return ""
    golden = []
    for case_id in cases:
        outcome = session.scalar(
            select(Decision.outcome)
            .where(Decision.case_id == case_id)
            .order_by(Decision.created_at.desc(), Decision.id.desc())
            .limit(1)
        )
        golden.append((case_id, outcome if outcome in OUTCOMES else "", ()))
    command = CreateCalibration(
        "Demo calibration: golden set", tuple(cases), tuple(golden), tuple(p.id for p in participants)
    )
    calibration_id = command.run(session, lead).created_ids[0]
    views = calibration_cases(session, calibration_id, participants[0].id)
    expected = {case_id: outcome for case_id, outcome, _answers in golden}
    for index, person in enumerate(participants[:3]):
        for view in views[: len(views) if index < 2 else 2]:
            outcome = expected[view.case_id] or "no_violation"
            if rng.random() < 0.3:
                outcome = rng.choice([o for o in OUTCOMES if o != outcome])
            elements = [e for c in view.checklists[:1] for e in c.elements[:3]]
            answers = tuple(
                (e.key, rng.choice(["met", "met", "not_met", "unsure"] if index else ["met", "not_met"]))
                for e in elements
            )
            SubmitCalibrationAnswer(view.id, outcome, answers).run(session, person)
    return calibration_id


def _review(
    session: Session, auditor: Reviewer, item_id: str, decision: Decision, agree: bool, rng: random.Random
) -> str:
    case = blind_case(session, item_id, auditor.id)
    violated = decision.outcome != "no_violation"
    if not agree:
        violated = not violated
    target = next((c for c in case.checklists if c.policy_id == decision.policy_id), None)
    if violated and target is None and case.checklists:
        target = rng.choice(case.checklists)
    for checklist in case.checklists:
        for element in checklist.elements:
            if checklist is target and violated:
                answer = "met" if element.kind == "criterion" else "not_met"
            elif element.kind == "criterion" and element is checklist.elements[0]:
                answer = "not_met"
            else:
                continue
            AnswerAuditChecklist(item_id, element.element_id, answer).run(session, auditor)
    if violated and target is not None:
        outcome = decision.outcome if agree and decision.outcome in OUTCOMES else target.violation_outcome
        policy_id: str | None = target.policy_id
    else:
        outcome, policy_id = "no_violation", None
    rationale = "Same reading of the checklist." if agree else "I read the checklist differently."
    return SubmitBlindReview(item_id, outcome, policy_id, rationale).run(session, auditor).created_ids[0]
