"""The queue's read side: counting and paging cases by keyset, so no page costs more than its rows.

Pages are read after (or before) a known row's sort key. A jump to a page with no known neighbour (the
scroll bar dragged to the middle) goes through a key directory: every ``DIRECTORY_STRIDE``-th sort key of the
filter and sort, found by hops of that many index entries over the sort's covering index and kept per
database. The jump seeks the directory key at or before its offset and walks fewer than ``DIRECTORY_STRIDE``
index entries from there, so it costs about the same at row ten and at row a million. A directory grows only
as far as a jump (or ``prime_directory``, run off the UI thread) needs, and is dropped when anything is
committed to the database, by this process or another (``PRAGMA data_version``).

Pages, counts and directory steps are SQLAlchemy statements, built once per filter and executed through the
driver's cursor: at a hundred rows a page, the statement layer's per-call work cost as much as SQLite's.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import cache, lru_cache
from typing import Any, cast
from weakref import WeakKeyDictionary

from sqlalchemy import (
    Connection,
    Engine,
    Select,
    String,
    bindparam,
    column,
    event,
    func,
    literal,
    literal_column,
    select,
    table,
    text,
    tuple_,
    type_coerce,
)
from sqlalchemy.engine import Dialect
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
# Written into the SQL (constants, not parameters): no list to expand per execution, and the plan is the one
# SQLite picks for the literal list.
_OPEN = [literal_column(f"'{status}'") for status in OPEN_STATUSES]
DIRECTORY_STRIDE = 256  # rows between directory keys: a jump walks fewer index entries than this
DIRECTORY_SPECS = 8  # filters and sorts whose directories a database keeps
PRIME_HOPS = 64  # directory keys one ``prime_directory`` call adds at most (about 16,000 index entries)
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
        query = query.where(Case.status.in_(_OPEN))
    if spec.language:
        query = query.where(Case.language == spec.language)
    elif spec.languages:
        query = query.where(Case.language.in_([literal(code) for code in spec.languages]))
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


@lru_cache(maxsize=128)
def _count_statement(spec: QueueFilter) -> Select[Any]:
    return _filtered(select(func.count()).select_from(Case), spec)


def count_cases(session: Session, spec: QueueFilter) -> int:
    """How many cases the filter shows (read anew each time: a count is asked for after every change)."""
    cursor = _driver_rows(session.connection(), _count_statement(spec), {})
    try:
        return int(cursor.fetchone()[0])
    finally:
        cursor.close()


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
def _rows_base(stored_times: bool = False) -> Select[Any]:
    """The row columns and joins, built once (composing them anew cost several ms a page).

    With ``stored_times`` the two times come as SQLite stores them, for ``_to_rows`` to convert.
    """
    assignee = aliased(Reviewer)
    due, created = (
        (type_coerce(Case.due_at, String), type_coerce(Case.created_at, String))
        if stored_times
        else (Case.due_at, Case.created_at)
    )
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
            due,
            created,
            func.coalesce(assignee.name, literal_column("''")),
        )
        .join(Queue, Queue.id == Case.queue_id)
        .outerjoin(assignee, assignee.id == Case.assignee_id)
    )
    return cast(Select[Any], query)


def rows_query(spec: QueueFilter) -> Select[Any]:
    return _filtered(_rows_base(), spec)


def _utc(stored: str) -> datetime:
    """A stored time that does not read as naive UTC text: as an aware datetime in UTC."""
    moment = datetime.fromisoformat(stored)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _to_rows(result: Sequence[Any]) -> list[CaseRow]:
    """Rows of ``_rows_base(stored_times=True)`` as CaseRows.

    SQLAlchemy keeps UTC as zone-less text; reading it with "+00:00" appended is one C call per time, a
    sixth of what the type's converter costs (a third of a page's time at a hundred rows).
    """
    parse, utc = datetime.fromisoformat, "+00:00"
    try:
        return [CaseRow(*r[:9], parse(r[9] + utc), parse(r[10] + utc), r[11]) for r in result]
    except ValueError:  # a time stored with its zone (not written by this application)
        return [CaseRow(*r[:9], _utc(r[9]), _utc(r[10]), r[11]) for r in result]


def _mark(spec: QueueFilter, *, stored: bool = False) -> Any:
    """The key ``:key_*`` as bind parameters: typed (a CaseRow's values), or ``stored`` (the database's own
    values, as the key directory holds them: nothing to convert either way)."""
    keys = _keys(spec)
    return tuple_(
        *[
            bindparam(f"key_{i}") if stored else bindparam(f"key_{i}", type_=k.type)
            for i, k in enumerate(keys)
        ]
    )


def _key_params(key: Sequence[Any]) -> dict[str, Any]:
    return {f"key_{i}": value for i, value in enumerate(key)}


@lru_cache(maxsize=128)
def _key_statement(spec: QueueFilter, bounded: bool = False) -> Select[Any]:
    """The stored sort key ``:offset`` rows into the list (``bounded``: into the rows from the stored key
    ``:key_*`` on), read from the sort's covering index alone (no joins)."""
    keys = _keys(spec)
    order = [k.desc() if spec.descending else k.asc() for k in keys]
    query = _filtered(select(*keys), spec)
    if bounded:
        row, mark = tuple_(*keys), _mark(spec, stored=True)
        query = query.where(row <= mark if spec.descending else row >= mark)
    return query.order_by(*order).offset(bindparam("offset")).limit(1)


