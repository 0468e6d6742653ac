"""The queue's read side: counting and paging cases by keyset, so no page costs more than its rows.

Pages are read after (or before) a known row's sort key. A jump to a page with no known neighbour (the
scroll bar dragged to the middle) goes through a key directory: every ``DIRECTORY_STRIDE``-th sort key of the
filter and sort, found by hops of that many index entries over the sort's covering index and kept per
database. The jump seeks the directory key at or before its offset and walks fewer than ``DIRECTORY_STRIDE``
index entries from there, so it costs about the same at row ten and at row a million. A directory grows only
as far as a jump (or ``prime_directory``, run off the UI thread) needs, and is dropped when anything is
committed to the database, by this process or another (``PRAGMA data_version``).

A text search evaluates its full-text match once: the sort keys of all its cases are read in one statement
(the match, then one lookup per matching case) and kept, like the directories, until anything commits. The
count is their number, and a page at any key or offset is a slice of them, read by primary key. A search
matching more than ``MATCH_ROWS`` cases keeps nothing and is read by keyset like any other filter.

Pages, counts and directory steps are SQLAlchemy statements, built once per filter and executed through the
driver's cursor: at a hundred rows a page, the statement layer's per-call work cost as much as SQLite's.
"""

from __future__ import annotations

import json
import threading
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import replace
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
MATCH_ROWS = 50_000  # sort keys a text search keeps at most (about 10 MB); a broader one is read by keyset
MATCH_SPECS = 4  # text searches whose keys a database keeps


def fts_phrase(needle: str) -> str:
    """A user's text as one FTS5 phrase: quotes doubled, so no query syntax is interpreted."""
    return '"' + needle.replace('"', '""') + '"'


def _searches(spec: QueueFilter) -> bool:
    """Whether the filter matches text through the full-text index."""
    return len(spec.text.strip()) >= TRIGRAM


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
    if _searches(spec):
        matches = _match_keys(session.connection(), spec)
        if matches is not None:
            return len(matches)
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


_BROAD = None  # kept for a search with more than MATCH_ROWS matches: nothing


class _Directories:
    """The directories and text searches' sort keys of one database, dropped together when anything commits
    to it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_spec: OrderedDict[QueueFilter, _Directory] = OrderedDict()
        self._matches: OrderedDict[QueueFilter, list[tuple[Any, ...]] | None] = OrderedDict()

    def matches(self, spec: QueueFilter) -> tuple[bool, list[tuple[Any, ...]] | None]:
        """Whether the search's keys are kept, and they (None for a search too broad to keep)."""
        with self._lock:
            if spec not in self._matches:
                return False, None
            self._matches.move_to_end(spec)
            return True, self._matches[spec]

    def keep(self, spec: QueueFilter, keys: list[tuple[Any, ...]] | None) -> None:
        with self._lock:
            self._matches[spec] = keys
            self._matches.move_to_end(spec)
            while len(self._matches) > MATCH_SPECS:
                self._matches.popitem(last=False)

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
            self._matches.clear()


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


def forget(engine: Engine) -> None:
    """Drop the directories and search keys kept for a database, as a commit to it would."""
    with _REGISTRY_LOCK:
        found = _DIRECTORIES.get(engine)
    if found is not None:
        found.clear()


def _current(connection: Connection, spec: QueueFilter) -> tuple[_Directories, _Directory]:
    directories = _directories(connection)
    if _changed(connection):
        directories.clear()
    return directories, directories.get(spec)


