"""Case intake: the JSON Lines import format, its validation, and creating a case with its content.

An import is all or nothing: every line is checked first, and the first problems are reported with their line
and field; only a clean file is written, in one transaction.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import hashlib
import json
import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.language_detect import detect_language
from app.core.vocabulary import CONTENT_KINDS, SOURCE_TYPES
from app.models import Case, ContentItem, MediaAttachment, Queue, Reviewer, utcnow
from app.services import audit

MAX_LINE_BYTES = 8 * 1024 * 1024
MAX_TEXT = 100_000  # characters; long-form posts exist, megabyte blobs are refused
MAX_SHORT = 200
MAX_ITEMS = 200
MAX_MEDIA_BYTES = 20 * 1024 * 1024
MAX_ERRORS = 20
MAX_META = 10_000  # characters of author_meta or metrics as JSON
YEARS = (1900, 2200)  # dates outside are typing errors, and near the ends of datetime they overflow

CASE_FIELDS = {
    "external_ref": str,
    "queue": str,
    "title": str,
    "priority": int,
    "severity": int,
    "region": str,
    "language": str,
    "source_type": str,
    "report_reason": str,
    "created_at": str,
    "due_at": str,
    "items": list,
}
CASE_REQUIRED = ("external_ref", "queue", "title", "items")
ITEM_FIELDS = {
    "kind": str,
    "text": str,
    "link_url": str,
    "author_handle": str,
    "author_display_name": str,
    "author_meta": dict,
    "language": str,
    "captured_at": str,
    "metrics": dict,
    "reported": bool,
    "parent": int,
    "media": list,
}
MEDIA_FIELDS = {"file_name": str, "mime": str, "data_base64": str}
MIME_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp")


@dataclass(frozen=True)
class MediaSpec:
    file_name: str
    mime: str
    data: bytes


@dataclass(frozen=True)
class ItemSpec:
    kind: str
    text: str = ""
    link_url: str = ""
    author_handle: str = ""
    author_display_name: str = ""
    author_meta: dict[str, Any] = field(default_factory=dict)
    language: str = ""
    captured_at: datetime | None = None
    metrics: dict[str, int] = field(default_factory=dict)
    reported: bool = False
    parent: int | None = None
    media: tuple[MediaSpec, ...] = ()


@dataclass(frozen=True)
class CaseSpec:
    external_ref: str
    queue_slug: str
    title: str
    items: tuple[ItemSpec, ...]
    priority: int = 3
    severity: int = 2
    region: str = ""
    language: str = ""
    source_type: str = "user_report"
    report_reason: str = ""
    created_at: datetime | None = None
    due_at: datetime | None = None


@dataclass(frozen=True)
class Problem:
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.field}: {self.message}"


class ImportRejected(ValueError):
    """The file was refused; nothing of it was imported."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


class _Checker:
    def __init__(self, line: int) -> None:
        self.line = line
        self.problems: list[Problem] = []

    def fail(self, where: str, message: str) -> None:
        self.problems.append(Problem(self.line, where, message))

    def fields(self, obj: Any, schema: Mapping[str, type], required: Iterable[str], where: str) -> bool:
        if not isinstance(obj, dict):
            self.fail(where or "(line)", "expected a JSON object")
            return False
        for key in obj:
            if key not in schema:
                self.fail(f"{where}{shown(key)}", "unknown field")
        for key in required:
            if key not in obj:
                self.fail(f"{where}{key}", "required field is missing")
        for key, kind in schema.items():
            if key in obj and not _is(obj[key], kind):
                self.fail(f"{where}{key}", f"expected {kind.__name__}, got {type(obj[key]).__name__}")
        return True

    def text(self, value: Any, where: str, limit: int) -> str:
        if not isinstance(value, str):
            return ""
        if len(value) > limit:
            self.fail(where, f"longer than {limit} characters ({len(value)})")
        if "\x00" in value:
            self.fail(where, "contains a NUL character")
        return value

    def when(self, value: Any, where: str) -> datetime | None:
        if value is None:
            return None
        try:
            parsed = datetime.fromisoformat(str(value))
        except ValueError:
            self.fail(where, f"not an ISO 8601 date-time: {str(value)[:40]!r}")
            return None
        if parsed.tzinfo is None:
            self.fail(where, "needs a time zone offset, e.g. 2026-11-28T09:00:00+00:00")
            return None
        try:
            year = parsed.astimezone(UTC).year
        except OverflowError:
            year = 0
        if not YEARS[0] <= year <= YEARS[1]:
            self.fail(where, f"must be a date between the years {YEARS[0]} and {YEARS[1]}")
            return None
        return parsed

    def meta(self, value: Any, where: str) -> None:
        try:
            size = len(json.dumps(value))
        except (RecursionError, ValueError):
            size = MAX_META + 1
        if size > MAX_META:
            self.fail(where, f"larger than {MAX_META} characters as JSON")


