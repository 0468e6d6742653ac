"""The hub's own SQL: change-feed triggers, append-only and four-eyes guards, roles, grants, row security.

Text only; ``hub_admin`` decides what is missing and runs it. Group roles carry a prefix (``arbiter_`` unless
``hub init`` is told otherwise) because PostgreSQL roles are shared by every database of a server.
"""

from __future__ import annotations

from typing import Final

from app.services.sync.catalog import ENTITIES, QA_TABLES, Entity

GROUPS: Final[tuple[str, ...]] = ("specialist", "lead", "qa", "admin")

# What each group may write, beyond reading everything it syncs. Nobody may UPDATE, DELETE or TRUNCATE an
# append-only table; QA never writes a decision or changes a case (its audits are records of their own). A
# specialist answers calibration sessions and answers findings about their own decisions; a lead resolves.
_WORK = (
    "case",
    "content_item",
    "media_attachment",
    "checklist_answer",
    "note",
    "decision",
    "communication",
    "remediation_action",
    "audit_event",
    "queue",
    "policy",
    "policy_element",
)
INSERTS: Final[dict[str, tuple[str, ...]]] = {
    "specialist": (*_WORK, "qa_calibration_answer"),
    "lead": (*_WORK, "reviewer", *QA_TABLES),
    "qa": ("note", "audit_event", *QA_TABLES),
    "admin": (
        "reviewer",
        "queue",
        "policy",
        "policy_element",
        "case",
        "content_item",
        "media_attachment",
        "note",
        "audit_event",
    ),
}
UPDATES: Final[dict[str, tuple[str, ...]]] = {
    "specialist": ("case", "remediation_action", "qa_finding"),
    "lead": ("case", "remediation_action", "qa_finding"),
    "qa": (),
    "admin": (),
}
# Bookkeeping every application role writes while it pushes.
SYNC_WRITES: Final[tuple[str, ...]] = (
    "sync_workstation",
    "sync_touch",
    "sync_field_version",
    "sync_conflict",
    "sync_rejection",
)
# Row-level security: who a row says wrote it must be the person connected (their reviewer, by handle).
AUTHOR_COLUMNS: Final[dict[str, str]] = {
    "checklist_answer": "author_id",
    "note": "author_id",
    "decision": "author_id",
    "communication": "author_id",
    "audit_event": "actor_id",
    "remediation_action": "proposed_by_id",
    "qa_rubric": "created_by_id",
    "qa_batch": "created_by_id",
    "qa_answer": "auditor_id",
    "qa_review": "auditor_id",
    "qa_score": "author_id",
    "qa_finding": "created_by_id",
    "qa_calibration": "created_by_id",
    "qa_calibration_answer": "participant_id",
}


def update_check(table: str, prefix: str) -> str:
    """Row security on UPDATE: who may change a row of ``table`` (checked on the new row, so a refusal is an
    error the push records, never an update that silently matches nothing)."""
    if table == "qa_finding":
        return (
            f"reviewer_id = arbiter_reviewer_id() OR pg_has_role(current_user, '{prefix}lead', 'MEMBER') "
            f"OR pg_has_role(current_user, '{prefix}admin', 'MEMBER')"
        )
    return "true"


PG_FEED_TABLE = """
CREATE TABLE IF NOT EXISTS sync_feed (
    id bigserial PRIMARY KEY,
    txid xid8 NOT NULL DEFAULT pg_current_xact_id(),
    entity varchar(40) NOT NULL,
    entity_id varchar(36) NOT NULL,
    case_id varchar(36),
    queue_id varchar(36),
    workstation_id varchar(36)
)"""
PG_FEED_INDEX = "CREATE INDEX IF NOT EXISTS ix_sync_feed_position ON sync_feed (txid, id)"


def _case_sql(entity: Entity, ref: str, depth: int = 0) -> str:
    """SQL for the case of a row whose case column holds ``ref`` (following ``case_via`` hop by hop)."""
    if entity.case_via is None:
        return ref
    parent = ENTITIES[entity.case_via]
    alias = f"p{depth}"
    inner = _case_sql(parent, f"{alias}.{parent.case_column}", depth + 1)
    return f'(SELECT {inner} FROM "{parent.name}" {alias} WHERE {alias}.id = {ref})'


def _case_expr(entity: Entity) -> str:
    if entity.case_column is None:
        return "NULL"
    return _case_sql(entity, f"NEW.{entity.case_column}")


def _workstation_expr(entity: Entity) -> str:
    return "NEW.workstation_id" if entity.name.startswith("sync_") else "NULL"


def pg_feed_function_body(entity: Entity) -> str:
    return f"""
DECLARE cid text; qid text;
BEGIN
  cid := {_case_expr(entity)};
  IF cid IS NOT NULL THEN SELECT queue_id INTO qid FROM "case" WHERE id = cid; END IF;
  INSERT INTO sync_feed (entity, entity_id, case_id, queue_id, workstation_id)
  VALUES ('{entity.name}', NEW.id, cid, qid, {_workstation_expr(entity)});
  RETURN NULL;
END"""


