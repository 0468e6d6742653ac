"""The main window: queue | content | checklist above, the case's tabs below, status bar at the foot."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFrame,
    QMainWindow,
    QMenu,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.controllers.language import LanguageService
from app.controllers.sync import SyncController, SyncState
from app.controllers.wellness import WellnessMonitor
from app.controllers.workspace import ReferenceData, Workspace
from app.core import formatting
from app.core.untrusted import isolate
from app.core.vocabulary import ROLES
from app.core.wellness import BreakPolicy
from app.i18n import LANGUAGES, N_, _
from app.services.dto import CaseDetail, Changes
from app.settings import Settings, sync_queue_slugs
from app.views.checklist_pane import ChecklistPane
from app.views.content_pane import ContentPane
from app.views.decision_tab import DecisionTab
from app.views.dialogs import DialogService, open_link_safely
from app.views.help_overlay import HelpOverlay
from app.views.itemmodels.queue_model import CaseQueueModel
from app.views.notes_tab import NotesTab
from app.views.queue_pane import QueuePane
from app.views.remediation_tab import RemediationTab
from app.views.stakeholders_tab import StakeholdersTab
from app.views.sync_panel import SyncDetailsDialog, describe, lost_claims_text
from app.views.timeline_tab import TimelineTab
from app.widgets.info_bar import InfoBar
from app.widgets.safe_text import plain_label
from app.widgets.sync_badge import SyncBadge

if TYPE_CHECKING:
    from app.services.sync.engine import ClaimOutcome
    from app.views.qa.workspace import QaWorkspace
    from app.views.settings_dialog import SettingsDialog

TABS = ("notes", "remediation", "decision", "stakeholders", "timeline")
TAB_TITLES = {
    "notes": N_("Notes"),
    "remediation": N_("Remediation plan"),
    "decision": N_("Decision"),
    "stakeholders": N_("Stakeholders"),
    "timeline": N_("Timeline"),
}
WORKING_STATUSES = ("in_review", "awaiting_input")


class MainWindow(QMainWindow):
    def __init__(
        self,
        workspace: Workspace,
        queue_model: CaseQueueModel,
        language: LanguageService,
        profile_name: str,
        apply_theme: Callable[[str], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.workspace = workspace
        self.language = language
        self.profile_name = profile_name
        self._apply_theme = apply_theme
        self.dialogs = DialogService(self)
        self.help_overlay: HelpOverlay | None = None
        self.settings_dialog: SettingsDialog | None = None
        self.qa_window: QaWorkspace | None = None
        self.queue = QueuePane(queue_model, self)
        self.content = ContentPane(workspace.load_image, self)
        self.checklist = ChecklistPane(self)
        self.notes = NotesTab(self)
        self.remediation = RemediationTab(self)
        self.decision = DecisionTab(self)
        self.stakeholders = StakeholdersTab(self)
        self.timeline = TimelineTab(self)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("caseTabs")
        for key in TABS:
            scroller = QScrollArea(self.tabs)  # a tall form scrolls instead of squeezing the panes above
            scroller.setWidgetResizable(True)
            scroller.setFrameShape(QFrame.Shape.NoFrame)
            scroller.setWidget(getattr(self, key))
            self.tabs.addTab(scroller, "")
        top = QSplitter(Qt.Orientation.Horizontal, self)
        top.addWidget(self.queue)
        top.addWidget(self.content)
        top.addWidget(self.checklist)
        top.setStretchFactor(0, 3)
        top.setStretchFactor(1, 4)
        top.setStretchFactor(2, 3)
        top.setSizes([660, 540, 400])
        self._top_split = top
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(top)
        split.addWidget(self.tabs)
        split.setStretchFactor(0, 5)
        split.setStretchFactor(1, 2)
        self._main_split = split
        self._sized = False
        self.info_bar = InfoBar(self)
        self.info_bar.acted.connect(self._took_break)
        central = QWidget(self)
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.info_bar)
        self.sync_info = InfoBar(self)  # sync's news, e.g. a claim the hub gave to someone else
        self.sync_info.setObjectName("syncInfo")
        self.sync_info.acted.connect(lambda: self.workspace.open_case(self._lost_case))
        self._lost_case: str | None = None
        column.addWidget(self.sync_info)
        column.addWidget(split, 1)
        self.setCentralWidget(central)
        self.wellness = WellnessMonitor(self._break_policy(workspace.settings), self)
        self.wellness.exposure_changed.connect(lambda _e: self.retranslate_status())
        self.wellness.break_suggested.connect(self._suggest_break)
        self.status_actor = plain_label(self)
        self.status_sync = SyncBadge(self)
        self.status_sync.action_requested.connect(self.sync_now)
        self.status_sync.details_requested.connect(self.show_sync_details)
        self.sync: SyncController | None = None
        self.sync_dialog: SyncDetailsDialog | None = None
        self.status_sla = plain_label(self)
        self.status_exposure = plain_label(self)
        self.status_language = plain_label(self)
        for label in (self.status_actor, self.status_sync, self.status_sla, self.status_exposure):
            self.statusBar().addWidget(label)
        self.statusBar().addPermanentWidget(self.status_language)
        self._build_menus()
        self._shortcuts = self._bind_shortcuts()
        self._connect()
        self.resize(1600, 960)
        self.retranslate_ui()

    # --- wiring --------------------------------------------------------------------------------------------
    def _connect(self) -> None:
        ws = self.workspace
        self.queue.case_selected.connect(ws.open_case)
        ws.case_opened.connect(self.show_case)
        ws.changes_applied.connect(self._changes_applied)
        ws.command_failed.connect(self._failed)
        ws.reference_loaded.connect(self._reference_loaded)
        ws.settings_changed.connect(self._settings_changed)
        self.checklist.answered.connect(ws.answer)
        self.checklist.policy_added.connect(ws.add_policy)
        self.notes.note_submitted.connect(
            lambda t, lang, vis: ws.add_note(t, lang, vis, lambda _c: self.notes.note_saved())
        )
        self.decision.decision_submitted.connect(lambda form: ws.decide(form, lambda _c: self._decided()))
        self.remediation.action_planned.connect(
            lambda form: ws.plan_remediation(form, lambda _c: self.remediation.action_saved())
        )
        self.remediation.status_requested.connect(ws.set_remediation_status)
        self.remediation.approval_requested.connect(ws.approve_remediation)
        self.stakeholders.message_logged.connect(
            lambda who, channel, text: ws.log_communication(
                who, channel, text, lambda _c: self.stakeholders.message_saved()
            )
        )
        self.content.link_requested.connect(lambda url: open_link_safely(self.dialogs, url))
        self.content.media_reveal_requested.connect(ws.record_reveal)
        self.content.conflicts_requested.connect(self.show_sync_details)
        self.content.media_reveal_requested.connect(lambda _m: self.wellness.record_reveal())
        self.language.language_changed.connect(self._language_changed)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        self.case_menu = QMenu(self)
        self.view_menu = QMenu(self)
        self.language_menu = QMenu(self)
        self.actor_menu = QMenu(self)
        self.help_menu = QMenu(self)
        bar.addMenu(self.case_menu)
        bar.addMenu(self.view_menu)
        bar.addMenu(self.help_menu)
        self.actions: dict[str, QAction] = {}
        for key, handler in (
            ("claim", self.workspace.claim),
            ("release", self.workspace.release),
            ("wait", lambda: self.workspace.set_waiting(True)),
            ("resume", lambda: self.workspace.set_waiting(False)),
            ("resolve", self.workspace.resolve),
            ("reopen", self._reopen),
        ):
            action = QAction(self)
            action.triggered.connect(handler)
            self.case_menu.addAction(action)
            self.actions[key] = action
        self.case_menu.addSeparator()
        self.case_menu.addMenu(self.actor_menu)
        self.theme_group = QActionGroup(self)
        for key in ("light", "dark"):
            action = QAction(self, checkable=True)
            action.setChecked(self.workspace.settings.theme == key)
            action.triggered.connect(lambda _c=False, k=key: self._set_theme(k))
            self.theme_group.addAction(action)
            self.view_menu.addAction(action)
            self.actions[f"theme_{key}"] = action
        self.view_menu.addSeparator()
        self.view_menu.addMenu(self.language_menu)
        self.language_group = QActionGroup(self)
        for code, name in LANGUAGES.items():
            action = QAction(name, self, checkable=True)  # each language under its own name, never translated
            action.setChecked(code == self.language.language)
            action.triggered.connect(lambda _c=False, c=code: self.switch_language(c))
            self.language_group.addAction(action)
            self.language_menu.addAction(action)
        self.view_menu.addSeparator()
        self.actions["qa"] = QAction(self)
        self.actions["qa"].setShortcut(QKeySequence("Ctrl+Shift+Q"))
        self.actions["qa"].triggered.connect(self.show_qa)
        self.view_menu.addAction(self.actions["qa"])
        self.actions["settings"] = QAction(self)
        self.actions["settings"].setShortcut(QKeySequence("Ctrl+,"))
        self.actions["settings"].triggered.connect(self.show_settings)
        self.view_menu.addAction(self.actions["settings"])
        self.actions["help"] = QAction(self)
        self.actions["help"].triggered.connect(self.show_help)
        self.help_menu.addAction(self.actions["help"])

    SHORTCUTS: tuple[tuple[str, str, str], ...] = (
        ("J", N_("Next case"), "next_case"),
        ("K", N_("Previous case"), "previous_case"),
        ("C", N_("Claim the case"), "claim"),
        ("A", N_("Answer the checklist (then 1 met, 2 not met, 3 unsure)"), "focus_checklist"),
        ("N", N_("Write a note"), "focus_note"),
        ("D", N_("Go to the decision form"), "focus_decision"),
        ("Ctrl+Return", N_("Record the decision, or add the note being written"), "submit"),
        ("R", N_("Go to the remediation plan"), "focus_remediation"),
        ("Shift+R", N_("Resolve the case"), "resolve"),
        ("W", N_("Wait for input, or resume review"), "toggle_wait"),
        ("/", N_("Search the queue"), "focus_search"),
        ("Escape", N_("Leave the text field, so single-key shortcuts work again"), "focus_queue"),
        ("Ctrl+Shift+H", N_("Hide all content at once, or show it again"), "hide_media"),
        ("F1", N_("Show keyboard shortcuts"), "show_help"),
    )

    def _bind_shortcuts(self) -> list[QShortcut]:
        shortcuts = []
        for keys, _description, name in self.SHORTCUTS:
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
            shortcut.activated.connect(getattr(self, name))
            shortcuts.append(shortcut)
        for number, _key in enumerate(TABS, start=1):
            shortcut = QShortcut(QKeySequence(f"Ctrl+{number}"), self)
            shortcut.activated.connect(lambda n=number - 1: self.tabs.setCurrentIndex(n))
            shortcuts.append(shortcut)
        return shortcuts

    # --- keyboard actions ----------------------------------------------------------------------------------
    def show_tab(self, key: str) -> None:
        self.tabs.setCurrentIndex(TABS.index(key))

    def next_case(self) -> None:
        self.queue.move(1)

    def previous_case(self) -> None:
        self.queue.move(-1)

    def claim(self) -> None:
        self.workspace.claim()

    def resolve(self) -> None:
        self.workspace.resolve()

    def toggle_wait(self) -> None:
        case = self.workspace.current_case
        if case is not None:
            self.workspace.set_waiting(case.status == "in_review")

    def focus_checklist(self) -> None:
        self.checklist.focus_first_open()

    def focus_note(self) -> None:
        self.show_tab("notes")
        self.notes.focus_editor()

    def focus_decision(self) -> None:
        self.show_tab("decision")
        self.decision.preselect_suggestion()
        self.decision.rationale.setFocus()

    def focus_remediation(self) -> None:
        self.show_tab("remediation")
        self.remediation.kind.setFocus()

    def focus_queue(self) -> None:
        self.queue.focus_table()

    def focus_search(self) -> None:
        self.queue.focus_search()

    def hide_media(self) -> None:
        self.content.set_content_hidden(not self.content.content_hidden)

    def submit(self) -> None:
        if self.notes.isAncestorOf(self.focusWidget()) or self.tabs.currentIndex() == TABS.index("notes"):
            self.notes.submit()
        else:
            self.decision.submit()

    def show_help(self) -> None:
        if self.help_overlay is None:
            self.help_overlay = HelpOverlay([(k, d) for k, d, _n in self.SHORTCUTS], self)
        self.help_overlay.open()

    # --- sync --------------------------------------------------------------------------------------------
    def attach_sync(self, sync: SyncController) -> None:
        """Show the background sync's state and let it know about every change made here."""
        self.sync = sync
        sync.state_changed.connect(self._sync_state)
        sync.data_pulled.connect(self._pulled)
        sync.claims_lost.connect(self._claims_lost)
        self.workspace.changes_applied.connect(sync.notify_local_change)
        sync.set_queues(sync_queue_slugs(self.workspace.settings))
        self.workspace.settings_changed.connect(
            lambda s: (
                sync.set_reviewer(s.reviewer_id),
                sync.set_hub(s.hub_url),
                sync.set_queues(sync_queue_slugs(s)),
            )
        )
        self._sync_state(sync.state)

    def sync_now(self) -> None:
        if self.sync is None:
            return
        if not self.workspace.settings.hub_url:
            url = self.dialogs.ask_text(
                _("Connect to a team hub"), _("Hub address, e.g. postgresql://you@hub.example/arbiter")
            )
            if not url:
                return
            self.workspace.save_setting("hub_url", url.strip())
        self.sync.sync_now()

    def show_sync_details(self) -> None:
        if self.sync_dialog is None:
            self.sync_dialog = SyncDetailsDialog(self)
            self.sync_dialog.settle_requested.connect(self._settle)
        self.workspace.load_sync_details(self.sync_dialog.show_items)
        self.sync_dialog.open()

    def _settle(self, conflict_id: str, keep: str) -> None:
        self.workspace.settle_conflict(conflict_id, keep)
        if self.sync_dialog is not None:
            self.workspace.load_sync_details(self.sync_dialog.show_items)

    def _sync_state(self, state: SyncState) -> None:
        text, tooltip, level = describe(state)
        self.status_sync.set_status(text, tooltip, level)
        self.status_sync.set_action(
            _("Sync now") if state.configured else _("Connect to hub…"), enabled=not state.syncing
        )
        self.status_sync.set_progress(state.progress_done, state.progress_total)
        self.queue.model.set_pending_claims(state.pending_claims)
        self.content.set_pending_claims(state.pending_claims)

    def _claims_lost(self, outcomes: tuple[ClaimOutcome, ...]) -> None:
        """Claims made offline that the hub gave to someone else: say so (the case is reloaded as theirs)."""
        self.sync_info.show_message(lost_claims_text(outcomes), _("Show the case"), _("Dismiss"))
        self._lost_case = outcomes[0].case_id

    def _pulled(self) -> None:
        """Rows arrived from the hub: the queue and the open case may have changed."""
        self.queue.model.refresh()
        self.workspace.reload_case()

    def show_qa(self) -> None:
        """The QA audit workspace, in its own window beside this one."""
        if self.qa_window is None:
            # The QA workspace and its services are a large import that the first paint does not need.
            from app.controllers.qa import QaController
            from app.views.qa.workspace import QaWorkspace

            controller = QaController(
                self.workspace.store, self.workspace.runner, lambda: self.workspace.settings.reviewer_id
            )
            self.qa_window = QaWorkspace(controller, parent=self)
            self.qa_window.setWindowFlag(Qt.WindowType.Window)
            self.qa_window.resize(1400, 900)
            self.workspace.settings_changed.connect(lambda _s: controller.load_all())
            self.qa_window.load()
        self.qa_window.show()
        self.qa_window.raise_()

    def show_settings(self) -> None:
        # Opened rarely: not imported for the first paint.
        from app.views.settings_dialog import SettingsDialog

        dialog = SettingsDialog(
            self.workspace.settings,
            self.workspace.reference.reviewers,
            self,
            queues=self.workspace.reference.queues,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.language_chosen.connect(self.switch_language)
        dialog.setting_changed.connect(self._setting_changed)
        self.settings_dialog = dialog
        dialog.open()

    def _setting_changed(self, key: str, value: object) -> None:
        if key == "theme":
            self._set_theme(str(value))
        else:
            self.workspace.save_setting(key, value)

    def _reopen(self) -> None:
        reason = self.dialogs.ask_text(_("Reopen case"), _("Why is the case reopened?"))
        if reason:
            self.workspace.reopen(reason)

    # --- reactions -----------------------------------------------------------------------------------------
    def _editable(self, case: CaseDetail | None) -> bool:
        actor = self.workspace.actor
        if case is None or actor is None:
            return False
        mine = case.assignee is not None and case.assignee.id == actor.id
        return case.status in WORKING_STATUSES and (mine or actor.role == "lead")

    def show_case(self, case: CaseDetail | None) -> None:
        editable = self._editable(case)
        self.wellness.set_sensitive(bool(case and case.queue.sensitive))
        self.content.show_case(case)
        self.checklist.show_case(case, editable)
        self.decision.show_case(case, editable)
        if case is not None:
            self.notes.show_notes(case.notes)
            remediation_open = case.status in ("decided", "remediating")
            self.remediation.show_actions(case.remediation, remediation_open)
            self.stakeholders.show_messages(case.communications)
            self.timeline.show_timeline(case.timeline)
        self._update_actions(case)
        self.retranslate_status()

    def _update_actions(self, case: CaseDetail | None) -> None:
        allowed = set(case.allowed_transitions) if case else set()
        status = case.status if case else ""
        self.actions["claim"].setEnabled(case is not None and (status == "new" or case.assignee is None))
        self.actions["release"].setEnabled(case is not None and case.assignee is not None)
        self.actions["wait"].setEnabled("awaiting_input" in allowed)
        self.actions["resume"].setEnabled(status == "awaiting_input")
        self.actions["resolve"].setEnabled("resolved" in allowed)
        self.actions["reopen"].setEnabled(status in ("decided", "remediating", "resolved"))

    def _changes_applied(self, changes: Changes) -> None:
        if changes.queue:
            self.queue.model.refresh()

    def _decided(self) -> None:
        self.show_tab("remediation")

    def _failed(self, message: str) -> None:
        self.statusBar().showMessage(message, 10_000)
        self.dialogs.error(message)

    def _reference_loaded(self, reference: ReferenceData) -> None:
        actor = self.workspace.actor
        formatting.set_reader_zone(actor.time_zone if actor else "UTC")
        self.queue.set_reference(reference, actor.id if actor else "")
        self.checklist.set_policies(list(reference.policies))
        self.checklist.prepare(reference.checklists)
        self._fill_actor_menu()
        self.retranslate_status()

    def _settings_changed(self, settings: Settings) -> None:
        actor = self.workspace.actor
        formatting.set_reader_zone(actor.time_zone if actor else "UTC")
        self.queue.set_reference(self.workspace.reference, actor.id if actor else "")
        self.content.set_settings(settings)
        self.wellness.policy = self._break_policy(settings)
        self._fill_actor_menu()
        self.retranslate_status()
        self.show_case(self.workspace.current_case)

    def _fill_actor_menu(self) -> None:
        self.actor_menu.clear()
        group = QActionGroup(self.actor_menu)
        for person in self.workspace.reference.reviewers:
            action = QAction(
                f"{person.name} · {_(ROLES.get(person.role, person.role))}", self.actor_menu, checkable=True
            )
            action.setChecked(person.id == self.workspace.settings.reviewer_id)
            action.triggered.connect(
                lambda _c=False, pid=person.id: self.workspace.save_setting("reviewer_id", pid)
            )
            group.addAction(action)
            self.actor_menu.addAction(action)

    def switch_language(self, code: str) -> None:
        self.language.set_language(code)
        self.workspace.save_setting("ui_language", code)

    def _language_changed(self, code: str) -> None:
        self._apply_theme(self.workspace.settings.theme)
        for action in self.language_group.actions():
            action.setChecked(action.text() == LANGUAGES.get(code))

    def _set_theme(self, theme: str) -> None:
        self.workspace.save_setting("theme", theme)
        self._apply_theme(theme)

    # --- text ----------------------------------------------------------------------------------------------
    def retranslate_ui(self) -> None:
        for index, key in enumerate(TABS):
            self.tabs.setTabText(index, _(TAB_TITLES[key]))
        self.case_menu.setTitle(_("&Case"))
        self.view_menu.setTitle(_("&View"))
        self.help_menu.setTitle(_("&Help"))
        self.language_menu.setTitle(_("Interface language"))
        self.actor_menu.setTitle(_("Working as"))
        texts = {
            "claim": _("Claim (C)"),
            "release": _("Release"),
            "wait": _("Wait for input (W)"),
            "resume": _("Resume review (W)"),
            "resolve": _("Resolve (Shift+R)"),
            "reopen": _("Reopen…"),
            "theme_light": _("Light theme"),
            "theme_dark": _("Dark theme"),
            "help": _("Keyboard shortcuts (F1)"),
            "settings": _("Settings…"),
            "qa": _("QA audit workspace…"),
        }
        for key, text in texts.items():
            self.actions[key].setText(text)
        self._fill_actor_menu()
        self.retranslate_status()

    @staticmethod
    def _break_policy(settings: Settings) -> BreakPolicy:
        return BreakPolicy(settings.break_after_minutes, settings.break_after_reveals)

    def _suggest_break(self) -> None:
        exposure = self.wellness.exposure
        self.info_bar.show_message(
            _(
                "You have revealed %(reveals)s media items and spent %(minutes)s minutes on sensitive queues this "
                "shift. A short break helps."
            )
            % {"reveals": exposure.reveals, "minutes": exposure.sensitive_minutes},
            _("I took a break"),
            _("Dismiss"),
        )

    def _took_break(self) -> None:
        self.wellness.took_break()

    def retranslate_status(self) -> None:
        case = self.workspace.current_case
        self.setWindowTitle(_("Arbiter — %(case)s") % {"case": case.external_ref} if case else _("Arbiter"))
        actor = self.workspace.actor
        self.status_actor.setText(
            _("Working as %(name)s (%(role)s) · profile %(profile)s")
            % {
                "name": isolate(actor.name),
                "role": _(ROLES.get(actor.role, actor.role)),
                "profile": isolate(self.profile_name),
            }
            if actor
            else _("No reviewer selected")
        )
        if self.sync is not None:
            self._sync_state(self.sync.state)

        if case is not None and case.status != "resolved":
            self.status_sla.setText(_("SLA %(text)s") % {"text": formatting.sla_text(case.due_at)})
        else:
            self.status_sla.setText("")
        self.status_language.setText(LANGUAGES.get(self.language.language, ""))
        exposure = self.wellness.exposure
        self.status_exposure.setText(
            _("Exposure this shift: %(reveals)s revealed · %(minutes)s min sensitive")
            % {"reveals": exposure.reveals, "minutes": exposure.sensitive_minutes}
        )

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.sync is not None:
            self.sync.stop()
        self.workspace.runner.wait()
        super().closeEvent(event)


def refresh_clock(window: MainWindow) -> QTimer:
    """SLA texts are relative; repaint them every minute."""
    timer = QTimer(window)
    timer.setInterval(60_000)
    timer.timeout.connect(window.retranslate_status)
    timer.timeout.connect(window.queue.model.retranslate)
    timer.start()
    return timer
