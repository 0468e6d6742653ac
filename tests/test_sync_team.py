"""What a team shares through the hub beyond cases: QA audits and their findings, other workstations' audit
events in a case's timeline, and the queues a workstation chose to pull. SQLite hub and PostgreSQL."""

# The hub fixtures come from tests.sync_support; a test's parameter of the same name is that fixture.
# ruff: noqa: F811

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select, text

from app.models import Case, Note
from app.services.case_commands import ClaimCase
from app.services.qa.batches import CreateBatch, batch_items
from app.services.qa.findings import DisputeFinding, RaiseFinding, ResolveFinding, findings_about
from app.services.qa.review import SubmitBlindReview, compare_item
from app.services.qa.sampling import SampleSpec
from app.services.queries import case_detail
from app.services.review_commands import AddNote
from app.services.sync.local_state import pending_claims
from tests.factories import make_case
from tests.sync_support import Hub, hub, pg_server, workstation  # noqa: F401
from tests.test_qa_audit import answer_all
from tests.test_sync_converge import converge, decide


def _finding(ws, author_id):  # type: ignore[no-untyped-def]
    found = ws.store.read(lambda s: findings_about(s, author_id))
    assert len(found) == 1
    return found[0]


def test_a_finding_its_dispute_and_its_resolution_reach_everyone(hub: Hub, tmp_path: Path) -> None:
    reviewer = workstation(tmp_path, "reviewer", "srivera")
    auditor = workstation(tmp_path, "auditor", "mpark")
    lead = workstation(tmp_path, "lead", "jbecker")
    case_id = make_case(reviewer.store, ref="RPT-QA-1")
    reviewer.run(ClaimCase(case_id))
    decide(reviewer, case_id)
    reviewer.sync(hub)
    auditor.sync(hub)
    lead.sync(hub)

    # The auditor draws a batch, re-reviews the decision blind, disagrees, and raises a finding.
    batch = auditor.run(CreateBatch("Weekly", SampleSpec("random", 1, seed=1))).created_ids[0]
    item = auditor.store.read(lambda s: batch_items(s, batch, auditor.reviewer_id))[0]
    checklist = answer_all(auditor.store, item.id, auditor.reviewer_id, violated=False)
    auditor.run(SubmitBlindReview(item.id, "no_violation", None, "Not met, in my view."))
    comparison = auditor.store.read(lambda s: compare_item(s, item.id, auditor.reviewer_id))
    assert checklist.policy_id
    assert not comparison.agreed
    auditor.run(RaiseFinding(comparison.review_id, "policy_misapplied", "Element 1 is not met."))
    auditor.sync(hub)

    # The reviewer whose decision it was gets the finding, and disputes it.
    reviewer.sync(hub)
    raised = _finding(reviewer, reviewer.reviewer_id)
    assert (raised.status, raised.note) == ("open", "Element 1 is not met.")
    reviewer.run(DisputeFinding(raised.id, raised.version, "The regional context says otherwise."))
    reviewer.sync(hub)
    auditor.sync(hub)
    disputed = _finding(auditor, auditor.people["srivera"])
    assert (disputed.status, disputed.response) == ("disputed", "The regional context says otherwise.")

    # A lead resolves the dispute; the auditor and the reviewer both see the resolution.
    lead.sync(hub)
    seen = _finding(lead, lead.people["srivera"])
    lead.run(ResolveFinding(seen.id, seen.version, "withdrawn", "Context decides here."))
    converge(hub, lead, auditor, reviewer)
    for ws in (reviewer, auditor, lead):
        final = _finding(ws, ws.people["srivera"])
        assert (final.status, final.resolution, final.resolution_note) == (
            "resolved",
            "withdrawn",
            "Context decides here.",
        )
        assert final.version == seen.version + 1
    with hub.engine.connect() as connection:
        on_hub = connection.execute(text("SELECT status, version FROM qa_finding")).all()
        rejected = connection.execute(text("SELECT count(*) FROM sync_rejection")).scalar()
    assert on_hub == [("resolved", seen.version + 1)]
    assert rejected == 0


def test_the_timeline_merges_other_workstations_events_in_time_order(hub: Hub, tmp_path: Path) -> None:
    a = workstation(tmp_path, "a", "srivera")
    b = workstation(tmp_path, "b", "asiddiqui")
    case_id = make_case(a.store, ref="RPT-TL-1")
    a.sync(hub)
    b.sync(hub)
    b.run(AddNote(case_id, "From b, first.", "en"))
    b.sync(hub)
    a.run(AddNote(case_id, "From a, after b.", "en"))
    a.sync(hub)
    b.sync(hub)
    a.sync(hub)
    for ws, other in ((a, "Aisha Siddiqui"), (b, "Sam Rivera")):
        timeline = ws.store.read(lambda s, ws=ws: case_detail(s, case_id)).timeline
        times = [e.created_at for e in timeline]
        assert times == sorted(times)
        remote = [e for e in timeline if e.remote]
        assert remote, "the other workstation's events are in the timeline"
        assert other in {e.actor_name for e in remote}
        assert all(e.seq == 0 for e in remote)
        notes = [(e.actor_name, e.remote) for e in timeline if e.action == "note.added"]
        assert notes == [("Aisha Siddiqui", ws is a), ("Sam Rivera", ws is b)]
        local = [e.seq for e in timeline if not e.remote]
        assert local == sorted(local)
        assert all(local)


def test_a_narrowed_workstation_pulls_its_queues_and_what_it_touched(hub: Hub, tmp_path: Path) -> None:
    a = workstation(tmp_path, "a", "srivera")
    b = workstation(tmp_path, "b", "asiddiqui", queues=("privacy",))
    touched = make_case(a.store, ref="RPT-N-1", queue="integrity")
    a.sync(hub)
    b.queues = None
    b.sync(hub)
    b.run(AddNote(touched, "b worked on this one", "en"))
    b.queues = ("privacy",)
    assert b.sync(hub).full_pull  # a new scope starts with a snapshot of it
    kept = make_case(a.store, ref="RPT-N-2", queue="privacy")
    left_out = make_case(a.store, ref="RPT-N-3", queue="integrity")
    a.run(AddNote(touched, "a answers on the touched case", "en"))
    a.sync(hub)
    b.sync(hub)
    has = lambda case: b.store.read(lambda s: s.get(Case, case)) is not None  # noqa: E731
    assert has(kept)
    assert not has(left_out)
    notes = b.store.read(lambda s: set(s.scalars(select(Note.text).where(Note.case_id == touched))))
    assert notes == {"b worked on this one", "a answers on the touched case"}
    assert b.store.read(lambda s: pending_claims(s, b.reviewer_id)) == frozenset()
