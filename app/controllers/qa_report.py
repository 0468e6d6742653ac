"""A batch's QA report as a PDF a manager can read without the app: QTextDocument laid out on a QPdfWriter.

Needs only QtGui (a QGuiApplication), so the command line renders it too. Every value that people typed
(names, notes, case titles) is HTML-escaped before it enters the document, and the only images are the
charts this module paints, handed to the document as resources, so nothing is loaded from anywhere.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from pathlib import Path

from babel import numbers
from PySide6.QtCore import QRectF, QSizeF, Qt, QUrl
from PySide6.QtGui import (
    QColor,
    QFont,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QTextDocument,
)

from app.core import formatting
from app.core.untrusted import isolate
from app.core.vocabulary import OUTCOMES
from app.i18n import N_, _, babel_locale, current_language, text_direction
from app.services.qa.agreement import Estimate
from app.services.qa.dto import GroupAgreement
from app.services.qa.metrics import estimate_text
from app.services.qa.report import BatchReport
from app.services.qa.vocabulary import ALLOCATIONS, DIMENSIONS, FINDING_CATEGORIES, FINDING_STATUSES, METHODS
from app.theme import font_family
from app.widgets.charts import ChartColours, Datum, paint_bar_chart, paint_line_chart

# Print colours: a report is read on paper and in viewers, whatever the app's theme.

# Messages used inside f-strings below, where the extractor cannot see them.
_MESSAGES = (
    N_("Accuracy"),
    N_("Accuracy by queue"),
    N_("Accuracy over time"),
    N_("Agreement by policy"),
    N_("Agreement by queue"),
    N_("Agreement by reviewer"),
    N_("Decisions audited"),
    N_("Drawn by %(name)s on %(when)s; report made %(now)s."),
    N_("Finding categories"),
    N_("Intervals are 95% bootstrap intervals."),
    N_("No decision of this batch has been re-reviewed yet."),
    N_("Not enough periods for a trend yet."),
    N_("Policy"),
    N_("Policy ambiguities for the policy owners"),
    N_("QA audit report"),
    N_("QA audit report"),
    N_("Queue"),
    N_("Reviewer"),
    N_("Summary"),
)

PRINT = ChartColours(QColor("#3f6fb5"), QColor("#333333"), QColor("#222222"), QColor("#dddddd"))
SECOND_SERIES = QColor("#c0661c")
CHART_WIDTH = 1300  # painted at twice the shown size, so print stays sharp
SHOWN_WIDTH = 650

MAX_ROWS = 1000


def _table() -> str:
    return '<table align="right">' if text_direction() == "rtl" else "<table>"


def _row(cells: Sequence[str], tag: str = "td", css: str = "") -> str:
    """One table row; Qt's HTML import does not mirror tables, so right-to-left rows are written reversed."""
    ordered = list(reversed(cells)) if text_direction() == "rtl" else list(cells)
    return f"<tr{css}>" + "".join(f"<{tag}>{cell}</{tag}>" for cell in ordered) + "</tr>"


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _percent(value: float | None) -> str:
    if value is None or math.isnan(value):
        return "—"
    return numbers.format_percent(value, locale=babel_locale())


