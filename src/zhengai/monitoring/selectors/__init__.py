"""Reads of the standard chain's pages, always within the user's data scope.

The catalogue with the outcome counts of today's states; one indicator's periods, value
distribution, trend and entity table (from the measurement history, read with DuckDB); the
what-if replay of a proposed threshold over that history; one entity's indicators.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from django.db.models import Count, Q
from django.utils import timezone

from zhengai.datacenter import store
from zhengai.indicators.choices import OUTCOME_SEVERITY, Outcome, PeriodKind, ThresholdOrigin
from zhengai.indicators.declarations import LEVELS
from zhengai.indicators.models import Indicator, Threshold
from zhengai.indicators.periods import Period
from zhengai.indicators.selectors import ThresholdBook, threshold_in_force
from zhengai.indicators.thresholds import Thresholds, evaluate_array
from zhengai.lib import clock
from zhengai.monitoring import history
from zhengai.monitoring.models import IndicatorState
from zhengai.monitoring.selectors.entities import (
    entity_record,
    entity_series,
    entity_states,
    measurement_rows,
    run_states,
    states_for,
)
from zhengai.org.models import Course, Major, OrgUnit, SchoolClass, Student, Teacher

# One entity's reads live in selectors/entities.py; other apps import them from here.
__all__ = ["entity_record", "entity_series", "entity_states", "measurement_rows", "run_states", "states_for"]

OUTCOMES = [
    o.value for o in (Outcome.PASSED, Outcome.WARN, Outcome.FAILED, Outcome.PENDING, Outcome.UNSET, Outcome.NO_DATA)
]
JUDGED = [Outcome.PASSED.value, Outcome.WARN.value, Outcome.FAILED.value]

# ------------------------------------------------------------------------------------------ scope


@dataclass(frozen=True)
class EntityScope:
    """The measurements a user may see: those of entities in his departments, plus named entities.

    A measurement carries its entity's department code (`org_unit`); a teacher or a student is
    given his own entities by key (a teacher's own record, the courses he leads, his classes and
    their students).
    """

    everything: bool = False
    org_units: frozenset[str] = frozenset()
    keys: tuple[tuple[str, frozenset[str]], ...] = ()  # (entity kind, keys)

    @property
    def is_empty(self) -> bool:
        return not self.everything and not self.org_units and not any(keys for _kind, keys in self.keys)

    def q(self) -> Q:
        """A filter on IndicatorState / StatusChange rows."""
        if self.everything:
            return Q()
        q = Q(pk__in=[])
        if self.org_units:
            q |= Q(org_unit__in=sorted(self.org_units))
        for kind, keys in self.keys:
            if keys:
                q |= Q(entity_kind=kind, entity_key__in=sorted(keys))
        return q

    def mask(self, table: pa.Table) -> pa.Array | None:
        """Which rows of a history table are in scope (None: all of them)."""
        if self.everything:
            return None
        mask = pa.array(np.zeros(table.num_rows, dtype=bool))
        if self.org_units:
            mask = pc.or_(mask, pc.is_in(table.column("org_unit"), pa.array(sorted(self.org_units), pa.string())))
        for kind, keys in self.keys:
            if keys:
                mine = pc.and_(
                    pc.equal(table.column("entity_kind"), kind),
                    pc.is_in(table.column("entity"), pa.array(sorted(keys), pa.string())),
                )
                mask = pc.or_(mask, mine)
        return pc.fill_null(mask, False)

    def filter(self, table: pa.Table) -> pa.Table:
        mask = self.mask(table)
        return table if mask is None else table.filter(mask)

    def allows(self, kind: str, key: str, org_unit: str) -> bool:
        if self.everything:
            return True
        return org_unit in self.org_units or any(k == kind and key in keys for k, keys in self.keys)


def entity_scope(scope) -> EntityScope:
    """The measurement scope of a user's data scope (`request.scope`)."""
    if scope.everything:
        return EntityScope(everything=True)
    units = frozenset(OrgUnit.objects.filter(id__in=scope.unit_ids).values_list("code", flat=True))
    majors, courses, classes = scope.major_ids, scope.course_ids, scope.class_ids

    def codes(model, column: str, q: Q) -> frozenset[str]:
        return frozenset(model.objects.filter(q).values_list(column, flat=True))

    keys = []
    if majors:
        keys.append(("major", codes(Major, "code", Q(id__in=majors))))
    if courses or majors:
        keys.append(("course", codes(Course, "code", Q(id__in=courses) | Q(major_id__in=majors))))
    if classes or majors:
        keys.append(("class", codes(SchoolClass, "code", Q(id__in=classes) | Q(major_id__in=majors))))
    if scope.teacher_ids:
        keys.append(("teacher", codes(Teacher, "staff_no", Q(id__in=scope.teacher_ids))))
    if scope.student_ids or majors or classes:
        q = Q(id__in=scope.student_ids) | Q(major_id__in=majors) | Q(school_class_id__in=classes)
        keys.append(("student", codes(Student, "student_no", q)))
    return EntityScope(org_units=units, keys=tuple(keys))