def pg_function(name: str, body: str, schema: str, *, definer: bool = False) -> str:
    security = f" SECURITY DEFINER SET search_path = {schema}, pg_temp" if definer else ""
    return f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql{security} AS $fn${body}$fn$"


def pg_feed_trigger(entity: Entity, mutable: bool) -> str:
    events = "INSERT OR UPDATE" if mutable else "INSERT"
    return (
        f'CREATE TRIGGER arbiter_feed AFTER {events} ON "{entity.name}" '
        f"FOR EACH ROW EXECUTE FUNCTION arbiter_feed_{entity.name}()"
    )


PG_APPEND_ONLY_BODY = """
BEGIN
  RAISE EXCEPTION 'append-only: % on % is not allowed', TG_OP, TG_TABLE_NAME;
END"""


def pg_append_only_triggers(table: str) -> dict[str, str]:
    return {
        "arbiter_append_only": (
            f'CREATE TRIGGER arbiter_append_only BEFORE UPDATE OR DELETE ON "{table}" '
            "FOR EACH ROW EXECUTE FUNCTION arbiter_append_only()"
        ),
        "arbiter_no_truncate": (
            f'CREATE TRIGGER arbiter_no_truncate BEFORE TRUNCATE ON "{table}" '
            "FOR EACH STATEMENT EXECUTE FUNCTION arbiter_append_only()"
        ),
    }


def pg_four_eyes_body(prefix: str) -> str:
    return f"""
BEGIN
  IF NEW.approved_by_id IS NOT NULL AND NEW.approved_by_id = NEW.proposed_by_id THEN
    RAISE EXCEPTION 'four-eyes: the second approval must come from someone other than the proposer';
  END IF;
  IF NEW.needs_second_approval AND NEW.approved_by_id IS NULL
     AND NEW.status IN ('in_progress', 'done', 'verified') THEN
    RAISE EXCEPTION 'four-eyes: a severe action needs a second approval before it is carried out';
  END IF;
  IF NEW.approved_by_id IS NOT NULL
     AND (TG_OP = 'INSERT' OR OLD.approved_by_id IS DISTINCT FROM NEW.approved_by_id)
     AND NOT (pg_has_role(current_user, '{prefix}lead', 'MEMBER')
              OR pg_has_role(current_user, '{prefix}admin', 'MEMBER')) THEN
    RAISE EXCEPTION 'four-eyes: only a lead gives the second approval';
  END IF;
  RETURN NEW;
END"""


PG_FOUR_EYES_TRIGGER = (
    "CREATE TRIGGER arbiter_four_eyes BEFORE INSERT OR UPDATE ON remediation_action "
    "FOR EACH ROW EXECUTE FUNCTION arbiter_four_eyes()"
)

# Invoker's rights on purpose: current_user must be the person (or the role a session SET ROLE to).
PG_REVIEWER_FUNCTION = """
CREATE OR REPLACE FUNCTION arbiter_reviewer_id() RETURNS varchar LANGUAGE sql STABLE
SET search_path = {schema}, pg_temp AS $fn$ SELECT id FROM reviewer WHERE handle = current_user $fn$"""


def sqlite_feed_triggers(entity: Entity, mutable: bool) -> dict[str, str]:
    case_expr = _case_expr(entity)
    queue = "NULL" if case_expr == "NULL" else f'(SELECT queue_id FROM "case" WHERE id = {case_expr})'
    insert = (
        "INSERT INTO sync_feed (txid, entity, entity_id, case_id, queue_id, workstation_id) "
        f"VALUES (0, '{entity.name}', NEW.id, {case_expr}, {queue}, {_workstation_expr(entity)});"
    )
    events = ("INSERT", "UPDATE") if mutable else ("INSERT",)
    return {
        f"feed_{entity.name}_{event.lower()}": (
            f'CREATE TRIGGER feed_{entity.name}_{event.lower()} AFTER {event} ON "{entity.name}" '
            f"BEGIN {insert} END"
        )
        for event in events
    }


SQLITE_FOUR_EYES: Final[dict[str, str]] = {
    f"four_eyes_{event.lower()}_{check}": (
        f"CREATE TRIGGER four_eyes_{event.lower()}_{check} BEFORE {event} ON remediation_action WHEN {when} "
        f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
    )
    for event in ("INSERT", "UPDATE")
    for check, when, message in (
        (
            "proposer",
            "NEW.approved_by_id IS NOT NULL AND NEW.approved_by_id = NEW.proposed_by_id",
            "four-eyes: the second approval must come from someone other than the proposer",
        ),
        (
            "approval",
            "NEW.needs_second_approval AND NEW.approved_by_id IS NULL "
            "AND NEW.status IN ('in_progress', 'done', 'verified')",
            "four-eyes: a severe action needs a second approval before it is carried out",
        ),
    )
}
