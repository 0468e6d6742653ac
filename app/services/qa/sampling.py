"""Drawing an audit batch from past decisions: simple random, stratified or risk-weighted, in a date range.

The method is permanent-random-number (PRN) sampling, as statistics offices use to draw and coordinate
samples from large registers (Ohlsson 1995). Every decision carries a fixed random number ``prn`` (48 random
bits of its UUID4, so every workstation agrees); a seed picks a start point ``u`` per stratum, and the sample of
a stratum is its ``n`` decisions whose ``(prn - u) mod 2**48`` is smallest. Because the PRNs are independent
and uniform, that is a simple random sample of the stratum, and the same seed on the same data always gives
the same sample. Two seeds give two windows of one random order, so consecutive batches rarely overlap.

At scale nothing is scanned per stratum: one grouped count over an index gives every stratum's size, and a
stratum's sample is a walk of ``n`` steps along its ``(value, prn)`` index from ``u`` (wrapping once). With a
narrow date range the in-range decisions are read from the ``(value, decided_at)`` index instead and the same
rule picks among them, so both paths draw the very same sample.

A decision's frame row is staged by a trigger when it is committed (see app.models.qa) and applied here, by
``catch_up``, before any count or walk reads the frame: the sixteen sampling indexes are maintained once per
draw, in one pass, instead of in every decision's durable commit.

Risk-weighted sampling stratifies by risk class (severity, reach, overturned, unsure answers) and allocates in
proportion to class size times class weight, so a decision's chance of selection grows with its risk; each
item keeps its design weight (class size / class sample) for unbiased estimates.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Final

from sqlalchemy import TextClause, bindparam, select, text
from sqlalchemy.orm import Session

from app.i18n import N_
from app.models import QaFrame
from app.models.base import UTCDateTime
from app.models.qa import FRAME_DIMENSIONS
from app.services.errors import InvalidInput

PRN_BITS: Final = 48
PRN_SPACE: Final = 1 << PRN_BITS
_HEX: Final = "0123456789abcdef"
# Most in-range decisions a stratum may have to be read through the date index and picked in memory.
DENSE_LIMIT: Final = 200_000
MAX_SIZE: Final = 100_000
METHODS: Final = ("random", "stratified", "risk")
DIMENSIONS: Final = ("queue", "policy", "reviewer", "outcome", "language", "region")
ALLOCATIONS: Final = ("proportional", "equal")
REACH_STEPS: Final = (1_000, 10_000, 100_000)


def prn(decision_id: str) -> int:
    """The permanent random number of a decision (the migration's trigger computes the same in SQL)."""
    digits = (decision_id[0:8] + decision_id[9:13]).lower()
    value = 0
    for position in range(12):
        # SQL's instr() finds '' at 1 and a stranger at 0; both count as 0 there and here.
        ch = digits[position] if position < len(digits) else ""
        value = value * 16 + max(_HEX.find(ch), 0)
    return value


def reach_bucket(views: int) -> int:
    return sum(views >= step for step in REACH_STEPS)


def risk_class(severity: int, views: int, overturned: bool, unsure: bool) -> int:
    """Severity (1-4), reach bucket (0-3) and two flags packed into one indexed number."""
    return (min(max(severity, 1), 4) - 1) * 16 + reach_bucket(views) * 4 + int(overturned) * 2 + int(unsure)


def risk_weight(risk: int) -> float:
    """How much more likely than the mildest decision a decision of this class is to be drawn."""
    severity = risk // 16 + 1
    reach = (risk // 4) % 4
    overturned = (risk >> 1) & 1
    unsure = risk & 1
    return float(severity * (1 + reach) * (3 if overturned else 1) * (2 if unsure else 1))


def describe_risk(risk: int) -> dict[str, Any]:
    return {
        "severity": risk // 16 + 1,
        "reach": (risk // 4) % 4,
        "overturned": bool((risk >> 1) & 1),
        "unsure": bool(risk & 1),
    }


@dataclass(frozen=True)
class SampleSpec:
    """What to draw. ``by`` is the stratifying dimension (stratified only); dates are inclusive UTC days."""

    method: str = "random"
    size: int = 50
    seed: int = 0
    by: str | None = None
    allocation: str = "proportional"
    date_from: date | None = None
    date_to: date | None = None

    def check(self) -> None:
        if self.method not in METHODS:
            raise InvalidInput("Unknown sampling method %(method)s.", method=self.method)
        if self.method == "stratified" and self.by not in DIMENSIONS:
            raise InvalidInput("A stratified sample needs a dimension to stratify by.")
        if self.allocation not in ALLOCATIONS:
            raise InvalidInput("Unknown allocation %(allocation)s.", allocation=self.allocation)
        if not 1 <= self.size <= MAX_SIZE:
            raise InvalidInput("The sample size must be between 1 and %(limit)s.", limit=MAX_SIZE)
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise InvalidInput("The start date is after the end date.")

    @property
    def dimension(self) -> str | None:
        if self.method == "stratified":
            return self.by
        return "risk" if self.method == "risk" else None

    def parameters(self) -> dict[str, Any]:
        values = asdict(self)
        values["date_from"] = self.date_from.isoformat() if self.date_from else None
        values["date_to"] = self.date_to.isoformat() if self.date_to else None
        if self.method != "stratified":
            values["by"] = None
        if self.method == "risk":
            values["weights"] = "severity × (1 + reach) × 3 if overturned × 2 if unsure"
        return values

    @staticmethod
    def from_parameters(values: Mapping[str, Any]) -> SampleSpec:
        return SampleSpec(
            method=values["method"],
            size=int(values["size"]),
            seed=int(values["seed"]),
            by=values.get("by"),
            allocation=values.get("allocation", "proportional"),
            date_from=date.fromisoformat(values["date_from"]) if values.get("date_from") else None,
            date_to=date.fromisoformat(values["date_to"]) if values.get("date_to") else None,
        )


@dataclass(frozen=True)
class StratumPlan:
    key: str
    population: int
    allocated: int


@dataclass(frozen=True)
class Pick:
    decision_id: str
    case_id: str
    stratum: str
    weight: float


@dataclass(frozen=True)
class Sample:
    population: int
    strata: tuple[StratumPlan, ...]
    picks: tuple[Pick, ...]  # in audit order (shuffled by the seed, so strata are interleaved)


# --- allocation -------------------------------------------------------------------------------------------


def allocate(
    sizes: Mapping[str, int], total: int, weights: Mapping[str, float] | None = None
) -> dict[str, int]:
    """Split ``total`` over strata in proportion to size × weight (largest remainder), never above a
    stratum's size; what a full stratum cannot take goes to the others. Ties break by stratum key."""
    share = {k: n * (weights[k] if weights else 1.0) for k, n in sizes.items() if n > 0}
    result = dict.fromkeys(sizes, 0)
    remaining = min(total, sum(sizes[k] for k in share))
    open_keys = sorted(share)
    while remaining > 0 and open_keys:
        mass = sum(share[k] for k in open_keys)
        quotas = {k: remaining * share[k] / mass for k in open_keys}
        floors = {k: min(int(quotas[k]), sizes[k] - result[k]) for k in open_keys}
        given = sum(floors.values())
        leftovers = sorted(open_keys, key=lambda k: (-(quotas[k] - int(quotas[k])), k))
        for k in leftovers:
            if given >= remaining:
                break
            if result[k] + floors[k] < sizes[k]:
                floors[k] += 1
                given += 1
        for k, extra in floors.items():
            result[k] += extra
        remaining -= given  # at least one was given: every open key is below its size
        open_keys = [k for k in open_keys if result[k] < sizes[k]]
    return result


def allocate_equal(sizes: Mapping[str, int], total: int) -> dict[str, int]:
    return allocate(sizes, total, {k: 1.0 / n for k, n in sizes.items() if n > 0})


# --- the frame --------------------------------------------------------------------------------------------

_REACH = (
    f"(CASE WHEN views >= {REACH_STEPS[2]} THEN 3 WHEN views >= {REACH_STEPS[1]} THEN 2 "
    f"WHEN views >= {REACH_STEPS[0]} THEN 1 ELSE 0 END)"
)


def _risk_sql(overturned: str) -> str:
    """``risk_class`` in SQL, over a frame or stage row's columns."""
    return f"((min(max(severity, 1), 4) - 1) * 16 + {_REACH} * 4 + ({overturned}) * 2 + (unsure))"


_STAGED = "decision_id, case_id, decided_at, prn, queue, policy, reviewer, outcome, language, region, severity, views"
_APPLY = text(
    f"INSERT INTO qa_frame ({_STAGED}, overturned, unsure, risk) "
    f"SELECT {_STAGED}, 0, unsure, {_risk_sql('0')} FROM qa_frame_stage WHERE n <= :upto ORDER BY n "
    "ON CONFLICT (decision_id) DO NOTHING"
)
_OVERTURNS = text(
    "SELECT supersedes_id, outcome FROM qa_frame_stage WHERE n <= :upto AND supersedes_id IS NOT NULL ORDER BY n"
)
_OVERTURN = text(
    f"UPDATE qa_frame SET overturned = 1, risk = {_risk_sql('1')} WHERE decision_id = :earlier AND outcome != :outcome"
)
_CLEAR = text("DELETE FROM qa_frame_stage WHERE n <= :upto")


def catch_up(session: Session) -> int:
    """Apply the staged frame rows in the session's transaction (they last if it commits); returns how many.

    The result is what row-by-row maintenance gave: each row as of its decision's commit, and an earlier
    decision marked overturned when a later one with another outcome supersedes it. Rows staged by another
    connection meanwhile stay staged for the next time.
    """
    upto = session.scalar(text("SELECT max(n) FROM qa_frame_stage"))
    if upto is None:
        return 0
    staged = session.execute(_APPLY, {"upto": upto}).rowcount
    overturns = [{"earlier": e, "outcome": o} for e, o in session.execute(_OVERTURNS, {"upto": upto})]
    if overturns:
        session.execute(_OVERTURN, overturns)
    session.execute(_CLEAR, {"upto": upto})
    return int(staged)


def _apply_staged(session: Session) -> None:
    """Bring the frame up to date before reading it.

    A session that has written nothing yet (a preview, a count, ``CreateBatch`` before it stores the batch)
    gets the staged rows applied and committed in a transaction of their own, so no later reader applies them
    again; a session that has written already applies them in its own transaction.
    """
    if session.scalar(text("SELECT 1 FROM qa_frame_stage LIMIT 1")) is None:
        return
    driver = session.connection().connection.dbapi_connection
    if getattr(driver, "in_transaction", True):
        catch_up(session)
        return
    with Session(session.get_bind()) as own, own.begin():
        catch_up(own)


# --- drawing ----------------------------------------------------------------------------------------------


def _column_name(dimension: str | None) -> str | None:
    if dimension is not None and dimension not in FRAME_DIMENSIONS:
        raise InvalidInput(N_("Unknown sampling dimension %(value)s."), value=dimension)
    return dimension


def _date_bounds(spec: SampleSpec) -> tuple[datetime | None, datetime | None]:
    low = datetime.combine(spec.date_from, time.min, UTC) if spec.date_from else None
    high = datetime.combine(spec.date_to + timedelta(days=1), time.min, UTC) if spec.date_to else None
    return low, high


# The sampler's few queries are written out so that each names its index (SQLAlchemy renders no index hints
# for SQLite). Column and index names come from FRAME_DIMENSIONS only; every value is a bound parameter.
class _Query:
    def __init__(self, spec: SampleSpec, stratum: str | None = None) -> None:
        self.column = _column_name(spec.dimension)
        low, high = _date_bounds(spec)
        self.dates: list[str] = []
        self.params: dict[str, Any] = {}
        if low is not None:
            self.dates.append("decided_at >= :low")
            self.params["low"] = low
        if high is not None:
            self.dates.append("decided_at < :high")
            self.params["high"] = high
        self.where = list(self.dates)
        if stratum is not None and self.column is not None:
            self.where.append(f"{self.column} = :value")
            self.params["value"] = int(stratum) if self.column == "risk" else stratum

    def index(self, kind: str) -> str:
        return f"ix_qa_frame_{self.column}_{kind}" if self.column else f"ix_qa_frame_{kind}"

    def text(self, sql: str, explain: bool = False, **params: Any) -> TextClause:
        values = {**self.params, **params}
        binds = [
            bindparam(name, value, type_=UTCDateTime()) if name in ("low", "high") else bindparam(name, value)
            for name, value in values.items()
        ]
        return text(("EXPLAIN QUERY PLAN " if explain else "") + sql).bindparams(*binds)

    def counts(self, explain: bool = False) -> TextClause:
        inside = f"sum(CASE WHEN {' AND '.join(self.dates)} THEN 1 ELSE 0 END)" if self.dates else "count(*)"
        key = self.column or "''"
        group = f" GROUP BY {self.column}" if self.column else ""
        sql = f"SELECT {key}, {inside}, count(*) FROM qa_frame INDEXED BY {self.index('decided')}{group}"
        return self.text(sql, explain)

    def walk(self, start: int, after: bool, limit: int, explain: bool = False) -> TextClause:
        where = " AND ".join([*self.where, "prn >= :start" if after else "prn < :start"])
        sql = (
            f"SELECT n FROM qa_frame INDEXED BY {self.index('prn')} WHERE {where} "
            "ORDER BY prn, decided_at, n LIMIT :limit"
        )
        return self.text(sql, explain, start=start, limit=limit)

    def dense(self) -> TextClause:
        where = f" WHERE {' AND '.join(self.where)}" if self.where else ""
        return self.text(f"SELECT prn, decided_at, n FROM qa_frame INDEXED BY {self.index('decided')}{where}")


def strata_counts(session: Session, spec: SampleSpec) -> dict[str, tuple[int, int]]:
    """Every stratum's (decisions in the date range, decisions in all): one grouped pass over a covering
    index, whatever the number of strata (after the staged frame rows are applied)."""
    _apply_staged(session)
    rows = session.execute(_Query(spec).counts())
    return {str(key): (int(inside or 0), int(total)) for key, inside, total in rows if total}


def strata_sizes(session: Session, spec: SampleSpec) -> dict[str, int]:
    """Every stratum's number of decisions in the date range (strata with none left out)."""
    return {k: inside for k, (inside, _total) in strata_counts(session, spec).items() if inside}


def _start(seed: int, stratum: str) -> int:
    # A string seed is hashed (SHA-512) by random.Random, so this is stable across runs and platforms.
    return random.Random(f"{seed}/{stratum}").randrange(PRN_SPACE)


def _walk(session: Session, spec: SampleSpec, stratum: str, start: int, n: int) -> list[int]:
    """The stratum's first ``n`` in-range decisions in PRN order from ``start``, wrapping once.

    The walk reads the (value, prn, decided_at) index only: the date test happens inside the index.
    """
    query = _Query(spec, stratum)
    rows: list[int] = list(session.scalars(query.walk(start, True, n)))
    if len(rows) < n:
        rows.extend(session.scalars(query.walk(start, False, n - len(rows))))
    return rows


def _dense(session: Session, spec: SampleSpec, stratum: str, start: int, n: int) -> list[int]:
    """The same rule as ``_walk`` for a stratum with few decisions in range, read through the date index."""
    rows = sorted(
        session.execute(_Query(spec, stratum).dense()), key=lambda r: ((r[0] - start) % PRN_SPACE, r[1], r[2])
    )
    return [r[2] for r in rows[:n]]


def _resolve(session: Session, numbers: Sequence[int]) -> dict[int, tuple[str, str]]:
    found: dict[int, tuple[str, str]] = {}
    for chunk in range(0, len(numbers), 500):
        part = numbers[chunk : chunk + 500]
        query = select(QaFrame.n, QaFrame.decision_id, QaFrame.case_id).where(QaFrame.n.in_(part))
        found.update({n: (d, c) for n, d, c in session.execute(query)})
    return found


def _allocation(spec: SampleSpec, sizes: Mapping[str, int]) -> dict[str, int]:
    if spec.method == "risk":
        return allocate(sizes, spec.size, {k: risk_weight(int(k)) for k in sizes})
    if spec.method == "stratified" and spec.allocation == "equal":
        return allocate_equal(sizes, spec.size)
    return allocate(sizes, spec.size)


def draw(session: Session, spec: SampleSpec) -> Sample:
    """Draw the sample ``spec`` describes; the same spec on the same decisions gives the same sample."""
    spec.check()
    counts = strata_counts(session, spec)
    sizes = {k: inside for k, (inside, _total) in counts.items() if inside}
    allocation = _allocation(spec, sizes)
    chosen: list[tuple[int, str, float]] = []
    for stratum in sorted(allocation):
        n = allocation[stratum]
        if n == 0:
            continue
        inside, total = counts[stratum]
        # A walk steps over about n × total / inside index entries, a dense read over inside: take the shorter.
        read = _dense if inside * inside < n * total and inside <= DENSE_LIMIT else _walk
        weight = inside / n
        chosen.extend(
            (number, stratum, weight)
            for number in read(session, spec, stratum, _start(spec.seed, stratum), n)
        )
    rows = _resolve(session, [number for number, _s, _w in chosen])
    picks = [Pick(*rows[number], stratum, weight) for number, stratum, weight in chosen]
    random.Random(spec.seed).shuffle(picks)
    strata = tuple(StratumPlan(k, sizes[k], allocation[k]) for k in sorted(sizes))
    return Sample(population=sum(sizes.values()), strata=strata, picks=tuple(picks))


def query_plans(session: Session, spec: SampleSpec) -> Sequence[str]:
    """SQLite's plans for the strata count and for a walk (tests use them to prove the indexes serve)."""
    stratum = next(iter(sorted(strata_sizes(session, spec))), "0")
    query = _Query(spec, stratum if spec.dimension else None)
    plans = []
    for clause in (_Query(spec).counts(explain=True), query.walk(0, True, 10, explain=True)):
        plans.append(" | ".join(str(row[-1]) for row in session.execute(clause)))
    return plans
