"""The content review pane: the reported item, its thread, media (blurred), links (checked) and author context.

Everything from the platform's users is shown through the safe-text widgets: plain text, hidden characters
revealable, each text in its own direction whatever the UI's.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from functools import lru_cache

from babel.core import UnknownLocaleError
from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.core import formatting
from app.core.untrusted import isolate, safe_filename
from app.core.vocabulary import CASE_STATUSES, CONTENT_KINDS, PRIORITIES, SEVERITIES, SOURCE_TYPES
from app.i18n import _, ngettext, text_direction
from app.services.dto import CaseDetail, ContentInfo
from app.settings import Settings
from app.widgets.blurred_media import BlurredMedia
from app.widgets.safe_text import SafeLabel, SafeTextView, plain_label

MEDIA_COLUMNS = 2


def clear_layout(layout: QVBoxLayout | QHBoxLayout | QGridLayout) -> None:
    while layout.count():
        item = layout.takeAt(0)
        widget = item.widget()
        if widget is not None:
            widget.deleteLater()
        elif item.layout() is not None:
            clear_layout(item.layout())  # type: ignore[arg-type]


@lru_cache(maxsize=256)
def content_direction(language: str) -> str | None:
    """A known content language fixes the direction; otherwise the text's first strong letter decides."""
    try:
        return text_direction(language) if language else None
    except (ValueError, TypeError, UnknownLocaleError):
        return None


