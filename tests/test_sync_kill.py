"""A push killed with SIGKILL at any moment loses nothing, and the next sync delivers everything once."""

# The hub fixtures come from tests.sync_support; a test's parameter of the same name is that fixture.
# ruff: noqa: F811

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select, text

from app.models import AuditEvent, Case, OutboxEntry
from app.services.review_commands import AddNote
from tests.factories import make_case
from tests.sync_support import Hub, hub, pg_server, workstation  # noqa: F401

PUSHER = """
import sys
from pathlib import Path
from app.models.store import sqlite_engine
from app.services.sync.connection import hub_engine
from app.services.sync.engine import sync

def report(progress):
    if progress.phase == "push":
        print(progress.done, flush=True)

sync(sqlite_engine(Path(sys.argv[1])), hub_engine(sys.argv[2]), reviewer_id=sys.argv[3], batch_size=4,
     progress=report)
print("done", flush=True)
"""


def test_kill_9_during_push_loses_nothing(hub: Hub, tmp_path: Path) -> None:
    ws = workstation(tmp_path, "w")
    cases = [make_case(ws.store, ref=f"RPT-K-{n}") for n in range(25)]
    for n, case_id in enumerate(cases):
        ws.run(AddNote(case_id, f"note {n}", "en"))
    ws.profile.engine.dispose()
    root = Path(__file__).resolve().parent.parent
    process = subprocess.Popen(
        [sys.executable, "-c", PUSHER, str(ws.profile.path), hub.url, ws.reviewer_id],
        cwd=root,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    assert process.stdout is not None
    for batches, _line in enumerate(process.stdout, start=1):
        if batches == 3:
            os.kill(process.pid, signal.SIGKILL)  # between (or inside) hub transactions, mid-push
            break
    process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL

    report = ws.sync(hub)
    assert report.pending == 0
    with ws.profile.engine.connect() as local:
        events = set(local.execute(select(AuditEvent.id)).scalars())
        newest = local.execute(select(func.max(OutboxEntry.seq))).scalar()
        versions = dict(local.execute(select(Case.id, Case.version)).all())
    with hub.engine.connect() as remote:
        hub_events = remote.execute(text("SELECT id FROM audit_event")).scalars().all()
        notes = remote.execute(text("SELECT count(*) FROM note")).scalar()
        last = remote.execute(text("SELECT last_seq FROM sync_workstation")).scalar()
        hub_versions = dict(remote.execute(text('SELECT id, version FROM "case"')).all())
    assert set(hub_events) == events
    assert len(hub_events) == len(events)
    assert notes == len(cases)
    assert last == newest
    assert hub_versions == versions  # no update applied twice