def org_unit_names() -> dict[str, str]:
    return {code: short or name for code, short, name in OrgUnit.objects.values_list("code", "short_name", "name")}


def period_label(kind: str, code: str) -> str:
    try:
        return Period(dt.date.min, dt.date.min, code, kind, 0, 0).label
    except ValueError:
        return code


# ------------------------------------------------------------------------------------------ catalogue


@dataclass
class CatalogueRow:
    indicator: Indicator
    raw: dict
    threshold: Threshold | None  # the default row in force today
    grouped: bool  # some groups have their own thresholds
    counts: dict[str, int]
    owner_name: str

    @property
    def unit(self) -> str:
        return str(self.raw.get("unit") or "")

    @property
    def period_label(self) -> str:
        return PeriodKind(self.indicator.period).label if self.indicator.period in PeriodKind.values else ""

    @property
    def origin_label(self) -> str:
        if self.indicator.is_custom:
            return "本校自建"
        return "本校修改" if self.indicator.override else "内置"

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def columns(self) -> list[tuple[str, int]]:
        """达标, 预警, 未达标 and 未判定 (无数据, 周期未结束 and 未设标准 together) for the catalogue table."""
        c = self.counts
        unjudged = sum(n for o, n in c.items() if o not in JUDGED)
        return [("passed", c["passed"]), ("warn", c["warn"]), ("failed", c["failed"]), ("unjudged", unjudged)]


@dataclass
class Catalogue:
    rows: list[CatalogueRow]
    levels: list[tuple[str, str, int]]  # (code, label, indicators) of every level with indicators
    dimensions: list[str]


def catalogue(
    *, scope: EntityScope, level: str = "", system: str = "", dimension: str = "", q: str = "", today=None
) -> Catalogue:
    """Every indicator (enabled or not) with today's threshold and the outcome counts of its states."""
    today = today or timezone.localdate()
    indicators = list(Indicator.objects.all())
    per_level = defaultdict(int)
    for ind in indicators:
        per_level[ind.level] += 1
    levels = [(code, label, per_level[code]) for code, label in LEVELS.items() if per_level[code]]
    dimensions = sorted({i.dimension for i in indicators if i.dimension and (not level or i.level == level)})
    q = q.strip()
    chosen = [
        i
        for i in indicators
        if (not level or i.level == level)
        and (not system or i.system == system)
        and (not dimension or i.dimension == dimension)
        and (not q or q.lower() in f"{i.code} {i.name} {i.control_point}".lower())
    ]
    book = ThresholdBook.load(i.pk for i in chosen)
    counts: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(OUTCOMES, 0))
    if not scope.is_empty:
        states = IndicatorState.objects.filter(scope.q(), indicator_id__in=[i.pk for i in chosen])
        for rec in states.values("indicator_id", "outcome").annotate(n=Count("id")):
            counts[rec["indicator_id"]][rec["outcome"]] = rec["n"]
    names = org_unit_names()
    order = {code: n for n, code in enumerate(LEVELS)}
    rows = [
        CatalogueRow(
            indicator=i,
            raw=i.raw,
            threshold=book.pick(i.pk, "", today),
            grouped=any(t.group for t in book.rows.get(i.pk, [])),
            counts=counts[i.pk],
            owner_name=names.get(i.owner, i.owner),
        )
        for i in sorted(chosen, key=lambda i: (order.get(i.level, 9), i.order, i.code))
    ]
    return Catalogue(rows=rows, levels=levels, dimensions=dimensions)


