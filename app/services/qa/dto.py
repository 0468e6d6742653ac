"""Plain frozen values the QA services hand to controllers, views, the command line and reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.services.dto import ContentInfo, PolicyChecklist
from app.services.qa.agreement import Estimate


@dataclass(frozen=True)
class StratumInfo:
    key: str
    label: str
    population: int
    allocated: int


@dataclass(frozen=True)
class BatchInfo:
    id: str
    name: str
    method: str
    parameters: dict[str, Any]
    population: int
    size: int
    reviewed: int
    findings: int
    created_by_name: str
    created_at: datetime
    strata: tuple[StratumInfo, ...] = ()


@dataclass(frozen=True)
class BatchItemRow:
    """One sampled decision as the batch list shows it: nothing of the original until it is reviewed."""

    id: str
    position: int
    stratum_label: str
    case_title: str
    language: str
    queue_name: str
    reviewed: bool
    agreed: bool | None  # None until reviewed
    score: float | None  # share of the rubric's maximum, None until scored
    findings: int


@dataclass(frozen=True)
class BlindCase:
    """A sampled case for the blind re-review: the content and the auditor's own checklist, and nothing of
    the original decision, its rationale, its reviewer, notes, timeline or remediation."""

    item_id: str
    batch_id: str
    batch_name: str
    position: int
    batch_size: int
    case_id: str
    title: str
    queue_name: str
    language: str
    region: str
    severity: int
    source_type: str
    report_reason: str
    content: tuple[ContentInfo, ...]
    checklists: tuple[PolicyChecklist, ...]
    suggested_outcome: str | None
    policies: tuple[tuple[str, str], ...]  # (policy id, label) the auditor may cite
    submitted: bool  # the auditor has recorded an outcome: the original may be revealed


@dataclass(frozen=True)
class ElementComparison:
    element_id: str
    key: str
    text: str
    policy_code: str
    original: str | None
    audit: str | None

    @property
    def differs(self) -> bool:
        return self.original != self.audit


@dataclass(frozen=True)
class Difference:
    field: str  # outcome | policy | element
    subject: str  # element text for an element, "" otherwise
    original: str
    audit: str


@dataclass(frozen=True)
class RubricCriterion:
    key: str
    label: str
    max: int
    builtin: bool  # label is a msgid to translate; otherwise shown as typed


@dataclass(frozen=True)
class FindingInfo:
    id: str
    review_id: str
    decision_id: str
    case_id: str
    external_ref: str
    reviewer_id: str
    reviewer_name: str
    auditor_name: str
    category: str
    note: str
    status: str
    response: str
    resolution: str
    resolution_note: str
    resolved_by_name: str
    policy_code: str
    original_outcome: str
    audit_outcome: str
    created_at: datetime
    version: int


@dataclass(frozen=True)
class Comparison:
    """Original against audit, side by side, once the auditor has recorded an outcome."""

    item_id: str
    review_id: str
    case_id: str
    external_ref: str
    original_outcome: str
    original_policy: str
    original_cited: tuple[str, ...]
    original_rationale: str
    original_override: str
    original_reviewer_id: str
    original_reviewer: str
    decided_at: datetime
    audit_outcome: str
    audit_policy: str
    audit_rationale: str
    auditor: str
    audited_at: datetime
    elements: tuple[ElementComparison, ...]
    differences: tuple[Difference, ...]
    rubric: tuple[RubricCriterion, ...]
    scores: dict[str, int]
    findings: tuple[FindingInfo, ...]

    @property
    def agreed(self) -> bool:
        return self.original_outcome == self.audit_outcome


@dataclass(frozen=True)
class GroupAgreement:
    """Agreement of audits with the original decisions over one group (a policy, queue, reviewer or period)."""

    key: str
    label: str
    n: int
    accuracy: Estimate  # percent agreement of original and audit outcome
    kappa: Estimate
    alpha: Estimate
    mean_score: float | None  # mean share of the rubric's maximum


@dataclass(frozen=True)
class Dashboard:
    reviewed: int
    agreed: int
    open_findings: int
    disputed_findings: int
    overall: GroupAgreement | None
    over_time: tuple[GroupAgreement, ...]
    by_policy: tuple[GroupAgreement, ...]
    by_queue: tuple[GroupAgreement, ...]
    by_reviewer: tuple[GroupAgreement, ...]
    categories: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class AmbiguityItem:
    """A policy-ambiguity finding, for the policy owners' list."""

    finding_id: str
    policy_code: str
    policy_title: str
    note: str
    status: str
    external_ref: str
    created_at: datetime


@dataclass(frozen=True)
class CalibrationInfo:
    """A calibration session as its list shows it, seen by one viewer."""

    id: str
    name: str
    golden: bool
    created_at: datetime
    created_by_name: str
    cases: int
    participants: tuple[tuple[str, str], ...]  # (reviewer id, name), by name
    answers: int  # answers given, all participants together
    mine: int  # answers the viewer has given
    participant: bool  # the viewer is asked to answer
    can_see_results: bool  # the viewer runs calibration, or has answered every case

    @property
    def expected_answers(self) -> int:
        return self.cases * len(self.participants)


@dataclass(frozen=True)
class CalibrationCandidate:
    """A decided case a lead may pick for a session, with its latest outcome (the golden set's default)."""

    case_id: str
    external_ref: str
    title: str
    queue_name: str
    outcome: str
    decided_at: datetime


@dataclass(frozen=True)
class CalibrationCaseView:
    id: str
    case_id: str
    position: int
    title: str
    content: tuple[ContentInfo, ...]
    checklists: tuple[PolicyChecklist, ...]
    answered: bool
    expected_outcome: str
    external_ref: str = ""
    my_outcome: str = ""  # the viewer's own sealed answer, once given
    my_answers: tuple[tuple[str, str], ...] = ()  # (element key, answer)


@dataclass(frozen=True)
class CalibrationSplit:
    """One case where participants did not all agree: who answered what."""

    case_id: str
    title: str
    subject: str  # "outcome" or an element key
    counts: tuple[tuple[str, int], ...]  # answer -> how many
    expected: str
    who: tuple[tuple[str, str], ...] = ()  # (participant name, answer), by answer then name
    external_ref: str = ""


@dataclass(frozen=True)
class CalibrationReport:
    id: str
    name: str
    golden: bool
    participants: tuple[str, ...]
    cases: int
    answers: int
    outcome_alpha: Estimate
    element_alpha: Estimate
    per_element: tuple[tuple[str, Estimate], ...]
    splits: tuple[CalibrationSplit, ...]
    golden_accuracy: tuple[tuple[str, float], ...]  # participant name -> share matching the expected outcome
    golden_elements: tuple[tuple[str, float], ...] = ()  # participant name -> share matching expected answers
    element_texts: tuple[tuple[str, str], ...] = ()  # element key -> the element's text
    progress: tuple[tuple[str, int], ...] = ()  # every invited participant's name -> cases answered

    def element_text(self, key: str) -> str:
        return dict(self.element_texts).get(key, key)
