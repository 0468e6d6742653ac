"""Exporting cases and decisions as JSON Lines or CSV, streamed row by row (no whole table in memory)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import Any, TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from app.models import Case, Decision, Policy, Queue, Reviewer
from app.services.audit import json_safe

CASE_COLUMNS = (
    "id",
    "external_ref",
    "queue",
    "title",
    "status",
    "priority",
    "severity",
    "region",
    "language",
    "source_type",
    "created_at",
    "due_at",
    "assignee",
    "version",
)
DECISION_COLUMNS = (
    "id",
    "case_external_ref",
    "outcome",
    "policy_code",
    "policy_version",
    "cited_elements",
    "rationale",
    "override_reason",
    "restriction_type",
    "territorial_scope",
    "duration_days",
    "facts",
    "source_type",
    "automated_detection",
    "ground",
    "legal_reference",
    "author",
    "created_at",
    "supersedes_id",
)


def case_rows(session: Session) -> Iterator[dict[str, Any]]:
    assignee = aliased(Reviewer)
    query = (
        select(Case, Queue.slug, assignee.handle)
        .join(Queue, Queue.id == Case.queue_id)
        .outerjoin(assignee, assignee.id == Case.assignee_id)
        .order_by(Case.created_at, Case.id)
        .execution_options(yield_per=1000)
    )
    for case, queue, handle in session.execute(query):
        yield {
            "id": case.id,
            "external_ref": case.external_ref,
            "queue": queue,
            "title": case.title,
            "status": case.status,
            "priority": case.priority,
            "severity": case.severity,
            "region": case.region,
            "language": case.language,
            "source_type": case.source_type,
            "created_at": json_safe(case.created_at),
            "due_at": json_safe(case.due_at),
            "assignee": handle or "",
            "version": case.version,
        }


def decision_rows(session: Session) -> Iterator[dict[str, Any]]:
    query = (
        select(Decision, Case.external_ref, Policy.code, Policy.version, Reviewer.handle)
        .join(Case, Case.id == Decision.case_id)
        .outerjoin(Policy, Policy.id == Decision.policy_id)
        .join(Reviewer, Reviewer.id == Decision.author_id)
        .order_by(Decision.created_at, Decision.id)
        .execution_options(yield_per=1000)
    )
    for d, ref, code, version, handle in session.execute(query):
        yield {
            "id": d.id,
            "case_external_ref": ref,
            "outcome": d.outcome,
            "policy_code": code or "",
            "policy_version": version or "",
            "cited_elements": list(d.cited_elements or []),
            "rationale": d.rationale,
            "override_reason": d.override_reason,
            "restriction_type": d.restriction_type,
            "territorial_scope": list(d.territorial_scope or []),
            "duration_days": d.duration_days,
            "facts": d.facts,
            "source_type": d.source_type,
            "automated_detection": d.automated_detection,
            "ground": d.ground,
            "legal_reference": d.legal_reference,
            "author": handle,
            "created_at": json_safe(d.created_at),
            "supersedes_id": d.supersedes_id or "",
        }


def write(session: Session, what: str, fmt: str, out: TextIO) -> int:
    """Write every case or decision to ``out``; returns the number of rows."""
    rows, columns = (
        (case_rows(session), CASE_COLUMNS) if what == "cases" else (decision_rows(session), DECISION_COLUMNS)
    )
    count = 0
    if fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=columns, extrasaction="raise")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: ";".join(v) if isinstance(v, list) else v for k, v in row.items()})
            count += 1
    else:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
    return count
