"""Table models of the calibration tab: sessions, alpha per checklist element, golden-set accuracy, splits.

Small lists (a session holds at most a few hundred cases), each held whole and fed by the calibration
controller. Case titles and names are people's words: shown as plain text with bidi controls neutralised.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.core import formatting
from app.core.untrusted import isolate, neutralise_bidi
from app.core.vocabulary import ANSWERS, OUTCOMES
from app.i18n import N_, _, pgettext
from app.services.qa.agreement import Estimate
from app.services.qa.dto import CalibrationInfo, CalibrationSplit
from app.views.itemmodels.qa_models import RowsModel, escaped_tooltip
from app.views.qa.dashboard import percent, with_interval

NOT_ENOUGH = N_("Not enough answers to tell")


def answer_label(subject: str, value: str) -> str:
    """An answer in words: an outcome for the outcome, met/not met/unsure for a checklist element."""
    if not value:
        return "—"
    labels = OUTCOMES if subject == "outcome" else ANSWERS
    return _(labels.get(value, value))


def alpha_text(estimate: Estimate) -> str:
    return with_interval(estimate)


class SessionModel(RowsModel[CalibrationInfo]):
    COLUMNS = (
        ("name", N_("Session")),
        ("golden", N_("Golden set")),
        ("progress", N_("Answered")),
        ("created", N_("Created")),
    )

    def display(self, item: CalibrationInfo, column: str) -> str:
        if column == "name":
            return neutralise_bidi(item.name)
        if column == "golden":
            return pgettext("golden set", "Yes") if item.golden else ""
        if column == "progress":
            done, total = (
                (item.mine, item.cases) if item.participant else (item.answers, item.expected_answers)
            )
            return _("%(done)s of %(total)s") % {
                "done": formatting.number(done),
                "total": formatting.number(total),
            }
        return formatting.day(item.created_at)

    def tooltip(self, item: CalibrationInfo, column: str) -> str | None:
        if column == "created":
            return formatting.exact_utc(item.created_at)
        if column == "name":
            return escaped_tooltip(
                _("Created by %(name)s · participants: %(people)s")
                % {"name": item.created_by_name, "people": ", ".join(n for _i, n in item.participants)}
            )
        return None


@dataclass(frozen=True)
class ElementRow:
    key: str
    text: str
    alpha: Estimate


class ElementAlphaModel(RowsModel[ElementRow]):
    COLUMNS = (
        ("element", N_("Checklist element")),
        ("alpha", N_("Krippendorff's alpha [95% CI]")),
        ("units", N_("Cases")),
    )

    def display(self, item: ElementRow, column: str) -> str:
        if column == "element":
            return item.text
        if column == "alpha":
            return alpha_text(item.alpha)
        return formatting.number(item.alpha.n_units)

    def tooltip(self, item: ElementRow, column: str) -> str | None:
        if column == "alpha" and item.alpha.error:
            return _(NOT_ENOUGH)
        return escaped_tooltip(f"{item.text}\n{item.key}") if column == "element" else None


@dataclass(frozen=True)
class GoldenRow:
    name: str
    outcome: float | None
    elements: float | None


class GoldenModel(RowsModel[GoldenRow]):
    COLUMNS = (
        ("name", N_("Participant")),
        ("outcome", N_("Outcome")),
        ("elements", N_("Checklist")),
    )

    def display(self, item: GoldenRow, column: str) -> str:
        if column == "name":
            return neutralise_bidi(item.name)
        return percent(item.outcome if column == "outcome" else item.elements)


class SplitModel(RowsModel[CalibrationSplit]):
    """Where people split: one row per case and subject, with who answered what."""

    COLUMNS = (
        ("case", N_("Case")),
        ("subject", N_("Question")),
        ("answers", N_("Who answered what")),
        ("expected", N_("Expected")),
    )

    def __init__(self, parent: object = None) -> None:
        super().__init__(parent)
        self._texts: dict[str, str] = {}

    def set_element_texts(self, texts: dict[str, str]) -> None:
        self._texts = texts

    def subject_text(self, item: CalibrationSplit) -> str:
        return _("Outcome") if item.subject == "outcome" else self._texts.get(item.subject, item.subject)

    def answers_text(self, item: CalibrationSplit) -> str:
        groups: dict[str, list[str]] = {}
        for name, value in item.who:
            groups.setdefault(value, []).append(neutralise_bidi(name))
        order = [value for value, _count in item.counts]
        return " · ".join(
            _("%(answer)s: %(people)s")
            % {"answer": answer_label(item.subject, value), "people": ", ".join(groups.get(value, []))}
            for value in order
        )

    def display(self, item: CalibrationSplit, column: str) -> str:
        if column == "case":
            ref = isolate(item.external_ref) if item.external_ref else ""
            return " · ".join(p for p in (ref, neutralise_bidi(item.title)) if p)
        if column == "subject":
            return self.subject_text(item)
        if column == "answers":
            return self.answers_text(item)
        return answer_label(item.subject, item.expected) if item.expected else ""

    def tooltip(self, item: CalibrationSplit, column: str) -> str | None:
        if column == "case":
            return escaped_tooltip(item.title)
        if column == "answers":
            return escaped_tooltip(self.answers_text(item).replace(" · ", "\n"))
        return None
