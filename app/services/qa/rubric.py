"""The scoring rubric: the built-in default until a lead configures another (each version is a new row)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.i18n import N_
from app.models import QaRubric, Reviewer
from app.services import permissions
from app.services.dto import Changes
from app.services.errors import InvalidInput
from app.services.qa.common import append
from app.services.qa.dto import RubricCriterion
from app.services.qa.vocabulary import DEFAULT_RUBRIC

_KEY = re.compile(r"^[a-z][a-z0-9_]{0,59}$")
_BUILTIN = {key for key, _label, _max in DEFAULT_RUBRIC}


def default_rubric() -> tuple[RubricCriterion, ...]:
    return tuple(RubricCriterion(key, label, top, True) for key, label, top in DEFAULT_RUBRIC)


def current_rubric_row(session: Session) -> QaRubric | None:
    return session.scalars(
        select(QaRubric).order_by(QaRubric.created_at.desc(), QaRubric.id.desc()).limit(1)
    ).first()


def current_rubric(session: Session) -> tuple[RubricCriterion, ...]:
    row = current_rubric_row(session)
    if row is None:
        return default_rubric()
    labels = {key: label for key, label, _max in DEFAULT_RUBRIC}
    return tuple(
        RubricCriterion(
            c["key"],
            labels.get(c["key"], c["label"]),
            int(c["max"]),
            c["key"] in _BUILTIN and c["label"] == labels.get(c["key"]),
        )
        for c in row.criteria
    )


def score_share(scores: Mapping[str, int], maxes: Mapping[str, int]) -> float | None:
    """Points over the maximum of the criteria that were scored (a criterion left out does not apply)."""
    scored = [k for k in scores if k in maxes and maxes[k] > 0]
    if not scored:
        return None
    return sum(scores[k] for k in scored) / sum(maxes[k] for k in scored)


@dataclass(frozen=True)
class ConfigureRubric:
    """Make ``criteria`` ((key, label, maximum), ...) the rubric from now on; earlier scores keep theirs."""

    criteria: tuple[tuple[str, str, int], ...]

    def run(self, session: Session, actor: Reviewer) -> Changes:
        permissions.require(actor.role, "configure_rubric")
        if not self.criteria:
            raise InvalidInput(N_("A rubric needs at least one criterion."))
        seen: set[str] = set()
        rows = []
        for key, label, top in self.criteria:
            if not _KEY.match(key) or key in seen:
                raise InvalidInput(
                    N_("Rubric criterion keys must be unique lower-case words: %(key)s."), key=key
                )
            if not 1 <= top <= 10:
                raise InvalidInput(N_("A criterion's maximum score must be between 1 and 10."))
            if not label.strip():
                raise InvalidInput(N_("Every rubric criterion needs a label."))
            seen.add(key)
            rows.append({"key": key, "label": label.strip()[:200], "max": int(top)})
        payload = append(
            session,
            actor,
            "qa_rubric",
            QaRubric(criteria=rows, created_by_id=actor.id),
            "qa.rubric_configured",
            None,
        )
        return Changes(created_ids=(str(payload["id"]),))
