"""Calibration sessions: a lead picks cases (optionally a golden set with expected answers); several reviewers
answer each independently; the report gives Krippendorff's alpha overall and per checklist element, where
people split, and each participant's match with the golden answers.

Answers are sealed: a participant sees nobody else's answers, and the report is for whoever runs calibration
or for a participant who has answered every case.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.vocabulary import ANSWERS, OUTCOMES
from app.i18n import N_
from app.models import Case, QaCalibration, QaCalibrationAnswer, QaCalibrationCase, Queue, Reviewer
from app.services import permissions
from app.services.checklist import latest_policies
from app.services.dto import Changes
from app.services.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from app.services.qa.agreement import Estimate, Rating, all_metrics
from app.services.qa.common import append, clean_text, reviewer_names
from app.services.qa.dto import CalibrationCaseView, CalibrationReport, CalibrationSplit
from app.services.qa.review import checklists_for
from app.services.queries import _content as case_content

MAX_CASES = 200
Expectation = tuple[str, str, tuple[tuple[str, str], ...]]  # case id, outcome, ((element key, answer), ...)


@dataclass(frozen=True)
class CreateCalibration:
    name: str
    case_ids: tuple[str, ...]
    expected: tuple[Expectation, ...] = ()  # a golden set: the answers a calibrated reviewer gives

    def run(self, session: Session, actor: Reviewer) -> Changes:
        permissions.require(actor.role, "run_calibration")
        cases = list(dict.fromkeys(self.case_ids))
        if not 1 <= len(cases) <= MAX_CASES:
            raise InvalidInput(
                N_("A calibration session needs between 1 and %(limit)s cases."), limit=MAX_CASES
            )
        known = set(session.scalars(select(Case.id).where(Case.id.in_(cases))))
        if missing := [c for c in cases if c not in known]:
            raise NotFound(N_("No case with id %(id)s."), id=missing[0])
        expected = {case_id: (outcome, dict(answers)) for case_id, outcome, answers in self.expected}
        for outcome, answers in expected.values():
            if outcome and outcome not in OUTCOMES:
                raise InvalidInput(N_("Unknown outcome %(outcome)s."), outcome=outcome)
            if any(a not in ANSWERS for a in answers.values()):
                raise InvalidInput(N_("Unknown checklist answer in the golden set."))
        session_row = QaCalibration(
            name=clean_text(self.name, N_("Name"))[:200], golden=bool(expected), created_by_id=actor.id
        )
        calibration_id = str(
            append(session, actor, "qa_calibration", session_row, "qa.calibration_created", None)["id"]
        )
        for position, case_id in enumerate(cases, start=1):
            outcome, answers = expected.get(case_id, ("", {}))
            row = QaCalibrationCase(
                calibration_id=calibration_id,
                case_id=case_id,
                position=position,
                expected_outcome=outcome,
                expected_answers=answers,
            )
            append(session, actor, "qa_calibration_case", row, "qa.calibration_created", case_id)
        return Changes(created_ids=(calibration_id,))


@dataclass(frozen=True)
class SubmitCalibrationAnswer:
    """A participant's sealed answer for one calibration case: outcome and checklist answers by element key."""

    calibration_case_id: str
    outcome: str
    answers: tuple[tuple[str, str], ...] = ()

    def run(self, session: Session, actor: Reviewer) -> Changes:
        permissions.require(actor.role, "answer_calibration")
        item = session.get(QaCalibrationCase, self.calibration_case_id)
        if item is None:
            raise NotFound(N_("No calibration case with id %(id)s."), id=self.calibration_case_id)
        if self.outcome not in OUTCOMES:
            raise InvalidInput(N_("Unknown outcome %(outcome)s."), outcome=self.outcome)
        for _key, answer in self.answers:
            if answer not in ANSWERS:
                raise InvalidInput(N_("Unknown checklist answer %(answer)s."), answer=answer)
        taken = session.scalars(
            select(QaCalibrationAnswer.id).where(
                QaCalibrationAnswer.item_id == item.id, QaCalibrationAnswer.participant_id == actor.id
            )
        ).first()
        if taken is not None:
            raise Conflict(N_("You have already answered this calibration case."))
        row = QaCalibrationAnswer(
            item_id=item.id, participant_id=actor.id, outcome=self.outcome, answers=dict(self.answers)
        )
        payload = append(
            session, actor, "qa_calibration_answer", row, "qa.calibration_answered", item.case_id
        )
        return Changes(created_ids=(str(payload["id"]),))


def calibrations(session: Session) -> list[tuple[str, str, bool]]:
    """(id, name, golden) of every session, newest first."""
    rows = session.execute(
        select(QaCalibration.id, QaCalibration.name, QaCalibration.golden).order_by(
            QaCalibration.created_at.desc()
        )
    )
    return [(i, n, bool(g)) for i, n, g in rows]


