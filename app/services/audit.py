"""The audit trail and the sync outbox, both written inside the transaction of the change they describe.

Each audit event is hash-chained to the previous one over a canonical serialisation, so deleting, editing,
reordering or inserting an event breaks the chain at that point (``verify_chain``). A chain cannot show that
its newest events were cut off, so every ``CHECKPOINT_EVERY`` events (and on demand) a checkpoint records the
last event's sequence number and hash, signed with an HMAC key kept in the system keyring; a copy of each
checkpoint kept outside the profile (an anchor file) catches even a rewrite that replaced the checkpoints too
(``verify_trail``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import LargeBinary, cast, false, func, inspect, select, text, update
from sqlalchemy.orm import Session

from app.i18n import N_, _
from app.models import AuditCheckpoint, AuditEvent, OutboxEntry, new_id, utcnow

GENESIS_HASH = "0" * 64
CHECKPOINT_EVERY = 500
KEYRING_SERVICE = "arbiter"
ANCHOR_FORMAT = "arbiter-audit-checkpoint/1"


def json_safe(value: Any) -> Any:
    """Values as JSON stores them: datetimes in ISO 8601 UTC, bytes in base64."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


def row_payload(obj: object, *, exclude: Iterable[str] = ()) -> dict[str, Any]:
    """Every column of an ORM row as a JSON-safe dict."""
    mapper = inspect(obj).mapper
    skipped = set(exclude)
    return {
        attr.key: json_safe(getattr(obj, attr.key)) for attr in mapper.column_attrs if attr.key not in skipped
    }


def canonical(fields: dict[str, Any]) -> bytes:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def event_fields(event: AuditEvent) -> dict[str, Any]:
    """The hashed content of an event: everything but its local sequence number and its own hash."""
    return {
        "id": event.id,
        "case_id": event.case_id,
        "actor_id": event.actor_id,
        "action": event.action,
        "entity": event.entity,
        "entity_id": event.entity_id,
        "before": json_safe(event.before),
        "after": json_safe(event.after),
        "created_at": json_safe(event.created_at),
    }


def chain_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + canonical(fields)).hexdigest()


def last_hash(session: Session) -> str:
    value = session.scalar(select(AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1))
    return value or GENESIS_HASH


def _hold_the_chain(session: Session) -> None:
    """Take SQLite's write lock before the end of the chain is read.

    pysqlite opens a transaction only at the first write, so a command whose first write is its audit event
    would read the last hash unlocked; a second process (a window and a command-line import) could read the
    same one, and the chain would fork. A write that touches no row begins the transaction and takes the lock.
    """
    if session.get_bind().dialect.name != "sqlite":
        return
    driver = session.connection().connection.driver_connection
    if getattr(driver, "in_transaction", False):  # an earlier write of this transaction holds it already
        return
    nothing = update(AuditEvent).where(false()).values(seq=AuditEvent.seq)
    session.execute(nothing.execution_options(synchronize_session=False))


