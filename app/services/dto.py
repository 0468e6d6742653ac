"""Plain frozen values that cross from services to the UI. No ORM object ever leaves the service layer."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class ReviewerInfo:
    id: str
    name: str
    handle: str
    role: str
    languages: tuple[str, ...]
    time_zone: str


@dataclass(frozen=True)
class PolicyRef:
    id: str
    code: str
    version: int
    title: str


@dataclass(frozen=True)
class QueueInfo:
    id: str
    slug: str
    name: str
    sla_resolution_minutes: int
    sensitive: bool


@dataclass(frozen=True)
class CaseRow:
    """One line of the queue."""

    id: str
    external_ref: str
    title: str
    status: str
    priority: int
    severity: int
    language: str
    region: str
    queue_name: str
    due_at: datetime
    created_at: datetime
    assignee_name: str


@dataclass(frozen=True)
class QueueFilter:
    queue_id: str | None = None
    status: str | None = None
    language: str | None = None
    languages: tuple[str, ...] = ()  # any of these (the reviewer's own languages)
    assignee_id: str | None = None
    only_open: bool = True
    text: str = ""
    sort: str = "due"  # due | priority | created
    descending: bool = False


@dataclass(frozen=True)
class MediaInfo:
    id: str
    file_name: str
    mime: str
    sha256: str
    byte_size: int


@dataclass(frozen=True)
class ContentInfo:
    id: str
    parent_id: str | None
    reported: bool
    kind: str
    text: str
    link_url: str
    author_handle: str
    author_display_name: str
    author_meta: dict[str, Any]
    language: str
    captured_at: datetime
    metrics: dict[str, int]
    media: tuple[MediaInfo, ...] = ()


@dataclass(frozen=True)
class ElementAnswer:
    element_id: str
    key: str
    kind: str  # criterion | exception
    text: str
    guidance: str
    answer: str | None  # met | not_met | unsure | None
    evidence: str


@dataclass(frozen=True)
class PolicyChecklist:
    policy_id: str
    code: str
    version: int
    title: str
    summary: str
    violation_outcome: str
    restriction_type: str
    legal_ground: bool
    elements: tuple[ElementAnswer, ...]
    verdict: str  # violated | not_violated | undetermined


@dataclass(frozen=True)
class NoteInfo:
    id: str
    text: str
    language: str
    visibility: str
    author_name: str
    created_at: datetime


@dataclass(frozen=True)
class DecisionInfo:
    id: str
    outcome: str
    policy_id: str | None
    policy: PolicyRef | None
    cited_elements: tuple[str, ...]
    rationale: str
    override_reason: str
    restriction_type: str
    territorial_scope: tuple[str, ...]
    duration_days: int | None
    ground: str
    author_name: str
    created_at: datetime
    supersedes_id: str | None


@dataclass(frozen=True)
class RemediationInfo:
    id: str
    action_type: str
    target: str
    countries: tuple[str, ...]
    horizon: str
    owner_name: str
    due_at: datetime | None
    status: str
    needs_second_approval: bool
    approved_by_name: str
    proposed_by_id: str
    version: int


@dataclass(frozen=True)
class CommunicationInfo:
    id: str
    stakeholder: str
    channel: str
    text: str
    author_name: str
    created_at: datetime


@dataclass(frozen=True)
class TimelineEntry:
    seq: int
    action: str
    entity: str
    actor_name: str
    created_at: datetime
    summary: dict[str, Any]
    remote: bool = False  # written on another workstation (it came with sync); actor_name says who


@dataclass(frozen=True)
class AuthorHistory:
    handle: str
    other_cases: tuple[CaseRow, ...]
    prior_violations: int


@dataclass(frozen=True)
class CaseDetail:
    id: str
    external_ref: str
    title: str
    status: str
    priority: int
    severity: int
    region: str
    language: str
    source_type: str
    report_reason: str
    queue: QueueInfo
    created_at: datetime
    due_at: datetime
    assignee: ReviewerInfo | None
    version: int
    content: tuple[ContentInfo, ...]
    checklists: tuple[PolicyChecklist, ...]
    suggested_outcome: str | None
    notes: tuple[NoteInfo, ...]
    decisions: tuple[DecisionInfo, ...]
    remediation: tuple[RemediationInfo, ...]
    communications: tuple[CommunicationInfo, ...]
    timeline: tuple[TimelineEntry, ...]
    author_history: AuthorHistory | None
    allowed_transitions: tuple[str, ...] = ()
    open_conflicts: int = 0  # sync conflicts on this case that a person has not settled yet

    @property
    def current_decision(self) -> DecisionInfo | None:
        return self.decisions[-1] if self.decisions else None


@dataclass(frozen=True)
class Changes:
    """What a command changed, so views refresh only that."""

    case_id: str | None = None
    case: bool = False
    checklist: bool = False
    notes: bool = False
    decision: bool = False
    remediation: bool = False
    communications: bool = False
    queue: bool = False
    created_ids: tuple[str, ...] = field(default=())