class ContentCard(QFrame):
    """One content item: author line, text, link, media, metrics.

    A card is refilled with ``set_item`` when the pane moves to another case, so the widgets are built once.
    """

    def __init__(self, item: ContentInfo, pane: ContentPane) -> None:
        super().__init__(pane)
        self.item = item
        self._pane = pane
        self.blind = False
        self.author = SafeLabel("", self)
        self.author.setProperty("role", "heading")
        self.handle = SafeLabel("", self, identifier=True)
        self.handle.setProperty("role", "muted")
        self.meta = plain_label(self, role="muted", wrap=True)
        self.meta.setAlignment(Qt.AlignmentFlag.AlignTrailing | Qt.AlignmentFlag.AlignVCenter)
        self.body = SafeTextView(self)
        self.link = SafeLabel("", self, identifier=True)
        # Names, handles and links can be one endless word: let the layout clip them (the tooltip has it all)
        # rather than let them widen the pane past the window.
        for label in (self.author, self.handle, self.link):
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.open_link = QPushButton(self)
        self.open_link.clicked.connect(lambda: pane.link_requested.emit(self.item.link_url))
        self.media: list[tuple[str, BlurredMedia]] = []
        self._viewers: list[BlurredMedia] = []  # built as needed, spares hidden
        top = QHBoxLayout()
        top.addWidget(self.author, 2)
        top.addWidget(self.handle, 2)
        top.addWidget(self.meta, 3)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.addLayout(top)
        layout.addWidget(self.body)
        row = QHBoxLayout()
        row.addWidget(self.link, 1)
        row.addWidget(self.open_link)
        layout.addLayout(row)
        self._strip = QGridLayout()  # two thumbnails a row: a narrow pane never scrolls sideways
        self._strip.setColumnStretch(MEDIA_COLUMNS, 1)
        layout.addLayout(self._strip)
        self.set_item(item, revealed=False)
        self.retranslate_ui()

    def set_item(self, item: ContentInfo, *, revealed: bool) -> None:
        """Show another item in this card; its media start empty and blurred until their images arrive."""
        self.item = item
        role = "reported" if item.reported else "card"
        if self.property("role") != role:
            self.setProperty("role", role)
            self.style().unpolish(self)
            self.style().polish(self)
        self.author.set_untrusted(item.author_display_name)
        self.author.setToolTip(self.author.text()[:2000])
        self.handle.set_untrusted("@" + item.author_handle if item.author_handle else "")
        self.handle.setToolTip(self.handle.text()[:2000])
        self.body.set_untrusted(item.text, content_direction(item.language), revealed=revealed)
        self.link.set_untrusted(item.link_url)
        self.link.setToolTip(self.link.text()[:2000])
        self.link.setVisible(bool(item.link_url))
        self.open_link.setVisible(bool(item.link_url))
        self.media = []
        for index, media in enumerate(item.media):
            viewer = self._viewer(index)
            viewer.clear()
            viewer.setToolTip(safe_filename(media.file_name))
            viewer.show()
            self.media.append((media.id, viewer))
        for viewer in self._viewers[len(item.media) :]:
            viewer.clear()
            viewer.hide()

    def _viewer(self, index: int) -> BlurredMedia:
        if index < len(self._viewers):
            return self._viewers[index]
        viewer = BlurredMedia(self)
        viewer.reveal_requested.connect(lambda i=index: self._pane.reveal(*self.media[i]))
        self._viewers.append(viewer)
        self._strip.addWidget(viewer, index // MEDIA_COLUMNS, index % MEDIA_COLUMNS)
        return viewer

    def retranslate_ui(self) -> None:
        item = self.item
        parts = [
            _(CONTENT_KINDS.get(item.kind, item.kind)),
            formatting.language_name(item.language),
            formatting.relative(item.captured_at),
        ]
        metrics = {} if self.blind else item.metrics  # popularity is hidden too in blind review
        self.author.set_untrusted(
            _("Author hidden (blind review)") if self.blind else item.author_display_name
        )
        self.handle.setVisible(not self.blind)
        if metrics.get("views"):
            parts.append(_("%(count)s views") % {"count": formatting.compact(metrics["views"])})
        if metrics.get("reposts"):
            parts.append(_("%(count)s reposts") % {"count": formatting.compact(metrics["reposts"])})
        if metrics.get("likes"):
            parts.append(_("%(count)s likes") % {"count": formatting.compact(metrics["likes"])})
        self.meta.setText(" · ".join(p for p in parts if p))
        self.meta.setToolTip(formatting.exact_utc(item.captured_at))
        self.open_link.setText(_("Open link…"))
        for _id, viewer in self.media:
            viewer.set_button_text(_("Reveal"))


class ContentPane(QScrollArea):
    """Signals:
    link_requested: a URL the reviewer asked to open (the window confirms it first).
    media_reveal_requested: (media id) the reviewer asked to reveal; the window logs it.
    """

    link_requested = Signal(str)
    conflicts_requested = Signal()
    media_reveal_requested = Signal(str)

    def __init__(self, load_image: object, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("contentPane")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._load_image = load_image
        self._settings = Settings()
        self._case: CaseDetail | None = None
        self._pending_claims: frozenset[str] = frozenset()
        self._cards: list[ContentCard] = []  # the cards showing the open case, in content order
        self._top_cards: list[ContentCard] = []  # pools, refilled case after case; spares hidden
        self._thread_cards: list[ContentCard] = []
        self._inner = QWidget(self)
        self.setWidget(self._inner)
        self._privacy = plain_label(None, role="privacy", wrap=True)
        self._privacy.setObjectName("privacyScreen")
        self._privacy.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title = SafeLabel("", self._inner)
        self.title.setObjectName("caseTitle")
        self.title.setProperty("role", "heading")
        self.title.setWordWrap(True)
        self.facts = plain_label(self._inner, wrap=True)
        self.sla = plain_label(self._inner)
        self.reason_label = plain_label(self._inner, role="muted")
        self.reason = SafeLabel("", self._inner)
        self.reason.setWordWrap(True)
        self.conflict_marker = QPushButton(self._inner)
        self.conflict_marker.setObjectName("conflictMarker")
        self.conflict_marker.clicked.connect(self.conflicts_requested)
        self.conflict_marker.hide()
        self.reveal_hidden = QCheckBox(self._inner)
        self.reveal_hidden.toggled.connect(self._reveal_hidden)
        self.thread_label = plain_label(self._inner, role="heading")
        self.author_label = plain_label(self._inner, role="heading")
        self.author_box = plain_label(self._inner, wrap=True)
        self.empty = plain_label(self._inner)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._cards_layout = QVBoxLayout()
        self._thread_layout = QVBoxLayout()
        layout = QVBoxLayout(self._inner)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.addWidget(self.empty)
        layout.addWidget(self.title)
        layout.addWidget(self.facts)
        layout.addWidget(self.sla)
        layout.addWidget(self.reason_label)
        layout.addWidget(self.reason)
        layout.addWidget(self.conflict_marker, 0, Qt.AlignmentFlag.AlignLeading)
        layout.addWidget(self.reveal_hidden)
        layout.addLayout(self._cards_layout)
        layout.addWidget(self.thread_label)
        layout.addLayout(self._thread_layout)
        layout.addWidget(self.author_label)
        layout.addWidget(self.author_box)
        layout.addStretch(1)
        self.show_case(None)
        self.retranslate_ui()

    def set_settings(self, settings: Settings) -> None:
        self._settings = settings
        if self._case is not None:
            self.show_case(self._case)

    def set_pending_claims(self, case_ids: frozenset[str]) -> None:
        """Cases claimed here that the team hub has not confirmed yet; the header marks the open one."""
        if case_ids == self._pending_claims:
            return
        self._pending_claims = case_ids
        if self._case is not None:
            self.retranslate_ui()

    @property
    def cards(self) -> list[ContentCard]:
        return self._cards

    def show_case(self, case: CaseDetail | None) -> None:
        same = case is not None and self._case is not None and case.id == self._case.id
        self._case = case
        has = case is not None
        self._inner.setUpdatesEnabled(False)  # one repaint for the whole refill, not one per widget
        try:
            for widget in (
                self.title,
                self.facts,
                self.sla,
                self.reason_label,
                self.reason,
                self.reveal_hidden,
                self.author_label,
                self.author_box,
            ):
                widget.setVisible(has)
            if not has:
                self.conflict_marker.hide()
            self.empty.setVisible(not has)
            if case is None:
                self._fill_cards(())
                return
            self.title.set_untrusted(case.title)
            self.title.setLayoutDirection(
                Qt.LayoutDirection.RightToLeft
                if content_direction(case.language) == "rtl"
                else Qt.LayoutDirection.LeftToRight
            )
            self.reason.set_untrusted(case.report_reason)
            if not same:
                self._fill_cards(case.content)
            self.retranslate_ui()
        finally:
            self._inner.setUpdatesEnabled(True)

    def _fill_cards(self, items: Sequence[ContentInfo]) -> None:
        """Refill the pooled cards in content order: top-level items above, replies under "Thread"."""
        revealed = self.reveal_hidden.isChecked()
        pools = ((self._top_cards, self._cards_layout), (self._thread_cards, self._thread_layout))
        used = [0, 0]
        self._cards = []
        for item in items:
            which = 0 if item.reported or item.parent_id is None else 1
            pool, layout = pools[which]
            if used[which] < len(pool):
                card = pool[used[which]]
                card.set_item(item, revealed=revealed)
            else:
                card = ContentCard(item, self)
                if revealed:
                    card.body.set_revealed(True)
                pool.append(card)
                layout.addWidget(card)
            used[which] += 1
            card.show()
            self._cards.append(card)
            for media_id, viewer in card.media:
                self._load(media_id, viewer)
        for (pool, _layout), count in zip(pools, used, strict=True):
            for spare in pool[count:]:
                spare.hide()
        self.thread_label.setVisible(used[1] > 0)

    def _load(self, media_id: str, viewer: BlurredMedia) -> None:
        blur = self._settings.blur_strength if self._settings.blur_media else 0

        def current() -> bool:  # a pooled viewer may show another attachment by the time this arrives
            return any(m == media_id and v is viewer for card in self._cards for m, v in card.media)

        def done(image: QImage) -> None:
            if current():
                viewer.set_image(image, blur=blur, greyscale=self._settings.greyscale_media)

        def refused(reason: str) -> None:
            if current():
                viewer.set_placeholder(_("Image not shown: %(reason)s") % {"reason": reason})

        self._load_image(media_id, done, refused)  # type: ignore[operator]

    def reveal(self, media_id: str, viewer: BlurredMedia) -> None:
        viewer.reveal()
        self.media_reveal_requested.emit(media_id)

    def hide_all_media(self) -> None:
        for card in self._cards:
            for _id, viewer in card.media:
                viewer.hide_again()

    @property
    def content_hidden(self) -> bool:
        return self.widget() is self._privacy

    def set_content_hidden(self, hidden: bool) -> None:
        """The privacy screen: all reported content out of sight at once, media blurred again."""
        if hidden == self.content_hidden:
            return
        self.hide_all_media()
        self.takeWidget()
        self.setWidget(self._privacy if hidden else self._inner)

    def _reveal_hidden(self, on: bool) -> None:
        for card in self._cards:
            card.body.set_revealed(on)

    def retranslate_ui(self) -> None:
        self.empty.setText(_("Select a case in the queue to review it."))
        self._privacy.setText(_("Content hidden. Press Ctrl+Shift+H to show it again."))
        self.reason_label.setText(_("Reported because"))
        self.reveal_hidden.setText(_("Show hidden and direction-control characters"))
        self.thread_label.setText(_("Thread"))
        self.author_label.setText(_("Author context"))
        case = self._case
        if case is None:
            return
        assignee = case.assignee.name if case.assignee else _("unassigned")
        claimed = _("assignee: %(name)s")
        if case.id in self._pending_claims:
            claimed = _("assignee: %(name)s (claim pending sync)")
        self.facts.setText(
            " · ".join(
                (
                    isolate(case.external_ref),
                    isolate(case.queue.name),
                    _(CASE_STATUSES.get(case.status, case.status)),
                    _(PRIORITIES.get(case.priority, "")),
                    _("severity: %(level)s") % {"level": _(SEVERITIES.get(case.severity, ""))},
                    formatting.country_name(case.region),
                    _(SOURCE_TYPES.get(case.source_type, case.source_type)),
                    claimed % {"name": isolate(assignee)},
                )
            )
        )
        state = formatting.sla_state(case.due_at) if case.status != "resolved" else "ok"
        if self.sla.property("sla") != state:  # re-polishing restyles the label: only when the state changes
            self.sla.setProperty("sla", state)
            self.sla.style().unpolish(self.sla)
            self.sla.style().polish(self.sla)
        self.sla.setText(
            _("SLA: %(state)s (%(when)s)")
            % {"state": formatting.sla_text(case.due_at), "when": formatting.when(case.due_at)}
        )
        self.sla.setToolTip(formatting.exact_utc(case.due_at))
        blind = self._settings.blind_review and case.suggested_outcome is None
        for card in self._cards:
            card.blind = blind
        self.conflict_marker.setVisible(case.open_conflicts > 0)
        self.conflict_marker.setText(
            ngettext(
                "%(count)s sync conflict on this case: open it to settle",
                "%(count)s sync conflicts on this case: open them to settle",
                case.open_conflicts,
            )
            % {"count": case.open_conflicts}
        )
        self.author_box.setText(
            _("Who wrote this, and how popular it is, stay hidden until the checklist is done.")
            if blind
            else self._author_text(case)
        )
        for card in self._cards:
            card.retranslate_ui()

    def _author_text(self, case: CaseDetail) -> str:
        reported = next((c for c in case.content if c.reported), None)
        if reported is None:
            return ""
        meta = reported.author_meta
        lines = []
        if meta.get("bio"):
            lines.append(str(meta["bio"]))
        followers = int(meta.get("followers", 0) or 0)
        lines.append(
            ngettext("%(count)s follower", "%(count)s followers", followers)
            % {"count": formatting.compact(followers)}
        )
        if meta.get("account_created"):
            try:
                created = datetime.fromisoformat(str(meta["account_created"])).replace(tzinfo=UTC)
                lines.append(_("account created %(when)s") % {"when": formatting.day(created)})
            except ValueError:
                pass
        strikes = int(meta.get("prior_strikes", 0) or 0)
        lines.append(
            ngettext("%(count)s prior strike", "%(count)s prior strikes", strikes) % {"count": strikes}
        )
        history = case.author_history
        if history is not None:
            lines.append(
                ngettext(
                    "%(count)s other case about this author",
                    "%(count)s other cases about this author",
                    len(history.other_cases),
                )
                % {"count": len(history.other_cases)}
                + " · "
                + ngettext(
                    "%(count)s ended in a violation",
                    "%(count)s ended in a violation",
                    history.prior_violations,
                )
                % {"count": history.prior_violations}
            )
            for row in history.other_cases[:5]:
                lines.append(
                    f"  {isolate(row.external_ref)} · {_(CASE_STATUSES.get(row.status, row.status))} · {row.title}"
                )
        return "\n".join(lines)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)
