"""Demo data: queues, a team, and realistic (mild) cases in all ten languages, some already worked.

Everything is made from a seed, so the same command always builds the same profile. Worked cases go through
the real commands, so their audit trail, checklist and remediation are exactly what a person would leave.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.png import abstract_image
from app.core.resources import DEMO_CORPUS
from app.models import Case, Policy, Queue, Reviewer, clock
from app.services.case_commands import ClaimCase, ResolveCase, SetAwaitingInput
from app.services.checklist import case_checklists, latest_policies
from app.services.intake import CaseSpec, ItemSpec, MediaSpec, create_case
from app.services.profile import write_setting
from app.services.remediation_commands import ApproveRemediation, PlanRemediation, SetRemediationStatus
from app.services.review_commands import AddNote, AnswerChecklistItem, RecordDecision

LANGUAGES = ("en", "es", "fr", "de", "pt", "ja", "hi", "th", "ko", "ur")
LANGUAGE_WEIGHTS = (22, 12, 9, 8, 10, 8, 9, 6, 6, 10)

# slug, name, first response minutes, resolution minutes, sensitive
QUEUES = (
    ("priority-escalations", "Priority escalations", 30, 240, True),
    ("violent-speech", "Violent speech", 60, 720, True),
    ("hate-harassment", "Hate & harassment", 120, 1440, False),
    ("privacy", "Privacy & doxxing", 120, 1440, False),
    ("integrity", "Civic & media integrity", 120, 1440, False),
    ("child-safety", "Child safety", 30, 240, True),
    ("self-harm", "Self-harm", 30, 360, True),
    ("spam-manipulation", "Spam & manipulation", 240, 2880, False),
    ("sensitive-media", "Sensitive media", 120, 1440, True),
    ("impersonation", "Impersonation", 240, 2880, False),
)

# name, handle, role, languages, time zone; the first is the profile's own reviewer
TEAM = (
    ("Sam Rivera", "srivera", "specialist", ["en", "es", "pt"], "America/Mexico_City"),
    ("Aisha Siddiqui", "asiddiqui", "specialist", ["ur", "hi", "en"], "Asia/Karachi"),
    ("Kenji Watanabe", "kwatanabe", "specialist", ["ja", "ko", "en"], "Asia/Tokyo"),
    ("Léa Dubois", "ldubois", "specialist", ["fr", "de", "en"], "Europe/Paris"),
    ("Niran Chaiyaporn", "nchaiyaporn", "specialist", ["th", "en"], "Asia/Bangkok"),
    ("Priya Nair", "pnair", "lead", ["hi", "en"], "Asia/Kolkata"),
    ("Jonas Becker", "jbecker", "lead", ["de", "en"], "Europe/Berlin"),
    ("Mina Park", "mpark", "qa", ["ko", "en", "ja"], "Asia/Seoul"),
)
SOURCES = ("user_report", "user_report", "user_report", "trusted_flagger", "automated", "internal")
PRIORITY_FOR_SEVERITY = {4: 1, 3: 2, 2: 3, 1: 4}


@cache
def corpus(language: str) -> dict[str, Any]:
    data = yaml.safe_load((DEMO_CORPUS / f"{language}.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@dataclass(frozen=True)
class SeedReport:
    cases: int
    decided: int
    resolved: int


def ensure_team(session: Session) -> dict[str, Reviewer]:
    existing = {r.handle: r for r in session.scalars(select(Reviewer))}
    for name, handle, role, languages, zone in TEAM:
        if handle not in existing:
            existing[handle] = Reviewer(
                name=name, handle=handle, role=role, languages=languages, time_zone=zone
            )
            session.add(existing[handle])
    session.flush()
    return existing


def ensure_queues(session: Session) -> dict[str, Queue]:
    existing = {q.slug: q for q in session.scalars(select(Queue))}
    for slug, name, first, resolution, sensitive in QUEUES:
        if slug not in existing:
            existing[slug] = Queue(
                slug=slug,
                name=name,
                workflow="four_eyes" if sensitive else "standard",
                sla_first_response_minutes=first,
                sla_resolution_minutes=resolution,
                sensitive=sensitive,
            )
            session.add(existing[slug])
    session.flush()
    return existing


class _Seeder:
    def __init__(self, session: Session, seed: int, now: datetime) -> None:
        self.session = session
        self.rng = random.Random(seed)
        self.seed = seed
        self.now = now
        self.team = ensure_team(session)
        self.queues = ensure_queues(session)
        self.policy_queue = {
            p.code: (p.queues or ["priority-escalations"])[0] for p in latest_policies(session)
        }
        self.specialists = [r for r in self.team.values() if r.role == "specialist"]
        self.leads = [r for r in self.team.values() if r.role == "lead"]
        self.intake = self.team["pnair"]

    def case_spec(self, index: int, language: str) -> tuple[CaseSpec, dict[str, Any]]:
        data = corpus(language)
        item = self.rng.choice(data["items"])
        rng = self.rng
        author = rng.randrange(len(data["handles"]))
        policy = item.get("policy")
        slug = self.policy_queue.get(policy or "", rng.choice([q[0] for q in QUEUES[1:]]))
        severity = int(item.get("severity", 2))
        if severity >= 4 and rng.random() < 0.5:
            slug = "priority-escalations"
        sla_minutes = self.queues[slug].sla_resolution_minutes
        # Open work is recent (most within its SLA, a few breached); older cases are mostly finished.
        if rng.random() < 0.55:
            created = self.now - timedelta(minutes=rng.randint(5, int(sla_minutes * 1.15)))
        else:
            created = self.now - timedelta(minutes=rng.randint(sla_minutes, 60 * 24 * 14))
        captured = created - timedelta(minutes=rng.randint(1, 600))
        followers = int(rng.lognormvariate(6, 2))
        meta = {
            "followers": followers,
            "account_created": (created - timedelta(days=rng.randint(3, 4000))).date().isoformat(),
            "verified": followers > 50_000 and rng.random() < 0.5,
            "prior_strikes": rng.choice([0, 0, 0, 1, 2]),
            "bio": rng.choice(data["bios"]),
        }
        views = int(rng.lognormvariate(7, 2))
        media: tuple[MediaSpec, ...] = ()
        if item.get("kind") == "media" or rng.random() < 0.2:
            media = (
                MediaSpec(
                    f"IMG_{rng.randint(1000, 9999)}.png",
                    "image/png",
                    abstract_image(self.seed * 100 + index % 16),
                ),
            )
        reported = ItemSpec(
            kind=item.get("kind", "post"),
            text=item["text"],
            link_url=item.get("link") or "",
            author_handle=data["handles"][author],
            author_display_name=data["display_names"][author % len(data["display_names"])],
            author_meta=meta,
            language=language,
            captured_at=captured,
            metrics={
                "views": views,
                "reposts": views // rng.randint(20, 200),
                "likes": views // rng.randint(5, 40),
                "replies": len(item.get("thread") or []),
            },
            reported=True,
            media=media,
        )
        thread = [
            ItemSpec(
                kind="reply",
                text=text,
                author_handle=rng.choice(data["handles"]),
                language=language,
                captured_at=captured + timedelta(minutes=5 * (n + 1)),
                metrics={"likes": rng.randint(0, 300)},
                parent=0,
            )
            for n, text in enumerate(item.get("thread") or [])
        ]
        spec = CaseSpec(
            external_ref=f"RPT-{self.seed % 1000:03d}-{index + 1:06d}",
            queue_slug=slug,
            title=item["title"],
            items=(reported, *thread),
            priority=PRIORITY_FOR_SEVERITY.get(severity, 3),
            severity=severity,
            region=rng.choice(data["regions"]),
            language=language,
            source_type=rng.choice(SOURCES),
            report_reason=item.get("report_reason", ""),
            created_at=created,
            due_at=created + timedelta(minutes=sla_minutes),
        )
        return spec, item

    def work(self, case: Case, item: dict[str, Any], stage: str) -> None:
        """Take a case as far as ``stage`` with the real commands, at plausible past times."""
        person = self.rng.choice(self.specialists)
        moment = [case.created_at + timedelta(minutes=self.rng.randint(10, 90))]

        def tick() -> datetime:
            moment[0] += timedelta(seconds=self.rng.randint(20, 400))
            return min(moment[0], self.now)

        def run(command: Any, actor: Reviewer = person) -> None:
            command.run(self.session, actor)

        with clock(tick):
            run(ClaimCase(case.id))
            if stage == "claimed":
                return
            if stage == "awaiting":
                run(AddNote(case.id, "Asked the regional team for context on this account.", "en"))
                run(SetAwaitingInput(case.id, True))
                return
            violation = item.get("verdict_hint") == "violation" and item.get("policy")
            checklists = case_checklists(self.session, case)
            policy = next(
                (c for c in checklists if c.code == item.get("policy")), checklists[0] if checklists else None
            )
            if policy is None:
                return
            for element in policy.elements:
                met = (element.kind == "criterion") == bool(violation)
                if not violation and element.kind == "criterion" and element is not policy.elements[0]:
                    continue
                answer = "met" if met else "not_met"
                run(AnswerChecklistItem(case.id, element.element_id, answer))
            if stage == "reviewing":
                return
            outcome = policy.violation_outcome if violation else "no_violation"
            policy_row = self.session.get(Policy, policy.policy_id)
            rationale = (
                f"Every element of {policy.code} is met and no exception applies."
                if violation
                else f"{policy.code} does not apply: the first element is not met."
            )
            run(
                RecordDecision(
                    case.id, outcome, rationale, policy_id=policy_row.id if violation and policy_row else None
                )
            )
            if violation:
                run(PlanRemediation(case.id, "remove_content", target=case.external_ref))
                if case.severity >= 4:
                    run(PlanRemediation(case.id, "suspend_permanent", target="@author"))
                run(
                    PlanRemediation(
                        case.id,
                        "monitor_account",
                        horizon="long_term",
                        due_at=case.created_at + timedelta(days=30),
                    )
                )
            if stage == "decided":
                return
            for action in self._open_immediate(case):
                if action.needs_second_approval:
                    run(ApproveRemediation(action.id), self.rng.choice(self.leads))
                run(SetRemediationStatus(action.id, "done"))
            run(ResolveCase(case.id))

    def _open_immediate(self, case: Case) -> list[Any]:
        from app.models import RemediationAction

        return list(
            self.session.scalars(
                select(RemediationAction).where(
                    RemediationAction.case_id == case.id, RemediationAction.horizon == "immediate"
                )
            )
        )


def seed_demo(session: Session, cases: int, seed: int = 1, now: datetime | None = None) -> SeedReport:
    """Fill a profile with ``cases`` demo cases; the first team member becomes the profile's reviewer."""
    seeder = _Seeder(session, seed, now or datetime.now(UTC))
    offset = session.scalar(select(Case.id).limit(1)) and len(list(session.scalars(select(Case.id))))
    decided = resolved = 0
    for index in range(offset or 0, (offset or 0) + cases):
        language = seeder.rng.choices(LANGUAGES, LANGUAGE_WEIGHTS)[0]
        spec, item = seeder.case_spec(index, language)
        with clock(lambda spec=spec: spec.created_at or seeder.now):
            case = create_case(session, seeder.intake, spec)
        overdue = case.due_at < seeder.now
        roll = seeder.rng.random()
        if overdue and roll < 0.9:
            stage = "resolved"
        elif overdue and roll < 0.95:
            stage = "decided"
        elif roll < 0.12:
            stage = "claimed"
        elif roll < 0.18:
            stage = "awaiting"
        elif roll < 0.26:
            stage = "reviewing"
        else:
            stage = "new"
        if stage != "new":
            seeder.work(case, item, stage)
            decided += stage in ("decided", "resolved")
            resolved += stage == "resolved"
    write_setting(session, "reviewer_id", seeder.team[TEAM[0][1]].id)
    return SeedReport(cases=cases, decided=decided, resolved=resolved)
