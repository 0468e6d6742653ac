"""The queue's read side: counting and paging cases by keyset, so no page costs more than its rows.

Pages are read after (or before) a known row's sort key; a jump to a page with no known neighbour reads its
first key by offset over the covering index, and every page from there on is keyset again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, column, func, literal_column, select, table, text, tuple_
from sqlalchemy.orm import Session, aliased

from app.models import Case, Queue, Reviewer
from app.services.dto import CaseRow, QueueFilter

SORTS: dict[str, tuple[Any, ...]] = {
    "due": (Case.due_at, Case.id),
    "priority": (Case.priority, Case.due_at, Case.id),
    "created": (Case.created_at, Case.id),
    "severity": (Case.severity, Case.due_at, Case.id),
}
OPEN_STATUSES = ("new", "in_review", "awaiting_input", "decided", "remediating")
SEARCH = table("search_fts", column("case_id"), column("source"), column("body"))
TRIGRAM = 3  # the FTS tokenizer indexes three-character grams; shorter needles fall back to LIKE


def fts_phrase(needle: str) -> str:
    """A user's text as one FTS5 phrase: quotes doubled, so no query syntax is interpreted."""
    return '"' + needle.replace('"', '""') + '"'


def _filtered(query: Select[Any], spec: QueueFilter) -> Select[Any]:
    if spec.queue_id:
        query = query.where(Case.queue_id == spec.queue_id)
    if spec.status:
        query = query.where(Case.status == spec.status)
    elif spec.only_open:
        query = query.where(Case.status.in_(OPEN_STATUSES))
    if spec.language:
        query = query.where(Case.language == spec.language)
    elif spec.languages:
        query = query.where(Case.language.in_(spec.languages))
    if spec.assignee_id:
        query = query.where(Case.assignee_id == spec.assignee_id)
    needle = spec.text.strip()
    if needle:
        if len(needle) >= TRIGRAM:
            matches = select(SEARCH.c.case_id).where(text("search_fts MATCH :needle"))
            query = query.where(Case.id.in_(matches)).params(needle=fts_phrase(needle))
        else:
            pattern = "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            query = query.where(Case.title.like(pattern, escape="\\") | (Case.external_ref == needle))
    return query


def count_cases(session: Session, spec: QueueFilter) -> int:
    return int(session.scalar(_filtered(select(func.count()).select_from(Case), spec)) or 0)


def _keys(spec: QueueFilter) -> tuple[Any, ...]:
    return SORTS.get(spec.sort, SORTS["due"])


def sort_key(row: CaseRow, spec: QueueFilter) -> tuple[Any, ...]:
    values = {
        "due": (row.due_at, row.id),
        "priority": (row.priority, row.due_at, row.id),
        "created": (row.created_at, row.id),
        "severity": (row.severity, row.due_at, row.id),
    }
    return values.get(spec.sort, values["due"])


def rows_query(spec: QueueFilter) -> Select[Any]:
    assignee = aliased(Reviewer)
    query = (
        select(
            Case.id,
            Case.external_ref,
            Case.title,
            Case.status,
            Case.priority,
            Case.severity,
            Case.language,
            Case.region,
            Queue.name,
            Case.due_at,
            Case.created_at,
            func.coalesce(assignee.name, literal_column("''")),
        )
        .join(Queue, Queue.id == Case.queue_id)
        .outerjoin(assignee, assignee.id == Case.assignee_id)
    )
    return _filtered(query, spec)


def _to_rows(result: Sequence[Any]) -> list[CaseRow]:
    return [CaseRow(*r) for r in result]


def fetch_page(
    session: Session,
    spec: QueueFilter,
    limit: int,
    *,
    after: tuple[Any, ...] | None = None,
    before: tuple[Any, ...] | None = None,
    offset: int | None = None,
) -> list[CaseRow]:
    """One page in display order: after a key, before a key (read backwards), or at an offset."""
    keys = _keys(spec)
    descending = spec.descending
    query = rows_query(spec)
    backwards = before is not None
    if after is not None:
        query = query.where(tuple_(*keys) < tuple_(*after) if descending else tuple_(*keys) > tuple_(*after))
    elif before is not None:
        query = query.where(
            tuple_(*keys) > tuple_(*before) if descending else tuple_(*keys) < tuple_(*before)
        )
    reverse = descending != backwards
    query = query.order_by(*[k.desc() if reverse else k.asc() for k in keys]).limit(limit)
    if offset is not None and after is None and before is None:
        query = query.offset(offset)
    rows = _to_rows(session.execute(query).all())
    return rows[::-1] if backwards else rows
