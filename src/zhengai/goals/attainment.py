"""Attainment of targets and goals: pure functions of measurements, data health and the roll-up rule.

No judgement without data (DESIGN decision 5): a target whose period has no measurement, or whose
indicator reads a feed that is stale or failed its last batch, is 数据不足 — never 达成 and never 未达成.
A parent with a child in 数据不足 is 数据不足 too, with the share it could still compute.

The rules (goals.choices.Rollup), applied to a goal's children (a goal with no children is judged on
its own targets whatever its rule):

- leaf_only: the goal's own targets; progress is their mean, attained when every target is.
- weighted_mean: progress is the weighted mean of the children's progress; attained when every child is.
- sum_targets: the children's measured values and target values are summed (enrolment of every
  department against the school's total); attained when the sum meets the summed target.
- all_complete: progress is the weighted share of children attained; attained when every child is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from zhengai.goals.choices import Attainment, Rollup
from zhengai.indicators.choices import Comparison

EPS = 1e-9


def meets(value: float, comparison: str, target: float, high: float | None = None) -> bool:
    if comparison == Comparison.GE:
        return value >= target - EPS
    if comparison == Comparison.GT:
        return value > target
    if comparison == Comparison.LE:
        return value <= target + EPS
    if comparison == Comparison.LT:
        return value < target
    if comparison == Comparison.EQ:
        return abs(value - target) <= EPS
    if comparison == Comparison.BETWEEN:
        return target - EPS <= value <= (target if high is None else high) + EPS
    raise ValueError(f"不认识的比较方式：{comparison}")


def progress(value: float, comparison: str, target: float, high: float | None = None) -> float:
    """How far the value has come towards the target, 0 … 1 (1 when it is met)."""
    if meets(value, comparison, target, high):
        return 1.0
    if comparison in (Comparison.GE, Comparison.GT):
        return max(0.0, min(1.0, value / target)) if target > 0 else 0.0
    if comparison in (Comparison.LE, Comparison.LT):
        return max(0.0, min(1.0, target / value)) if value > 0 else 0.0
    return 0.0  # 等于 / 介于: met or not


@dataclass(frozen=True)
class Measured:
    """One stored measurement, as attainment needs it: the value and where it came from."""

    value: float | None
    run_id: int | None = None
    batches: str = ""
    evaluated_at: dt.datetime | None = None

    @property
    def provenance(self) -> str:
        parts = [f"计算批次 #{self.run_id}" if self.run_id else "", f"数据版本 {self.batches}" if self.batches else ""]
        if self.evaluated_at:
            parts.append(f"计算于 {self.evaluated_at:%Y-%m-%d %H:%M}")
        return " · ".join(p for p in parts if p)


@dataclass(frozen=True)
class TargetResult:
    indicator: str
    period: str
    comparison: str
    target: float
    target_high: float | None
    state: Attainment
    value: float | None = None
    progress: float | None = None
    note: str = ""
    provenance: str = ""


def target_result(
    *,
    indicator: str,
    period: str,
    comparison: str,
    target: float,
    target_high: float | None = None,
    measured: Measured | None,
    data_ok: bool = True,
    data_note: str = "",
) -> TargetResult:
    """One target against its period's measurement; 数据不足 without a value or with unhealthy data."""
    base = {"indicator": indicator, "period": period, "comparison": comparison, "target": target,
            "target_high": target_high}  # fmt: skip
    if measured is None or measured.value is None:
        return TargetResult(**base, state=Attainment.NO_DATA, note=f"{period} 没有监测值")
    if not data_ok:
        return TargetResult(
            **base, state=Attainment.NO_DATA, value=measured.value, note=data_note or "数据未通过时效或质量检查",
            provenance=measured.provenance,
        )  # fmt: skip
    met = meets(measured.value, comparison, target, target_high)
    return TargetResult(
        **base, state=Attainment.ATTAINED if met else Attainment.NOT_ATTAINED, value=measured.value,
        progress=progress(measured.value, comparison, target, target_high), provenance=measured.provenance,
    )  # fmt: skip


@dataclass(frozen=True)
class GoalResult:
    state: Attainment
    progress: float | None  # 0 … 1 over the parts that have data; None when none has
    parts: int  # targets or children judged
    covered: int  # of which with data (a verdict)
    actual_sum: float | None = None  # sum_targets: what the goal adds up to
    target_sum: float | None = None
    comparison: str = ""
    note: str = ""


def _missing_state(states: Sequence[Attainment]) -> Attainment | None:
    if Attainment.NO_DATA in states:
        return Attainment.NO_DATA
    if Attainment.PENDING in states:
        return Attainment.PENDING
    return None