@lru_cache(maxsize=128)
def _page_statement(spec: QueueFilter, bound: str, limit: int) -> Select[Any]:
    """A page's statement for one filter and kind of bound (first, after, before, from, seek), with the key as bind
    parameters: one statement object per shape, so SQLAlchemy's compiled and result caches always hit."""
    keys = _keys(spec)
    mark = _mark(spec, stored=bound == "from")  # a "from" key comes from the directory, as stored
    row = tuple_(*keys)
    query = _filtered(_rows_base(stored_times=True), spec)
    if bound == "seek":  # from the row ``:offset`` rows on from the key: one statement for a directory jump
        start = _key_statement(spec, bounded=True).correlate(None).scalar_subquery()
        query = query.where(row <= start if spec.descending else row >= start)
    elif bound != "first":
        ahead = {"after": row > mark, "before": row < mark, "from": row >= mark}
        behind = {"after": row < mark, "before": row > mark, "from": row <= mark}
        query = query.where((behind if spec.descending else ahead)[bound])
    reverse = spec.descending != (bound == "before")
    return query.order_by(*[k.desc() if reverse else k.asc() for k in keys]).limit(limit)


# --- the key directory ------------------------------------------------------------------------------------


class _Directory:
    """Every ``DIRECTORY_STRIDE``-th sort key of one filter and sort, as far as it has been read."""

    __slots__ = ("complete", "keys", "lock", "stride")

    def __init__(self, stride: int) -> None:
        self.stride = stride
        self.keys: list[tuple[Any, ...]] = []  # keys[j] is the sort key of row j * stride
        self.complete = False  # the last hop ran past the end of the list
        self.lock = threading.Lock()


class _Directories:
    """The directories of one database, dropped together when anything commits to it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_spec: OrderedDict[QueueFilter, _Directory] = OrderedDict()

    def get(self, spec: QueueFilter) -> _Directory:
        with self._lock:
            found = self._by_spec.get(spec)
            if found is None:
                found = self._by_spec[spec] = _Directory(DIRECTORY_STRIDE)
                while len(self._by_spec) > DIRECTORY_SPECS:
                    self._by_spec.popitem(last=False)
            self._by_spec.move_to_end(spec)
            return found

    def clear(self) -> None:
        with self._lock:
            self._by_spec.clear()


_DIRECTORIES: WeakKeyDictionary[Engine, _Directories] = WeakKeyDictionary()
_REGISTRY_LOCK = threading.Lock()
_SEEN = "queue_data_version"  # connection info: the data_version this connection last reported
_COMMITTED = "queue_committed"  # connection info: this connection committed since it last checked


def _mark_committed(connection: Connection) -> None:
    connection.info[_COMMITTED] = True


def _directories(connection: Connection) -> _Directories:
    engine = connection.engine
    with _REGISTRY_LOCK:
        found = _DIRECTORIES.get(engine)
        if found is None:
            found = _DIRECTORIES[engine] = _Directories()
            event.listen(engine, "commit", _mark_committed)
    return found


def _changed(connection: Connection) -> bool:
    """Whether anything was committed since this connection last looked (by itself, or by any other
    connection or process: SQLite's data_version moves on for every commit but the connection's own)."""
    info = connection.info
    cursor = connection.connection.cursor()  # the driver's cursor: a pragma per page, so no statement layer
    try:
        version = cursor.execute("PRAGMA data_version").fetchone()[0]
    finally:
        cursor.close()
    changed = info.pop(_COMMITTED, False) or info.get(_SEEN) != version
    info[_SEEN] = version
    return bool(changed)


def _current(connection: Connection, spec: QueueFilter) -> tuple[_Directories, _Directory]:
    directories = _directories(connection)
    if _changed(connection):
        directories.clear()
    return directories, directories.get(spec)


@lru_cache(maxsize=512)
def _driver_form(
    statement: Select[Any], dialect: Dialect
) -> tuple[str, tuple[str, ...], dict[str, Any], dict[str, Any]]:
    """A cached statement as the driver's SQL: its text, parameter names in order, the values it carries (the
    filter's, converted as SQLAlchemy would), and the converters of typed parameters given per execution (a
    CaseRow's times to stored text)."""
    compiled = statement.compile(dialect=dialect)
    binds = compiled.binds
    # The statements' own parameters without a value are the key and the offset, given per execution.
    values = compiled.construct_params(
        {name: None for name in binds if name == "offset" or name.startswith("key_")}
    )
    converters = {name: c for name, bind in binds.items() if (c := bind.type.bind_processor(dialect))}
    stored = {n: converters[n](v) if n in converters and v is not None else v for n, v in values.items()}
    return compiled.string, tuple(compiled.positiontup or ()), stored, converters