# ------------------------------------------------------------------------------------------ one indicator


def thresholds_by_group(indicator: Indicator, *, today=None) -> tuple[list[Threshold], list[Threshold]]:
    """(rows in force today, one per group; every row, newest first within each group)."""
    today = today or timezone.localdate()
    rows = list(indicator.threshold_rows.select_related("created_by").order_by("group", "-effective_from", "-id"))
    groups = sorted({t.group for t in rows})
    in_force = [t for g in groups if (t := threshold_in_force(rows, g, today)) is not None and t.group == g]
    return in_force, rows


def indicator_periods(code: str) -> list[tuple[str, dt.date]]:
    """The periods with measurements of an indicator, oldest first."""
    con = store.connect()
    try:
        found = con.sql(
            f"SELECT DISTINCT period, period_start FROM {history.latest_sql(indicators=[code])} ORDER BY period_start"
        ).fetchall()
    finally:
        con.close()
    return [(p, s) for p, s in found]


def period_measurements(code: str, period: str, scope: EntityScope) -> pa.Table:
    """The latest measurement of every entity in scope for one period."""
    if scope.is_empty:
        return history.empty()
    return scope.filter(history.history_read(indicators=[code], periods=[period], order="entity"))


@dataclass(frozen=True)
class Histogram:
    edges: list[float]
    bins: list[dict[str, int]]  # outcome → count, per bin
    integer: bool


def histogram(values: np.ndarray, outcomes: np.ndarray, *, max_bins: int = 24) -> Histogram:
    """Bins of the values, each split by outcome. Whole-number values get one bin per number if few."""
    keep = ~np.isnan(values)
    values, outcomes = values[keep], outcomes[keep]
    if len(values) == 0:
        return Histogram([], [], False)
    lo, hi = float(values.min()), float(values.max())
    integer = bool(np.all(np.equal(np.mod(values, 1), 0)))
    if integer and hi - lo + 1 <= max_bins:
        edges = np.arange(lo - 0.5, hi + 1.0, 1.0)
    elif hi == lo:
        edges = np.array([lo - 0.5, lo + 0.5]) if lo == 0 else np.array([lo * 0.95, lo * 1.05])
        edges.sort()
    else:
        n = int(min(max_bins, max(10, 1.5 * np.sqrt(len(values)))))
        edges = np.linspace(lo, hi, n + 1)
    index = np.clip(np.searchsorted(edges, values, side="right") - 1, 0, len(edges) - 2)
    bins = [dict.fromkeys(OUTCOMES, 0) for _ in range(len(edges) - 1)]
    for i, outcome in zip(index.tolist(), outcomes.tolist(), strict=True):
        bins[i][outcome] += 1
    return Histogram([float(e) for e in edges], bins, integer)


def distribution(table: pa.Table, *, org_unit: str = "") -> tuple[Histogram, dict[str, int]]:
    """The value histogram and the outcome counts of one period's measurements (of one department)."""
    if org_unit:
        table = table.filter(pc.equal(table.column("org_unit"), org_unit))
    values = table.column("value").to_numpy(zero_copy_only=False).astype("float64")
    outcomes = np.asarray(table.column("outcome").to_pylist(), dtype=object)
    return histogram(values, outcomes), outcome_counts(table)


def outcome_counts(table: pa.Table) -> dict[str, int]:
    counts = dict.fromkeys(OUTCOMES, 0)
    for outcome, n in zip(*_value_counts(table.column("outcome")), strict=True):
        counts[outcome] = n
    return counts


def _value_counts(column) -> tuple[list, list]:
    vc = pc.value_counts(column)
    return vc.field("values").to_pylist(), vc.field("counts").to_pylist()


@dataclass(frozen=True)
class TrendPoint:
    period: str
    start: dt.date
    entities: int
    median: float | None
    failed_share: float | None
    warn_share: float | None


