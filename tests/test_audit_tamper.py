"""Tampering with the audit trail as someone with the database file would: every change is caught.

The attacker drops the append-only triggers and edits the SQLite file directly; ``arbiter audit verify`` must
exit non-zero naming the event where the trail breaks. Checkpoints catch a cut-off tail, signatures (a key in
the keyring) catch rewritten checkpoints, and the anchor file catches what is left.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import keyring
import pytest
from jaraco.classes import properties
from keyring.backend import KeyringBackend
from keyring.backends import fail
from sqlalchemy import select

from app.cli import main
from app.models import AuditCheckpoint, Case, Reviewer
from app.services import audit
from app.services.profile import open_profile
from app.services.review_commands import AddNote

EVERY = 100  # checkpoint cadence for these tests (the app's is 500), so a small seed crosses several
TAIL = 5  # events written after the anchored checkpoint


class MemoryKeyring(KeyringBackend):
    """A system keyring stand-in; never chosen on its own (not viable), only through set_keyring."""

    @properties.classproperty
    def priority(cls) -> float:
        raise RuntimeError("set explicitly by tests only")

    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.secrets.pop((service, username), None)


@contextmanager
def using_keyring(backend: KeyringBackend) -> Iterator[KeyringBackend]:
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    audit.forget_keys()
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)
        audit.forget_keys()


def build(root: Path, cases: int, backend: KeyringBackend) -> Path:
    """A seeded profile with auto checkpoints, one anchored checkpoint by the command, and a tail after it."""
    with pytest.MonkeyPatch.context() as patch, using_keyring(backend):
        patch.setattr(audit, "CHECKPOINT_EVERY", EVERY)
        assert main(["--data-dir", str(root), "demo", "seed", "--cases", str(cases), "--seed", "4"]) == 0
        assert (
            main(["--data-dir", str(root), "audit", "checkpoint", "--anchor", str(root / "anchor.jsonl")])
            == 0
        )
        profile = open_profile(root, "demo")
        case_id, actor = profile.store.read(
            lambda s: (s.scalar(select(Case.id).limit(1)), s.scalar(select(Reviewer.id).limit(1)))
        )
        for n in range(TAIL):
            profile.store.execute(AddNote(case_id, f"after the anchor {n}", "en"), actor)
        with profile.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        profile.engine.dispose()
    return root


@pytest.fixture(scope="module")
def headless(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """No usable keyring (as in CI): checkpoints unsigned."""
    return build(tmp_path_factory.mktemp("headless"), 30, fail.Keyring())


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, MemoryKeyring]:
    backend = MemoryKeyring()
    return build(tmp_path_factory.mktemp("signed"), 20, backend), backend


@pytest.fixture(autouse=True)
def _no_system_keyring() -> Iterator[None]:
    with using_keyring(fail.Keyring()):
        yield


def copy(template: Path, tmp_path: Path) -> Path:
    shutil.copytree(template, tmp_path / "copy")
    return tmp_path / "copy"


def db(root: Path) -> Path:
    return root / "profiles" / "demo" / "arbiter.db"


@contextmanager
def attacker(root: Path, *, careful: bool = False) -> Iterator[sqlite3.Connection]:
    """A plain connection to the file, with the append-only triggers dropped first.

    A careful attacker puts the triggers back afterwards, so they do not give the edit away.
    """
    connection = sqlite3.connect(db(root), isolation_level=None)
    triggers = connection.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
        "AND tbl_name IN ('audit_event', 'audit_checkpoint')"
    ).fetchall()
    assert len(triggers) == 4, "the append-only guards exist before the attack"
    for name, _ in triggers:
        connection.execute(f"DROP TRIGGER {name}")
    try:
        yield connection
        if careful:
            for _, sql in triggers:
                connection.execute(sql)
    finally:
        connection.close()


def verify(root: Path, *extra: str) -> int:
    return main(["--data-dir", str(root), "audit", "verify", *extra])


def anchor_args(root: Path) -> tuple[str, str]:
    return ("--anchor", str(root / "anchor.jsonl"))


def facts(root: Path) -> dict[str, Any]:
    connection = sqlite3.connect(db(root))
    try:
        last = connection.execute("SELECT max(seq) FROM audit_event").fetchone()[0]
        points = connection.execute("SELECT seq, event_seq FROM audit_checkpoint ORDER BY seq").fetchall()
    finally:
        connection.close()
    anchored = json.loads((root / "anchor.jsonl").read_text(encoding="utf-8").splitlines()[-1])
    return {"last": last, "points": points, "anchored": anchored["event_seq"]}


# --- the tamperings ------------------------------------------------------------------------------------


def flip_byte(column: str, seq: int) -> Callable[[sqlite3.Connection], None]:
    def tamper(connection: sqlite3.Connection) -> None:
        (data,) = connection.execute(
            f"SELECT CAST({column} AS BLOB) FROM audit_event WHERE seq = ?", (seq,)
        ).fetchone()
        position = len(data) // 2
        flipped = data[:position] + bytes([data[position] ^ 0x01]) + data[position + 1 :]
        connection.execute(f"UPDATE audit_event SET {column} = CAST(? AS TEXT) WHERE seq = ?", (flipped, seq))

    return tamper


def scribble(column: str, seq: int) -> Callable[[sqlite3.Connection], None]:
    """Bytes that are not UTF-8 at all: the check must say so, not crash."""

    def tamper(connection: sqlite3.Connection) -> None:
        connection.execute(f"UPDATE audit_event SET {column} = CAST(x'ff00fe' AS TEXT) WHERE seq = ?", (seq,))

    return tamper


def delete(first: int, last: int) -> Callable[[sqlite3.Connection], None]:
    def tamper(connection: sqlite3.Connection) -> None:
        connection.execute("DELETE FROM audit_event WHERE seq BETWEEN ? AND ?", (first, last))

    return tamper


def swap(a: int, b: int) -> Callable[[sqlite3.Connection], None]:
    def tamper(connection: sqlite3.Connection) -> None:
        connection.execute("UPDATE audit_event SET seq = -1 WHERE seq = ?", (a,))
        connection.execute("UPDATE audit_event SET seq = ? WHERE seq = ?", (a, b))
        connection.execute("UPDATE audit_event SET seq = ? WHERE seq = -1", (b,))

    return tamper


def _event(connection: sqlite3.Connection, seq: int) -> dict[str, Any]:
    connection.row_factory = sqlite3.Row
    row = dict(connection.execute("SELECT * FROM audit_event WHERE seq = ?", (seq,)).fetchone())
    connection.row_factory = None
    return row


def _fields(row: dict[str, Any]) -> dict[str, Any]:
    fields = {k: row[k] for k in ("id", "case_id", "actor_id", "action", "entity", "entity_id")}
    for name in ("before", "after"):
        fields[name] = None if row[name] is None else json.loads(row[name])
    fields["created_at"] = datetime.fromisoformat(row["created_at"]).replace(tzinfo=UTC).isoformat()
    return fields


def insert_forged(
    at: int, *, prev_hash: str | None = None, rechain: bool = False
) -> Callable[[sqlite3.Connection], None]:
    """A forged "decision.overridden" event at sequence ``at``, the later events moved up by one.

    Its own hash is right for its content; ``prev_hash`` (default: the real previous hash) is its link, and
    ``rechain`` recomputes every later link and hash, as a careful forger would.
    """

    def tamper(connection: sqlite3.Connection) -> None:
        connection.execute("UPDATE audit_event SET seq = -seq WHERE seq >= ?", (at,))
        connection.execute("UPDATE audit_event SET seq = 1 - seq WHERE seq < 0")
        model = _event(connection, at + 1)
        forged = {**model, "id": "f0f0f0f0-0000-4000-8000-000000000000", "action": "decision.overridden"}
        forged["seq"] = at
        forged["prev_hash"] = prev_hash if prev_hash is not None else _event(connection, at - 1)["hash"]
        forged["hash"] = audit.chain_hash(forged["prev_hash"], _fields(forged))
        names = ", ".join(forged)
        connection.execute(
            f"INSERT INTO audit_event ({names}) VALUES ({', '.join('?' for _ in forged)})",
            list(forged.values()),
        )
        if rechain:
            previous = forged["hash"]
            last = connection.execute("SELECT max(seq) FROM audit_event").fetchone()[0]
            for seq in range(at + 1, last + 1):
                row = _event(connection, seq)
                new = audit.chain_hash(previous, _fields(row))
                connection.execute(
                    "UPDATE audit_event SET prev_hash = ?, hash = ? WHERE seq = ?", (previous, new, seq)
                )
                previous = new

    return tamper


def rewrite_checkpoints(connection: sqlite3.Connection) -> None:
    """Make every checkpoint agree with the (rewritten) chain again; without the key, leave it unsigned."""
    for seq, event_seq in connection.execute("SELECT seq, event_seq FROM audit_checkpoint").fetchall():
        (event_hash,) = connection.execute(
            "SELECT hash FROM audit_event WHERE seq = ?", (event_seq,)
        ).fetchone()
        connection.execute(
            "UPDATE audit_checkpoint SET event_hash = ?, event_count = ?, signature = '' WHERE seq = ?",
            (event_hash, event_seq, seq),
        )


# --- the tests -----------------------------------------------------------------------------------------


def test_untouched_copy_verifies(headless: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = copy(headless, tmp_path)
    assert verify(root, *anchor_args(root)) == 0
    out = capsys.readouterr().out
    known = facts(root)
    assert f"audit trail intact: {known['last']} events verified" in out
    assert f"{len(known['points'])} checkpoints match the trail" in out
    assert "1 anchored checkpoint matches the trail" in out
    assert "no system keyring is available" in out
    assert f"{TAIL} events after the newest checkpoint" in out
    assert [event_seq for _, event_seq in known["points"]] == [EVERY, 2 * EVERY, known["anchored"]]


@pytest.mark.parametrize(
    ("name", "tamper", "seq", "says"),
    [
        ("flip a byte of the data", flip_byte("after", 57), 57, "was changed"),
        ("flip a byte of the action", flip_byte("action", 12), 12, "was changed"),
        ("flip a byte of the time", flip_byte("created_at", 150), 150, "was changed"),
        ("flip a byte of the link", flip_byte("prev_hash", 33), 33, "does not link"),
        ("bytes that are not text", scribble("after", 61), 61, "cannot be read"),
        ("a time that is not a time", scribble("created_at", 62), 62, "cannot be read"),
        ("delete one event", delete(80, 80), 80, "event #80 is missing"),
        ("delete a run of events", delete(40, 44), 40, "events #40 to #44 are missing"),
        ("swap two events", swap(90, 91), 90, "does not link"),
        ("forged event, wrong link", insert_forged(120, prev_hash="ab" * 32), 120, "does not link"),
        ("forged event, right link", insert_forged(120), 121, "does not link"),
        (
            "forged event, chain recomputed",
            insert_forged(120, rechain=True),
            2 * EVERY,
            "does not match checkpoint",
        ),
    ],
)
def test_tampering_is_caught(
    headless: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    tamper: Callable[[sqlite3.Connection], None],
    seq: int,
    says: str,
) -> None:
    root = copy(headless, tmp_path)
    with attacker(root) as connection:
        tamper(connection)
    assert verify(root) == 1, name
    err = capsys.readouterr().err
    assert f"#{seq}" in err, err
    assert says in err


def test_cutting_the_tail_is_caught_by_the_checkpoint(
    headless: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = copy(headless, tmp_path)
    anchored = facts(root)["anchored"]
    with attacker(root) as connection:
        delete(anchored - 3, anchored + TAIL)(connection)
    assert verify(root) == 1
    err = capsys.readouterr().err
    assert f"event #{anchored}, covered by checkpoint #3, is missing: the trail was cut short" in err


def test_cutting_the_tail_and_its_checkpoints_is_caught_by_the_anchor(
    headless: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = copy(headless, tmp_path)
    anchored = facts(root)["anchored"]
    with attacker(root, careful=True) as connection:
        delete(anchored - 3, anchored + TAIL)(connection)
        connection.execute("DELETE FROM audit_checkpoint WHERE event_seq >= ?", (anchored - 3,))
    assert verify(root) == 0, (
        "inside the profile alone a clean cut looks whole: this is what the anchor is for"
    )
    capsys.readouterr()
    assert verify(root, *anchor_args(root)) == 1
    assert f"event #{anchored}, covered by anchor line 1, is missing" in capsys.readouterr().err


def test_recomputed_chain_and_checkpoints_are_caught_by_the_anchor(
    headless: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = copy(headless, tmp_path)
    anchored = facts(root)["anchored"]
    with attacker(root, careful=True) as connection:
        insert_forged(120, rechain=True)(connection)
        rewrite_checkpoints(connection)
    assert verify(root) == 0, "unsigned checkpoints can be rewritten along with the chain"
    capsys.readouterr()
    assert verify(root, *anchor_args(root)) == 1
    assert f"event #{anchored} does not match anchor line 1" in capsys.readouterr().err


def test_a_careless_rewrite_is_given_away_by_the_missing_guards(
    headless: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = copy(headless, tmp_path)
    with attacker(root) as connection:
        insert_forged(120, rechain=True)(connection)
        rewrite_checkpoints(connection)
    assert verify(root) == 1
    assert "the append-only guard audit_event_no_update is gone" in capsys.readouterr().err


def test_unreadable_checkpoints_are_named(
    headless: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = copy(headless, tmp_path)
    with attacker(root, careful=True) as connection:
        connection.execute("UPDATE audit_checkpoint SET created_at = 'yesterday' WHERE seq = 1")
    assert verify(root) == 1
    assert "the checkpoints were changed: they cannot be read" in capsys.readouterr().err


def test_removing_the_anchored_checkpoint_is_caught(
    headless: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = copy(headless, tmp_path)
    with attacker(root) as connection:
        connection.execute("DELETE FROM audit_checkpoint WHERE seq = 3")
    assert verify(root, *anchor_args(root)) == 1
    assert "checkpoint #3 of anchor line 1 is missing from the profile or altered" in capsys.readouterr().err


def test_a_malformed_anchor_is_named(
    headless: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = copy(headless, tmp_path)
    (root / "anchor.jsonl").write_text('{"format": "something else"}\n', encoding="utf-8")
    assert verify(root, *anchor_args(root)) == 2
    assert "anchor line 1 is not an Arbiter checkpoint" in capsys.readouterr().err
    assert verify(root, "--anchor", str(root / "nowhere.jsonl")) == 2
    assert "cannot read the anchor" in capsys.readouterr().err


# --- signed checkpoints ---------------------------------------------------------------------------------


def signed_copy(signed: tuple[Path, MemoryKeyring], tmp_path: Path) -> tuple[Path, MemoryKeyring]:
    """A copy of the signed profile, with the key entry copied for its new path (the key names the path)."""
    template, backend = signed
    root = copy(template, tmp_path)
    key = backend.get_password(audit.KEYRING_SERVICE, audit.key_username(str(db(template).resolve())))
    assert key, "the seed made a key in the keyring"
    copied = MemoryKeyring()
    copied.set_password(audit.KEYRING_SERVICE, audit.key_username(str(db(root).resolve())), key)
    return root, copied


def test_signed_checkpoints_verify(
    signed: tuple[Path, MemoryKeyring], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root, backend = signed_copy(signed, tmp_path)
    with using_keyring(backend):
        assert verify(root, *anchor_args(root)) == 0
    out = capsys.readouterr().out
    assert "signatures checked with this profile's key" in out
    assert "made without the key" not in out
    lines = (root / "anchor.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(json.loads(lines[0])["signature"]) == 64
    assert verify(root) == 0, "without the keyring, signatures are not checked, and it says so"
    assert "signatures not checked" in capsys.readouterr().out


@pytest.mark.parametrize("keep_signatures", [True, False])
def test_rewritten_checkpoints_fail_their_signature(
    signed: tuple[Path, MemoryKeyring],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    keep_signatures: bool,
) -> None:
    root, backend = signed_copy(signed, tmp_path)
    with attacker(root) as connection:
        insert_forged(30, rechain=True)(connection)
        saved = dict(connection.execute("SELECT seq, signature FROM audit_checkpoint").fetchall())
        rewrite_checkpoints(connection)
        if keep_signatures:
            for seq, signature in saved.items():
                connection.execute(
                    "UPDATE audit_checkpoint SET signature = ? WHERE seq = ?", (signature, seq)
                )
    with using_keyring(backend):
        assert verify(root) == 1
    err = capsys.readouterr().err
    assert ("wrong signature" if keep_signatures else "is unsigned, although this profile's key signs") in err
    assert f"event #{EVERY}" in err


def test_dropped_checkpoints_break_the_keys_promise(
    signed: tuple[Path, MemoryKeyring], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root, backend = signed_copy(signed, tmp_path)
    with attacker(root) as connection:
        connection.execute("DELETE FROM audit_checkpoint WHERE event_seq = ?", (EVERY,))
    with using_keyring(backend):
        assert verify(root) == 1
    assert f"event #{EVERY} has no checkpoint, although this profile's key" in capsys.readouterr().err


def test_checkpoints_come_every_500_events(seeded: Any) -> None:
    """The app's own cadence, on the shared seeded profile (260 cases)."""
    points = seeded.store.read(lambda s: list(s.scalars(select(AuditCheckpoint.event_seq))))
    assert points, "the seed crosses 500 events"
    assert all(seq % audit.CHECKPOINT_EVERY == 0 for seq in points)
    assert seeded.store.read(lambda s: audit.verify_trail(s, audit.SigningKey(audit.NO_KEYRING))).ok


def test_checkpoints_are_append_only(headless: Path, tmp_path: Path) -> None:
    root = copy(headless, tmp_path)
    connection = sqlite3.connect(db(root))
    try:
        for statement in ("UPDATE audit_checkpoint SET signature = 'x'", "DELETE FROM audit_checkpoint"):
            with pytest.raises(sqlite3.DatabaseError, match="append-only"):
                connection.execute(statement)
    finally:
        connection.close()
