"""Running a named command: one session, one transaction, the audit event and outbox row inside it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Protocol, TypeVar

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from app.i18n import N_
from app.models import Reviewer
from app.services.dto import Changes
from app.services.errors import NotFound
from app.services.storage_errors import storage_errors

T = TypeVar("T")


class Command(Protocol):
    """A named mutation. ``run`` changes rows through ``session`` and says what it changed."""

    def run(self, session: Session, actor: Reviewer) -> Changes: ...


class Store:
    """The services' handle on one database: sessions per unit of work, and who is acting."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self._sessions() as session:
            yield session

    def read(self, query: Callable[[Session], T]) -> T:
        with self._sessions() as session:
            return query(session)

    def execute(self, command: Command, actor_id: str) -> Changes:
        """Run ``command`` as ``actor_id`` in one transaction; nothing of it persists if it raises."""
        # A full or failing disk often shows only at commit: translate it outside the transaction block.
        with storage_errors(), self._sessions.begin() as session:
            actor = session.get(Reviewer, actor_id)
            if actor is None:
                raise NotFound(N_("No reviewer with id %(id)s in this profile."), id=actor_id)
            return command.run(session, actor)

    def write(self, work: Callable[[Session], T]) -> T:
        with storage_errors(), self._sessions.begin() as session:
            return work(session)
