"""Hub set-up: idempotent init and add-user; the hub's rules hold for any client, checked with plain SQL."""

# The hub fixtures come from tests.sync_support; a test's parameter of the same name is that fixture.
# ruff: noqa: F811

from __future__ import annotations

import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from app.services.case_commands import ClaimCase
from app.services.review_commands import AddCommunication, AddNote
from app.services.sync import connection as hub_connection
from app.services.sync.connection import HubUrlError, display_url, parse_hub_url, remember, stored_password
from app.services.sync.hub_admin import add_user, init_hub, scram_verifier
from tests.factories import make_case
from tests.sync_support import PG_SKIP, Hub, PgServer, hub, make_hub, pg_hub, pg_server, workstation  # noqa: F401
from tests.test_sync_converge import decide

APPEND_ONLY = ("decision", "checklist_answer", "note", "communication", "audit_event")


def test_init_and_add_user_run_twice_are_no_ops(hub: Hub) -> None:
    first = init_hub(hub.engine)  # the fixture already initialised it
    assert first.changes == ()
    name = hub.server.login("twice") if hub.server else "twice"
    added = add_user(hub.engine, name, "specialist")
    assert f"reviewer {name}" in added.changes
    assert add_user(hub.engine, name, "specialist").changes == ()
    assert init_hub(hub.engine).changes == ()
    with pytest.raises(ValueError, match="role must be one of"):
        add_user(hub.engine, name, "superuser")


def test_a_fresh_hub_reports_what_it_created(tmp_path: Path) -> None:
    from app.services.sync.connection import hub_engine

    engine = hub_engine(tmp_path / "new.db" and f"sqlite:///{tmp_path / 'new.db'}")
    report = init_hub(engine)
    assert any(c.startswith("schema empty ->") for c in report.changes)
    assert "table sync_feed" in report.changes
    assert init_hub(engine).changes == ()
    assert init_hub(engine).hub_id == report.hub_id


# --- plain SQL as each role (PostgreSQL) ------------------------------------------------------------------


class Roles:
    def __init__(self, hub: Hub, server: PgServer) -> None:
        self.engine = hub.engine
        self.names = {
            role: server.login(handle)
            for role, handle in (("specialist", "sam"), ("lead", "lee"), ("qa", "quinn"))
        }
        for role, name in self.names.items():
            add_user(hub.engine, name, role)
        with hub.engine.connect() as connection:
            self.ids = dict(connection.execute(text("SELECT handle, id FROM reviewer")).all())

    def id(self, role: str) -> str:
        return str(self.ids[self.names[role]])

    def run(self, role: str | None, sql: str, **params: Any) -> None:
        """Run ``sql`` as ``role`` (None: the owner) and roll back, so every check starts from the same rows."""
        with self.engine.connect() as connection:
            transaction = connection.begin()
            try:
                if role is not None:
                    connection.execute(text(f'SET ROLE "{self.names[role]}"'))
                connection.execute(text(sql), params)
            finally:
                transaction.rollback()


@pytest.fixture(scope="module")
def roles(
    pg_server: PgServer | None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Roles, dict[str, str]]]:
    """One hub for the module's checks (they roll back): a worked case, people in each group, their rows."""
    if pg_server is None:
        pytest.skip(PG_SKIP)
    hub = make_hub("postgresql", tmp_path_factory.mktemp("roles"), pg_server)
    ws = workstation(tmp_path_factory.mktemp("ws"), "w")
    case_id = make_case(ws.store)
    ws.run(ClaimCase(case_id))
    decide(ws, case_id)
    ws.run(AddCommunication(case_id, "Legal", "Informed legal."))
    ws.run(AddNote(case_id, "A note.", "en"))
    ws.sync(hub)  # as the owner: a case with a row in every append-only table
    people = Roles(hub, pg_server)
    with hub.engine.begin() as connection:
        for role in ("specialist", "lead"):
            connection.execute(
                text(
                    "INSERT INTO remediation_action (id, case_id, action_type, target, countries, horizon, "
                    "status, needs_second_approval, proposed_by_id, created_at, version) VALUES (:id, :case, "
                    "'terminate_account', '', '[]', 'immediate', 'planned', true, :by, now(), 1)"
                ),
                {"id": f"act-{role}", "case": case_id, "by": people.id(role)},
            )
    yield people, {"case": case_id}
    hub.engine.dispose()


@pytest.mark.postgres
def test_append_only_for_every_role_and_the_owner(roles: tuple[Roles, dict[str, str]]) -> None:
    people, _ = roles
    for table in APPEND_ONLY:
        for sql in (
            f"UPDATE {table} SET created_at = created_at",
            f"DELETE FROM {table}",
            f"TRUNCATE {table}",
        ):
            for who in ("specialist", "lead", "qa"):
                with pytest.raises(DBAPIError, match="permission denied"):
                    people.run(who, sql)
            with pytest.raises(DBAPIError, match="append-only"):
                # The tables' owner: the trigger holds (CASCADE, so no foreign key refuses it first).
                people.run(None, sql + (" CASCADE" if sql.startswith("TRUNCATE") else ""))


