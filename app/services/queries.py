"""Read-side use cases: everything a screen shows, as frozen values."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import Row, Select, bindparam, func, select
from sqlalchemy.orm import Session, aliased

from app.core.vocabulary import CASE_TRANSITIONS
from app.i18n import N_
from app.models import (
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
from app.services.checklist import checklists_for, latest_policies, suggested_outcome
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
)
from app.services.errors import NotFound
from app.services.queue_query import rows_query
from app.services.sync.conflicts import open_conflicts
from app.services.timeline import case_timeline

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
    return dict((row[0], row[1]) for row in session.execute(_names_statement(), {"ids": list(ids)}))


# The case screen reads plain rows (Core selects of the columns it shows), not ORM objects: no identity map, no
# attribute instrumentation, no attachment bytes loaded with the media list. Each statement is built once with
# bind parameters, so opening a case neither rebuilds nor re-hashes it and SQLAlchemy's compiled cache always hits.


@cache
def _names_statement() -> Select[Any]:
    return select(Reviewer.id, Reviewer.name).where(Reviewer.id.in_(bindparam("ids", expanding=True)))


@cache
def _case_statement() -> Select[Any]:
    """The case with its queue and assignee, in one query by primary keys."""
    assignee = aliased(Reviewer)
    return (
        select(
            Case.id,
            Case.external_ref,
            Case.title,
            Case.status,
            Case.priority,
            Case.severity,
            Case.region,
            Case.language,
            Case.source_type,
            Case.report_reason,
            Case.created_at,
            Case.due_at,
            Case.version,
            Case.queue_id,
            Queue.slug.label("queue_slug"),
            Queue.name.label("queue_name"),
            Queue.sla_resolution_minutes,
            Queue.sensitive,
            assignee.id.label("assignee_id"),
            assignee.name.label("assignee_name"),
            assignee.handle.label("assignee_handle"),
            assignee.role.label("assignee_role"),
            assignee.languages.label("assignee_languages"),
            assignee.time_zone.label("assignee_time_zone"),
        )
        .join(Queue, Queue.id == Case.queue_id)
        .outerjoin(assignee, assignee.id == Case.assignee_id)
        .where(Case.id == bindparam("case_id"))
    )


@cache
def _notes_statement() -> Select[Any]:
    return (
        select(Note.id, Note.text, Note.language, Note.visibility, Note.author_id, Note.created_at)
        .where(Note.case_id == bindparam("case_id"))
        .order_by(Note.created_at)
    )


@cache
def _actions_statement() -> Select[Any]:
    return (
        select(
            RemediationAction.id,
            RemediationAction.action_type,
            RemediationAction.target,
            RemediationAction.countries,
            RemediationAction.horizon,
            RemediationAction.owner_id,
            RemediationAction.due_at,
            RemediationAction.status,
            RemediationAction.needs_second_approval,
            RemediationAction.approved_by_id,
            RemediationAction.proposed_by_id,
            RemediationAction.version,
        )
        .where(RemediationAction.case_id == bindparam("case_id"))
        .order_by(RemediationAction.created_at)
    )


@cache
def _communications_statement() -> Select[Any]:
    return (
        select(
            Communication.id,
            Communication.stakeholder,
            Communication.channel,
            Communication.text,
            Communication.author_id,
            Communication.created_at,
        )
        .where(Communication.case_id == bindparam("case_id"))
        .order_by(Communication.created_at)
    )


@cache
def _content_statement() -> Select[Any]:
    return (
        select(
            ContentItem.id,
            ContentItem.parent_id,
            ContentItem.reported,
            ContentItem.kind,
            ContentItem.text,
            ContentItem.link_url,
            ContentItem.author_handle,
            ContentItem.author_display_name,
            ContentItem.author_meta,
            ContentItem.language,
            ContentItem.captured_at,
            ContentItem.metrics,
        )
        .where(ContentItem.case_id == bindparam("case_id"))
        .order_by(ContentItem.position)
    )


@cache
def _media_statement() -> Select[Any]:
    return select(
        MediaAttachment.content_item_id,
        MediaAttachment.id,
        MediaAttachment.file_name,
        MediaAttachment.mime,
        MediaAttachment.sha256,
        MediaAttachment.byte_size,
    ).where(MediaAttachment.content_item_id.in_(bindparam("ids", expanding=True)))


@cache
def _decisions_statement() -> Select[Any]:
    """The case's decisions with their cited policy's code, version and title."""
    return (
        select(
            Decision.id,
            Decision.outcome,
            Decision.policy_id,
            Decision.cited_elements,
            Decision.rationale,
            Decision.override_reason,
            Decision.restriction_type,
            Decision.territorial_scope,
            Decision.duration_days,
            Decision.ground,
            Decision.author_id,
            Decision.created_at,
            Decision.supersedes_id,
            Policy.code.label("policy_code"),
            Policy.version.label("policy_version"),
            Policy.title.label("policy_title"),
        )
        .outerjoin(Policy, Policy.id == Decision.policy_id)
        .where(Decision.case_id == bindparam("case_id"))
        .order_by(Decision.created_at)
    )


@cache
def _author_statements() -> tuple[Select[Any], Select[Any]]:
    """The author's other cases (newest first) and how many of them ended in a violation."""
    case_ids = (
        select(ContentItem.case_id)
        .where(
            ContentItem.author_handle == bindparam("handle"),
            ContentItem.reported.is_(True),
            ContentItem.case_id != bindparam("case_id"),
        )
        .distinct()
    )
    others = (
        select(Case.id)
        .where(Case.id.in_(case_ids))
        .order_by(Case.created_at.desc())
        .limit(AUTHOR_HISTORY_LIMIT)
    )
    violations = select(func.count(func.distinct(Decision.case_id))).where(
        Decision.case_id.in_(case_ids), Decision.outcome != "no_violation"
    )
    return others, violations


