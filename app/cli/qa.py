"""`arbiter qa …`: agreement of a ratings file, drawing and listing audit batches, sample sizes, batch reports,
and calibration sessions (list, create, report).

Registered by app.cli through ``register(subparsers)``. Exit status: 0 done, 1 the data cannot give an
answer (an undefined metric, a refused action), 2 bad input (a malformed file or argument).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import secrets
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from app.services.qa.agreement import (
    LEVELS,
    Rating,
    UndefinedMetricError,
    all_metrics,
    bootstrap_interval,
    cohen_kappa,
    krippendorff_alpha,
    percent_agreement,
    read_long_csv,
)

METRICS = {"alpha": "krippendorff_alpha", "kappa": "cohen_kappa", "percent": "percent_agreement"}
TITLES = {
    "krippendorff_alpha": "Krippendorff's alpha",
    "cohen_kappa": "Cohen's kappa",
    "percent_agreement": "Percent agreement",
}


def _fail(command: str, message: str, code: int) -> int:
    print(f"arbiter qa {command}: {message}", file=sys.stderr)
    return code


# --- agreement ------------------------------------------------------------------------------------------


def _read_ratings(path: Path) -> list[Rating]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as stream:
            return read_long_csv(stream)
    except OSError as error:
        raise ValueError(f"cannot read {path}: {error.strerror}") from error
    except UnicodeDecodeError as error:
        raise ValueError(f"{path} is not UTF-8 text") from error


def _number(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) else value


def cmd_agreement(args: argparse.Namespace) -> int:
    try:
        ratings = _read_ratings(args.file)
    except ValueError as error:
        return _fail("agreement", f"{args.file}: {error}", 2)
    try:
        if args.json:
            estimates = all_metrics(ratings, args.level, samples=args.samples, seed=args.seed)
            document = {
                "file": str(args.file),
                "level": args.level,
                "ratings": len(ratings),
                "confidence": 0.95,
                "metrics": {
                    e.metric: {
                        "value": _number(e.value),
                        "low": e.low,
                        "high": e.high,
                        "units": e.n_units,
                        "error": e.error,
                    }
                    for e in estimates
                },
            }
            print(json.dumps(document, indent=2, ensure_ascii=False))
            return 0
        name = METRICS[args.metric]

        def metric(sample: Any) -> float:
            if name == "krippendorff_alpha":
                return krippendorff_alpha(sample, args.level)
            return cohen_kappa(sample) if name == "cohen_kappa" else percent_agreement(sample)

        value = metric(ratings)
    except UndefinedMetricError as error:
        return _fail("agreement", f"{TITLES[METRICS[args.metric]]} is undefined: {error}", 1)
    except ValueError as error:
        return _fail("agreement", f"{args.file}: {error}", 2)
    level = f" ({args.level})" if name == "krippendorff_alpha" else ""
    try:
        low, high = bootstrap_interval(ratings, metric, samples=args.samples, seed=args.seed)
        interval = f"  95% CI [{low:.4f}, {high:.4f}]"
    except UndefinedMetricError:
        interval = "  (no interval: undefined on every resample)"
    print(f"{TITLES[name]}{level}: {value:.4f}{interval}")
    return 0


# --- sample-size ----------------------------------------------------------------------------------------


def cmd_sample_size(args: argparse.Namespace) -> int:
    from app.services.qa.sample_size import sample_size

    try:
        n = sample_size(args.population, args.confidence, args.margin, args.proportion)
    except ValueError as error:
        return _fail("sample-size", str(error), 2)
    print(n)
    return 0


# --- sample, list, report (these open the profile) --------------------------------------------------------


def _actor(profile: Any, handle: str | None) -> str:
    from sqlalchemy import select

    from app.models import Reviewer
    from app.services.profile import ensure_reviewer

    if not handle:
        return str(profile.store.write(ensure_reviewer))
    found = profile.store.read(lambda s: s.scalar(select(Reviewer.id).where(Reviewer.handle == handle)))
    if found is None:
        raise ValueError(f"no reviewer with the handle {handle!r} in this profile")
    return str(found)


def _open(args: argparse.Namespace) -> Any:
    from app.services.profile import open_profile

    return open_profile(args.data_dir, args.profile)


def cmd_sample(args: argparse.Namespace) -> int:
    from app.services.errors import DomainError
    from app.services.qa.batches import CreateBatch, batch, batch_items
    from app.services.qa.sampling import SampleSpec

    profile = _open(args)
    actor = _actor(profile, args.actor)
    seed = args.seed if args.seed is not None else secrets.randbelow(2**31)
    spec = SampleSpec(
        method=args.method,
        size=args.size,
        seed=seed,
        by=args.by if args.method == "stratified" else None,
        allocation=args.allocation,
        date_from=args.date_from,
        date_to=args.date_to,
    )
    name = args.name or f"{args.method} sample {datetime.now(UTC):%Y-%m-%d %H:%M}"
    try:
        changes = profile.store.execute(CreateBatch(name, spec), actor)
    except DomainError as error:
        return _fail("sample", error.translated(), 1)
    batch_id = changes.created_ids[0]
    info = profile.store.read(lambda s: batch(s, batch_id))
    items = profile.store.read(lambda s: batch_items(s, batch_id, actor))
    print(f"batch {info.id}  {info.name}")
    print(f"method {info.method}  seed {seed}  population {info.population}  sampled {info.size}")
    for key in ("by", "allocation", "date_from", "date_to"):
        if info.parameters.get(key) and not (key == "allocation" and info.method != "stratified"):
            print(f"{key.replace('_', ' ')} {info.parameters[key]}")
    if info.strata and (len(info.strata) > 1 or info.strata[0].key):
        print("strata (population → sampled):")
        for stratum in info.strata:
            print(f"  {stratum.label or '—'}: {stratum.population} → {stratum.allocated}")
    print("items:")
    for item in items:
        print(f"  {item.position:>4}  {item.stratum_label or '-'}  {item.queue_name}  {item.case_title}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from app.services.qa.batches import batches

    for info in _open(args).store.read(batches):
        print(
            f"{info.id}  {info.created_at:%Y-%m-%d}  {info.method:<10}  {info.reviewed:>4}/{info.size:<4}  {info.name}"
        )
    return 0


def _find_batch(profile: Any, wanted: str) -> str:
    from app.services.qa.batches import batches

    found = [b for b in profile.store.read(batches) if b.id == wanted or b.name == wanted]
    found = found or [b for b in profile.store.read(batches) if len(wanted) >= 6 and b.id.startswith(wanted)]
    if not found:
        raise ValueError(
            f"no audit batch {wanted!r} (give its id, a prefix of six or more characters, or its name)"
        )
    if len({b.id for b in found}) > 1:
        raise ValueError(f"{wanted!r} matches several batches; give more of the id")
    return found[0].id


def cmd_report(args: argparse.Namespace) -> int:
    from app.services.qa.report import batch_report, write_csv

    if not args.csv and not args.pdf:
        return _fail("report", "say where to write the report: --csv FILE and/or --pdf FILE", 2)
    profile = _open(args)
    try:
        batch_id = _find_batch(profile, args.batch)
    except ValueError as error:
        return _fail("report", str(error), 2)
    report = profile.store.read(lambda s: batch_report(s, batch_id, datetime.now(UTC)))
    try:
        if args.csv:
            with args.csv.open("w", encoding="utf-8", newline="") as out:
                count = write_csv(report, out)
            print(f"wrote {count} rows to {args.csv}")
        if args.pdf:
            _write_pdf(report, args.pdf, args.lang)
            print(f"wrote {args.pdf}")
    except OSError as error:
        return _fail("report", f"cannot write: {error}", 2)
    return 0


def _write_pdf(report: Any, path: Path, language: str | None) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from app import i18n
    from app.controllers.qa_report import render_pdf

    if language:
        i18n.set_language(language)
    # Rendering needs only QtGui, but a QApplication keeps the process fit for widgets later (tests, GUI).
    _app = QApplication.instance() or QApplication(sys.argv[:1])
    render_pdf(report, path)


# --- registration -----------------------------------------------------------------------------------------


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"dates look like 2026-11-30, not {text!r}") from error


def _fraction(text: str) -> float:
    try:
        return float(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"expected a number such as 0.95, not {text!r}") from error


def register(subparsers: Any) -> None:
    qa = subparsers.add_parser(
        "qa", help="QA audit: agreement, sampling, sample sizes, reports, calibration"
    ).add_subparsers(title="qa commands", metavar="COMMAND", required=True)

    agreement = qa.add_parser("agreement", help="inter-rater agreement of a unit,rater,value CSV file")
    agreement.add_argument("file", type=Path, help="CSV with the header unit,rater,value (one rating a row)")
    agreement.add_argument("--metric", choices=tuple(METRICS), default="alpha", help="default: alpha")
    agreement.add_argument("--level", choices=LEVELS, default="nominal", help="alpha's level of measurement")
    agreement.add_argument(
        "--json", action="store_true", help="every metric with its 95%% bootstrap interval"
    )
    agreement.add_argument("--samples", type=int, default=1000, help="bootstrap resamples (default 1000)")
    agreement.add_argument("--seed", type=int, default=0, help="bootstrap seed (default 0)")
    agreement.set_defaults(func=cmd_agreement)

    sample = qa.add_parser("sample", help="draw an audit batch from past decisions and store it")
    sample.add_argument("--method", choices=("random", "stratified", "risk"), default="random")
    sample.add_argument(
        "--by", choices=("queue", "policy", "reviewer", "outcome", "language", "region"), default="queue"
    )
    sample.add_argument("--allocation", choices=("proportional", "equal"), default="proportional")
    sample.add_argument("--size", type=int, default=50, help="decisions to audit (default 50)")
    sample.add_argument("--seed", type=int, default=None, help="random seed (default: a new one, printed)")
    sample.add_argument("--from", dest="date_from", type=_date, default=None, help="first decision day (UTC)")
    sample.add_argument("--to", dest="date_to", type=_date, default=None, help="last decision day (UTC)")
    sample.add_argument("--name", default="", help="batch name (default: method and time)")
    sample.add_argument("--as", dest="actor", default=None, help="act as this reviewer handle (QA or lead)")
    sample.set_defaults(func=cmd_sample)

    listing = qa.add_parser("list", help="list audit batches, newest first")
    listing.set_defaults(func=cmd_list)

    size = qa.add_parser("sample-size", help="how many decisions to audit for a margin of error")
    size.add_argument("--population", type=int, required=True, help="number of decisions in the period")
    size.add_argument("--confidence", type=_fraction, default=0.95)
    size.add_argument("--margin", type=_fraction, default=0.05)
    size.add_argument("--proportion", type=_fraction, default=0.5, help="expected error rate (default 0.5)")
    size.set_defaults(func=cmd_sample_size)

    report = qa.add_parser("report", help="export a batch's results to CSV and/or a PDF report")
    report.add_argument("batch", help="batch id, id prefix or name")
    report.add_argument("--csv", type=Path, default=None)
    report.add_argument("--pdf", type=Path, default=None)
    report.set_defaults(func=cmd_report)

    register_calibration(qa)


# --- calibration ------------------------------------------------------------------------------------------


def _find_calibration(profile: Any, wanted: str) -> str:
    from app.services.qa.calibration import calibrations

    sessions = profile.store.read(calibrations)
    found = [c for c in sessions if wanted in (c.id, c.name)]
    found = found or [c for c in sessions if len(wanted) >= 6 and c.id.startswith(wanted)]
    if not found:
        raise ValueError(
            f"no calibration session {wanted!r} (give its id, a prefix of six or more characters, or its name)"
        )
    if len({c.id for c in found}) > 1:
        raise ValueError(f"{wanted!r} matches several calibration sessions; give more of the id")
    return str(found[0].id)


def cmd_calibration_list(args: argparse.Namespace) -> int:
    from app.services.qa.calibration import calibrations

    profile = _open(args)
    try:
        viewer = _actor(profile, args.actor) if args.actor else None
    except ValueError as error:
        return _fail("calibration list", str(error), 2)
    for info in profile.store.read(lambda s: calibrations(s, viewer)):
        golden = "golden" if info.golden else "-"
        people = ",".join(name for _id, name in info.participants)
        print(
            f"{info.id}  {info.created_at:%Y-%m-%d}  {golden:<6}  {info.cases:>3} cases  "
            f"{info.answers:>4}/{info.expected_answers:<4} answers  {info.name}  [{people}]"
        )
    return 0


def _estimate_json(estimate: Any) -> dict[str, Any]:
    return {
        "value": _number(estimate.value),
        "low": estimate.low,
        "high": estimate.high,
        "units": estimate.n_units,
        "error": estimate.error,
    }


def _report_json(report: Any) -> dict[str, Any]:
    return {
        "id": report.id,
        "name": report.name,
        "golden": report.golden,
        "cases": report.cases,
        "answers": report.answers,
        "participants": list(report.participants),
        "progress": dict(report.progress),
        "confidence": 0.95,
        "outcome_alpha": _estimate_json(report.outcome_alpha),
        "checklist_alpha": _estimate_json(report.element_alpha),
        "per_element": [
            {"key": key, "text": report.element_text(key), **_estimate_json(estimate)}
            for key, estimate in report.per_element
        ],
        "golden_accuracy": dict(report.golden_accuracy),
        "golden_checklist_accuracy": dict(report.golden_elements),
        "splits": [
            {
                "case_id": split.case_id,
                "external_ref": split.external_ref,
                "title": split.title,
                "subject": split.subject,
                "counts": dict(split.counts),
                "who": [{"name": name, "answer": answer} for name, answer in split.who],
                "expected": split.expected or None,
            }
            for split in report.splits
        ],
    }


def _print_report(report: Any) -> None:
    from app.services.qa.metrics import estimate_text

    print(f"calibration {report.id}  {report.name}{'  (golden set)' if report.golden else ''}")
    print(f"cases {report.cases}  answers {report.answers}")
    print("answered: " + ", ".join(f"{name} {done}/{report.cases}" for name, done in report.progress))
    print(f"Krippendorff's alpha, outcome: {estimate_text(report.outcome_alpha, 4)}")
    print(f"Krippendorff's alpha, checklist: {estimate_text(report.element_alpha, 4)}")
    if report.per_element:
        print("per checklist element:")
        for key, estimate in report.per_element:
            print(f"  {estimate_text(estimate, 4):<28}  {key}")
    if report.golden_accuracy:
        print("matches the golden outcome:")
        for name, share in report.golden_accuracy:
            print(f"  {share:>6.1%}  {name}")
    print("where people split:" if report.splits else "no splits: everyone answered alike")
    for split in report.splits:
        answers = "; ".join(
            f"{value}: {', '.join(n for n, v in split.who if v == value)}" for value, _count in split.counts
        )
        expected = f"  (expected {split.expected})" if split.expected else ""
        print(f"  {split.external_ref}  {split.subject}: {answers}{expected}")


def cmd_calibration_report(args: argparse.Namespace) -> int:
    from app.services.errors import DomainError
    from app.services.qa.calibration import calibration_report

    profile = _open(args)
    try:
        calibration_id = _find_calibration(profile, args.session)
        viewer = _actor(profile, args.actor)
    except ValueError as error:
        return _fail("calibration report", str(error), 2)
    try:
        report = profile.store.read(lambda s: calibration_report(s, calibration_id, viewer))
    except DomainError as error:
        return _fail("calibration report", error.translated(), 1)
    if args.json:
        print(json.dumps(_report_json(report), indent=2, ensure_ascii=False))
    else:
        _print_report(report)
    return 0


GOLDEN_ANSWERS = ("met", "not_met", "unsure")


def _read_golden(
    path: Path, refs: dict[str, str]
) -> tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...]:
    """A CSV with the header case,outcome[,element key,...]: one row a case, by reference or id; an element
    column holds met, not_met, unsure or nothing."""
    import csv

    from app.core.vocabulary import OUTCOMES

    try:
        with path.open(encoding="utf-8-sig", newline="") as stream:
            rows = list(csv.reader(stream))
    except OSError as error:
        raise ValueError(f"cannot read {path}: {error.strerror}") from error
    except UnicodeDecodeError as error:
        raise ValueError(f"{path} is not UTF-8 text") from error
    if not rows or [h.strip() for h in rows[0][:2]] != ["case", "outcome"]:
        raise ValueError(f"{path}: the header must start with case,outcome")
    keys = [h.strip() for h in rows[0][2:]]
    result = []
    for line, row in enumerate(rows[1:], start=2):
        if not any(field.strip() for field in row):
            continue
        case, outcome = (field.strip() for field in [*row, "", ""][:2])
        if case not in refs:
            raise ValueError(f"{path} line {line}: {case!r} is not one of the session's cases")
        if outcome and outcome not in OUTCOMES:
            raise ValueError(
                f"{path} line {line}: unknown outcome {outcome!r} (one of {', '.join(OUTCOMES)})"
            )
        answers = []
        for key, value in zip(keys, (f.strip() for f in row[2:]), strict=False):
            if value and value not in GOLDEN_ANSWERS:
                raise ValueError(
                    f"{path} line {line}: {key} is {value!r}; use met, not_met, unsure or nothing"
                )
            if value:
                answers.append((key, value))
        result.append((refs[case], outcome, tuple(answers)))
    return tuple(result)


def _case_ids(profile: Any, wanted: list[str]) -> dict[str, str]:
    from sqlalchemy import or_, select

    from app.models import Case

    found = profile.store.read(
        lambda s: s.execute(
            select(Case.id, Case.external_ref).where(or_(Case.id.in_(wanted), Case.external_ref.in_(wanted)))
        ).all()
    )
    refs = {ref: case_id for case_id, ref in found} | {case_id: case_id for case_id, _ref in found}
    if missing := [w for w in wanted if w not in refs]:
        raise ValueError(f"no case with the reference or id {missing[0]!r}")
    return refs


def cmd_calibration_create(args: argparse.Namespace) -> int:
    from app.services.errors import DomainError
    from app.services.qa.calibration import CreateCalibration

    profile = _open(args)
    wanted = [c.strip() for c in args.cases.split(",") if c.strip()]
    handles = [h.strip() for h in args.participants.split(",") if h.strip()]
    if not wanted:
        return _fail("calibration create", "--cases names no case", 2)
    try:
        refs = _case_ids(profile, wanted)
        participants = tuple(_actor(profile, handle) for handle in handles)
        actor = _actor(profile, args.actor)
        expected = _read_golden(args.golden, refs) if args.golden else ()
    except ValueError as error:
        return _fail("calibration create", str(error), 2)
    command = CreateCalibration(args.name, tuple(refs[w] for w in wanted), expected, participants)
    try:
        calibration_id = profile.store.execute(command, actor).created_ids[0]
    except DomainError as error:
        return _fail("calibration create", error.translated(), 1)
    golden = f", golden answers for {len(expected)}" if expected else ""
    print(f"calibration {calibration_id}  {args.name.strip()}")
    print(f"{len(dict.fromkeys(wanted))} cases, {len(set(participants))} participants{golden}")
    return 0


def register_calibration(qa: Any) -> None:
    calibration = qa.add_parser(
        "calibration", help="calibration sessions: list, create, report"
    ).add_subparsers(title="calibration commands", metavar="COMMAND", required=True)

    listing = calibration.add_parser("list", help="list calibration sessions, newest first")
    listing.add_argument("--as", dest="actor", default=None, help="only the sessions this reviewer may see")
    listing.set_defaults(func=cmd_calibration_list)

    report = calibration.add_parser("report", help="agreement, splits and golden-set accuracy of a session")
    report.add_argument("session", help="session id, id prefix or name")
    report.add_argument("--json", action="store_true", help="machine-readable, with 95%% bootstrap intervals")
    report.add_argument("--as", dest="actor", default=None, help="read as this reviewer handle (lead or QA)")
    report.set_defaults(func=cmd_calibration_report)

    create = calibration.add_parser("create", help="create a session for several reviewers to answer")
    create.add_argument("--name", required=True)
    create.add_argument("--cases", required=True, help="case references or ids, comma-separated")
    create.add_argument(
        "--participants", required=True, help="reviewer handles, comma-separated (two or more)"
    )
    create.add_argument(
        "--golden", type=Path, default=None, help="CSV case,outcome[,element key…]: the expected answers"
    )
    create.add_argument("--as", dest="actor", default=None, help="act as this reviewer handle (lead or QA)")
    create.set_defaults(func=cmd_calibration_create)
