"""Calibration sessions: a lead picks cases (optionally a golden set with expected answers) and the reviewers
who answer them; each participant answers every case independently; the report gives Krippendorff's alpha
overall and per checklist element, where people split and who answered what, and each participant's match
with the golden answers.

Answers are sealed: a participant sees nobody else's answers, and the report is for whoever runs calibration
or for a participant who has answered every case.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.core.vocabulary import ANSWERS, OUTCOMES, ROLES
from app.i18n import N_
from app.models import (
    Case,
    Decision,
    PolicyElement,
    QaBatchItem,
    QaCalibration,
    QaCalibrationAnswer,
    QaCalibrationCase,
    QaCalibrationParticipant,
    Queue,
    Reviewer,
)
from app.services import permissions
from app.services.checklist import latest_policies
from app.services.dto import Changes
from app.services.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from app.services.qa.agreement import Estimate, Rating, all_metrics
from app.services.qa.common import append, clean_text, queue_names, reviewer_names
from app.services.qa.dto import (
    CalibrationCandidate,
    CalibrationCaseView,
    CalibrationInfo,
    CalibrationReport,
    CalibrationSplit,
)
from app.services.qa.review import checklists_for
from app.services.queries import _content as case_content

MAX_CASES = 200
MIN_PARTICIPANTS = 2
BOOTSTRAP_SAMPLES = 500
Expectation = tuple[str, str, tuple[tuple[str, str], ...]]  # case id, outcome, ((element key, answer), ...)


@dataclass(frozen=True)
class CreateCalibration:
    name: str
    case_ids: tuple[str, ...]
    expected: tuple[Expectation, ...] = ()  # a golden set: the answers a calibrated reviewer gives
    participant_ids: tuple[str, ...] = ()  # who answers; at least two

    def run(self, session: Session, actor: Reviewer) -> Changes:
        permissions.require(actor.role, "run_calibration")
        name = clean_text(self.name, N_("Name"))[:200]
        cases = list(dict.fromkeys(self.case_ids))
        if not 1 <= len(cases) <= MAX_CASES:
            raise InvalidInput(
                N_("A calibration session needs between 1 and %(limit)s cases."), limit=MAX_CASES
            )
        known = set(session.scalars(select(Case.id).where(Case.id.in_(cases))))
        if missing := [c for c in cases if c not in known]:
            raise NotFound(N_("No case with id %(id)s."), id=missing[0])
        people = self._participants(session)
        expected = {case_id: (outcome, dict(answers)) for case_id, outcome, answers in self.expected}
        if stray := [c for c in expected if c not in known]:
            raise InvalidInput(
                N_("The golden set names a case that is not in the session: %(id)s."), id=stray[0]
            )
        for outcome, answers in expected.values():
            if outcome and outcome not in OUTCOMES:
                raise InvalidInput(N_("Unknown outcome %(outcome)s."), outcome=outcome)
            if any(a not in ANSWERS for a in answers.values()):
                raise InvalidInput(N_("Unknown checklist answer in the golden set."))
        golden = any(outcome or answers for outcome, answers in expected.values())
        row = QaCalibration(name=name, golden=golden, created_by_id=actor.id)
        calibration_id = str(
            append(session, actor, "qa_calibration", row, "qa.calibration_created", None)["id"]
        )
        for person in people:
            member = QaCalibrationParticipant(calibration_id=calibration_id, reviewer_id=person.id)
            append(session, actor, "qa_calibration_participant", member, "qa.calibration_created", None)
        for position, case_id in enumerate(cases, start=1):
            outcome, answers = expected.get(case_id, ("", {}))
            item = QaCalibrationCase(
                calibration_id=calibration_id,
                case_id=case_id,
                position=position,
                expected_outcome=outcome,
                expected_answers=answers,
            )
            append(session, actor, "qa_calibration_case", item, "qa.calibration_created", case_id)
        return Changes(created_ids=(calibration_id,))

    def _participants(self, session: Session) -> list[Reviewer]:
        wanted = list(dict.fromkeys(self.participant_ids))
        if len(wanted) < MIN_PARTICIPANTS:
            raise InvalidInput(
                N_("A calibration session needs at least %(count)s participants."), count=MIN_PARTICIPANTS
            )
        found = {r.id: r for r in session.scalars(select(Reviewer).where(Reviewer.id.in_(wanted)))}
        if missing := [p for p in wanted if p not in found]:
            raise NotFound(N_("No reviewer with id %(id)s."), id=missing[0])
        for person in found.values():
            if not permissions.allowed(person.role, "answer_calibration"):
                raise InvalidInput(
                    N_("%(name)s cannot take part in calibration (role: %(role)s)."),
                    name=person.name,
                    role=ROLES.get(person.role, person.role),
                )
        return [found[p] for p in wanted]


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
        if actor.id not in _participant_ids(session, item.calibration_id):
            raise PermissionDenied(N_("You are not a participant of this calibration session."))
        if self.outcome not in OUTCOMES:
            raise InvalidInput(N_("Unknown outcome %(outcome)s."), outcome=self.outcome)
        keys = _element_keys(session, item.case_id)
        for key, answer in self.answers:
            if answer not in ANSWERS:
                raise InvalidInput(N_("Unknown checklist answer %(answer)s."), answer=answer)
            if key not in keys:
                raise InvalidInput(N_("The case's checklist has no element %(key)s."), key=key)
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


# --- reading ------------------------------------------------------------------------------------------------


def _participant_ids(session: Session, calibration_id: str) -> list[str]:
    return list(
        session.scalars(
            select(QaCalibrationParticipant.reviewer_id).where(
                QaCalibrationParticipant.calibration_id == calibration_id
            )
        )
    )


def _policy_ids(session: Session, case: Case) -> list[str]:
    """The newest versions of the policies of the case's queue: the checklist a participant answers."""
    slug = session.scalar(select(Queue.slug).where(Queue.id == case.queue_id))
    return [p.id for p in latest_policies(session) if slug in (p.queues or [])]


