"""What syncs, and how: the kind of each synced table, its case, and the reference ids it carries.

* reference rows (reviewer, queue, policy, policy element) are made independently on each workstation (the
  policy pack loads on every start), so they are matched by natural key and their ids translated at the sync
  boundary (``sync_id_map``); nobody rewrites history to adopt the hub's ids.
* append-only rows merge by union: an insert the hub already has is a no-op.
* mutable rows (case, remediation action, conflict) carry a version; an update names its base version and
  the hub decides mismatches by the rules in ``app.services.sync.rules``.

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
        Entity("media_attachment", APPEND, "content_item_id"),
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
    )
}

# Parents before children: a pulled batch is applied in this order, so foreign keys always find their row.
APPLY_ORDER: Final[tuple[str, ...]] = tuple(ENTITIES)
REFERENCE_ENTITIES: Final[tuple[str, ...]] = tuple(n for n, e in ENTITIES.items() if e.kind == REFERENCE)
APPEND_ONLY_TABLES: Final[tuple[str, ...]] = (
    "decision",
    "checklist_answer",
    "note",
    "communication",
    "audit_event",
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
}


def entity(name: str) -> Entity:
    """The catalog entry of ``name``; an unknown table is treated as append-only (never dropped)."""
    return ENTITIES.get(name) or Entity(name, APPEND, None)