@pytest.mark.postgres
def test_qa_cannot_decide_or_change_cases(roles: tuple[Roles, dict[str, str]]) -> None:
    people, ids = roles
    with pytest.raises(DBAPIError, match="permission denied"):
        people.run(
            "qa",
            "INSERT INTO decision (id, case_id, outcome, cited_elements, rationale, override_reason, "
            "restriction_type, territorial_scope, facts, source_type, automated_detection, ground, "
            "legal_reference, author_id, created_at) VALUES ('d1', :case, 'label', '[]', 'r', '', '', '[]', '', "
            "'', false, 'terms', '', :me, now())",
            case=ids["case"],
            me=people.id("qa"),
        )
    with pytest.raises(DBAPIError, match="permission denied"):
        people.run("qa", 'UPDATE "case" SET priority = 1')
    people.run(
        "qa",
        "INSERT INTO note (id, case_id, text, language, visibility, author_id, created_at) "
        "VALUES ('qa-note', :case, 'audit remark', 'en', 'internal', :me, now())",
        case=ids["case"],
        me=people.id("qa"),
    )


@pytest.mark.postgres
def test_qa_writes_audit_records_and_findings_are_answered_by_their_reviewer(
    roles: tuple[Roles, dict[str, str]],
) -> None:
    people, ids = roles
    qa, specialist, lead = people.id("qa"), people.id("specialist"), people.id("lead")
    with people.engine.begin() as connection:  # an audit of the case's decision, as the owner writes it
        decision = connection.execute(text("SELECT id FROM decision LIMIT 1")).scalar_one()
        connection.execute(
            text(
                "INSERT INTO qa_batch (id, name, method, parameters, population, created_by_id, created_at) "
                "VALUES ('b1', 'Audit', 'random', '{}', 1, :qa, now());"
            ),
            {"qa": qa},
        )
        connection.execute(
            text(
                "INSERT INTO qa_batch_item (id, batch_id, decision_id, case_id, position, stratum, weight) "
                "VALUES ('i1', 'b1', :decision, :case, 1, '', 1.0)"
            ),
            {"decision": decision, "case": ids["case"]},
        )
        connection.execute(
            text(
                "INSERT INTO qa_review (id, item_id, auditor_id, outcome, answers, rationale, created_at) "
                "VALUES ('r1', 'i1', :qa, 'no_violation', '[]', '', now())"
            ),
            {"qa": qa},
        )
        connection.execute(
            text(
                "INSERT INTO qa_finding (id, review_id, decision_id, case_id, reviewer_id, category, note, "
                "status, response, resolution, resolution_note, created_by_id, created_at, version) VALUES "
                "('f1', 'r1', :decision, :case, :reviewer, 'policy_misapplied', 'n', 'open', '', '', '', :qa, "
                "now(), 1)"
            ),
            {"decision": decision, "case": ids["case"], "reviewer": specialist, "qa": qa},
        )
    batch = (
        "INSERT INTO qa_batch (id, name, method, parameters, population, created_by_id, created_at) "
        "VALUES ('b2', 'Mine', 'random', '{}', 1, :by, now())"
    )
    people.run("qa", batch, by=qa)
    with pytest.raises(DBAPIError, match="row-level security"):
        people.run("qa", batch, by=lead)  # an auditor writes as themself
    with pytest.raises(DBAPIError, match="permission denied"):
        people.run("specialist", batch, by=specialist)
    with pytest.raises(DBAPIError, match="permission denied"):
        people.run("qa", "UPDATE qa_batch SET name = 'changed'")
    with pytest.raises(DBAPIError, match="permission denied"):
        people.run("qa", "UPDATE qa_finding SET status = 'resolved'")  # auditors add records, never change
    dispute = "UPDATE qa_finding SET status = 'disputed', response = 'no', version = 2 WHERE id = 'f1'"
    people.run("specialist", dispute)  # the audited reviewer answers
    people.run("lead", "UPDATE qa_finding SET status = 'resolved', version = 3 WHERE id = 'f1'")


@pytest.mark.postgres
def test_rows_name_their_real_author(roles: tuple[Roles, dict[str, str]]) -> None:
    people, ids = roles
    note = (
        "INSERT INTO note (id, case_id, text, language, visibility, author_id, created_at) "
        "VALUES ('n2', :case, 'x', 'en', 'internal', :author, now())"
    )
    people.run("specialist", note, case=ids["case"], author=people.id("specialist"))
    with pytest.raises(DBAPIError, match="row-level security"):
        people.run("specialist", note, case=ids["case"], author=people.id("lead"))
    people.run("specialist", 'UPDATE "case" SET priority = 2')