def _element_keys(session: Session, case_id: str) -> set[str]:
    case = session.get(Case, case_id)
    if case is None:
        return set()
    ids = _policy_ids(session, case)
    return set(session.scalars(select(PolicyElement.key).where(PolicyElement.policy_id.in_(ids))))


def _role(session: Session, reviewer_id: str | None) -> str:
    if not reviewer_id:
        return ""
    return session.scalar(select(Reviewer.role).where(Reviewer.id == reviewer_id)) or ""


def calibrations(session: Session, viewer_id: str | None = None) -> list[CalibrationInfo]:
    """Sessions newest first: every one for whoever runs calibration (or with no viewer, on the command line),
    otherwise the ones the viewer is asked to answer."""
    runs = viewer_id is None or permissions.allowed(_role(session, viewer_id), "run_calibration")
    rows = list(
        session.scalars(select(QaCalibration).order_by(QaCalibration.created_at.desc(), QaCalibration.id))
    )
    ids = [r.id for r in rows]
    members: dict[str, list[str]] = defaultdict(list)
    for calibration_id, reviewer_id in session.execute(
        select(QaCalibrationParticipant.calibration_id, QaCalibrationParticipant.reviewer_id).where(
            QaCalibrationParticipant.calibration_id.in_(ids)
        )
    ):
        members[calibration_id].append(reviewer_id)
    cases = dict(
        session.execute(
            select(QaCalibrationCase.calibration_id, func.count())
            .where(QaCalibrationCase.calibration_id.in_(ids))
            .group_by(QaCalibrationCase.calibration_id)
        ).all()
    )
    given: Counter[str] = Counter()
    mine: Counter[str] = Counter()
    for calibration_id, participant_id in session.execute(
        select(QaCalibrationCase.calibration_id, QaCalibrationAnswer.participant_id)
        .join(QaCalibrationAnswer, QaCalibrationAnswer.item_id == QaCalibrationCase.id)
        .where(QaCalibrationCase.calibration_id.in_(ids))
    ):
        given[calibration_id] += 1
        mine[calibration_id] += participant_id == viewer_id
    names = reviewer_names(
        session, [*(p for ps in members.values() for p in ps), *(r.created_by_id for r in rows)]
    )
    result = []
    for row in rows:
        participant = viewer_id in members[row.id]
        if not (runs or participant):
            continue
        count = int(cases.get(row.id, 0))
        result.append(
            CalibrationInfo(
                id=row.id,
                name=row.name,
                golden=bool(row.golden),
                created_at=row.created_at,
                created_by_name=names.get(row.created_by_id, ""),
                cases=count,
                participants=tuple(
                    sorted(((p, names.get(p, p)) for p in members[row.id]), key=lambda p: p[1])
                ),
                answers=given[row.id],
                mine=mine[row.id],
                participant=participant,
                can_see_results=runs or (participant and mine[row.id] >= count),
            )
        )
    return result


