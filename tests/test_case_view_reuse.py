"""The case view reuses its widgets from case to case: whatever the previous case showed, the panes show exactly
the open case (its items, checklist rows and answers, notes) and nothing left over, and a late image for a case
the reviewer has left never lands in a reused thumbnail."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import QBuffer, QIODevice, Qt
from PySide6.QtGui import QColor, QImage
from pytestqt.qtbot import QtBot

from app.main import Workstation, build
from app.models import Case, Reviewer
from app.services.case_commands import ClaimCase
from app.services.checklist import case_checklists
from app.services.dto import CaseDetail
from app.services.intake import CaseSpec, ItemSpec, MediaSpec, create_case
from app.services.profile import Profile
from app.services.queries import case_detail
from app.services.review_commands import AddNote, AnswerChecklistItem
from app.views.content_pane import ContentCard, ContentPane
from app.views.notes_tab import NoteCard
from app.widgets.checklist_row import ChecklistRow

TIMEOUT = 10_000


def png(colour: str) -> bytes:
    image = QImage(40, 30, QImage.Format.Format_RGB32)
    image.fill(QColor(colour))
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(buffer.data())


def add_case(profile: Profile, ref: str, queue: str, replies: int, *, link: str = "", media: int = 0) -> str:
    items = [
        ItemSpec(
            kind="post",
            text=f"{ref} reported post",
            link_url=link,
            author_handle=f"author_{ref}",
            language="en",
            reported=True,
            media=tuple(MediaSpec(f"{ref}-{i}.png", "image/png", png("red")) for i in range(media)),
        )
    ]
    items += [
        ItemSpec(kind="reply", text=f"{ref} reply {i}", author_handle=f"replier_{i}", language="en", parent=0)
        for i in range(replies)
    ]
    spec = CaseSpec(
        external_ref=ref,
        queue_slug=queue,
        title=f"Case {ref}",
        items=tuple(items),
        language="en",
        created_at=datetime.now(UTC) - timedelta(hours=1),
    )

    def work(session):  # type: ignore[no-untyped-def]
        actor = session.query(Reviewer).filter_by(handle="pnair").one()
        return create_case(session, actor, spec).id

    return str(profile.store.write(work))


@pytest.fixture
def cases(team_profile: Profile, people: dict[str, str]) -> dict[str, str]:
    """Three cases of different shapes: many items and three policies with every row answered and two notes;
    one item and one policy; the first one's queue again with fewer items and nothing answered."""
    store = team_profile.store
    big = add_case(team_profile, "RPT-BIG", "hate-harassment", 3, link="https://example.org/post")
    small = add_case(team_profile, "RPT-SMALL", "privacy", 0)
    fresh = add_case(team_profile, "RPT-FRESH", "hate-harassment", 1)
    me = people["srivera"]
    store.execute(ClaimCase(big), me)
    for checklist in store.read(lambda s: case_checklists(s, s.get(Case, big))):
        for element in checklist.elements:
            store.execute(AnswerChecklistItem(big, element.element_id, "met", "seen it"), me)
    store.execute(AddNote(big, "First note.", "en"), me)
    store.execute(AddNote(big, "Second note.", "en"), me)
    return {"big": big, "small": small, "fresh": fresh}


@pytest.fixture
def station(team_profile: Profile, cases: dict[str, str], qtbot: QtBot) -> Iterator[Workstation]:
    station = build(team_profile)
    qtbot.addWidget(station.window)
    station.window.resize(1400, 900)
    station.window.show()
    qtbot.waitUntil(lambda: not station.runner.busy, timeout=TIMEOUT)
    yield station
    station.runner.wait()


def open_case(station: Workstation, qtbot: QtBot, case_id: str) -> CaseDetail:
    with qtbot.waitSignal(station.workspace.case_opened, timeout=TIMEOUT):
        station.workspace.open_case(case_id)
    detail = station.workspace.current_case
    assert detail is not None
    assert detail.id == case_id
    return detail