def _note(states: Sequence[Attainment], noun: str) -> str:
    missing = sum(1 for s in states if s in (Attainment.NO_DATA, Attainment.PENDING))
    return f"{len(states)} 个{noun}中 {missing} 个数据不足或待核验" if missing else ""


def from_targets(targets: Sequence[TargetResult]) -> GoalResult:
    """A goal judged on its own targets."""
    if not targets:
        return GoalResult(Attainment.NO_DATA, None, 0, 0, note="没有本周期的目标值")
    states = [t.state for t in targets]
    judged = [t for t in targets if t.progress is not None]
    score = sum(t.progress for t in judged) / len(judged) if judged else None
    comparisons = {t.comparison for t in targets}
    sums = {}
    if len(comparisons) == 1 and len({t.indicator for t in targets}) == 1:
        judged_values = [t.value for t in targets if t.state != Attainment.NO_DATA]
        sums = {  # a value shown but not judged (stale data) is not summed either
            "actual_sum": sum(judged_values) if len(judged_values) == len(targets) else None,
            "target_sum": sum(t.target for t in targets),
            "comparison": comparisons.pop(),
        }
    state = _missing_state(states) or (
        Attainment.ATTAINED if all(s == Attainment.ATTAINED for s in states) else Attainment.NOT_ATTAINED
    )
    return GoalResult(state, score, len(targets), len(judged), note=_note(states, "目标值"), **sums)


def from_review(attained: bool | None) -> GoalResult:
    """A goal verified by its named reviewer: 待核验 until he has given a verdict."""
    if attained is None:
        return GoalResult(Attainment.PENDING, None, 1, 0, note="核验人尚未核验")
    return GoalResult(Attainment.ATTAINED if attained else Attainment.NOT_ATTAINED, 1.0 if attained else 0.0, 1, 1)


def rollup(rule: str, *, own: GoalResult, children: Sequence[tuple[float, GoalResult]]) -> GoalResult:
    """A goal's result under its rule, from its own result and its (weight, child result) pairs."""
    if rule == Rollup.LEAF_ONLY or not children:
        return own
    states = [c.state for _w, c in children]
    missing = _missing_state(states)
    note = _note(states, "下级目标")
    all_attained = all(s == Attainment.ATTAINED for s in states)
    verdict = missing or (Attainment.ATTAINED if all_attained else Attainment.NOT_ATTAINED)
    covered = sum(1 for s in states if s not in (Attainment.NO_DATA, Attainment.PENDING))
    if rule == Rollup.SUM_TARGETS:
        comparisons = {c.comparison for _w, c in children}
        if len(comparisons) != 1 or any(c.target_sum is None for _w, c in children):
            return GoalResult(Attainment.NO_DATA, None, len(children), covered,
                              note="下级目标不是同一指标、同一比较方式的目标值，不能求和")  # fmt: skip
        comparison = comparisons.pop()
        target_sum = sum(c.target_sum for _w, c in children)
        if any(c.actual_sum is None for _w, c in children):
            return GoalResult(Attainment.NO_DATA, None, len(children), covered, target_sum=target_sum,
                              comparison=comparison, note=note or "有下级没有监测值")  # fmt: skip
        actual = sum(c.actual_sum for _w, c in children)
        met = meets(actual, comparison, target_sum)
        state = missing or (Attainment.ATTAINED if met else Attainment.NOT_ATTAINED)
        return GoalResult(state, progress(actual, comparison, target_sum), len(children), covered,
                          actual_sum=actual, target_sum=target_sum, comparison=comparison, note=note)  # fmt: skip
    if rule == Rollup.ALL_COMPLETE:
        total = sum(w for w, _c in children)
        done = sum(w for w, c in children if c.state == Attainment.ATTAINED)
        return GoalResult(verdict, done / total if total else None, len(children), covered, note=note)
    if rule == Rollup.WEIGHTED_MEAN:
        scored = [(w, c.progress) for w, c in children if c.progress is not None]
        total = sum(w for w, _p in scored)
        score = sum(w * p for w, p in scored) / total if total else None
        return GoalResult(verdict, score, len(children), covered, note=note)
    raise ValueError(f"不认识的汇总方式：{rule}")


def held(states: Sequence[Attainment], n: int) -> bool:
    """An automatic goal is complete when its latest n periods (oldest first in `states`) were all attained."""
    n = max(1, n)
    return len(states) >= n and all(s == Attainment.ATTAINED for s in states[-n:])