@cache
def _rows_by_ids_statement() -> Select[Any]:
    return rows_query(QueueFilter(only_open=False)).where(Case.id.in_(bindparam("ids", expanding=True)))


def _content(session: Session, case_id: str) -> tuple[ContentInfo, ...]:
    items = session.execute(_content_statement(), {"case_id": case_id}).all()
    media: dict[str, list[MediaInfo]] = {}
    if items:
        rows = session.execute(_media_statement(), {"ids": [i.id for i in items]})
        for item_id, *fields in rows:
            media.setdefault(item_id, []).append(MediaInfo(*fields))
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


def _decision_info(d: Row[Any], names: dict[str, str]) -> DecisionInfo:
    policy = (
        PolicyRef(d.policy_id, d.policy_code, d.policy_version, d.policy_title)
        if d.policy_id and d.policy_code is not None
        else None
    )
    return DecisionInfo(
        id=d.id,
        outcome=d.outcome,
        policy_id=d.policy_id,
        policy=policy,
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


def author_history(session: Session, handle: str, exclude_case: str) -> AuthorHistory | None:
    """Other cases about the same author, newest first, and how many ended in a violation."""
    if not handle:
        return None
    others, violations = _author_statements()
    where = {"handle": handle, "case_id": exclude_case}
    ids = list(session.scalars(others, where))
    rows = rows_by_ids(session, ids)
    count = session.scalar(violations, where)
    return AuthorHistory(handle=handle, other_cases=tuple(rows), prior_violations=int(count or 0))


def rows_by_ids(session: Session, ids: Sequence[str]) -> list[CaseRow]:
    """Queue rows for the given case ids, in the order given."""
    if not ids:
        return []
    rows = session.execute(_rows_by_ids_statement(), {"ids": list(ids)}).all()
    by_id = {r[0]: CaseRow(*r) for r in rows}
    return [by_id[i] for i in ids if i in by_id]


def case_detail(session: Session, case_id: str, extra_policy_ids: Sequence[str] = ()) -> CaseDetail:
    where = {"case_id": case_id}
    case = session.execute(_case_statement(), where).first()
    if case is None:
        raise NotFound(N_("No case with id %(id)s."), id=case_id)
    notes = session.execute(_notes_statement(), where).all()
    actions = session.execute(_actions_statement(), where).all()
    comms = session.execute(_communications_statement(), where).all()
    decisions = session.execute(_decisions_statement(), where).all()
    people = (
        {n.author_id for n in notes}
        | {a.owner_id or "" for a in actions}
        | {a.approved_by_id or "" for a in actions}
        | {c.author_id for c in comms}
        | {d.author_id for d in decisions}
    )
    names = _names(session, people)
    assignee = (
        ReviewerInfo(
            case.assignee_id,
            case.assignee_name,
            case.assignee_handle,
            case.assignee_role,
            tuple(case.assignee_languages or ()),
            case.assignee_time_zone,
        )
        if case.assignee_id
        else None
    )
    content = _content(session, case_id)
    checklists = checklists_for(session, case.id, case.queue_id, extra_policy_ids, queue_slug=case.queue_slug)
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
        queue=QueueInfo(
            case.queue_id, case.queue_slug, case.queue_name, case.sla_resolution_minutes, case.sensitive
        ),
        created_at=case.created_at,
        due_at=case.due_at,
        assignee=assignee,
        version=case.version,
        content=content,
        checklists=checklists,
        suggested_outcome=suggested_outcome(checklists),
        notes=tuple(
            NoteInfo(n.id, n.text, n.language, n.visibility, names.get(n.author_id, ""), n.created_at)
            for n in notes
        ),
        decisions=tuple(_decision_info(d, names) for d in decisions),
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
        timeline=case_timeline(session, case_id),
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