def shown(name: str, limit: int = 60) -> str:
    """A name taken from the file, printable as it is: invisible and control characters escaped, cut short."""
    if not name:
        return '""'  # an empty name, shown so that the message still names something
    text = "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in name[:limit])
    return text + ("…" if len(name) > limit else "")


def _is(value: Any, kind: type) -> bool:
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, kind)


def _media(check: _Checker, raw: Any, where: str) -> MediaSpec | None:
    if not check.fields(raw, MEDIA_FIELDS, MEDIA_FIELDS, where) or not isinstance(
        raw.get("data_base64"), str
    ):
        return None
    if raw.get("mime") not in MIME_TYPES:
        check.fail(f"{where}mime", f"must be one of {', '.join(MIME_TYPES)}")
    try:
        data = base64.b64decode(raw["data_base64"], validate=True)
    except (binascii.Error, ValueError):
        check.fail(f"{where}data_base64", "not valid base64")
        return None
    if len(data) > MAX_MEDIA_BYTES:
        check.fail(f"{where}data_base64", f"larger than {MAX_MEDIA_BYTES} bytes")
    return MediaSpec(
        check.text(raw.get("file_name", ""), f"{where}file_name", MAX_SHORT), str(raw.get("mime")), data
    )


def _item(check: _Checker, raw: Any, index: int, count: int) -> ItemSpec | None:
    where = f"items[{index}]."
    if not check.fields(raw, ITEM_FIELDS, ("kind",), where):
        return None
    kind = raw.get("kind")
    if isinstance(kind, str) and kind not in CONTENT_KINDS:
        check.fail(f"{where}kind", f"must be one of {', '.join(CONTENT_KINDS)}")
    parent = raw.get("parent")
    if isinstance(parent, int) and not 0 <= parent < index:
        check.fail(f"{where}parent", "must be the index of an earlier item")
    metrics = raw.get("metrics", {})
    if isinstance(metrics, dict) and not all(_is(v, int) and v >= 0 for v in metrics.values()):
        check.fail(f"{where}metrics", "values must be whole numbers of zero or more")
    for name in ("metrics", "author_meta"):
        if isinstance(raw.get(name), dict):
            check.meta(raw[name], f"{where}{name}")
    media_raw = raw.get("media") if isinstance(raw.get("media"), list) else []
    media = [_media(check, m, f"{where}media[{i}].") for i, m in enumerate(media_raw)]
    return ItemSpec(
        kind=str(kind),
        text=check.text(raw.get("text", ""), f"{where}text", MAX_TEXT),
        link_url=check.text(raw.get("link_url", ""), f"{where}link_url", 4096),
        author_handle=check.text(raw.get("author_handle", ""), f"{where}author_handle", MAX_SHORT),
        author_display_name=check.text(
            raw.get("author_display_name", ""), f"{where}author_display_name", MAX_SHORT
        ),
        author_meta=raw.get("author_meta", {}) if isinstance(raw.get("author_meta"), dict) else {},
        language=check.text(raw.get("language", ""), f"{where}language", 12),
        captured_at=check.when(raw.get("captured_at"), f"{where}captured_at"),
        metrics=metrics if isinstance(metrics, dict) else {},
        reported=bool(raw.get("reported", index == 0)),
        parent=parent if isinstance(parent, int) else None,
        media=tuple(m for m in media if m is not None),
    )


