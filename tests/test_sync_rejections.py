"""Refused pushes are stored, synced back and shown; a workstation pulls its scope, not the whole hub."""

# The hub fixtures come from tests.sync_support; a test's parameter of the same name is that fixture.
# ruff: noqa: F811

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from app.models import Case, Note, RemediationAction, Reviewer
from app.services import audit
from app.services.case_commands import ClaimCase
from app.services.remediation_commands import PlanRemediation
from app.services.review_commands import AddNote
from app.services.sync.conflicts import list_rejections, status
from app.services.sync.connection import hub_engine
from app.services.sync.engine import HubUnreachable, claim_on_hub
from app.services.sync.hub_admin import add_user
from tests.factories import make_case
from tests.sync_support import Hub, Workstation, hub, pg_hub, pg_server, workstation  # noqa: F401
from tests.test_sync_converge import decide


def _self_approve(ws: Workstation, action_id: str) -> None:
    """What a broken or hostile client might send: a severe action approved by its own proposer."""

    def work(session):  # type: ignore[no-untyped-def]
        action = session.get(RemediationAction, action_id)
        base = action.version
        action.approved_by_id = action.proposed_by_id
        action.version = base + 1
        audit.enqueue(
            session,
            "remediation_action",
            action.id,
            "update",
            {"approved_by_id": action.approved_by_id},
            base,
        )

    ws.store.write(work)


def test_a_refused_push_is_kept_shown_and_the_row_restored(hub: Hub, tmp_path: Path) -> None:
    ws = workstation(tmp_path, "w")
    other = workstation(tmp_path, "o", "asiddiqui")
    case_id = make_case(ws.store)
    ws.run(ClaimCase(case_id))
    decide(ws, case_id)
    ws.run(PlanRemediation(case_id, "terminate_account", target="@x"))
    action_id = ws.store.read(lambda s: s.scalars(select(RemediationAction.id)).one())
    ws.sync(hub)
    _self_approve(ws, action_id)
    ws.run(AddNote(case_id, "after the refused change", "en"))

    report = ws.sync(hub)
    assert report.rejections == 1
    assert report.pending == 0
    [rejection] = ws.store.read(list_rejections)
    assert (rejection.code, rejection.entity, rejection.op) == ("four_eyes", "remediation_action", "update")
    assert "proposer" in rejection.reason
    assert ws.store.read(lambda s: list_rejections(s, case_id)) == (rejection,)
    assert ws.store.read(status).rejections == 1
    # The hub's state came back: the local row no longer claims an approval the hub never accepted.
    assert ws.store.read(lambda s: s.get(RemediationAction, action_id).approved_by_id) is None
    # The rest of the push went through, and the refusal stays on the hub for leads to see.
    other.sync(hub)
    assert other.store.read(lambda s: s.scalar(select(func.count()).select_from(Note))) == 1
    with hub.engine.connect() as connection:
        assert connection.execute(text("SELECT code FROM sync_rejection")).scalars().all() == ["four_eyes"]
    assert ws.sync(hub).rejections == 0  # seen once, kept for good
    assert len(ws.store.read(list_rejections)) == 1


@pytest.mark.postgres
def test_a_login_pushes_as_itself_and_the_hub_refuses_other_authors(pg_hub: Hub, tmp_path: Path) -> None:
    assert pg_hub.server is not None
    sam = pg_hub.server.login("sam")
    lee = pg_hub.server.login("lee")
    add_user(pg_hub.engine, sam, "specialist")
    add_user(pg_hub.engine, lee, "lead")
    ws = workstation(tmp_path, "w")  # the profile calls its reviewer srivera; the hub knows them as sam
    ws.store.write(
        lambda s: s.add(Reviewer(name="Lee", handle=lee, role="lead", languages=[], time_zone="UTC"))
    )
    lee_local = ws.store.read(lambda s: s.scalars(select(Reviewer.id).where(Reviewer.handle == lee)).one())
    case_id = make_case(ws.store, intake_handle="srivera")
    ws.run(ClaimCase(case_id))
    ws.run(AddNote(case_id, "mine", "en"))
    ws.store.execute(AddNote(case_id, "written as someone else", "en"), lee_local)
    url = pg_hub.url.replace("postgresql+psycopg://postgres@", f"postgresql://{sam}@")
    as_sam = hub_engine(url)
    report = ws.sync(as_sam)
    as_sam.dispose()
    assert report.pending == 0
    codes = sorted({r.code for r in ws.store.read(list_rejections)})
    assert codes == ["permission"]  # lee's note and its audit event: RLS says the author must be sam
    with pg_hub.engine.connect() as connection:
        notes = connection.execute(text("SELECT text FROM note")).scalars().all()
        authors = (
            connection.execute(
                text("SELECT DISTINCT r.handle FROM audit_event a JOIN reviewer r ON r.id = a.actor_id")
            )
            .scalars()
            .all()
        )
    assert notes == ["mine"]
    assert authors == [sam]


def test_scope_is_my_queues_and_what_i_touched(tmp_path: Path) -> None:
    engine = hub_engine(f"sqlite:///{tmp_path / 'hub.db'}")
    from app.services.sync.hub_admin import init_hub

    init_hub(engine)
    a = workstation(tmp_path, "a")
    b = workstation(tmp_path, "b", "asiddiqui", queues=("privacy",))
    mine = make_case(a.store, ref="RPT-S-1", queue="privacy")
    theirs = make_case(a.store, ref="RPT-S-2", queue="integrity")
    a.sync(engine)
    b.sync(engine)
    has = lambda ws, case: ws.store.read(lambda s: s.get(Case, case)) is not None  # noqa: E731
    assert has(b, mine)
    assert not has(b, theirs)
    touched = make_case(b.store, ref="RPT-S-3", queue="integrity")  # outside b's queues, but b made it
    b.sync(engine)
    a.sync(engine)
    a.run(ClaimCase(touched))
    a.run(AddNote(touched, "seen by b too", "en"))
    a.run(AddNote(theirs, "not for b", "en"))
    a.sync(engine)
    b.sync(engine)
    notes = b.store.read(lambda s: set(s.scalars(select(Note.text))))
    assert notes == {"seen by b too"}
    b.queues = None  # widening the scope pulls what is now in it
    assert b.sync(engine).full_pull
    assert has(b, theirs)
    assert a.export() == b.export()


def test_an_unreachable_hub_keeps_everything_and_claims_stay_provisional(tmp_path: Path) -> None:
    ws = workstation(tmp_path, "w")
    case_id = make_case(ws.store)
    down = hub_engine("postgresql://nobody@127.0.0.1:1/none?connect_timeout=2")
    with pytest.raises(HubUnreachable):
        ws.sync(down)
    outcome = claim_on_hub(ws.profile.engine, down, case_id, ws.reviewer_id)
    assert outcome.status == "provisional"
    local = ws.store.read(status)
    assert local.pending > 0
    assert local.last_error


def test_claim_on_hub_is_a_compare_and_set(tmp_path: Path) -> None:
    engine = hub_engine(f"sqlite:///{tmp_path / 'hub.db'}")
    from app.services.sync.hub_admin import init_hub

    init_hub(engine)
    a = workstation(tmp_path, "a")
    b = workstation(tmp_path, "b", "asiddiqui")
    case_id = make_case(a.store)
    a.sync(engine)
    b.sync(engine)
    assert claim_on_hub(a.profile.engine, engine, case_id, a.reviewer_id).status == "won"
    lost = claim_on_hub(b.profile.engine, engine, case_id, b.reviewer_id)  # b had not seen a's claim
    assert lost.status == "lost"
    assert lost.holder_id == b.people["srivera"]
