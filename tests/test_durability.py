"""Nothing acknowledged is lost: SIGKILL at random moments during a stream of edits, and a full disk.

The kill harness follows SQLite's own crash tests (reference anchors §2.2): a child process (durability_driver)
runs real commands and prints one line per committed edit; the parent kills it with SIGKILL at a seeded random
point (after a random number of acknowledgements, plus a random delay), reopens the profile, and checks that
every acknowledged edit is there (with its outbox row for the hub), ``PRAGMA integrity_check`` says ok, and the
audit chain and its checkpoints verify. One profile serves every cycle, so each cycle re-proves the earlier
ones; two lanes of drivers share it, as a window and a command-line import would.

ARBITER_DURABILITY_CYCLES sets the number of cycles (100 by default; a nightly run can ask for 1000).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import Engine, event, func, select, text
from sqlalchemy.exc import OperationalError

from app.models import AuditEvent, Case, ChecklistAnswer, Communication, Note, OutboxEntry
from app.models.store import sqlite_engine
from app.services import audit
from app.services.case_commands import ClaimCase
from app.services.checklist import case_checklists
from app.services.commanding import Store
from app.services.profile import Profile
from app.services.review_commands import AddNote
from app.services.storage_errors import StorageFull, storage_errors
from tests.factories import make_case

DRIVER = Path(__file__).with_name("durability_driver.py")
CYCLES = int(os.environ.get("ARBITER_DURABILITY_CYCLES", "100"))
EARLY_KILLS = 0.1  # share of cycles killed while the driver is still starting (opening the store)
MAX_ACKS = 8  # acknowledgements to wait for before the kill, at most
MAX_DELAY = 0.05  # seconds after them, at most
LANES = 2


@dataclass
class Subject:
    """The shared profile the driver edits: its file, the claimed case, who works it, its checklist."""

    db: Path
    case_id: str
    actor_id: str
    elements: list[str]
    acked: set[str] = field(default_factory=set)  # every edit a killed driver acknowledged
    lock: threading.Lock = field(default_factory=threading.Lock)


@pytest.fixture
def subject(team_profile: Profile, people: dict[str, str]) -> Subject:
    store = team_profile.store
    case_id = make_case(store)
    me = people["srivera"]
    store.execute(ClaimCase(case_id), me)
    lists = store.read(lambda s: case_checklists(s, s.get(Case, case_id)))
    elements = [e.element_id for checklist in lists for e in checklist.elements]
    team_profile.engine.dispose()  # the parent holds no connection while the driver runs
    return Subject(team_profile.path, case_id, me, elements)


def driver_env() -> dict[str, str]:
    # Never the developer's real keyring: checkpoints made by the driver stay unsigned.
    return {**os.environ, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}


def run_and_kill(subject: Subject, label: str, rng: random.Random, errors: Path) -> tuple[list[str], float]:
    """One cycle: start the driver, kill it at a random moment, return its acknowledged tokens."""
    args = [sys.executable, str(DRIVER), str(subject.db), subject.case_id, subject.actor_id, label]
    started = time.monotonic()
    with errors.open("wb") as stderr:
        child = subprocess.Popen(
            [*args, *subject.elements], stdout=subprocess.PIPE, stderr=stderr, env=driver_env()
        )
    assert child.stdout is not None
    startup, seen = 0.0, b""
    if rng.random() < EARLY_KILLS:
        time.sleep(rng.uniform(0.0, 0.5))
    else:
        ready = child.stdout.readline()
        assert ready == b"ready\n", f"the driver did not start: {errors.read_text(errors='replace')}"
        startup = time.monotonic() - started
        # Some acknowledgements first, however fast this machine commits, then a kill at a random point
        # of the commits that follow (mid-transaction, mid-fsync, between two).
        for _ in range(rng.randint(0, MAX_ACKS)):
            seen += child.stdout.readline()
        time.sleep(rng.uniform(0.0, MAX_DELAY))
    child.send_signal(signal.SIGKILL)
    output = seen + child.stdout.read()
    child.wait()
    child.stdout.close()
    assert child.returncode == -signal.SIGKILL, (
        f"the driver died by itself: {errors.read_text(errors='replace')}"
    )
    # A line cut by the kill has no newline and was never a complete acknowledgement.
    lines = output.decode("ascii").split("\n")[:-1]
    return [line.removeprefix("ack ") for line in lines if line.startswith("ack ")], startup


def present_tokens(engine: Engine) -> tuple[set[str], set[str]]:
    """Tokens of the edits in the tables, and of those in the outbox (on their way to the hub)."""
    with engine.connect() as connection:
        notes = connection.scalars(select(Note.text).where(Note.text.like("durability %")))
        messages = connection.scalars(
            select(Communication.text).where(Communication.text.like("durability %"))
        )
        evidence = connection.scalars(select(ChecklistAnswer.evidence).where(ChecklistAnswer.evidence != ""))
        rows = {t.removeprefix("durability ") for t in [*notes, *messages]} | set(evidence)
        payload = func.coalesce(
            func.json_extract(OutboxEntry.payload, "$.text"),
            func.json_extract(OutboxEntry.payload, "$.evidence"),
        )
        queued = connection.scalars(
            select(payload).where(OutboxEntry.entity.in_(("note", "communication", "checklist_answer")))
        )
        outbox = {str(t).removeprefix("durability ") for t in queued if t}
    return rows, outbox


def check_after_restart(subject: Subject) -> int:
    """Reopen the profile as the app would and check everything; returns the number of audit events."""
    engine = sqlite_engine(subject.db)
    try:
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        rows, outbox = present_tokens(engine)
        assert not subject.acked - rows, f"acknowledged edits lost: {sorted(subject.acked - rows)[:5]}"
        assert not subject.acked - outbox, (
            f"acknowledged edits missing from the outbox: {sorted(subject.acked - outbox)[:5]}"
        )
        report = Store(engine).read(lambda s: audit.verify_trail(s, audit.SigningKey(audit.NO_KEYRING)))
        assert report.ok, report.broken and report.broken.translated()
        return report.events
    finally:
        engine.dispose()


def lane(subject: Subject, number: int, cycles: int, errors: Path) -> list[float]:
    """Kill cycles of one driver after another; returns the start-up times it measured."""
    rng = random.Random(20261129 + number)
    startups = []
    for cycle in range(cycles):
        acked, startup = run_and_kill(subject, f"l{number}c{cycle}", rng, errors)
        with subject.lock:
            subject.acked.update(acked)
        if startup:
            startups.append(startup)
        check_after_restart(subject)
    return startups


@pytest.mark.slow
def test_sigkill_never_loses_an_acknowledged_edit(
    subject: Subject, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    started = time.monotonic()
    # Two lanes on the one profile, as a window and a command-line import would: a kill can land while the
    # other process holds the write lock, and the two cores halve the wall time of the start-ups.
    with ThreadPoolExecutor(LANES) as pool:
        futures = [
            pool.submit(lane, subject, n, CYCLES // LANES, tmp_path / f"driver{n}.err") for n in range(LANES)
        ]
        startups = sorted(t for future in futures for t in future.result())
    events = check_after_restart(subject)
    assert subject.acked, "the drivers acknowledged edits"
    with capsys.disabled():
        median = startups[len(startups) // 2] if startups else 0.0
        print(
            f"\ndurability: {CYCLES} SIGKILL cycles in {LANES} lanes, {len(subject.acked)} acknowledged edits "
            f"kept, {events} audit events, driver start-up median {median:.2f} s, "
            f"{time.monotonic() - started:.0f} s in all"
        )


def test_two_processes_keep_one_audit_chain(subject: Subject) -> None:
    """Each appends events whose transaction writes nothing else first; the chain must not fork."""
    count = 150
    args = [sys.executable, str(DRIVER), "--audit-only", str(subject.db), str(count)]
    children = [subprocess.Popen(args, env=driver_env()) for _ in range(2)]
    assert [child.wait() for child in children] == [0, 0]
    engine = sqlite_engine(subject.db)
    try:
        report = Store(engine).read(audit.verify_chain)
        assert report.ok, report.broken and report.broken.translated()
        with engine.connect() as connection:
            viewed = connection.scalar(select(func.count()).where(AuditEvent.action == "case.viewed"))
        assert viewed == 2 * count
    finally:
        engine.dispose()


# --- a full disk ----------------------------------------------------------------------------------------


def capped_engine(path: Path) -> Engine:
    """An engine whose connections may not grow the file: SQLite's max_page_count stands in for a full disk."""
    engine = sqlite_engine(path)

    @event.listens_for(engine, "connect")
    def _cap(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        cursor = dbapi_connection.cursor()
        pages = cursor.execute("PRAGMA page_count").fetchone()[0]
        cursor.execute(f"PRAGMA max_page_count = {pages}")
        cursor.close()

    return engine


def count(engine: Engine, model: type) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(model)) or 0)