def trend(code: str, scope: EntityScope) -> list[TrendPoint]:
    """Per period: entities, the median value, and the shares judged 未达标 and 预警."""
    if scope.is_empty:
        return []
    table = scope.filter(history.history_read(indicators=[code]))
    con = store.connect()
    try:
        con.register("t", table)
        found = con.sql(
            """
            SELECT period, min(period_start) AS start, count(*) AS n, median(value) AS med,
                   count(*) FILTER (WHERE outcome = 'failed') AS failed,
                   count(*) FILTER (WHERE outcome = 'warn') AS warn,
                   count(*) FILTER (WHERE outcome IN ('passed', 'warn', 'failed')) AS judged
            FROM t GROUP BY period ORDER BY start
            """
        ).fetchall()
    finally:
        con.close()
    return [
        TrendPoint(
            period=p,
            start=s,
            entities=n,
            median=None if med is None or med != med else float(med),
            failed_share=failed / judged if judged else None,
            warn_share=warn / judged if judged else None,
        )
        for p, s, n, med, failed, warn, judged in found
    ]


ENTITY_SORTS = {
    "outcome": "结果（最差在前）",
    "-value": "监测值（从高到低）",
    "value": "监测值（从低到高）",
    "name": "名称",
}


class MeasurementRows:
    """The entity table of one period as a sequence the paginator can slice: rows are dicts."""

    def __init__(
        self, table: pa.Table, *, outcome: str = "", org_unit: str = "", sort: str = "outcome", direction: str = ""
    ):
        if outcome:
            table = table.filter(pc.equal(table.column("outcome"), outcome))
        if org_unit:
            table = table.filter(pc.equal(table.column("org_unit"), org_unit))
        severity = pa.array([-OUTCOME_SEVERITY.get(o, 0) for o in table.column("outcome").to_pylist()], pa.int8())
        table = table.append_column("severity", severity)
        # Within one outcome the worst values come first: the lowest of a rate that should be high.
        worst_first = "ascending" if direction == "higher" else "descending"
        keys = {
            "outcome": [("severity", "ascending"), ("value", worst_first), ("entity", "ascending")],
            "-value": [("value", "descending"), ("entity", "ascending")],
            "value": [("value", "ascending"), ("entity", "ascending")],
            "name": [("entity_name", "ascending"), ("entity", "ascending")],
        }[sort if sort in ENTITY_SORTS else "outcome"]
        self.table = table.sort_by(keys)

    def count(self) -> int:
        return self.table.num_rows

    def __len__(self) -> int:
        return self.table.num_rows

    def __getitem__(self, index):
        if isinstance(index, slice):
            start, stop, _ = index.indices(self.table.num_rows)
            return self.table.slice(start, max(0, stop - start)).to_pylist()
        return self.table.slice(index, 1).to_pylist()[0]


def department_choices(table: pa.Table, names: dict[str, str]) -> list[tuple[str, str]]:
    codes = sorted(c for c in set(table.column("org_unit").to_pylist()) if c)
    return sorted(((c, names.get(c, c)) for c in codes), key=lambda x: x[1])


def tier_colours(indicator: Indicator) -> dict[str, str]:
    out = {}
    for t in indicator.threshold_rows.all():
        for tier in t.tiers:
            out.setdefault(tier["label"], tier.get("color") or "secondary")
    return out


# ------------------------------------------------------------------------------------------ what-if


@dataclass
class WhatIfCell:
    """Entities by outcome, under the thresholds in force and under the proposal, for a period and department."""

    period: str
    org_unit: str
    current: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))
    proposed: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))
    changed: int = 0  # entities whose outcome differs

    @property
    def entities(self) -> int:
        return sum(self.current.values())


@dataclass
class WhatIf:
    periods: list[str]
    cells: list[WhatIfCell]  # by period, then department
    totals: dict[str, WhatIfCell]  # by period, all departments
    illustrative: bool = False  # no period begins on or after the date: the latest one is replayed as if it did

    @property
    def changed(self) -> int:
        return sum(t.changed for t in self.totals.values())