def calibration_candidates(
    session: Session, batch_id: str | None = None, limit: int = 60
) -> list[CalibrationCandidate]:
    """Decided cases a lead may pick: a batch's, in batch order, or the most recently decided."""
    query = select(Decision.case_id, Decision.outcome, Decision.created_at)
    if batch_id:
        query = (
            query.join(QaBatchItem, QaBatchItem.decision_id == Decision.id)
            .where(QaBatchItem.batch_id == batch_id)
            .order_by(QaBatchItem.position)
        )
    else:
        query = query.order_by(Decision.created_at.desc(), Decision.id)
    picked: dict[str, tuple[str, object]] = {}
    for case_id, outcome, decided_at in session.execute(query.limit(limit * 3)):
        if case_id not in picked:
            picked[case_id] = (outcome, decided_at)
        if len(picked) >= limit:
            break
    cases = {c.id: c for c in session.scalars(select(Case).where(Case.id.in_(list(picked))))}
    queues = queue_names(session)
    return [
        CalibrationCandidate(
            case_id=case_id,
            external_ref=cases[case_id].external_ref,
            title=cases[case_id].title,
            queue_name=queues.get(cases[case_id].queue_id, ""),
            outcome=outcome,
            decided_at=decided_at,  # type: ignore[arg-type]
        )
        for case_id, (outcome, decided_at) in picked.items()
        if case_id in cases
    ]


def calibration_cases(
    session: Session, calibration_id: str, participant_id: str
) -> list[CalibrationCaseView]:
    """The cases to answer, each with the checklist of its queue's policies and the viewer's own answer once
    given; expected answers and other people's answers stay hidden."""
    if session.get(QaCalibration, calibration_id) is None:
        raise NotFound(N_("No calibration session with id %(id)s."), id=calibration_id)
    if participant_id not in _participant_ids(session, calibration_id) and not permissions.allowed(
        _role(session, participant_id), "run_calibration"
    ):
        raise PermissionDenied(N_("You are not a participant of this calibration session."))
    items = list(
        session.scalars(
            select(QaCalibrationCase)
            .where(QaCalibrationCase.calibration_id == calibration_id)
            .order_by(QaCalibrationCase.position)
        )
    )
    own = {
        a.item_id: a
        for a in session.scalars(
            select(QaCalibrationAnswer).where(
                QaCalibrationAnswer.item_id.in_([i.id for i in items]),
                QaCalibrationAnswer.participant_id == participant_id,
            )
        )
    }
    views = []
    for item in items:
        case = session.get(Case, item.case_id)
        assert case is not None
        answer = own.get(item.id)
        views.append(
            CalibrationCaseView(
                id=item.id,
                case_id=case.id,
                position=item.position,
                title=case.title,
                content=case_content(session, case.id),
                checklists=checklists_for(session, _policy_ids(session, case), {}),
                answered=answer is not None,
                expected_outcome="",
                external_ref=case.external_ref,
                my_outcome=answer.outcome if answer else "",
                my_answers=tuple(sorted(answer.answers.items())) if answer else (),
            )
        )
    return views


def _estimate(ratings: list[Rating]) -> Estimate:
    metrics = all_metrics(ratings, samples=BOOTSTRAP_SAMPLES)
    return next(e for e in metrics if e.metric == "krippendorff_alpha")


def calibration_report(session: Session, calibration_id: str, viewer_id: str) -> CalibrationReport:
    calibration = session.get(QaCalibration, calibration_id)
    if calibration is None:
        raise NotFound(N_("No calibration session with id %(id)s."), id=calibration_id)
    items = list(
        session.scalars(
            select(QaCalibrationCase)
            .where(QaCalibrationCase.calibration_id == calibration_id)
            .order_by(QaCalibrationCase.position)
        )
    )
    answers = list(
        session.scalars(
            select(QaCalibrationAnswer)
            .where(QaCalibrationAnswer.item_id.in_([i.id for i in items]))
            .order_by(QaCalibrationAnswer.created_at, QaCalibrationAnswer.id)
        )
    )
    mine = {a.item_id for a in answers if a.participant_id == viewer_id}
    if not (
        permissions.allowed(_role(session, viewer_id), "run_calibration") or mine >= {i.id for i in items}
    ):
        raise PermissionDenied(N_("The results show once you have answered every case of the session."))
    invited = _participant_ids(session, calibration_id)
    names = reviewer_names(session, [*invited, *(a.participant_id for a in answers)])
    outcome_ratings = [Rating(a.item_id, a.participant_id, a.outcome) for a in answers]
    element_ratings: dict[str, list[Rating]] = defaultdict(list)
    for a in answers:
        for key, value in a.answers.items():
            element_ratings[key].append(Rating(a.item_id, a.participant_id, value))
    all_elements = [
        Rating(f"{r.unit}/{key}", r.rater, r.value) for key, rs in element_ratings.items() for r in rs
    ]
    answered = Counter(a.participant_id for a in answers)
    outcome_hits, element_hits = _golden(items, answers)
    return CalibrationReport(
        id=calibration.id,
        name=calibration.name,
        golden=calibration.golden,
        participants=tuple(sorted({names.get(a.participant_id, a.participant_id) for a in answers})),
        cases=len(items),
        answers=len(answers),
        outcome_alpha=_estimate(outcome_ratings),
        element_alpha=_estimate(all_elements),
        per_element=tuple((key, _estimate(ratings)) for key, ratings in sorted(element_ratings.items())),
        splits=_splits(session, items, answers, names),
        golden_accuracy=_shares(outcome_hits, names),
        golden_elements=_shares(element_hits, names),
        element_texts=_element_texts(session, element_ratings),
        progress=tuple(sorted((names.get(p, p), answered[p]) for p in invited)),
    )