def _chart(images: dict[str, QImage], name: str, data: Sequence[Datum], rtl: bool, percent: bool) -> str:
    font = QFont(font_family(current_language()))
    font.setPixelSize(22)
    height = max(2, len(data)) * 48 + 12
    image = QImage(CHART_WIDTH, height, QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setFont(font)
    paint_bar_chart(
        painter,
        QRectF(6, 6, CHART_WIDTH - 12, height - 12),
        data,
        PRINT,
        maximum=1.0 if percent else None,
        rtl=rtl,
        fmt=_percent if percent else (lambda v: formatting.number(int(v))),
        empty_text=_("No data yet."),
    )
    painter.end()
    images[f"qa-chart:{name}"] = image
    return f'<p><img src="qa-chart:{name}" width="{SHOWN_WIDTH}"></p>'


def _trend(images: dict[str, QImage], groups: Sequence[GroupAgreement], rtl: bool) -> str:
    if len(groups) < 2:
        return ""
    font = QFont(font_family(current_language()))
    font.setPixelSize(22)
    image = QImage(CHART_WIDTH, 480, QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setFont(font)
    accuracy = [
        Datum(formatting.day(_monday(g.key)), g.accuracy.value, g.accuracy.low, g.accuracy.high)
        for g in groups
    ]
    kappa = [Datum(formatting.day(_monday(g.key)), g.kappa.value) for g in groups]
    paint_line_chart(
        painter,
        QRectF(6, 6, CHART_WIDTH - 12, 468),
        [accuracy, kappa],
        [PRINT.bar, SECOND_SERIES],
        PRINT.text,
        PRINT.grid,
        minimum=min(0.0, *(g.kappa.value for g in groups if not math.isnan(g.kappa.value))),
        rtl=rtl,
        fmt=lambda v: formatting.number(round(v, 2)),
        names=(_("Accuracy"), _("Cohen's kappa")),
    )
    painter.end()
    images["qa-chart:trend"] = image
    return f'<p><img src="qa-chart:trend" width="{SHOWN_WIDTH}"></p>'


def _monday(key: str) -> object:
    from datetime import UTC, datetime

    return datetime.fromisoformat(key).replace(tzinfo=UTC)


def _figure(text: str) -> str:
    """Numbers with brackets, isolated so a right-to-left sentence does not reorder them."""
    return _e(isolate(text))


def _estimate_cell(estimate: Estimate) -> str:
    return _figure(estimate_text(estimate)) if estimate.error is None or estimate.low is not None else _e("—")


def _group_table(title: str, groups: Sequence[GroupAgreement]) -> str:
    if not groups:
        return ""
    head = _row(
        [_e(h) for h in (title, _("Audited"), _("Accuracy"), _("Cohen's kappa [95% CI]"), _("Mean score"))],
        "th",
    )
    body = "".join(
        _row(
            [
                _e(g.label or _("No policy cited")),
                _figure(formatting.number(g.n)),
                _figure(_percent(g.accuracy.value)),
                _estimate_cell(g.kappa),
                _figure(_percent(g.mean_score)),
            ]
        )
        for g in groups
    )
    return f"{_table()}{head}{body}</table>"


def build_html(report: BatchReport, images: dict[str, QImage]) -> str:
    """The report as HTML, with the chart images it refers to added to ``images`` (by URL)."""
    rtl = text_direction() == "rtl"
    info = report.batch
    board = report.dashboard
    parameters = info.parameters
    method = _(METHODS.get(info.method, info.method))
    details = [
        _("Method: %(method)s") % {"method": method},
        _("Seed: %(seed)s") % {"seed": parameters.get("seed")},
        _("Decisions in scope: %(count)s") % {"count": formatting.number(info.population)},
        _("Sampled: %(count)s · re-reviewed: %(done)s")
        % {"count": formatting.number(info.size), "done": formatting.number(info.reviewed)},
    ]
    if parameters.get("by"):
        details.append(
            _("Stratified by %(dimension)s, %(allocation)s allocation")
            % {
                "dimension": _(DIMENSIONS.get(parameters["by"], parameters["by"])),
                "allocation": _(ALLOCATIONS.get(parameters.get("allocation", ""), "")),
            }
        )
    if parameters.get("date_from") or parameters.get("date_to"):
        details.append(
            _("Decisions from %(start)s to %(end)s")
            % {"start": parameters.get("date_from") or "…", "end": parameters.get("date_to") or "…"}
        )
    parts = [
        f"<h1>{_e(_('QA audit report'))}: {_e(info.name)}</h1>",
        f'<p class="muted">{_e(_("Drawn by %(name)s on %(when)s; report made %(now)s.") % {"name": info.created_by_name, "when": formatting.when(info.created_at), "now": formatting.when(report.generated_at)})}</p>',
        "<p>" + "<br>".join(_e(d) for d in details) + "</p>",
        f"<h2>{_e(_('Summary'))}</h2>",
    ]
    if board.overall is not None:
        overall = board.overall
        summary = [
            (_("Accuracy (audit agrees with the original outcome)"), estimate_text(overall.accuracy)),
            (_("Cohen's kappa"), estimate_text(overall.kappa)),
            (_("Krippendorff's alpha"), estimate_text(overall.alpha)),
            (_("Mean rubric score"), _percent(overall.mean_score)),
            (_("Open findings"), formatting.number(board.open_findings)),
            (_("Disputed findings"), formatting.number(board.disputed_findings)),
        ]
        parts.append(_table() + "".join(_row([_e(k), _figure(v)]) for k, v in summary) + "</table>")
        parts.append(f'<p class="muted">{_e(_("Intervals are 95% bootstrap intervals."))}</p>')
    else:
        parts.append(f"<p>{_e(_('No decision of this batch has been re-reviewed yet.'))}</p>")
    parts.append(f"<h2>{_e(_('Accuracy over time'))}</h2>")
    parts.append(
        _trend(images, board.over_time, rtl) or f"<p>{_e(_('Not enough periods for a trend yet.'))}</p>"
    )
    parts.append(f"<h2>{_e(_('Accuracy by queue'))}</h2>")
    parts.append(
        _chart(
            images,
            "queues",
            [Datum(g.label, g.accuracy.value, note=f"n={g.n}") for g in board.by_queue],
            rtl,
            True,
        )
    )
    parts.append(f"<h2>{_e(_('Finding categories'))}</h2>")
    parts.append(
        _chart(
            images,
            "categories",
            [Datum(_(FINDING_CATEGORIES.get(c, c)), float(n)) for c, n in board.categories],
            rtl,
            False,
        )
    )
    parts.append(f"<h2>{_e(_('Agreement by policy'))}</h2>" + _group_table(_("Policy"), board.by_policy))
    parts.append(f"<h2>{_e(_('Agreement by queue'))}</h2>" + _group_table(_("Queue"), board.by_queue))
    parts.append(
        f"<h2>{_e(_('Agreement by reviewer'))}</h2>" + _group_table(_("Reviewer"), board.by_reviewer)
    )
    if report.ambiguities:
        parts.append(f"<h2>{_e(_('Policy ambiguities for the policy owners'))}</h2><ul>")
        parts += [f"<li><b>{_e(code or '—')}</b>: {_e(note)}</li>" for code, note in report.ambiguities]
        parts.append("</ul>")
    parts.append(f"<h2>{_e(_('Decisions audited'))}</h2>")
    head = (_("#"), _("Case"), _("Original"), _("Audit"), _("Score"), _("Findings"))
    rows = []
    for row in report.rows[:MAX_ROWS]:
        findings = ", ".join(
            f"{_(FINDING_CATEGORIES.get(c, c))} ({_(FINDING_STATUSES.get(s, s))})"
            for c, s in zip(row.finding_categories, row.finding_statuses, strict=True)
        )
        css = "" if row.agreed is None or row.agreed else ' class="differs"'
        original = f"{_(OUTCOMES.get(row.original_outcome, row.original_outcome))} {row.original_policy}"
        audited = (
            f"{_(OUTCOMES.get(row.audit_outcome, row.audit_outcome))} {row.audit_policy}"
            if row.audit_outcome
            else "—"
        )
        cells = [
            _figure(str(row.position)),
            _figure(row.external_ref),
            _e(original),
            _e(audited),
            _figure(_percent(row.score)),
            _e(findings),
        ]
        rows.append(_row(cells, css=css))
    parts.append(_table() + _row([_e(h) for h in head], "th") + "".join(rows) + "</table>")
    direction = "rtl" if rtl else "ltr"
    style = (
        "body { font-size: 10pt; } h1 { font-size: 16pt; } h2 { font-size: 12pt; margin-top: 14px; } "
        ".muted { color: #555555; } table { border-collapse: collapse; } "
        "th, td { border: 1px solid #bbbbbb; padding: 3px 6px; } th { background: #eeeeee; } "
        "tr.differs td { background: #fdecea; }"
    )
    return f'<html dir="{direction}"><head><style>{style}</style></head><body dir="{direction}">{"".join(parts)}</body></html>'


def render_pdf(report: BatchReport, path: Path) -> None:
    """Write the report to ``path`` as an A4 PDF in the current UI language."""
    writer = QPdfWriter(str(path))
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setPageOrientation(QPageLayout.Orientation.Portrait)
    writer.setResolution(96)
    writer.setTitle(_("QA audit report") + f": {report.batch.name}")
    writer.setCreator("Arbiter")
    document = QTextDocument()
    document.setDefaultFont(QFont(font_family(current_language()), 10))
    option = document.defaultTextOption()
    option.setTextDirection(
        Qt.LayoutDirection.RightToLeft if text_direction() == "rtl" else Qt.LayoutDirection.LeftToRight
    )
    document.setDefaultTextOption(option)
    images: dict[str, QImage] = {}
    document.setHtml(build_html(report, images))
    # setHtml clears the document's resources, so the charts go in after it.
    for url, image in images.items():
        document.addResource(QTextDocument.ResourceType.ImageResource, QUrl(url), image)
    layout = writer.pageLayout()
    rect = layout.paintRectPixels(writer.resolution())
    document.setPageSize(QSizeF(rect.width(), rect.height()))
    document.print_(writer)
