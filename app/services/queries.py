"""Read-side use cases: everything a screen shows, as frozen values."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.core.vocabulary import CASE_TRANSITIONS
from app.i18n import N_
from app.models import (
    AuditEvent,
    Case,
    Communication,
    ContentItem,
    Decision,
    MediaAttachment,
    Note,
    Policy,
    Queue,
    RemediationAction,
    Reviewer,
)
from app.services.checklist import case_checklists, latest_policies, suggested_outcome
from app.services.dto import (
    AuthorHistory,
    CaseDetail,
    CaseRow,
    CommunicationInfo,
    ContentInfo,
    DecisionInfo,
    MediaInfo,
    NoteInfo,
    PolicyRef,
    QueueFilter,
    QueueInfo,
    RemediationInfo,
    ReviewerInfo,
    TimelineEntry,
)
from app.services.errors import NotFound
from app.services.queue_query import rows_query
from app.services.sync.conflicts import open_conflicts

AUTHOR_HISTORY_LIMIT = 20


def reviewer_info(r: Reviewer) -> ReviewerInfo:
    return ReviewerInfo(r.id, r.name, r.handle, r.role, tuple(r.languages or ()), r.time_zone)


def queue_info(q: Queue) -> QueueInfo:
    return QueueInfo(q.id, q.slug, q.name, q.sla_resolution_minutes, q.sensitive)


def reviewers(session: Session) -> list[ReviewerInfo]:
    return [reviewer_info(r) for r in session.scalars(select(Reviewer).order_by(Reviewer.name))]


def queues(session: Session) -> list[QueueInfo]:
    return [queue_info(q) for q in session.scalars(select(Queue).order_by(Queue.name))]


def policy_titles(session: Session) -> list[PolicyRef]:
    """The newest version of every policy."""
    return [PolicyRef(p.id, p.code, p.version, p.title) for p in latest_policies(session)]


def case_languages(session: Session) -> list[str]:
    return [
        lang for lang in session.scalars(select(Case.language).distinct().order_by(Case.language)) if lang
    ]


def _names(session: Session, ids: set[str]) -> dict[str, str]:
    ids.discard("")
    if not ids:
        return {}
    return dict(
        (row[0], row[1])
        for row in session.execute(select(Reviewer.id, Reviewer.name).where(Reviewer.id.in_(ids)))
    )


def _content(session: Session, case_id: str) -> tuple[ContentInfo, ...]:
    items = list(
        session.scalars(
            select(ContentItem).where(ContentItem.case_id == case_id).order_by(ContentItem.position)
        )
    )
    media: dict[str, list[MediaInfo]] = {}
    if items:
        rows = session.scalars(
            select(MediaAttachment).where(MediaAttachment.content_item_id.in_([i.id for i in items]))
        )
        for m in rows:
            media.setdefault(m.content_item_id, []).append(
                MediaInfo(m.id, m.file_name, m.mime, m.sha256, m.byte_size)
            )
    return tuple(
        ContentInfo(
            id=i.id,
            parent_id=i.parent_id,
            reported=i.reported,
            kind=i.kind,
            text=i.text,
            link_url=i.link_url,
            author_handle=i.author_handle,
            author_display_name=i.author_display_name,
            author_meta=dict(i.author_meta or {}),
            language=i.language,
            captured_at=i.captured_at,
            metrics=dict(i.metrics or {}),
            media=tuple(media.get(i.id, ())),
        )
        for i in items
    )


def _policy_refs(session: Session, ids: set[str]) -> dict[str, PolicyRef]:
    if not ids:
        return {}
    rows = session.execute(
        select(Policy.id, Policy.code, Policy.version, Policy.title).where(Policy.id.in_(ids))
    )
    return {pid: PolicyRef(pid, code, version, title) for pid, code, version, title in rows}


def _decisions(session: Session, case_id: str, names: dict[str, str]) -> tuple[DecisionInfo, ...]:
    rows = list(
        session.scalars(select(Decision).where(Decision.case_id == case_id).order_by(Decision.created_at))
    )
    refs = _policy_refs(session, {d.policy_id for d in rows if d.policy_id})
    return tuple(
        DecisionInfo(
            id=d.id,
            outcome=d.outcome,
            policy_id=d.policy_id,
            policy=refs.get(d.policy_id or ""),
            cited_elements=tuple(d.cited_elements or ()),
            rationale=d.rationale,
            override_reason=d.override_reason,
            restriction_type=d.restriction_type,
            territorial_scope=tuple(d.territorial_scope or ()),
            duration_days=d.duration_days,
            ground=d.ground,
            author_name=names.get(d.author_id, ""),
            created_at=d.created_at,
            supersedes_id=d.supersedes_id,
        )
        for d in rows
    )


def author_history(session: Session, handle: str, exclude_case: str) -> AuthorHistory | None:
    """Other cases about the same author, newest first, and how many ended in a violation."""
    if not handle:
        return None
    case_ids = (
        select(ContentItem.case_id)
        .where(
            ContentItem.author_handle == handle,
            ContentItem.reported.is_(True),
            ContentItem.case_id != exclude_case,
        )
        .distinct()
    )
    query = (
        select(Case.id)
        .where(Case.id.in_(case_ids))
        .order_by(Case.created_at.desc())
        .limit(AUTHOR_HISTORY_LIMIT)
    )
    ids = list(session.scalars(query))
    others = rows_by_ids(session, ids)
    violations = session.scalar(
        select(func.count(func.distinct(Decision.case_id))).where(
            Decision.case_id.in_(case_ids), Decision.outcome != "no_violation"
        )
    )
    return AuthorHistory(handle=handle, other_cases=tuple(others), prior_violations=int(violations or 0))


def rows_by_ids(session: Session, ids: Sequence[str]) -> list[CaseRow]:
    """Queue rows for the given case ids, in the order given."""
    if not ids:
        return []
    rows = session.execute(rows_query(QueueFilter(only_open=False)).where(Case.id.in_(ids))).all()
    by_id = {r[0]: CaseRow(*r) for r in rows}
    return [by_id[i] for i in ids if i in by_id]


def case_detail(session: Session, case_id: str, extra_policy_ids: Sequence[str] = ()) -> CaseDetail:
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound(N_("No case with id %(id)s."), id=case_id)
    queue = session.get(Queue, case.queue_id)
    assert queue is not None
    notes = list(session.scalars(select(Note).where(Note.case_id == case_id).order_by(Note.created_at)))
    actions = list(
        session.scalars(
            select(RemediationAction)
            .where(RemediationAction.case_id == case_id)
            .order_by(RemediationAction.created_at)
        )
    )
    comms = list(
        session.scalars(
            select(Communication).where(Communication.case_id == case_id).order_by(Communication.created_at)
        )
    )
    events = list(
        session.scalars(select(AuditEvent).where(AuditEvent.case_id == case_id).order_by(AuditEvent.seq))
    )
    decision_authors = set(session.scalars(select(Decision.author_id).where(Decision.case_id == case_id)))
    people = (
        {n.author_id for n in notes}
        | {a.owner_id or "" for a in actions}
        | {a.approved_by_id or "" for a in actions}
        | {c.author_id for c in comms}
        | {e.actor_id for e in events}
        | decision_authors
    )
    names = _names(session, people)
    assignee = session.get(Reviewer, case.assignee_id) if case.assignee_id else None
    content = _content(session, case_id)
    checklists = case_checklists(session, case, extra_policy_ids)
    reported = next((c for c in content if c.reported), content[0] if content else None)
    return CaseDetail(
        id=case.id,
        external_ref=case.external_ref,
        title=case.title,
        status=case.status,
        priority=case.priority,
        severity=case.severity,
        region=case.region,
        language=case.language,
        source_type=case.source_type,
        report_reason=case.report_reason,
        queue=queue_info(queue),
        created_at=case.created_at,
        due_at=case.due_at,
        assignee=reviewer_info(assignee) if assignee else None,
        version=case.version,
        content=content,
        checklists=checklists,
        suggested_outcome=suggested_outcome(checklists),
        notes=tuple(
            NoteInfo(n.id, n.text, n.language, n.visibility, names.get(n.author_id, ""), n.created_at)
            for n in notes
        ),
        decisions=_decisions(session, case_id, names),
        remediation=tuple(
            RemediationInfo(
                id=a.id,
                action_type=a.action_type,
                target=a.target,
                countries=tuple(a.countries or ()),
                horizon=a.horizon,
                owner_name=names.get(a.owner_id or "", ""),
                due_at=a.due_at,
                status=a.status,
                needs_second_approval=a.needs_second_approval,
                approved_by_name=names.get(a.approved_by_id or "", ""),
                proposed_by_id=a.proposed_by_id,
                version=a.version,
            )
            for a in actions
        ),
        communications=tuple(
            CommunicationInfo(
                c.id, c.stakeholder, c.channel, c.text, names.get(c.author_id, ""), c.created_at
            )
            for c in comms
        ),
        timeline=tuple(
            TimelineEntry(
                e.seq, e.action, e.entity, names.get(e.actor_id, ""), e.created_at, dict(e.after or {})
            )
            for e in events
        ),
        author_history=author_history(session, reported.author_handle, case.id) if reported else None,
        allowed_transitions=tuple(sorted(CASE_TRANSITIONS.get(case.status, frozenset()))),
        open_conflicts=open_conflicts(session, [case.id]).get(case.id, 0),
    )


def media_bytes(session: Session, media_id: str) -> bytes:
    media = session.get(MediaAttachment, media_id)
    if media is None:
        raise NotFound(N_("No media with id %(id)s."), id=media_id)
    if media.data is not None:
        return media.data
    with open(media.path, "rb") as handle:
        return handle.read()