@pytest.mark.postgres
def test_four_eyes_on_the_hub(roles: tuple[Roles, dict[str, str]]) -> None:
    people, _ = roles
    approve = "UPDATE remediation_action SET approved_by_id = :by WHERE id = :id"
    with pytest.raises(DBAPIError, match="four-eyes: the second approval must come from someone other"):
        people.run("lead", approve, by=people.id("lead"), id="act-lead")
    with pytest.raises(DBAPIError, match="four-eyes: only a lead"):
        people.run("specialist", approve, by=people.id("lead"), id="act-specialist")
    with pytest.raises(DBAPIError, match="four-eyes: a severe action needs a second approval"):
        people.run("specialist", "UPDATE remediation_action SET status = 'done' WHERE id = 'act-specialist'")
    people.run("lead", approve, by=people.id("lead"), id="act-specialist")
    with pytest.raises(DBAPIError, match="four-eyes: the second approval must come from someone other"):
        people.run(None, approve, by=people.id("lead"), id="act-lead")  # the owner too


def test_four_eyes_on_a_sqlite_hub(tmp_path: Path) -> None:
    from app.services.sync.connection import hub_engine

    engine: Engine = hub_engine(f"sqlite:///{tmp_path / 'h.db'}")
    init_hub(engine)
    ws = workstation(tmp_path, "w")
    make_case(ws.store)
    ws.sync(engine)
    with engine.connect() as connection:
        case_id = connection.execute(text('SELECT id FROM "case"')).scalar()
        someone = connection.execute(text("SELECT id FROM reviewer LIMIT 1")).scalar()
    with pytest.raises(DBAPIError, match="four-eyes"), engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO remediation_action (id, case_id, action_type, target, countries, horizon, status, "
                "needs_second_approval, proposed_by_id, approved_by_id, created_at, version) VALUES ('a', :c, "
                "'terminate_account', '', '[]', 'immediate', 'planned', 1, :p, :p, '2026-01-01', 1)"
            ),
            {"c": case_id, "p": someone},
        )
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_event"))


@pytest.mark.postgres
def test_add_user_sets_a_scram_verifier_not_a_password(pg_hub: Hub) -> None:
    assert pg_hub.server is not None
    name = pg_hub.server.login("pw")
    report = add_user(pg_hub.engine, name, "lead", password="correct horse")
    assert f"password of {name}" in report.changes
    with pg_hub.engine.connect() as connection:
        stored = connection.execute(
            text("SELECT rolpassword FROM pg_authid WHERE rolname = :n"), {"n": name}
        ).scalar()
    assert stored.startswith("SCRAM-SHA-256$4096:")
    assert "correct horse" not in stored
    assert scram_verifier("x").count("$") == 2


# --- URLs and the keyring ---------------------------------------------------------------------------------


def test_urls_are_taken_as_people_write_them() -> None:
    url = parse_hub_url("postgresql://sam@hub.example.org/team?sslmode=verify-full&sslrootcert=/etc/ca.pem")
    assert url.drivername == "postgresql+psycopg"
    assert url.query == {"sslmode": "verify-full", "sslrootcert": "/etc/ca.pem"}
    assert parse_hub_url("postgres://sam@h/db").drivername == "postgresql+psycopg"
    assert parse_hub_url("/tmp/x/hub.db").drivername == "sqlite"
    assert display_url("postgresql://sam@h:5433/db") == "postgresql://sam@h:5433/db"
    with pytest.raises(HubUrlError):
        parse_hub_url("mysql://sam@h/db")


@pytest.fixture
def fake_keyring(monkeypatch: pytest.MonkeyPatch) -> dict[tuple[str, str], str]:
    saved: dict[tuple[str, str], str] = {}
    module = types.ModuleType("keyring")
    module.set_password = lambda service, account, secret: saved.__setitem__((service, account), secret)  # type: ignore[attr-defined]
    module.get_password = lambda service, account: saved.get((service, account))  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "keyring", module)
    return saved


def test_a_password_goes_to_the_keyring_never_to_the_profile(
    fake_keyring: dict[tuple[str, str], str],
) -> None:
    kept = remember("postgresql://sam:s3cret@hub.example.org/team?sslmode=require")
    assert "s3cret" not in kept
    assert kept == "postgresql://sam@hub.example.org/team?sslmode=require"
    assert fake_keyring == {("arbiter-hub", "sam@hub.example.org:5432/team"): "s3cret"}
    assert stored_password(parse_hub_url(kept)) == "s3cret"


def test_no_keyring_backend_is_not_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    module = types.ModuleType("keyring")

    def broken(*_args: Any) -> None:
        raise RuntimeError("no backend")

    module.get_password = broken  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "keyring", module)
    assert stored_password(parse_hub_url("postgresql://sam@h/db")) is None
    assert hub_connection.hub_engine("postgresql://sam@h/db") is not None