def parse_case(check: _Checker, raw: Any) -> CaseSpec | None:
    if not check.fields(raw, CASE_FIELDS, CASE_REQUIRED, ""):
        return None
    items_raw = raw.get("items") if isinstance(raw.get("items"), list) else []
    if not items_raw and "items" in raw:
        check.fail("items", "a case needs at least one content item")
    if len(items_raw) > MAX_ITEMS:
        check.fail("items", f"more than {MAX_ITEMS} items")
    items = [_item(check, it, i, len(items_raw)) for i, it in enumerate(items_raw[:MAX_ITEMS])]
    for key, low, high in (("priority", 1, 4), ("severity", 1, 4)):
        value = raw.get(key)
        if _is(value, int) and not low <= value <= high:
            check.fail(key, f"must be from {low} to {high}")
    source = raw.get("source_type", "user_report")
    if isinstance(source, str) and source not in SOURCE_TYPES:
        check.fail("source_type", f"must be one of {', '.join(SOURCE_TYPES)}")
    ref = check.text(raw.get("external_ref", ""), "external_ref", 120)
    if isinstance(raw.get("external_ref"), str) and not ref.strip():
        check.fail("external_ref", "cannot be empty")
    return CaseSpec(
        external_ref=ref,
        queue_slug=check.text(raw.get("queue", ""), "queue", 80),
        title=check.text(raw.get("title", ""), "title", 500),
        items=tuple(i for i in items if i is not None),
        priority=raw.get("priority", 3) if _is(raw.get("priority"), int) else 3,
        severity=raw.get("severity", 2) if _is(raw.get("severity"), int) else 2,
        region=check.text(raw.get("region", ""), "region", 8),
        language=check.text(raw.get("language", ""), "language", 12),
        source_type=str(source),
        report_reason=check.text(raw.get("report_reason", ""), "report_reason", MAX_TEXT),
        created_at=check.when(raw.get("created_at"), "created_at"),
        due_at=check.when(raw.get("due_at"), "due_at"),
    )


