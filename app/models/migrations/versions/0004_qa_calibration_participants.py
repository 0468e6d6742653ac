"""QA calibration: the reviewers a lead asks to answer a session (append-only on SQLite).

On the "qa" branch after 0003_qa.

Revision ID: 0004_qa_calibration
Revises: 0003_qa
Create Date: 2026-12-02 09:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_qa_calibration"
down_revision = "0003_qa"
branch_labels = None
depends_on = None

TABLE = "qa_calibration_participant"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("calibration_id", sa.String(length=36), nullable=False),
        sa.Column("reviewer_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["calibration_id"],
            ["qa_calibration.id"],
            name=op.f("fk_qa_calibration_participant_calibration_id_qa_calibration"),
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"], ["reviewer.id"], name=op.f("fk_qa_calibration_participant_reviewer_id_reviewer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qa_calibration_participant")),
        sa.UniqueConstraint("calibration_id", "reviewer_id", name="uq_qa_calibration_participant_person"),
    )
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.create_index("ix_qa_calibration_participant_reviewer", ["reviewer_id"], unique=False)
    if op.get_bind().dialect.name != "sqlite":
        return  # the hub gets its own guards when it is initialised
    for verb in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER {TABLE}_no_{verb.lower()} BEFORE {verb} ON {TABLE} "
            f"BEGIN SELECT RAISE(ABORT, '{TABLE} is append-only'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_{verb}")
    op.drop_table(TABLE)
