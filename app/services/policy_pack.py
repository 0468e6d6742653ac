"""Loading policy packs (YAML, one policy per file) into the store, one row per policy version."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.resources import POLICIES
from app.core.vocabulary import OUTCOMES, RESTRICTION_TYPES
from app.models import Policy, PolicyElement

REQUIRED = (
    "code",
    "version",
    "title",
    "summary",
    "description",
    "violation_outcome",
    "elements",
    "exceptions",
)


class PolicyPackError(ValueError):
    pass


def parse_policy(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise PolicyPackError(f"{path.name}: not a mapping")
    missing = [k for k in REQUIRED if k not in data]
    if missing:
        raise PolicyPackError(f"{path.name}: missing {', '.join(missing)}")
    if data["violation_outcome"] not in OUTCOMES:
        raise PolicyPackError(f"{path.name}: unknown violation_outcome {data['violation_outcome']!r}")
    if data.get("restriction_type", "removal") not in RESTRICTION_TYPES:
        raise PolicyPackError(f"{path.name}: unknown restriction_type {data['restriction_type']!r}")
    return data


def load_policy_pack(session: Session, directory: Path = POLICIES) -> int:
    """Add every policy version not yet in the store; returns how many were added."""
    known = {(code, version) for code, version in session.execute(select(Policy.code, Policy.version))}
    added = 0
    for path in sorted(directory.glob("*.yaml")):
        data = parse_policy(path)
        if (data["code"], int(data["version"])) in known:
            continue
        policy = Policy(
            code=data["code"],
            version=int(data["version"]),
            title=data["title"],
            summary=data["summary"],
            description=data["description"],
            violation_outcome=data["violation_outcome"],
            severe_outcome=data.get("severe_outcome") or "",
            restriction_type=data.get("restriction_type", "removal"),
            legal_ground=bool(data.get("legal_ground", False)),
            queues=list(data.get("queues", [])),
        )
        session.add(policy)
        session.flush()
        for kind, entries in (("criterion", data["elements"]), ("exception", data["exceptions"])):
            for position, entry in enumerate(entries):
                session.add(
                    PolicyElement(
                        policy_id=policy.id,
                        key=entry["key"],
                        kind=kind,
                        text=entry["text"],
                        guidance=entry.get("guidance", ""),
                        position=position,
                    )
                )
        added += 1
    return added
