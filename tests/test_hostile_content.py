"""Hostile content end to end: through import, into every pane, proven by inspecting the widgets."""

from __future__ import annotations

import base64
import json
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from app.core.untrusted import BIDI_CONTROLS, inspect_link, neutralise_bidi
from app.main import Workstation, build
from app.models import Case, Reviewer
from app.services.intake import import_jsonl
from app.services.profile import Profile
from app.services.review_commands import AddNote
from app.widgets.safe_text import SafeTextView

FIXTURE = Path(__file__).parent / "fixtures" / "hostile_strings.json"
PER_CASE = 8
TIMEOUT = 10_000


def png_header(width: int, height: int) -> bytes:
    """A PNG that claims a size but carries no pixels: a decompression bomb's calling card."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = (
        struct.pack(">I", len(header)) + b"IHDR" + header + struct.pack(">I", zlib.crc32(b"IHDR" + header))
    )
    return b"\x89PNG\r\n\x1a\n" + chunk


BAD_IMAGES = {
    "bomb.png": png_header(50_000, 50_000),
    "truncated.png": b"\x89PNG\r\n\x1a\n\x00\x00",
    "corrupt.png": png_header(64, 64) + b"\x00\x00\x00\x05IDATgarbage",
}


def as_shown(text: str) -> str:
    """Text as a plain-text document gives it back: line breaks unified, a byte-order mark dropped."""
    return (
        text.replace("\r\n", "\n")
        .replace("\r", "\n")
        .replace("\u2029", "\n")
        .replace("\u2028", "\n")
        .replace("\ufeff", "")
        .replace("\xa0", " ")  # QTextDocument stores a no-break space as a plain one
    )


def hostile() -> list[str]:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


def cases_from(strings: list[str]) -> list[dict[str, object]]:
    cases = []
    for number, start in enumerate(range(0, len(strings), PER_CASE)):
        chunk = strings[start : start + PER_CASE]
        items: list[dict[str, object]] = [
            {
                "kind": "post" if i == 0 else "reply",
                "text": s,
                "author_handle": s[:200],
                "author_display_name": s[:200],
                "link_url": s[:4000],
                "reported": i == 0,
                **({"parent": 0} if i else {}),
            }
            for i, s in enumerate(chunk)
        ]
        if number == 0:
            items[0]["media"] = [
                {"file_name": name, "mime": "image/png", "data_base64": base64.b64encode(data).decode()}
                for name, data in BAD_IMAGES.items()
            ]
        cases.append(
            {
                "external_ref": f"H-{number}",
                "queue": "hate-harassment",
                "title": chunk[0][:500],
                "report_reason": chunk[-1],
                "language": "en",
                "items": items,
            }
        )
    return cases


@pytest.fixture
def hostile_profile(team_profile: Profile, people: dict[str, str]) -> Profile:
    data = "\n".join(json.dumps(c, ensure_ascii=False) for c in cases_from(hostile())).encode("utf-8")

    def work(session):  # type: ignore[no-untyped-def]
        return import_jsonl(session, session.get(Reviewer, people["pnair"]), data)

    assert team_profile.store.write(work) == len(cases_from(hostile()))
    ids = team_profile.store.read(lambda s: list(s.scalars(select(Case.id).order_by(Case.external_ref))))
    for case_id, text in zip(ids, hostile(), strict=False):
        team_profile.store.execute(AddNote(case_id, text or "(empty)", "en"), people["srivera"])
    return team_profile


@pytest.fixture
def station(hostile_profile: Profile, qtbot: QtBot) -> Iterator[Workstation]:
    station = build(hostile_profile)
    qtbot.addWidget(station.window)
    station.window.resize(1400, 900)
    station.window.show()
    qtbot.waitUntil(lambda: station.workspace.current_case is not None, timeout=TIMEOUT)
    yield station
    station.runner.wait()


def test_fixture_is_big_and_varied() -> None:
    strings = hostile()
    assert len(set(strings)) >= 200
    assert any("<img" in s for s in strings)
    assert any("\u202e" in s for s in strings)


def test_every_hostile_string_is_shown_as_inert_plain_text(station: Workstation, qtbot: QtBot) -> None:
    window = station.window
    refused_before = SafeTextView.refused_resources
    seen: set[str] = set()
    for _ in range(window.queue.model.rowCount()):
        qtbot.waitUntil(lambda: not station.runner.busy, timeout=TIMEOUT)
        case = station.workspace.current_case
        assert case is not None
        qtbot.waitUntil(lambda case=case: len(window.content.cards) == len(case.content), timeout=TIMEOUT)
        for card in window.content.cards:
            seen.add(card.item.text)
            document = card.body.document()
            assert as_shown(document.toPlainText()) == as_shown(neutralise_bidi(card.item.text))
            block = document.begin()
            while block.isValid():
                iterator = block.begin()
                while not iterator.atEnd():
                    fragment = iterator.fragment()
                    assert not fragment.charFormat().isImageFormat()
                    assert not fragment.charFormat().isAnchor()
                    iterator += 1
                block = block.next()
            assert not (set(card.handle.text()) & BIDI_CONTROLS), card.handle.text()
        for label in [*window.content.findChildren(QLabel), *window.notes.findChildren(QLabel)]:
            assert label.textFormat().name == "PlainText", label.text()[:80]
        for note in window.notes._cards:
            assert note.body.document().toPlainText()
        window.next_case()
    assert len(seen) >= 200
    assert SafeTextView.refused_resources == refused_before  # plain text never even asks for a resource


def test_bad_images_become_placeholders(station: Workstation, qtbot: QtBot) -> None:
    window = station.window
    window.queue.focus_search()
    card = next((c for c in window.content.cards if c.item.media), None)
    while card is None:
        window.next_case()
        qtbot.waitUntil(lambda: not station.runner.busy, timeout=TIMEOUT)
        card = next((c for c in window.content.cards if c.item.media), None)
    qtbot.waitUntil(lambda: all(v._picture.text() for _i, v in card.media), timeout=TIMEOUT)
    texts = [v._picture.text() for _i, v in card.media]
    assert any("50000 x 50000" in t for t in texts)
    assert all(t.startswith("Image not shown") for t in texts)


@pytest.mark.parametrize("text", hostile()[:400:7])
def test_link_inspection_never_raises_and_only_http_opens(text: str) -> None:
    link = inspect_link(text)
    if link.openable:
        assert link.scheme in ("http", "https")
        assert link.host_ascii