def assert_shows_exactly(station: Workstation, detail: CaseDetail) -> None:
    window = station.window
    content, checklist, notes = window.content, window.checklist, window.notes

    cards = [c for c in content.findChildren(ContentCard) if c.isVisibleTo(content)]
    assert sorted(map(id, cards)) == sorted(map(id, content.cards))
    assert [c.body.raw_text() for c in content.cards] == [i.text for i in detail.content]
    for card, item in zip(content.cards, detail.content, strict=True):
        assert card.item == item
        assert card.link.isVisibleTo(card) == bool(item.link_url)
        assert card.open_link.isVisibleTo(card) == bool(item.link_url)
        shown_media = (
            [v for v in card.findChildren(type(card.media[0][1])) if v.isVisibleTo(card)]
            if card.media
            else []
        )
        assert len(shown_media) == len(item.media)
    thread = [i for i in detail.content if not i.reported and i.parent_id is not None]
    assert content.thread_label.isVisibleTo(content) == bool(thread)

    elements = [e for c in detail.checklists for e in c.elements]
    rows = [r for r in checklist.findChildren(ChecklistRow) if r.isVisibleTo(checklist)]
    assert sorted(map(id, rows)) == sorted(map(id, checklist.rows))
    assert [r.key for r in checklist.rows] == [e.element_id for e in elements]
    assert [r.answer for r in checklist.rows] == [e.answer for e in elements]
    assert [r._text.text() for r in checklist.rows] == [e.text for e in elements]

    shown_notes = [n for n in notes.findChildren(NoteCard) if n.isVisibleTo(notes)]
    assert sorted(map(id, shown_notes)) == sorted(map(id, notes._cards))
    assert [n.body.raw_text() for n in notes._cards] == [n.text for n in detail.notes]


def test_switching_cases_of_other_shapes_leaves_nothing_stale(
    station: Workstation, cases: dict[str, str], qtbot: QtBot
) -> None:
    big = open_case(station, qtbot, cases["big"])
    assert (len(big.content), len(big.checklists), len(big.notes)) == (4, 3, 2)
    assert all(e.answer == "met" for c in big.checklists for e in c.elements)
    assert_shows_exactly(station, big)
    first_card = station.window.content.cards[0]

    small = open_case(station, qtbot, cases["small"])
    assert (len(small.content), len(small.checklists), len(small.notes)) == (1, 1, 0)
    assert_shows_exactly(station, small)
    assert station.window.content.cards[0] is first_card  # the card was refilled, not rebuilt

    fresh = open_case(station, qtbot, cases["fresh"])  # the big case's policies, none of its answers
    assert [c.policy_id for c in fresh.checklists] == [c.policy_id for c in big.checklists]
    assert all(e.answer is None for c in fresh.checklists for e in c.elements)
    assert_shows_exactly(station, fresh)

    assert_shows_exactly(station, open_case(station, qtbot, cases["big"]))
    assert_shows_exactly(station, open_case(station, qtbot, cases["small"]))


def test_a_late_image_never_lands_in_a_reused_thumbnail(team_profile: Profile, qtbot: QtBot) -> None:
    first = add_case(team_profile, "RPT-IMG-1", "privacy", 0, media=2)
    second = add_case(team_profile, "RPT-IMG-2", "privacy", 0, media=1)
    details = [team_profile.store.read(lambda s, i=i: case_detail(s, i)) for i in (first, second)]
    asked: list[tuple[str, Callable[[QImage], None]]] = []
    pane = ContentPane(lambda media_id, done, _refused: asked.append((media_id, done)))
    qtbot.addWidget(pane)
    pane.show()

    pane.show_case(details[0])
    late = list(asked)
    viewers = [v for _m, v in pane.cards[0].media]
    assert len(late) == 2
    pane.show_case(details[1])
    assert [v for _m, v in pane.cards[0].media] == viewers[:1]  # the first thumbnail is reused
    assert not viewers[1].isVisibleTo(pane)

    image = QImage(40, 30, QImage.Format.Format_RGB32)
    image.fill(Qt.GlobalColor.red)
    for _media_id, done in late:  # the first case's images arrive after the reviewer moved on
        done(image)
    assert all(v._picture.pixmap().isNull() for v in viewers)

    (media_id, done), *_rest = asked[len(late) :]
    assert media_id == details[1].content[0].media[0].id
    done(image)
    assert not viewers[0]._picture.pixmap().isNull()


def test_tabs_out_of_sight_fill_when_shown(station: Workstation, cases: dict[str, str], qtbot: QtBot) -> None:
    window = station.window
    window.show_tab("notes")
    small = open_case(station, qtbot, cases["small"])
    big = open_case(station, qtbot, cases["big"])
    assert len(big.timeline) > len(small.timeline)
    window.show_tab("timeline")
    assert window.timeline.tree.topLevelItemCount() == len(big.timeline)
    small = open_case(station, qtbot, cases["small"])  # in sight: refilled at once
    assert window.timeline.tree.topLevelItemCount() == len(small.timeline)
    window.show_tab("stakeholders")
    assert window.stakeholders.tree.topLevelItemCount() == len(small.communications)
    window.show_tab("remediation")
    assert window.remediation.tree.topLevelItemCount() == len(small.remediation)