def replay(
    measurements: pa.Table, *, rows: list[Threshold], proposed: Threshold, running: Iterable[str] = ()
) -> WhatIf:
    """Judge the recorded values again, with the thresholds in force and with a proposed row added.

    Pure: the measurements (history schema) and the threshold rows are passed in. Periods that
    begin before the proposal's date are not affected and are left out; when no period begins on
    or after it, the latest period is replayed as if the date had come (`illustrative`). `running` are
    the periods of a cumulative indicator that have not ended (a shortfall there is 周期未结束).
    """
    running = set(running)
    since = proposed.effective_from
    starts = dict(
        zip(measurements.column("period").to_pylist(), measurements.column("period_start").to_pylist(), strict=True)
    )
    periods = sorted((p for p, s in starts.items() if s >= since), key=lambda p: starts[p])
    illustrative = False
    if not periods and starts:
        periods, illustrative = [max(starts, key=lambda p: starts[p])], True
    if not periods:
        return WhatIf([], [], {}, illustrative=False)
    table = measurements.filter(pc.is_in(measurements.column("period"), pa.array(periods, pa.string())))
    period_col = np.asarray(table.column("period").to_pylist(), dtype=object)
    grp_col = np.asarray(table.column("grp").fill_null("").to_pylist(), dtype=object)
    org_col = np.asarray(table.column("org_unit").fill_null("").to_pylist(), dtype=object)
    values = table.column("value").to_numpy(zero_copy_only=False).astype("float64")
    current = np.empty(len(values), dtype=object)
    future = np.empty(len(values), dtype=object)
    with_proposal = [*rows, proposed]
    for period in periods:
        for grp in sorted(set(grp_col[period_col == period].tolist())):
            idx = np.nonzero((period_col == period) & (grp_col == grp))[0]
            on = max(starts[period], since) if illustrative else starts[period]
            now_row = threshold_in_force(rows, grp, starts[period])
            new_row = threshold_in_force(with_proposal, grp, on)
            open_period = period in running
            current[idx] = evaluate_array(
                values[idx], now_row.thresholds() if now_row else None, open_period=open_period
            )[0]
            future[idx] = evaluate_array(
                values[idx], new_row.thresholds() if new_row else None, open_period=open_period
            )[0]
    cells: dict[tuple[str, str], WhatIfCell] = {}
    totals = {p: WhatIfCell(p, "") for p in periods}
    for period, org, now_o, new_o in zip(period_col, org_col, current, future, strict=True):
        cell = cells.setdefault((period, org), WhatIfCell(period, org))
        for c in (cell, totals[period]):
            c.current[now_o] += 1
            c.proposed[new_o] += 1
            c.changed += now_o != new_o
    ordered = sorted(cells.values(), key=lambda c: (periods.index(c.period), c.org_unit))
    return WhatIf(periods, ordered, totals, illustrative=illustrative)


def running_periods(indicator: Indicator) -> set[str]:
    """The indicator's periods that have begun and not yet ended (the data can still change)."""
    from zhengai.monitoring.services import periods_for

    today = clock.today()
    return {p.code for p in periods_for(indicator.period, today=today) if p.end >= today}


def whatif(*, indicator: Indicator, thresholds: Thresholds, group: str, effective_from: dt.date) -> WhatIf:
    """What the proposed thresholds would make of the recorded history, next to the thresholds in force."""
    proposed = Threshold(
        indicator=indicator,
        group=group,
        effective_from=effective_from,
        origin=ThresholdOrigin.EDITED,
        created_at=timezone.now(),
    )
    proposed.set_lines(thresholds)
    measurements = history.history_read(indicators=[indicator.code])
    running = running_periods(indicator) if indicator.raw.get("cumulative") is True else set()
    return replay(measurements, rows=list(indicator.threshold_rows.all()), proposed=proposed, running=running)


def status_line() -> str:
    """The standard chain's line of `zhengai status`."""
    from zhengai.monitoring.models import EvaluationRun

    enabled = Indicator.objects.filter(enabled=True)
    unverified = enabled.filter(threshold_rows__verified=False).distinct().count()
    outcomes = dict(IndicatorState.objects.values_list("outcome").annotate(n=Count("id")).order_by())
    last = EvaluationRun.objects.exclude(finished_at=None).order_by("-finished_at").first()
    when = (
        f"#{last.pk} {last.get_status_display()} {timezone.localtime(last.finished_at):%Y-%m-%d %H:%M}"
        if last
        else "从未计算"
    )
    return (
        f"indicators {enabled.count()} enabled ({unverified} with unverified thresholds), last evaluation {when}, "
        f"current states passed {outcomes.get('passed', 0):,}, warn {outcomes.get('warn', 0):,}, "
        f"failed {outcomes.get('failed', 0):,}, not judged {sum(n for o, n in outcomes.items() if o not in JUDGED):,}"
    )