def _golden(
    items: list[QaCalibrationCase], answers: list[QaCalibrationAnswer]
) -> tuple[dict[str, list[bool]], dict[str, list[bool]]]:
    """Per participant, whether each answer matched the golden outcome, and each expected element answer."""
    by_item = {i.id: i for i in items}
    outcomes: dict[str, list[bool]] = defaultdict(list)
    elements: dict[str, list[bool]] = defaultdict(list)
    for a in answers:
        item = by_item[a.item_id]
        if item.expected_outcome:
            outcomes[a.participant_id].append(a.outcome == item.expected_outcome)
        for key, expected in (item.expected_answers or {}).items():
            elements[a.participant_id].append(a.answers.get(key) == expected)
    return outcomes, elements


def _shares(hits: dict[str, list[bool]], names: dict[str, str]) -> tuple[tuple[str, float], ...]:
    return tuple(sorted((names.get(pid, pid), sum(h) / len(h)) for pid, h in hits.items() if h))


def _element_texts(session: Session, keys: Iterable[str]) -> tuple[tuple[str, str], ...]:
    wanted = set(keys)
    if not wanted:
        return ()
    newest = {p.id for p in latest_policies(session)}
    texts: dict[str, str] = {}
    for key, text, policy_id in session.execute(
        select(PolicyElement.key, PolicyElement.text, PolicyElement.policy_id).where(
            PolicyElement.key.in_(wanted)
        )
    ):
        if key not in texts or policy_id in newest:
            texts[key] = text
    return tuple(sorted(texts.items()))


def _splits(
    session: Session,
    items: list[QaCalibrationCase],
    answers: list[QaCalibrationAnswer],
    names: dict[str, str],
) -> tuple[CalibrationSplit, ...]:
    """Where participants answered differently, who answered what; most divided first."""
    cases = {c.id: c for c in session.scalars(select(Case).where(Case.id.in_([i.case_id for i in items])))}
    by_item: dict[str, list[QaCalibrationAnswer]] = defaultdict(list)
    for a in answers:
        by_item[a.item_id].append(a)
    splits: list[tuple[float, int, CalibrationSplit]] = []
    for item in items:
        given = by_item.get(item.id, [])
        subjects: dict[str, list[tuple[str, str]]] = {
            "outcome": [(names.get(a.participant_id, a.participant_id), a.outcome) for a in given]
        }
        for a in given:
            for key, value in a.answers.items():
                subjects.setdefault(key, []).append((names.get(a.participant_id, a.participant_id), value))
        case = cases.get(item.case_id)
        for subject, pairs in subjects.items():
            counts = Counter(value for _name, value in pairs)
            if len(counts) < 2:
                continue
            expected = (
                item.expected_outcome
                if subject == "outcome"
                else (item.expected_answers or {}).get(subject, "")
            )
            majority = max(counts.values()) / sum(counts.values())
            split = CalibrationSplit(
                case_id=item.case_id,
                title=case.title if case else "",
                subject=subject,
                counts=tuple(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))),
                expected=expected,
                who=tuple(sorted(pairs, key=lambda p: (p[1], p[0]))),
                external_ref=case.external_ref if case else "",
            )
            splits.append((majority, item.position, split))
    return tuple(
        split for _m, _p, split in sorted(splits, key=lambda s: (s[0], s[1], s[2].subject != "outcome"))
    )
