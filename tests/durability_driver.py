"""The child of the durability harness: a stream of real edits, one acknowledgement line per commit.

    python tests/durability_driver.py DB CASE_ID ACTOR_ID PREFIX ELEMENT_ID...
    python tests/durability_driver.py --audit-only DB COUNT

Opens the store the way the app does (same engine and pragmas, no upgrade: the parent made the profile), says
"ready", then runs AddNote, AnswerChecklistItem and AddCommunication through ``Store.execute`` until killed.
After each one returns (COMMIT done) it prints "ack TOKEN" and flushes; TOKEN is written into the edit, so the
parent can find it again. Imports only what the commands need: start-up is most of each kill cycle's cost.

``--audit-only`` appends COUNT bare audit events (no other write in their transaction) and exits: two of
these at once show whether the hash chain stays one chain when processes race for its end.
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path


def main(argv: list[str]) -> None:
    from app.models.store import sqlite_engine
    from app.services.commanding import Command, Store
    from app.services.review_commands import AddCommunication, AddNote, AnswerChecklistItem

    db, case_id, actor_id, prefix, *elements = argv
    store = Store(sqlite_engine(Path(db)))
    out = sys.stdout
    out.write("ready\n")
    out.flush()
    answers = ("met", "not_met", "unsure")
    for n in itertools.count():
        token = f"{prefix}-{n}"
        if n % 3 == 0:
            command: Command = AddNote(case_id, f"durability {token}", "en")
        elif n % 3 == 1:
            command = AnswerChecklistItem(
                case_id, elements[n % len(elements)], answers[n % 3], evidence=token
            )
        else:
            command = AddCommunication(case_id, "Legal", f"durability {token}")
        store.execute(command, actor_id)
        out.write(f"ack {token}\n")
        out.flush()


def audit_only(db: str, count: int) -> None:
    from app.models.store import sqlite_engine
    from app.services import audit
    from app.services.commanding import Store

    store = Store(sqlite_engine(Path(db)))
    for n in range(count):
        store.write(
            lambda session, n=n: audit.record(
                session,
                actor_id="driver",
                action="case.viewed",
                entity="case",
                entity_id=str(n),
                case_id=None,
            )
        )


if __name__ == "__main__":
    if sys.argv[1] == "--audit-only":
        audit_only(sys.argv[2], int(sys.argv[3]))
    else:
        main(sys.argv[1:])