def _driver_rows(
    connection: Connection, statement: Select[Any], params: dict[str, Any], cursor: Any = None
) -> Any:
    """Execute a cached statement through the driver's cursor; the cursor comes back, positioned on the rows.

    The queue reads a page (or a directory step) at a time, and the statement layer's per-call work (contexts,
    result objects, row processing) cost as much again as SQLite's; the statements are still SQLAlchemy's.
    """
    sql, names, values, converters = _driver_form(statement, connection.dialect)
    merged = {**values, **params}
    for name, convert in converters.items():
        if name in params:
            merged[name] = convert(merged[name])
    cursor = cursor or connection.connection.cursor()
    return cursor.execute(sql, [merged[name] for name in names])


def _key_at(
    connection: Connection, cursor: Any, spec: QueueFilter, key: tuple[Any, ...] | None, offset: int
) -> tuple[Any, ...] | None:
    """The stored key ``offset`` rows on from ``key`` (from the start without one)."""
    statement = _key_statement(spec, key is not None)
    found = _driver_rows(
        connection, statement, {**_key_params(key or ()), "offset": offset}, cursor
    ).fetchone()
    return None if found is None else tuple(found)


def _extend(
    connection: Connection, spec: QueueFilter, directory: _Directory, entries: int, hops: int
) -> bool:
    """Read the directory on until it has ``entries`` keys, it is complete, or ``hops`` keys were added;
    says whether it read anything."""
    if directory.complete or len(directory.keys) >= entries:
        return False
    keys = directory.keys
    cursor = connection.connection.cursor()
    try:
        while len(keys) < entries and hops > 0:
            found = _key_at(
                connection, cursor, spec, keys[-1] if keys else None, directory.stride if keys else 0
            )
            if found is None:
                directory.complete = True
                break
            keys.append(found)
            hops -= 1
    finally:
        cursor.close()
    return True


def _seek(connection: Connection, spec: QueueFilter, offset: int) -> tuple[tuple[Any, ...], int] | None:
    """The directory key at or before ``offset`` and the rows from it to ``offset`` (fewer than the
    directory's stride); None past the end of the list."""
    directories, directory = _current(connection, spec)
    entry, rest = divmod(offset, directory.stride)
    with directory.lock:
        read = _extend(connection, spec, directory, entry + 1, hops=entry + 1)
        if entry >= len(directory.keys):
            return None
        key = directory.keys[entry]
    if read and _changed(connection):  # a commit came while the directory was read: read it anew next time
        directories.clear()
    return key, rest


def prime_directory(session: Session, spec: QueueFilter, hops: int = PRIME_HOPS) -> bool:
    """Read up to ``hops`` more keys of the filter's directory; True once it is complete.

    Run repeatedly off the UI thread after a filter is counted, so that a later jump anywhere finds its key
    ready; small steps, so the pages asked for meanwhile are not held up.
    """
    connection = session.connection()
    directories, directory = _current(connection, spec)
    with directory.lock:
        _extend(connection, spec, directory, len(directory.keys) + hops, hops)
        complete = directory.complete
    # A commit while the directory was read: it is dropped, and priming starts over.
    if _changed(connection):
        directories.clear()
        return False
    return complete


# --- pages -------------------------------------------------------------------------------------------------


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

    A page at an offset finds its first key through the key directory, then reads the page by keyset from
    there, so neither the joins nor the index walk grow with the offset.
    """
    connection = session.connection()  # Core execution: rows are plain tuples, no ORM loading per row
    key: tuple[Any, ...] | None = after if after is not None else before
    bound = "after" if after is not None else "before" if before is not None else "first"
    params: dict[str, Any] = {}
    if key is None and offset:
        found = _seek(connection, spec, offset)
        if found is None:
            return []
        key, rest = found
        bound = "seek" if rest else "from"
        if rest:
            params["offset"] = rest
    params.update(_key_params(key or ()))
    cursor = _driver_rows(connection, _page_statement(spec, bound, limit), params)
    try:
        rows = _to_rows(cursor.fetchall())
    finally:
        cursor.close()
    return rows[::-1] if bound == "before" else rows