def calibration_cases(
    session: Session, calibration_id: str, participant_id: str
) -> list[CalibrationCaseView]:
    """The cases to answer, each with the checklist of its queue's policies; expected answers stay hidden."""
    items = list(
        session.scalars(
            select(QaCalibrationCase)
            .where(QaCalibrationCase.calibration_id == calibration_id)
            .order_by(QaCalibrationCase.position)
        )
    )
    answered = set(
        session.scalars(
            select(QaCalibrationAnswer.item_id).where(
                QaCalibrationAnswer.item_id.in_([i.id for i in items]),
                QaCalibrationAnswer.participant_id == participant_id,
            )
        )
    )
    latest = latest_policies(session)
    views = []
    for item in items:
        case = session.get(Case, item.case_id)
        assert case is not None
        slug = session.scalar(select(Queue.slug).where(Queue.id == case.queue_id))
        policy_ids = [p.id for p in latest if slug in (p.queues or [])]
        views.append(
            CalibrationCaseView(
                id=item.id,
                case_id=case.id,
                position=item.position,
                title=case.title,
                content=case_content(session, case.id),
                checklists=checklists_for(session, policy_ids, {}),
                answered=item.id in answered,
                expected_outcome="",
            )
        )
    return views


def _estimate(ratings: list[Rating], name: str) -> Estimate:
    return next(e for e in all_metrics(ratings, samples=500) if e.metric == name)


def calibration_report(session: Session, calibration_id: str, viewer_id: str) -> CalibrationReport:
    calibration = session.get(QaCalibration, calibration_id)
    if calibration is None:
        raise NotFound(N_("No calibration session with id %(id)s."), id=calibration_id)
    viewer = session.get(Reviewer, viewer_id)
    items = list(
        session.scalars(select(QaCalibrationCase).where(QaCalibrationCase.calibration_id == calibration_id))
    )
    answers = list(
        session.scalars(
            select(QaCalibrationAnswer).where(QaCalibrationAnswer.item_id.in_([i.id for i in items]))
        )
    )
    mine = {a.item_id for a in answers if a.participant_id == viewer_id}
    if viewer is None or not (
        permissions.allowed(viewer.role, "run_calibration") or mine >= {i.id for i in items}
    ):
        raise PermissionDenied(N_("The results show once you have answered every case of the session."))
    titles = dict(
        session.execute(select(Case.id, Case.title).where(Case.id.in_([i.case_id for i in items]))).all()
    )
    by_item = {i.id: i for i in items}
    outcome_ratings = [Rating(a.item_id, a.participant_id, a.outcome) for a in answers]
    element_ratings: dict[str, list[Rating]] = defaultdict(list)
    for a in answers:
        for key, value in a.answers.items():
            element_ratings[key].append(Rating(a.item_id, a.participant_id, value))
    all_elements = [
        Rating(f"{r.unit}/{key}", r.rater, r.value) for key, rs in element_ratings.items() for r in rs
    ]
    splits = _splits(items, answers, titles)
    names = reviewer_names(session, {a.participant_id for a in answers})
    golden: dict[str, list[bool]] = defaultdict(list)
    for a in answers:
        expected = by_item[a.item_id].expected_outcome
        if expected:
            golden[a.participant_id].append(a.outcome == expected)
    return CalibrationReport(
        id=calibration.id,
        name=calibration.name,
        golden=calibration.golden,
        participants=tuple(sorted(names.values())),
        cases=len(items),
        answers=len(answers),
        outcome_alpha=_estimate(outcome_ratings, "krippendorff_alpha"),
        element_alpha=_estimate(all_elements, "krippendorff_alpha"),
        per_element=tuple(
            (key, _estimate(ratings, "krippendorff_alpha"))
            for key, ratings in sorted(element_ratings.items())
        ),
        splits=splits,
        golden_accuracy=tuple(
            sorted((names.get(pid, pid), sum(hits) / len(hits)) for pid, hits in golden.items() if hits)
        ),
    )


def _splits(
    items: list[QaCalibrationCase], answers: list[QaCalibrationAnswer], titles: dict[str, str]
) -> tuple[CalibrationSplit, ...]:
    """Where participants answered differently, most divided first."""
    by_item: dict[str, list[QaCalibrationAnswer]] = defaultdict(list)
    for a in answers:
        by_item[a.item_id].append(a)
    splits: list[tuple[float, CalibrationSplit]] = []
    for item in sorted(items, key=lambda i: i.position):
        given = by_item.get(item.id, [])
        subjects: dict[str, Counter[str]] = {"outcome": Counter(a.outcome for a in given)}
        for a in given:
            for key, value in a.answers.items():
                subjects.setdefault(key, Counter())[value] += 1
        for subject, counts in subjects.items():
            if len(counts) < 2:
                continue
            expected = (
                item.expected_outcome if subject == "outcome" else item.expected_answers.get(subject, "")
            )
            majority = max(counts.values()) / sum(counts.values())
            split = CalibrationSplit(
                item.case_id, titles.get(item.case_id, ""), subject, tuple(counts.most_common()), expected
            )
            splits.append((majority, split))
    return tuple(split for _majority, split in sorted(splits, key=lambda s: s[0]))
