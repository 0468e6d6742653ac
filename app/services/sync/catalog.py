"""What syncs, and how: the kind of each synced table, its case, and the reference ids it carries.

* reference rows (reviewer, queue, policy, policy element) are made independently on each workstation (the
  policy pack loads on every start), so they are matched by natural key and their ids translated at the sync
  boundary (``sync_id_map``); nobody rewrites history to adopt the hub's ids.
* append-only rows merge by union: an insert the hub already has is a no-op.
* mutable rows (case, remediation action, conflict, QA finding) carry a version; an update names its base
  version and the hub decides mismatches by the rules in ``app.services.sync.rules``.

A row reaches the workstations that have its case. Its case is the column ``case_column`` names, or, with
``case_via``, that column names a row of another entity and the case is that row's (a QA score names its
re-review, which names its batch item, which names the case). Rows with no case (people, queues, policies,
QA batches, rubrics, calibration sessions) reach every workstation.

A table another feature adds can join by adding an ``Entity`` here; an outbox entry of a table not listed
still goes to the hub (as an idempotent insert, or a last-writer-wins update) and is never dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

REFERENCE, APPEND, MUTABLE = "reference", "append", "mutable"


@dataclass(frozen=True)
class Entity:
    name: str
    kind: str
    case_column: str | None = "case_id"  # how a row names its case (None: not case-scoped)
    refs: dict[str, str] = field(default_factory=dict)  # column -> reference entity it points at
    natural_key: tuple[str, ...] = ()  # reference rows only
    mutable_fields: tuple[str, ...] = ()  # mutable rows only
    case_via: str | None = None  # case_column points at a row of this entity, which leads to the case


_REVIEWER = "reviewer"

ENTITIES: Final[dict[str, Entity]] = {
    e.name: e
    for e in (
        Entity("reviewer", REFERENCE, None, natural_key=("handle",)),
        Entity("queue", REFERENCE, None, natural_key=("slug",)),
        Entity("policy", REFERENCE, None, natural_key=("code", "version")),
        Entity(
            "policy_element", REFERENCE, None, refs={"policy_id": "policy"}, natural_key=("policy_id", "key")
        ),
        Entity(
            "case",
            MUTABLE,
            "id",
            refs={"queue_id": "queue", "assignee_id": _REVIEWER},
            mutable_fields=("status", "assignee_id", "priority"),
        ),
        Entity("content_item", APPEND),
        # A media row names its content item; the hub's feed trigger looks the case up through it.
        Entity("media_attachment", APPEND, "content_item_id", case_via="content_item"),
        Entity(
            "checklist_answer",
            APPEND,
            refs={"policy_id": "policy", "element_id": "policy_element", "author_id": _REVIEWER},
        ),
        Entity("note", APPEND, refs={"author_id": _REVIEWER}),
        Entity("decision", APPEND, refs={"policy_id": "policy", "author_id": _REVIEWER}),
        Entity("communication", APPEND, refs={"author_id": _REVIEWER}),
        Entity(
            "remediation_action",
            MUTABLE,
            refs={"owner_id": _REVIEWER, "proposed_by_id": _REVIEWER, "approved_by_id": _REVIEWER},
            mutable_fields=("status", "approved_by_id", "owner_id", "due_at"),
        ),
        Entity("audit_event", APPEND, refs={"actor_id": _REVIEWER}),
        Entity(
            "sync_conflict",
            MUTABLE,
            refs={"actor_id": _REVIEWER, "settled_by_id": _REVIEWER},
            mutable_fields=("settled_value", "settled_by_id", "settled_at"),
        ),
        Entity("sync_rejection", APPEND, refs={"actor_id": _REVIEWER}),
        # QA audit: new records about decisions, never changes to them. A finding is the one mutable record
        # (open -> acknowledged or disputed by the decision's author -> resolved by a lead).
        Entity("qa_rubric", APPEND, None, refs={"created_by_id": _REVIEWER}),
        Entity("qa_batch", APPEND, None, refs={"created_by_id": _REVIEWER}),
        Entity("qa_batch_item", APPEND),
        Entity(
            "qa_answer",
            APPEND,
            "item_id",
            case_via="qa_batch_item",
            refs={"auditor_id": _REVIEWER, "policy_id": "policy", "element_id": "policy_element"},
        ),
        Entity(
            "qa_review",
            APPEND,
            "item_id",
            case_via="qa_batch_item",
            refs={"auditor_id": _REVIEWER, "policy_id": "policy"},
        ),
        Entity("qa_score", APPEND, "review_id", case_via="qa_review", refs={"author_id": _REVIEWER}),
        Entity(
            "qa_finding",
            MUTABLE,
            refs={"reviewer_id": _REVIEWER, "created_by_id": _REVIEWER, "resolved_by_id": _REVIEWER},
            mutable_fields=(
                "status",
                "response",
                "responded_at",
                "resolution",
                "resolution_note",
                "resolved_by_id",
                "resolved_at",
            ),
        ),
        Entity("qa_calibration", APPEND, None, refs={"created_by_id": _REVIEWER}),
        Entity("qa_calibration_participant", APPEND, None, refs={"reviewer_id": _REVIEWER}),
        Entity("qa_calibration_case", APPEND),
        Entity(
            "qa_calibration_answer",
            APPEND,
            "item_id",
            case_via="qa_calibration_case",
            refs={"participant_id": _REVIEWER},
        ),
    )
}
QA_TABLES: Final[tuple[str, ...]] = tuple(n for n in ENTITIES if n.startswith("qa_"))

# Parents before children: a pulled batch is applied in this order, so foreign keys always find their row.
APPLY_ORDER: Final[tuple[str, ...]] = tuple(ENTITIES)
REFERENCE_ENTITIES: Final[tuple[str, ...]] = tuple(n for n, e in ENTITIES.items() if e.kind == REFERENCE)
APPEND_ONLY_TABLES: Final[tuple[str, ...]] = (
    "decision",
    "checklist_answer",
    "note",
    "communication",
    "audit_event",
    *(n for n in QA_TABLES if ENTITIES[n].kind == APPEND),
)
# The parent a row needs before it can be applied locally: (column, parent entity).
PARENTS: Final[dict[str, tuple[str, str]]] = {
    "content_item": ("case_id", "case"),
    "media_attachment": ("content_item_id", "content_item"),
    "checklist_answer": ("case_id", "case"),
    "note": ("case_id", "case"),
    "decision": ("case_id", "case"),
    "communication": ("case_id", "case"),
    "remediation_action": ("case_id", "case"),
    "qa_batch_item": ("decision_id", "decision"),
    "qa_answer": ("item_id", "qa_batch_item"),
    "qa_review": ("item_id", "qa_batch_item"),
    "qa_score": ("review_id", "qa_review"),
    "qa_finding": ("review_id", "qa_review"),
    "qa_calibration_case": ("case_id", "case"),
    "qa_calibration_answer": ("item_id", "qa_calibration_case"),
}


def entity(name: str) -> Entity:
    """The catalog entry of ``name``; an unknown table is treated as append-only (never dropped)."""
    return ENTITIES.get(name) or Entity(name, APPEND, None)
