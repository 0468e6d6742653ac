"""Setting up a hub: ``arbiter hub init URL`` and ``arbiter hub add-user NAME --role ROLE``.

Both only add what is missing, so running them again is a no-op (their reports say what they did). ``init``
upgrades the domain schema with the store's own Alembic migrations (the hub has the same tables as every
workstation), then adds the hub's feed and bookkeeping tables and, on PostgreSQL, the group roles, grants,
row-level security and the triggers that hold for every role including the tables' owner.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from dataclasses import dataclass

from alembic import command
from sqlalchemy import Connection, Engine, inspect, select, text

from app.models import Base, new_id, utcnow
from app.models.store import alembic_config
from app.models.sync import HUB_METADATA, hub_meta
from app.services.sync import hub_ddl
from app.services.sync.catalog import APPEND_ONLY_TABLES, ENTITIES, MUTABLE

DEFAULT_PREFIX = "arbiter_"
ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
LOGIN_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]{0,62}$")


@dataclass(frozen=True)
class AdminReport:
    """What a run changed (empty: nothing was missing)."""

    changes: tuple[str, ...]
    hub_id: str


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _meta(connection: Connection, key: str) -> str | None:
    return connection.execute(select(hub_meta.c.value).where(hub_meta.c.key == key)).scalar()


def _set_meta(connection: Connection, key: str, value: str, changes: list[str]) -> str:
    current = _meta(connection, key)
    if current is None:
        connection.execute(hub_meta.insert().values(key=key, value=value))
        changes.append(f"hub setting {key}")
        return value
    return current


def _schema(connection: Connection, changes: list[str]) -> None:
    before = _versions(connection)
    config = alembic_config(connection)
    config.attributes["arbiter_target"] = "hub"
    command.upgrade(config, "heads")
    after = _versions(connection)
    if after != before:
        changes.append(f"schema {', '.join(sorted(before)) or 'empty'} -> {', '.join(sorted(after))}")


def _versions(connection: Connection) -> set[str]:
    if not inspect(connection).has_table("alembic_version"):
        return set()
    return set(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())


def _hub_tables(connection: Connection, changes: list[str]) -> None:
    existing = set(inspect(connection).get_table_names())
    if connection.dialect.name == "postgresql" and "sync_feed" not in existing:
        connection.execute(text(hub_ddl.PG_FEED_TABLE))
        connection.execute(text(hub_ddl.PG_FEED_INDEX))
    HUB_METADATA.create_all(connection, checkfirst=True)
    changes.extend(f"table {name}" for name in sorted(set(HUB_METADATA.tables) - existing))


def _synced_tables(connection: Connection) -> list[str]:
    existing = set(inspect(connection).get_table_names())
    return [name for name in ENTITIES if name in existing]


# --- SQLite hub ---------------------------------------------------------------------------------------------


def _sqlite_triggers(connection: Connection, changes: list[str]) -> None:
    present = set(connection.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars())
    wanted: dict[str, str] = dict(hub_ddl.SQLITE_FOUR_EYES)
    for name in _synced_tables(connection):
        spec = ENTITIES[name]
        wanted.update(hub_ddl.sqlite_feed_triggers(spec, spec.kind == MUTABLE))
    for name, ddl in wanted.items():
        if name not in present:
            connection.execute(text(ddl))
            changes.append(f"trigger {name}")


# --- PostgreSQL hub -----------------------------------------------------------------------------------------


def _pg_function(connection: Connection, name: str, ddl: str, body: str, changes: list[str]) -> None:
    source = connection.execute(
        text(
            "SELECT prosrc FROM pg_proc WHERE proname = :name AND pronamespace = current_schema()::regnamespace"
        ),
        {"name": name},
    ).scalar()
    if source != body:
        connection.execute(text(ddl))
        changes.append(f"function {name}")


def _pg_trigger(connection: Connection, table: str, name: str, ddl: str, changes: list[str]) -> None:
    exists = connection.execute(
        text("SELECT 1 FROM pg_trigger WHERE tgname = :name AND tgrelid = CAST(:table AS regclass)"),
        {"name": name, "table": _quote(table)},
    ).scalar()
    if not exists:
        connection.execute(text(ddl))
        changes.append(f"trigger {name} on {table}")


def _pg_triggers(connection: Connection, schema: str, prefix: str, changes: list[str]) -> None:
    for name in _synced_tables(connection):
        spec = ENTITIES[name]
        body = hub_ddl.pg_feed_function_body(spec)
        function = f"arbiter_feed_{name}"
        _pg_function(
            connection, function, hub_ddl.pg_function(function, body, schema, definer=True), body, changes
        )
        _pg_trigger(
            connection, name, "arbiter_feed", hub_ddl.pg_feed_trigger(spec, spec.kind == MUTABLE), changes
        )
    body = hub_ddl.PG_APPEND_ONLY_BODY
    _pg_function(
        connection,
        "arbiter_append_only",
        hub_ddl.pg_function("arbiter_append_only", body, schema),
        body,
        changes,
    )
    for table in APPEND_ONLY_TABLES:
        for name, ddl in hub_ddl.pg_append_only_triggers(table).items():
            _pg_trigger(connection, table, name, ddl, changes)
    body = hub_ddl.pg_four_eyes_body(prefix)
    _pg_function(
        connection, "arbiter_four_eyes", hub_ddl.pg_function("arbiter_four_eyes", body, schema), body, changes
    )
    _pg_trigger(connection, "remediation_action", "arbiter_four_eyes", hub_ddl.PG_FOUR_EYES_TRIGGER, changes)


def _pg_roles(connection: Connection, prefix: str, changes: list[str]) -> list[str]:
    groups = [f"{prefix}{group}" for group in hub_ddl.GROUPS]
    for group in groups:
        exists = connection.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": group}).scalar()
        if not exists:
            connection.execute(text(f"CREATE ROLE {_quote(group)} NOLOGIN"))
            changes.append(f"role {group}")
    return groups


def _pg_grants(connection: Connection, schema: str, prefix: str) -> None:
    """Grants are set every run; GRANT and REVOKE of what is already so change nothing."""
    everyone = ", ".join(_quote(f"{prefix}{g}") for g in hub_ddl.GROUPS)
    tables = set(inspect(connection).get_table_names())
    synced = [t for t in (*Base.metadata.tables, *HUB_METADATA.tables) if t in tables]
    run = connection.execute
    run(text(f"GRANT USAGE ON SCHEMA {_quote(schema)} TO {everyone}"))
    run(text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {_quote(schema)} TO {everyone}"))
    for table in synced:
        run(text(f"REVOKE ALL ON {_quote(table)} FROM PUBLIC"))
        run(text(f"GRANT SELECT ON {_quote(table)} TO {everyone}"))
    for table in hub_ddl.SYNC_WRITES:
        run(text(f"GRANT INSERT, UPDATE ON {_quote(table)} TO {everyone}"))
    for group in hub_ddl.GROUPS:
        role = _quote(f"{prefix}{group}")
        for table in hub_ddl.INSERTS[group]:
            if table in tables:
                run(text(f"GRANT INSERT ON {_quote(table)} TO {role}"))
        for table in hub_ddl.UPDATES[group]:
            if table in tables:
                run(text(f"GRANT UPDATE ON {_quote(table)} TO {role}"))
    for table in APPEND_ONLY_TABLES:
        run(text(f"REVOKE UPDATE, DELETE, TRUNCATE ON {_quote(table)} FROM {everyone}, PUBLIC"))


def _pg_row_security(connection: Connection, schema: str, prefix: str, changes: list[str]) -> None:
    connection.execute(text(hub_ddl.PG_REVIEWER_FUNCTION.format(schema=_quote(schema))))
    tables = set(inspect(connection).get_table_names())
    updated = {t for group in hub_ddl.UPDATES.values() for t in group}
    for table, column in hub_ddl.AUTHOR_COLUMNS.items():
        if table not in tables:
            continue
        enabled = connection.execute(
            text("SELECT relrowsecurity FROM pg_class WHERE oid = CAST(:t AS regclass)"), {"t": _quote(table)}
        ).scalar()
        if not enabled:
            connection.execute(text(f"ALTER TABLE {_quote(table)} ENABLE ROW LEVEL SECURITY"))
            changes.append(f"row-level security on {table}")
        policies = {
            "arbiter_read": "FOR SELECT USING (true)",
            "arbiter_author": f"FOR INSERT WITH CHECK ({column} = arbiter_reviewer_id())",
        }
        if table in updated:
            check = hub_ddl.update_check(table, prefix)
            policies["arbiter_update"] = f"FOR UPDATE USING (true) WITH CHECK ({check})"
        for name, clause in policies.items():
            exists = connection.execute(
                text(
                    "SELECT 1 FROM pg_policies WHERE tablename = :t AND policyname = :p AND schemaname = :s"
                ),
                {"t": table, "p": name, "s": schema},
            ).scalar()
            if not exists:
                connection.execute(text(f"CREATE POLICY {name} ON {_quote(table)} {clause}"))
                changes.append(f"policy {name} on {table}")


# --- the two commands ---------------------------------------------------------------------------------------


def init_hub(engine: Engine, *, prefix: str = DEFAULT_PREFIX) -> AdminReport:
    """Create or upgrade the hub behind ``engine``; a no-op when it is complete."""
    if not ROLE_NAME.match(f"{prefix}lead"):
        raise ValueError(f"role prefix {prefix!r} must be lower-case letters, digits or '_'")
    changes: list[str] = []
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # One initialiser at a time; concurrent DDL on the same objects would fail half-way.
            connection.execute(text("SELECT pg_advisory_xact_lock(hashtext('arbiter hub init'))"))
        _schema(connection, changes)
        _hub_tables(connection, changes)
        hub_id = _set_meta(connection, "hub_id", new_id(), changes)
        prefix = _set_meta(connection, "role_prefix", prefix, changes)
        if connection.dialect.name == "postgresql":
            schema = str(connection.execute(text("SELECT current_schema()")).scalar_one())
            _pg_roles(connection, prefix, changes)
            _pg_triggers(connection, schema, prefix, changes)
            _pg_grants(connection, schema, prefix)
            _pg_row_security(connection, schema, prefix, changes)
        else:
            _sqlite_triggers(connection, changes)
    return AdminReport(tuple(changes), hub_id)


def scram_verifier(password: str, *, iterations: int = 4096) -> str:
    """A SCRAM-SHA-256 verifier, so the password itself never reaches the server (or its statement log)."""
    salt = os.urandom(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", "sha256").digest()
    b64 = base64.b64encode
    return f"SCRAM-SHA-256${iterations}:{b64(salt).decode()}${b64(stored_key).decode()}:{b64(server_key).decode()}"


def add_user(
    engine: Engine, name: str, role: str, *, password: str | None = None, display_name: str = ""
) -> AdminReport:
    """A login role in the group ``role`` and the hub's reviewer row for it (handle = login name)."""
    if role not in hub_ddl.GROUPS:
        raise ValueError(f"role must be one of {', '.join(hub_ddl.GROUPS)}, not {role!r}")
    if not LOGIN_NAME.match(name):
        raise ValueError(f"user name {name!r} must be letters, digits, '_', '.' or '-' (at most 63)")
    changes: list[str] = []
    with engine.begin() as connection:
        hub_id = _meta(connection, "hub_id")
        if hub_id is None:
            raise ValueError("this hub is not initialised; run `arbiter hub init URL` first")
        if connection.dialect.name == "postgresql":
            prefix = _meta(connection, "role_prefix") or DEFAULT_PREFIX
            group = f"{prefix}{role}"
            if name in {f"{prefix}{g}" for g in hub_ddl.GROUPS}:
                raise ValueError(f"{name!r} is a group role; a person needs a name of their own")
            exists = connection.execute(
                text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": name}
            ).scalar()
            if not exists:
                connection.execute(text(f"CREATE ROLE {_quote(name)} LOGIN"))
                changes.append(f"login role {name}")
            member = connection.execute(
                text(
                    "SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
                    "JOIN pg_roles u ON u.oid = m.member WHERE g.rolname = :g AND u.rolname = :u"
                ),
                {"g": group, "u": name},
            ).scalar()
            if not member:
                connection.execute(text(f"GRANT {_quote(group)} TO {_quote(name)}"))
                changes.append(f"{name} joins {group}")
            if password:
                # A literal is required here; the verifier is a hash, not the password.
                verifier = scram_verifier(password).replace("'", "''")
                connection.exec_driver_sql(f"ALTER ROLE {_quote(name)} PASSWORD '{verifier}'")
                changes.append(f"password of {name}")
        reviewers = Base.metadata.tables["reviewer"]
        if connection.execute(select(reviewers.c.id).where(reviewers.c.handle == name)).scalar() is None:
            connection.execute(
                reviewers.insert().values(
                    id=new_id(),
                    name=display_name or name,
                    handle=name,
                    role=role,
                    languages=[],
                    time_zone="UTC",
                    created_at=utcnow(),
                )
            )
            changes.append(f"reviewer {name}")
    return AdminReport(tuple(changes), hub_id)
