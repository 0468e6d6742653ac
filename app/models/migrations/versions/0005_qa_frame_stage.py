"""QA frame kept lazily: a decision stages its frame row in an unindexed table; the sampler moves staged
rows into ``qa_frame`` (with its sixteen sampling indexes) when it next draws.

Maintaining ``qa_frame`` row by row cost every decision about thirty index pages in its durable commit. The
staging trigger computes the same values the old frame trigger did (at decision time) and appends one row;
``app.services.qa.sampling.catch_up`` applies them, with the "overturned" marks, in one pass. No backfill: the
old trigger kept the frame current up to this migration.

On the "qa" branch after 0004_qa_calibration.

Revision ID: 0005_qa_frame_stage
Revises: 0004_qa_calibration
Create Date: 2026-12-05 12:00:00
"""

import sqlalchemy as sa
from alembic import op

import app.models.base

revision = "0005_qa_frame_stage"
down_revision = "0004_qa_calibration"
branch_labels = None
depends_on = None

TABLE = "qa_frame_stage"
_HEX = "'0123456789abcdef'"


def _prn(column: str) -> str:
    """48 random bits of a UUID4 (hex digits 1-8 and 10-13), as 0003_qa computes them."""
    positions = [*range(1, 9), *range(10, 14)]
    terms = [
        f"max(instr({_HEX}, lower(substr({column}, {p}, 1))) - 1, 0) * {16 ** (len(positions) - 1 - i)}"
        for i, p in enumerate(positions)
    ]
    return " + ".join(terms)


_VIEWS = (
    "coalesce((SELECT max(CAST(json_extract(ci.metrics, '$.views') AS INTEGER)) FROM content_item ci "
    "WHERE ci.case_id = c.id AND ci.reported = 1), 0)"
)
_UNSURE = (
    "EXISTS (SELECT 1 FROM checklist_answer a WHERE a.case_id = c.id AND a.answer = 'unsure' "
    "AND a.created_at <= NEW.created_at AND NOT EXISTS (SELECT 1 FROM checklist_answer b "
    "WHERE b.case_id = a.case_id AND b.element_id = a.element_id AND b.created_at <= NEW.created_at "
    "AND (b.created_at > a.created_at OR (b.created_at = a.created_at AND b.id > a.id))))"
)
_COLUMNS = (
    "decision_id, case_id, decided_at, prn, queue, policy, reviewer, outcome, language, region, severity, "
    "views, unsure, supersedes_id"
)
STAGE_TRIGGER = f"""CREATE TRIGGER qa_frame_stage_ai AFTER INSERT ON decision BEGIN
    INSERT INTO {TABLE} ({_COLUMNS})
    SELECT NEW.id, c.id, NEW.created_at, {_prn("NEW.id")}, c.queue_id,
        coalesce((SELECT p.code FROM policy p WHERE p.id = NEW.policy_id), ''), NEW.author_id, NEW.outcome,
        c.language, c.region, c.severity, {_VIEWS}, {_UNSURE}, NEW.supersedes_id
    FROM "case" c WHERE c.id = NEW.case_id;
END"""

_FRAME_COLUMNS = (
    "decision_id, case_id, decided_at, prn, queue, policy, reviewer, outcome, language, region, severity, "
    "views, overturned, unsure, risk"
)


def _risk(overturned: str) -> str:
    """0003_qa's packed risk class of a frame row (app.services.qa.sampling.risk_class)."""
    reach = (
        "(CASE WHEN views >= 100000 THEN 3 WHEN views >= 10000 THEN 2 WHEN views >= 1000 THEN 1 ELSE 0 END)"
    )
    return f"((min(max(severity, 1), 4) - 1) * 16 + {reach} * 4 + ({overturned}) * 2 + (unsure))"


# A downgrade applies what is staged and restores 0003_qa's row-by-row trigger.
_APPLY = [
    f"INSERT INTO qa_frame ({_FRAME_COLUMNS}) SELECT decision_id, case_id, decided_at, prn, queue, policy, "
    f"reviewer, outcome, language, region, severity, views, 0, unsure, {_risk('0')} FROM {TABLE} ORDER BY n",
    f"UPDATE qa_frame SET overturned = 1, risk = {_risk('1')} "
    f"WHERE decision_id IN (SELECT supersedes_id FROM {TABLE}) AND EXISTS (SELECT 1 FROM {TABLE} s "
    "WHERE s.supersedes_id = qa_frame.decision_id AND s.outcome != qa_frame.outcome)",
    f"DELETE FROM {TABLE}",
]
_ROW_TRIGGER = f"""CREATE TRIGGER qa_frame_decision_ai AFTER INSERT ON decision BEGIN
    INSERT INTO qa_frame ({_FRAME_COLUMNS})
    SELECT NEW.id, c.id, NEW.created_at, {_prn("NEW.id")}, c.queue_id,
        coalesce((SELECT p.code FROM policy p WHERE p.id = NEW.policy_id), ''), NEW.author_id, NEW.outcome,
        c.language, c.region, c.severity, {_VIEWS}, 0, {_UNSURE}, 0
    FROM "case" c WHERE c.id = NEW.case_id;
    UPDATE qa_frame SET risk = {_risk("overturned")} WHERE decision_id = NEW.id;
    UPDATE qa_frame SET overturned = 1, risk = {_risk("1")}
        WHERE decision_id = NEW.supersedes_id AND outcome != NEW.outcome;
END"""


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("n", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("decision_id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("decided_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("prn", sa.Integer(), nullable=False),
        sa.Column("queue", sa.String(length=36), nullable=False),
        sa.Column("policy", sa.String(length=20), nullable=False),
        sa.Column("reviewer", sa.String(length=36), nullable=False),
        sa.Column("outcome", sa.String(length=40), nullable=False),
        sa.Column("language", sa.String(length=12), nullable=False),
        sa.Column("region", sa.String(length=8), nullable=False),
        sa.Column("severity", sa.Integer(), nullable=False),
        sa.Column("views", sa.Integer(), nullable=False),
        sa.Column("unsure", sa.Boolean(), nullable=False),
        sa.Column("supersedes_id", sa.String(length=36), nullable=True),
        sa.PrimaryKeyConstraint("n", name=op.f("pk_qa_frame_stage")),
    )
    if op.get_bind().dialect.name != "sqlite":
        return  # the hub keeps no frame trigger
    op.execute("DROP TRIGGER IF EXISTS qa_frame_decision_ai")
    op.execute(STAGE_TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS qa_frame_stage_ai")
        for statement in _APPLY:
            op.execute(statement)
        op.execute(_ROW_TRIGGER)
    op.drop_table(TABLE)