class _Refused(ValueError):
    """JSON that Python reads but a strict reader (and the hub) would not: a repeated field, NaN."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(message)
        self.where = where


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj: dict[str, Any] = {}
    for key, value in pairs:
        if key in obj:  # json keeps the last silently; two readers could disagree on which one counts
            raise _Refused(shown(key), "given more than once in one object")
        obj[key] = value
    return obj


def _constant(name: str) -> Any:
    raise _Refused("(line)", f"{name} is not a JSON number")


def _load(check: _Checker, line: str) -> Any:
    try:
        return json.loads(line, object_pairs_hook=_object, parse_constant=_constant)
    except json.JSONDecodeError as error:
        check.fail("(line)", f"malformed JSON: {error.msg} at column {error.colno}")
    except _Refused as error:
        check.fail(error.where, str(error))
    except RecursionError:
        check.fail("(line)", "nested too deeply")
    except ValueError:  # the only other one: an integer longer than Python reads (4300 digits)
        check.fail("(line)", "a number with too many digits")
    return None


_Where = tuple[Any, str] | None  # (parent, name): a path built only when it is reported


def _path(where: _Where) -> str:
    parts: list[str] = []
    while where is not None:
        where, part = where
        parts.append(part)
    return "".join(reversed(parts)).removeprefix(".") or "(line)"


def _unstorable(obj: Any) -> Iterator[tuple[str, str]]:
    """Values no database stores as given: unpaired surrogates (from \\ud800 escapes), infinite numbers."""
    stack: list[tuple[_Where, Any]] = [(None, obj)]  # a loop, not recursion: JSON may nest a thousand deep
    while stack:
        where, value = stack.pop()
        if isinstance(value, str) and not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                yield _path(where), "contains an unpaired UTF-16 surrogate"
        elif isinstance(value, float) and not math.isfinite(value):
            yield _path(where), "is not a finite number"
        elif isinstance(value, dict):
            for key, item in value.items():
                stack.append(((where, f".{key}"), key))  # the field's name goes into the database too
                stack.append(((where, f".{key}"), item))
        elif isinstance(value, list):
            stack.extend(((where, f"[{i}]"), item) for i, item in enumerate(value))


def _parse(data: bytes) -> tuple[list[tuple[int, CaseSpec]], list[Problem]]:
    specs: list[tuple[int, CaseSpec]] = []
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for number, raw_line in enumerate(data.split(b"\n"), start=1):
        check = _Checker(number)
        if number == 1:
            raw_line = raw_line.removeprefix(codecs.BOM_UTF8)  # editors on Windows start files with one
        if len(raw_line) > MAX_LINE_BYTES:
            check.fail("(line)", f"longer than {MAX_LINE_BYTES} bytes")
        elif raw_line.strip():
            try:
                line = raw_line.decode("utf-8")
            except UnicodeDecodeError as error:
                check.fail("(line)", f"not valid UTF-8 at byte {error.start}")
            else:
                spec = _case(check, _load(check, line))
                if spec is not None and spec.external_ref:
                    if spec.external_ref in seen:
                        check.fail("external_ref", f"duplicate of line {seen[spec.external_ref]}")
                    seen.setdefault(spec.external_ref, number)
                if spec is not None and not check.problems:
                    specs.append((number, spec))
        problems.extend(check.problems)
    return specs, problems


def _case(check: _Checker, obj: Any) -> CaseSpec | None:
    if check.problems:
        return None
    bad = list(_unstorable(obj))
    for path, message in bad[:3]:
        check.fail(shown(path), message)
    return None if bad else parse_case(check, obj)


def parse_jsonl(data: bytes) -> tuple[list[CaseSpec], list[Problem]]:
    """Every case of a JSON Lines file, and every problem found (blank lines are skipped).

    Never raises on any input: whatever is wrong with the file becomes a problem naming its line and field.
    """
    specs, problems = _parse(data)
    return [spec for _, spec in specs], problems


def check_against_store(session: Session, specs: list[CaseSpec], lines: dict[str, int]) -> list[Problem]:
    problems = []
    queues = set(session.scalars(select(Queue.slug)))
    refs = [s.external_ref for s in specs]
    existing = set()
    for start in range(0, len(refs), 500):
        existing |= set(
            session.scalars(select(Case.external_ref).where(Case.external_ref.in_(refs[start : start + 500])))
        )
    for spec in specs:
        line = lines[spec.external_ref]
        if spec.queue_slug not in queues:
            problems.append(
                Problem(line, "queue", f"no queue {spec.queue_slug!r}; known: {', '.join(sorted(queues))}")
            )
        if spec.external_ref in existing:
            problems.append(Problem(line, "external_ref", f"case {spec.external_ref!r} already exists"))
    return problems


def create_case(session: Session, actor: Reviewer, spec: CaseSpec) -> Case:
    """Write one case with its content and media, its audit event and its outbox rows."""
    queue = session.scalars(select(Queue).where(Queue.slug == spec.queue_slug)).one()
    created = spec.created_at or utcnow()
    texts = " ".join(i.text for i in spec.items if i.reported) or " ".join(i.text for i in spec.items)
    case = Case(
        external_ref=spec.external_ref,
        queue_id=queue.id,
        title=spec.title,
        priority=spec.priority,
        severity=spec.severity,
        region=spec.region.upper(),
        language=spec.language or detect_language(texts) or "",
        source_type=spec.source_type,
        report_reason=spec.report_reason,
        created_at=created,
        due_at=spec.due_at or created + timedelta(minutes=queue.sla_resolution_minutes),
        updated_at=created,
    )
    session.add(case)
    session.flush()
    audit.enqueue(session, "case", case.id, "insert", audit.row_payload(case))
    ids: list[str] = []
    for position, item in enumerate(spec.items):
        row = ContentItem(
            case_id=case.id,
            parent_id=ids[item.parent] if item.parent is not None else None,
            position=position,
            reported=item.reported,
            kind=item.kind,
            text=item.text,
            link_url=item.link_url,
            author_handle=item.author_handle,
            author_display_name=item.author_display_name,
            author_meta=item.author_meta,
            language=item.language or detect_language(item.text) or case.language,
            captured_at=item.captured_at or created,
            metrics=item.metrics,
        )
        session.add(row)
        session.flush()
        ids.append(row.id)
        audit.enqueue(session, "content_item", row.id, "insert", audit.row_payload(row))
        for media in item.media:
            attachment = MediaAttachment(
                content_item_id=row.id,
                file_name=media.file_name,
                mime=media.mime,
                sha256=hashlib.sha256(media.data).hexdigest(),
                byte_size=len(media.data),
                data=media.data,
            )
            session.add(attachment)
            session.flush()
            audit.enqueue(session, "media_attachment", attachment.id, "insert", audit.row_payload(attachment))
    audit.record(
        session,
        actor_id=actor.id,
        action="case.imported",
        entity="case",
        entity_id=case.id,
        case_id=case.id,
        after={"external_ref": case.external_ref, "queue": queue.slug, "items": len(ids)},
    )
    return case


def import_jsonl(session: Session, actor: Reviewer, data: bytes) -> int:
    """Import every case of ``data`` or none; raises ImportRejected naming line and field of each problem."""
    numbered, problems = _parse(data)
    specs = [spec for _, spec in numbered]
    if not problems:
        problems = check_against_store(session, specs, {spec.external_ref: line for line, spec in numbered})
    if problems:
        raise ImportRejected(problems[:MAX_ERRORS])
    for spec in specs:
        create_case(session, actor, spec)
    return len(specs)