_GIVEN = ("offset", "rows", "ids")  # parameters given per execution (with the keys, ``key_*``)


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
        {name: None for name in binds if name in _GIVEN or name.startswith("key_")}
    )
    # dialect_impl: a type decorator's processor, then its column type's (a time becomes the stored text, which
    # the driver's own rendering of a datetime is not when the microseconds are zero).
    converters = {
        name: c
        for name, bind in binds.items()
        if (c := bind.type.dialect_impl(dialect).bind_processor(dialect))
    }
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
    ready; small steps, so the pages asked for meanwhile are not held up. A text search whose keys are kept
    needs no directory.
    """
    connection = session.connection()
    if _searches(spec) and _match_keys(connection, spec) is not None:
        return True
    directories, directory = _current(connection, spec)
    with directory.lock:
        _extend(connection, spec, directory, len(directory.keys) + hops, hops)
        complete = directory.complete
    # A commit while the directory was read: it is dropped, and priming starts over.
    if _changed(connection):
        directories.clear()
        return False
    return complete


# --- text searches -----------------------------------------------------------------------------------------


@lru_cache(maxsize=128)
def _match_statement(spec: QueueFilter) -> Select[Any]:
    """The stored sort keys of the search's cases in ascending order, at most ``:rows`` of them."""
    keys = _keys(spec)
    return _filtered(select(*keys), spec).order_by(*keys).limit(bindparam("rows"))


@cache
def _rows_by_id() -> Select[Any]:
    """The rows of the cases whose ids ``:ids`` lists (a JSON array), in no order."""
    ids = func.json_each(bindparam("ids")).table_valued("value")
    return _rows_base(stored_times=True).where(Case.id.in_(select(ids.c.value)))


def _match_keys(connection: Connection, spec: QueueFilter) -> list[tuple[Any, ...]] | None:
    """The stored sort keys of every case the search shows, ascending, read once per database version;
    None when there are more than ``MATCH_ROWS``."""
    plain = replace(spec, descending=False)  # one list serves both directions
    directories = _directories(connection)
    if _changed(connection):
        directories.clear()
    kept, keys = directories.matches(plain)
    if kept:
        return keys
    cursor = _driver_rows(connection, _match_statement(plain), {"rows": MATCH_ROWS + 1})
    try:
        keys = cursor.fetchall()
    finally:
        cursor.close()
    if len(keys) > MATCH_ROWS:
        keys = _BROAD
    if _changed(connection):  # a commit came while the keys were read: read them anew next time
        directories.clear()
    else:
        directories.keep(plain, keys)
    return keys


def _stored_key(connection: Connection, spec: QueueFilter, key: Sequence[Any]) -> tuple[Any, ...]:
    """A CaseRow's sort key as the database stores it (as the keyset statements' parameters convert it)."""
    dialect = connection.dialect
    stored = []
    for column_, value in zip(_keys(spec), key, strict=True):
        convert = column_.type.dialect_impl(dialect).bind_processor(dialect)  # to the stored text
        stored.append(convert(value) if convert and value is not None else value)
    return tuple(stored)


def _slice(
    keys: list[tuple[Any, ...]],
    spec: QueueFilter,
    limit: int,
    after: tuple[Any, ...] | None,
    before: tuple[Any, ...] | None,
    offset: int,
) -> list[tuple[Any, ...]]:
    """The keys of one page in display order, as the keyset statements would find them."""
    if after is not None:
        if spec.descending:  # after, in descending order: the largest keys below
            end = bisect_left(keys, after)
            return keys[max(end - limit, 0) : end][::-1]
        start = bisect_right(keys, after)
        return keys[start : start + limit]
    if before is not None:
        if spec.descending:
            start = bisect_right(keys, before)
            return keys[start : start + limit][::-1]
        end = bisect_left(keys, before)
        return keys[max(end - limit, 0) : end]
    if spec.descending:
        end = max(len(keys) - offset, 0)
        return keys[max(end - limit, 0) : end][::-1]
    return keys[offset : offset + limit]


def _rows_of(connection: Connection, ids: list[str]) -> list[CaseRow]:
    """The cases' rows, in the order of ``ids``."""
    if not ids:
        return []
    cursor = _driver_rows(connection, _rows_by_id(), {"ids": json.dumps(ids)})
    try:
        found = cursor.fetchall()
    finally:
        cursor.close()
    place = {case_id: i for i, case_id in enumerate(ids)}
    found.sort(key=lambda row: place[row[0]])
    return _to_rows(found)


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
    if _searches(spec):
        matches = _match_keys(connection, spec)
        if matches is not None:
            after, before = (None if k is None else _stored_key(connection, spec, k) for k in (after, before))
            page = _slice(matches, spec, limit, after, before, offset or 0)
            return _rows_of(connection, [k[-1] for k in page])
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
