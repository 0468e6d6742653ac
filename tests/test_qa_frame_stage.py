"""The QA frame is staged by a decision's commit and applied before sampling, with row-by-row results."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import func, select, text

from app.models.qa import QaFrame, QaFrameStage
from app.models.store import alembic_config
from app.services.profile import Profile
from app.services.qa import sampling
from app.services.qa.sampling import SampleSpec, draw, risk_class

VERSIONS = Path(__file__).resolve().parent.parent / "app" / "models" / "migrations" / "versions"
FRAME_COLUMNS = (
    "decision_id, case_id, decided_at, prn, queue, policy, reviewer, outcome, language, region, severity, "
    "views, overturned, unsure, risk"
)


def _migration(name: str) -> Any:
    spec = importlib.util.spec_from_file_location(f"_test_{name}", VERSIONS / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _count(profile: Profile, table: type[Any]) -> int:
    return int(profile.store.read(lambda s: s.scalar(select(func.count()).select_from(table))))


def test_a_decision_is_staged_and_a_read_only_draw_applies_it_once(
    worked_case: Profile, people: dict[str, str]
) -> None:
    from app.services.case_commands import ReopenCase
    from app.services.review_commands import RecordDecision

    store = worked_case.store
    case_id = worked_case.case_id  # type: ignore[attr-defined]
    assert _count(worked_case, QaFrameStage) == 1
    assert _count(worked_case, QaFrame) == 0
    spec = SampleSpec("risk", 5, seed=11)
    first = store.read(lambda s: draw(s, spec))  # a read: the staged row is applied and committed apart
    assert _count(worked_case, QaFrameStage) == 0
    assert _count(worked_case, QaFrame) == 1
    assert [p.case_id for p in first.picks] == [case_id]
    store.execute(ReopenCase(case_id, "Appeal upheld"), people["srivera"])
    store.execute(
        RecordDecision(case_id, "no_violation", "On appeal.", override_reason="appeal"), people["srivera"]
    )
    assert _count(worked_case, QaFrame) == 1  # the commit only staged the new decision
    second = store.read(lambda s: draw(s, spec))
    assert second.population == 2
    assert store.read(lambda s: draw(s, spec)) == second  # same seed, same data: same sample
    rows = store.read(lambda s: list(s.scalars(select(QaFrame).order_by(QaFrame.n))))
    assert [r.overturned for r in rows] == [True, False]
    assert all(r.risk == risk_class(r.severity, r.views, r.overturned, r.unsure) for r in rows)


def test_applied_rows_are_what_the_row_by_row_backfill_gives(seeded: Profile) -> None:
    backfill = [s.replace("qa_frame", "expected") for s in _migration("0003_qa").BACKFILL]

    def compare(session: Any) -> tuple[list[Any], list[Any]]:
        assert sampling.catch_up(session) > 0
        session.execute(text("CREATE TEMP TABLE expected AS SELECT * FROM qa_frame WHERE 0"))
        for statement in backfill:
            session.execute(text(statement))
        query = "SELECT {} FROM {} ORDER BY decision_id"
        got = session.execute(text(query.format(FRAME_COLUMNS, "qa_frame"))).all()
        return got, session.execute(text(query.format(FRAME_COLUMNS, "expected"))).all()

    got, expected = seeded.store.read(compare)  # rolled back: the temporary table goes with it
    assert len(got) > 50
    assert got == expected


def test_a_downgrade_applies_staged_rows_and_restores_the_row_trigger(seeded: Profile) -> None:
    staged = _count(seeded, QaFrameStage)
    assert staged > 0
    with seeded.engine.begin() as connection:
        command.downgrade(alembic_config(connection), "0004_qa_calibration")
    with seeded.engine.connect() as connection:
        triggers = set(
            connection.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'").scalars()
        )
        frame = connection.exec_driver_sql("SELECT count(*) FROM qa_frame").scalar()
        decisions = connection.exec_driver_sql("SELECT count(*) FROM decision").scalar()
    assert "qa_frame_decision_ai" in triggers
    assert "qa_frame_stage_ai" not in triggers
    assert frame == decisions
    with seeded.engine.begin() as connection:
        command.upgrade(alembic_config(connection), "heads")
    assert _count(seeded, QaFrameStage) == 0
    assert _count(seeded, QaFrame) == staged