def record(
    session: Session,
    *,
    actor_id: str,
    action: str,
    entity: str,
    entity_id: str,
    case_id: str | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one audit event to the chain (and to the outbox, so the hub gets it too).

    Every ``CHECKPOINT_EVERY``-th event also writes a checkpoint, in the same transaction.
    """
    event = AuditEvent(
        id=new_id(),
        case_id=case_id,
        actor_id=actor_id,
        action=action,
        entity=entity,
        entity_id=entity_id,
        before=json_safe(before),
        after=json_safe(after),
        created_at=utcnow().astimezone(UTC),  # hashed as stored: SQLite gives it back in UTC
    )
    _hold_the_chain(session)
    event.prev_hash = last_hash(session)
    event.hash = chain_hash(event.prev_hash, event_fields(event))
    session.add(event)
    session.flush()
    enqueue(session, "audit_event", event.id, "insert", row_payload(event, exclude=("seq",)))
    if event.seq % CHECKPOINT_EVERY == 0:
        _add_checkpoint(session, event.seq, event.hash)
    return event


def enqueue(
    session: Session,
    entity: str,
    entity_id: str,
    op: str,
    payload: dict[str, Any],
    base_version: int | None = None,
) -> None:
    session.add(
        OutboxEntry(entity=entity, entity_id=entity_id, op=op, payload=payload, base_version=base_version)
    )


# --- the signing key -----------------------------------------------------------------------------------

KEY, NO_KEY, NO_KEYRING = "key", "no_key", "no_keyring"


@dataclass(frozen=True)
class SigningKey:
    """The profile's checkpoint key, or why there is none (NO_KEY: the keyring has none; NO_KEYRING).

    ``since`` is the event the key was made at: every checkpoint from there on is signed, and one comes every
    ``every`` events, so a forger without the key cannot blank signatures, or drop checkpoints, unseen.
    """

    status: str
    key: bytes | None = field(default=None, repr=False)
    since: int = 0
    every: int | None = None  # the checkpoint cadence promised with the key (None: no promise)


_keys: dict[str, SigningKey] = {}  # per process: a keyring may prompt to unlock, once is enough


def store_path(session: Session) -> str | None:
    """The profile's database file, which names its key in the keyring (None for an in-memory store)."""
    database = session.get_bind().engine.url.database
    if not database or database == ":memory:":
        return None
    return str(Path(database).resolve())


def key_username(path: str) -> str:
    return f"audit-key:{path}"


def _usable(backend: Any) -> bool:
    """A real system keyring: not the fail/null stand-ins, and never one that keeps secrets in a file."""
    from keyring.backends import chainer, fail

    if isinstance(backend, chainer.ChainerBackend):
        parts = list(backend.backends)
        return bool(parts) and all(_usable(part) for part in parts)
    module = type(backend).__module__
    return not isinstance(backend, fail.Keyring) and not module.startswith(
        ("keyrings.alt", "keyring.backends.null")
    )


def _secret(key: SigningKey) -> str:
    return json.dumps({"key": (key.key or b"").decode("ascii"), "since": key.since, "every": key.every})


def _from_secret(stored: str) -> SigningKey:
    try:
        value = json.loads(stored)
        every = value.get("every")
        return SigningKey(
            KEY, str(value["key"]).encode("ascii"), int(value["since"]), int(every) if every else None
        )
    except (ValueError, TypeError, KeyError):  # not ours in form; still a key, with no promise attached
        return SigningKey(KEY, stored.encode("utf-8"))


def signing_key(path: str | None, *, create: bool, since: int = 0) -> SigningKey:
    """The key of the profile at ``path`` from the system keyring; made there first when ``create``.

    ``since``: the event the first checkpoint signed with a new key covers.
    """
    if path is None:
        return SigningKey(NO_KEYRING)
    if path in _keys:
        return _keys[path]
    name = key_username(path)
    try:
        # Imported here: backends probe D-Bus and the like, which commands that never sign must not pay for.
        import keyring

        if not _usable(keyring.get_keyring()):
            return SigningKey(NO_KEYRING)
        stored = keyring.get_password(KEYRING_SERVICE, name)
        if stored is None and create:
            made = SigningKey(KEY, secrets.token_hex(32).encode("ascii"), since, CHECKPOINT_EVERY)
            keyring.set_password(KEYRING_SERVICE, name, _secret(made))
            stored = keyring.get_password(KEYRING_SERVICE, name)
    except Exception:  # a backend fails in its own ways (locked, D-Bus gone); the anchor is the backstop
        return SigningKey(NO_KEYRING)
    if not stored:
        return SigningKey(NO_KEY)
    _keys[path] = _from_secret(stored)
    return _keys[path]


def forget_keys() -> None:
    """Drop the keys this process read (tests that swap keyrings, a profile that was removed)."""
    _keys.clear()


# --- checkpoints ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    event_seq: int
    event_hash: str
    event_count: int
    created_at: datetime
    signature: str

    @property
    def signed_fields(self) -> dict[str, Any]:
        return {
            "event_seq": self.event_seq,
            "event_hash": self.event_hash,
            "event_count": self.event_count,
            "created_at": json_safe(self.created_at),
        }

    def anchor_line(self, profile: str) -> str:
        """The checkpoint as one JSON line for an anchor file (``profile`` only helps a person reading it)."""
        record = {"format": ANCHOR_FORMAT, "profile": profile, "checkpoint": self.seq, **self.signed_fields}
        return json.dumps({**record, "signature": self.signature}, ensure_ascii=False)


def sign(key: bytes, fields: dict[str, Any]) -> str:
    return hmac.new(key, canonical(fields), hashlib.sha256).hexdigest()


def _checkpoint(row: AuditCheckpoint) -> Checkpoint:
    return Checkpoint(row.seq, row.event_seq, row.event_hash, row.event_count, row.created_at, row.signature)


def _add_checkpoint(session: Session, event_seq: int, event_hash: str) -> Checkpoint:
    count = session.scalar(select(func.count()).select_from(AuditEvent)) or 0
    # Stored in UTC without zone on SQLite, so sign exactly what a later read gives back.
    created = utcnow().astimezone(UTC)
    draft = Checkpoint(0, event_seq, event_hash, count, created, "")
    key = signing_key(store_path(session), create=True, since=event_seq)
    signature = sign(key.key, draft.signed_fields) if key.key else ""
    row = AuditCheckpoint(
        event_seq=event_seq, event_hash=event_hash, event_count=count, created_at=created, signature=signature
    )
    session.add(row)
    session.flush()
    return _checkpoint(row)


def write_checkpoint(session: Session) -> Checkpoint:
    """A checkpoint of the trail as it is now (the empty trail too: event 0, the genesis hash)."""
    _hold_the_chain(session)  # the last event and the count must come from one moment of the trail
    last = session.execute(
        select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    return (
        _add_checkpoint(session, last.seq, last.hash) if last else _add_checkpoint(session, 0, GENESIS_HASH)
    )


# --- verification --------------------------------------------------------------------------------------

CHECKPOINT_SOURCE = N_("checkpoint #%(number)s")
ANCHOR_SOURCE = N_("anchor line %(number)s")


@dataclass(frozen=True)
class Broken:
    """The first thing found wrong: the event it concerns (None: none in particular) and a message.

    ``message`` is an N_-marked msgid; a ``(msgid, number)`` tuple among ``params`` is a translated fragment.
    """

    seq: int | None
    message: str
    params: dict[str, Any] = field(default_factory=dict)

    def translated(self) -> str:
        values = {
            k: _(v[0]) % {"number": v[1]} if isinstance(v, tuple) else v for k, v in self.params.items()
        }
        return _(self.message) % values


@dataclass(frozen=True)
class ChainReport:
    events_checked: int
    broken: Broken | None = None
    last_seq: int = 0
    hashes: dict[int, str] = field(default_factory=dict)  # chain hash at each watched sequence number

    @property
    def ok(self) -> bool:
        return self.broken is None

    @property
    def broken_at_seq(self) -> int | None:
        return self.broken.seq if self.broken else None


def _missing(first: int, last: int) -> Broken:
    if first == last:
        return Broken(first, N_("event #%(seq)s is missing: the trail jumps over it"), {"seq": first})
    return Broken(first, N_("events #%(seq)s to #%(last)s are missing"), {"seq": first, "last": last})


# Read as stored bytes, not through the ORM's types: a tampered row must be reported, never crash the check.
_STORED = ("id", "case_id", "actor_id", "action", "entity", "entity_id", "before", "after", "created_at")


def _stored_fields(raw: dict[str, bytes | None]) -> dict[str, Any]:
    """The hashed content of an event from its stored bytes; ValueError when they cannot be read."""
    decoded = {name: None if value is None else value.decode("utf-8") for name, value in raw.items()}
    fields: dict[str, Any] = {name: decoded[name] for name in _STORED[:6]}
    for name in ("before", "after"):
        stored = decoded[name]
        fields[name] = None if stored is None else json.loads(stored)
    created = datetime.fromisoformat(decoded["created_at"] or "")
    # SQLite keeps UTC without a zone (app.models.base.UTCDateTime)
    fields["created_at"] = (created.replace(tzinfo=UTC) if created.tzinfo is None else created).isoformat()
    return fields


def _event_problem(
    seq: int, fields: dict[str, Any], expected_prev: str, prev: str, own: str
) -> Broken | None:
    if prev != expected_prev:
        message = N_("event #%(seq)s does not link to the event before it (changed, removed or reordered)")
        return Broken(seq, message, {"seq": seq})
    if chain_hash(prev, fields) != own:
        return Broken(seq, N_("event #%(seq)s was changed: it does not match its hash"), {"seq": seq})
    return None


def verify_chain(session: Session, watch: Collection[int] = ()) -> ChainReport:
    """Walk the whole trail in order; report the first event whose place, link or content does not match."""
    table = AuditEvent.__table__
    columns = [cast(table.c[name], LargeBinary) for name in (*_STORED, "prev_hash", "hash")]
    query = select(table.c.seq, *columns).order_by(table.c.seq).execution_options(yield_per=2000)
    expected_prev, expected_seq, count = GENESIS_HASH, 1, 0
    hashes: dict[int, str] = {}
    for seq, *values in session.execute(query):
        count += 1
        if seq != expected_seq:  # sequence numbers of an untouched trail run 1, 2, 3, … without gaps
            return ChainReport(count, _missing(expected_seq, seq - 1))
        try:
            fields = _stored_fields(dict(zip(_STORED, values[:-2], strict=True)))
            prev, own = (value.decode("ascii") if value else "" for value in values[-2:])
        except (ValueError, TypeError):
            message = N_("event #%(seq)s was changed: its stored data cannot be read")
            return ChainReport(count, Broken(seq, message, {"seq": seq}))
        problem = _event_problem(seq, fields, expected_prev, prev, own)
        if problem is not None:
            return ChainReport(count, problem)
        if seq in watch:
            hashes[seq] = own
        expected_prev, expected_seq = own, seq + 1
    return ChainReport(count, None, expected_seq - 1, hashes)


@dataclass(frozen=True)
class AnchorEntry:
    line: int
    checkpoint: Checkpoint


def parse_anchor(text: str) -> tuple[list[AnchorEntry], Broken | None]:
    """The checkpoints of an anchor file, or the first line that is not one."""
    entries: list[AnchorEntry] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            if not isinstance(raw, dict) or raw.get("format") != ANCHOR_FORMAT:
                raise ValueError("format")
            numbers = [raw[k] for k in ("checkpoint", "event_seq", "event_count")]
            if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in numbers):
                raise ValueError("numbers")
            if not all(isinstance(raw[k], str) for k in ("event_hash", "created_at", "signature")):
                raise ValueError("texts")
            created = datetime.fromisoformat(raw["created_at"])
            if created.tzinfo is None:
                raise ValueError("zone")
        except (ValueError, KeyError, RecursionError):
            return entries, Broken(
                None, N_("anchor line %(line)s is not an Arbiter checkpoint"), {"line": number}
            )
        seq, event_seq, count = numbers
        entries.append(
            AnchorEntry(
                number, Checkpoint(seq, event_seq, raw["event_hash"], count, created, raw["signature"])
            )
        )
    return entries, None


@dataclass(frozen=True)
class TrailReport:
    events: int
    checkpoints: int
    anchored: int
    unsigned: int  # checkpoints made without a key
    key_status: str  # KEY, NO_KEY or NO_KEYRING: whether signatures could be checked
    uncovered: int  # events after the newest checkpoint (and anchor): the chain alone vouches for them
    broken: Broken | None

    @property
    def ok(self) -> bool:
        return self.broken is None


def _against_chain(point: Checkpoint, source: tuple[str, int], chain: ChainReport) -> Broken | None:
    """Whether the trail still holds the event ``point`` says it reached, with that hash and count."""
    seq = point.event_seq
    if seq > chain.last_seq:
        return Broken(
            seq,
            N_("event #%(seq)s, covered by %(source)s, is missing: the trail was cut short"),
            {"seq": seq, "source": source},
        )
    expected = chain.hashes.get(seq, GENESIS_HASH) if seq else GENESIS_HASH
    if point.event_hash != expected:
        return Broken(
            seq,
            N_("event #%(seq)s does not match %(source)s: the trail was rewritten up to this point"),
            {"seq": seq, "source": source},
        )
    if point.event_count != seq:  # an intact chain numbers its events 1…n
        return Broken(
            seq,
            N_("%(source)s counts %(expected)s events up to #%(seq)s, but the trail has %(actual)s"),
            {"seq": seq, "source": source, "expected": point.event_count, "actual": seq},
        )
    return None


def _signature(point: Checkpoint, source: tuple[str, int], key: SigningKey) -> Broken | None:
    if (
        key.key
        and point.signature
        and not hmac.compare_digest(sign(key.key, point.signed_fields), point.signature)
    ):
        return Broken(
            point.event_seq,
            N_("%(source)s (event #%(seq)s) has a wrong signature: it was forged or altered"),
            {"seq": point.event_seq, "source": source},
        )
    return None


# Append-only record tables (migrations 0002 and 0003_audit): a missing guard means the file was edited directly.
GUARDED = ("audit_event", "audit_checkpoint", "decision", "checklist_answer", "note", "communication")


def _guards(session: Session) -> Broken | None:
    if session.get_bind().dialect.name != "sqlite":
        return None  # the hub's guards are grants and its own triggers
    present = set(session.scalars(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")))
    for guard in (f"{table}_no_{verb}" for table in GUARDED for verb in ("update", "delete")):
        if guard not in present:
            message = N_("the append-only guard %(guard)s is gone: the database file was changed directly")
            return Broken(None, message, {"guard": guard})
    return None


def verify_trail(session: Session, key: SigningKey, anchor: Sequence[AnchorEntry] = ()) -> TrailReport:
    """The chain, every checkpoint against it and against the key, every anchored checkpoint, the guards."""
    try:
        rows = session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.seq))
        stored = [_checkpoint(row) for row in rows]
    except (ValueError, TypeError):  # a date or number that is not one: edited by hand
        message = N_("the checkpoints were changed: they cannot be read")
        return TrailReport(0, 0, len(anchor), 0, key.status, 0, Broken(None, message))
    points = [*stored, *(entry.checkpoint for entry in anchor)]
    chain = verify_chain(session, watch={p.event_seq for p in points})
    unsigned = sum(1 for p in stored if not p.signature)
    newest = max((p.event_seq for p in points), default=0)
    report = TrailReport(
        chain.events_checked,
        len(stored),
        len(anchor),
        unsigned,
        key.status,
        max(chain.last_seq - newest, 0),
        None,
    )
    broken = chain.broken or _check_points(stored, anchor, chain, key) or _guards(session)
    return replace(report, broken=broken)


def _check_points(
    stored: list[Checkpoint], anchor: Sequence[AnchorEntry], chain: ChainReport, key: SigningKey
) -> Broken | None:
    for point in stored:
        source = (CHECKPOINT_SOURCE, point.seq)
        problem = _against_chain(point, source, chain) or _signature(point, source, key)
        if problem:
            return problem
    by_seq = {point.seq: point for point in stored}
    for entry in anchor:
        source = (ANCHOR_SOURCE, entry.line)
        point = entry.checkpoint
        problem = _against_chain(point, source, chain) or _signature(point, source, key)
        if problem is None and by_seq.get(point.seq) != point:
            problem = Broken(
                point.event_seq,
                N_(
                    "checkpoint #%(checkpoint)s of anchor line %(line)s is missing from the profile or altered"
                ),
                {"seq": point.event_seq, "checkpoint": point.seq, "line": entry.line},
            )
        if problem:
            return problem
    return _key_promise(stored, chain, key)


def _key_promise(stored: list[Checkpoint], chain: ChainReport, key: SigningKey) -> Broken | None:
    """Since the key was made, every checkpoint is signed and one comes every ``key.every`` events."""
    if key.key is None:
        return None
    for point in stored:
        if point.event_seq >= key.since and not point.signature:
            return Broken(
                point.event_seq,
                N_(
                    "checkpoint #%(checkpoint)s (event #%(seq)s) is unsigned, although this profile's key "
                    "signs every checkpoint since event #%(since)s"
                ),
                {"seq": point.event_seq, "checkpoint": point.seq, "since": key.since},
            )
    if not key.every:
        return None
    signed = {point.event_seq for point in stored if point.signature}
    first = -(-max(key.since, 1) // key.every) * key.every  # the first multiple of the cadence from ``since``
    for seq in range(first, chain.last_seq + 1, key.every):
        if seq not in signed:
            return Broken(
                seq,
                N_(
                    "event #%(seq)s has no checkpoint, although this profile's key has signed one every "
                    "%(every)s events since event #%(since)s: checkpoints were removed"
                ),
                {"seq": seq, "every": key.every, "since": key.since},
            )
    return None


def record_change(
    session: Session,
    row: Any,
    fields: tuple[str, ...],
    *,
    actor_id: str,
    action: str,
    entity: str,
    case_id: str,
    values: dict[str, object],
) -> None:
    """Change a versioned row: apply ``values``, bump its version, and write the audit event (before and after
    ``fields``) and the outbox row (only what changed, with the base version the hub checks) together."""
    before = {name: getattr(row, name) for name in fields}
    base_version = row.version
    for name, value in values.items():
        setattr(row, name, value)
    row.version = base_version + 1
    after = {name: getattr(row, name) for name in fields}
    record(
        session,
        actor_id=actor_id,
        action=action,
        entity=entity,
        entity_id=row.id,
        case_id=case_id,
        before=before,
        after=after,
    )
    changed = {k: v for k, v in after.items() if before.get(k) != v and k != "version"}
    enqueue(session, entity, row.id, "update", json_safe(changed), base_version=base_version)