def test_a_full_disk_is_a_clear_error_and_loses_nothing(subject: Subject) -> None:
    store = Store(sqlite_engine(subject.db))
    for n in range(5):
        store.execute(AddNote(subject.case_id, f"before the disk filled {n}", "en"), subject.actor_id)
    store.engine.dispose()

    full = Store(capped_engine(subject.db))
    saved = 0
    with pytest.raises(StorageFull) as caught:  # noqa: PT012 - the disk fills after some notes, not at once
        for n in range(1000):  # each note is ~100 kB: the file cannot hold many more
            with storage_errors():
                full.execute(AddNote(subject.case_id, f"big {n} " + "x" * 99_000, "en"), subject.actor_id)
            saved += 1
    message = caught.value.translated()
    assert message.startswith("The disk is full")
    assert "Nothing of this change was saved" in message
    assert isinstance(caught.value.__cause__, OperationalError)
    full.engine.dispose()

    engine = sqlite_engine(subject.db)
    try:
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA integrity_check")).scalar() == "ok"
            texts = list(connection.scalars(select(Note.text)))
        assert sum(t.startswith("before the disk filled") for t in texts) == 5
        assert sum(t.startswith("big ") for t in texts) == saved, "every note acknowledged before is there"
        assert count(engine, Note) == 5 + saved
        assert Store(engine).read(audit.verify_chain).ok
        Store(engine).execute(AddNote(subject.case_id, "after space was freed", "en"), subject.actor_id)
        assert count(engine, Note) == 6 + saved
    finally:
        engine.dispose()


def test_storage_errors_are_mapped_by_sqlite_code() -> None:
    import sqlite3

    from app.services.storage_errors import StorageBusy, StorageDamaged, StorageUnwritable, storage_error

    def failure(message: str) -> sqlite3.OperationalError:
        return sqlite3.OperationalError(message)

    assert isinstance(storage_error(failure("database or disk is full")), StorageFull)
    assert isinstance(storage_error(failure("database is locked")), StorageBusy)
    assert isinstance(storage_error(failure("database disk image is malformed")), StorageDamaged)
    assert isinstance(storage_error(failure("attempt to write a readonly database")), StorageUnwritable)
    assert storage_error(failure("no such table: nope")) is None
    with pytest.raises(sqlite3.OperationalError), storage_errors():
        raise failure("no such table: nope")
