"""The queue's read side: counting and paging cases by keyset, so no page costs more than its rows.

Pages are read after (or before) a known row's sort key; a jump to a page with no known neighbour reads its
first key by offset over the covering index, and every page from there on is keyset again.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache, lru_cache
from typing import Any, cast

from sqlalchemy import Select, bindparam, column, func, literal_column, select, table, text, tuple_
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


@cache
def _rows_base() -> Select[Any]:
    """The row columns and joins, built once (composing them anew cost several ms a page)."""
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
    return cast(Select[Any], query)


def rows_query(spec: QueueFilter) -> Select[Any]:
    return _filtered(_rows_base(), spec)


def _to_rows(result: Sequence[Any]) -> list[CaseRow]:
    return [CaseRow(*r) for r in result]


@lru_cache(maxsize=128)
def _key_statement(spec: QueueFilter) -> Select[Any]:
    """The sort key of the row at ``:offset``, read from the sort's covering index alone (no joins)."""
    keys = _keys(spec)
    order = [k.desc() if spec.descending else k.asc() for k in keys]
    return _filtered(select(*keys), spec).order_by(*order).offset(bindparam("offset")).limit(1)


@lru_cache(maxsize=128)
def _page_statement(spec: QueueFilter, bound: str, limit: int) -> Select[Any]:
    """A page's statement for one filter and kind of bound (first, after, before, from), with the key as bind
    parameters: one statement object per shape, so SQLAlchemy's compiled and result caches always hit."""
    keys = _keys(spec)
    mark = tuple_(*[bindparam(f"key_{i}", type_=k.type) for i, k in enumerate(keys)])
    row = tuple_(*keys)
    query = rows_query(spec)
    ahead = {"after": row > mark, "before": row < mark, "from": row >= mark}
    behind = {"after": row < mark, "before": row > mark, "from": row <= mark}
    if bound != "first":
        query = query.where((behind if spec.descending else ahead)[bound])
    reverse = spec.descending != (bound == "before")
    return query.order_by(*[k.desc() if reverse else k.asc() for k in keys]).limit(limit)


def fetch_page(
    session: Session,
    spec: QueueFilter,
    limit: int,
    *,
    after: tuple[Any, ...] | None = None,
    before: tuple[Any, ...] | None = None,
    offset: int | None = None,
) -> list[CaseRow]:
    """One page in display order: after a key, before a key (read backwards), or at an offset.

    A page at an offset finds its first key over the index, then reads the page by keyset from there, so the
    joins and row reads cost one page whatever the offset (the index walk to the offset remains).
    """
    connection = session.connection()  # Core execution: rows are plain tuples, no ORM loading per row
    key: tuple[Any, ...] | None = after if after is not None else before
    bound = "after" if after is not None else "before" if before is not None else "first"
    if key is None and offset:
        found = connection.execute(_key_statement(spec), {"offset": offset}).first()
        if found is None:
            return []
        key, bound = tuple(found), "from"
    params = {f"key_{i}": value for i, value in enumerate(key or ())}
    rows = _to_rows(connection.execute(_page_statement(spec, bound, limit), params).all())
    return rows[::-1] if bound == "before" else rows
