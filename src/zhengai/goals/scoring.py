"""Unit assessment (部门量化考核): pure functions from counts to component values, a score and a ranking.

A component without data (nothing judged, nothing due) has no value; it is left out and the weights of the
components that have data are scaled back to 100 (renormalised), so a unit is never punished or rewarded
for a part it had nothing to show in. A unit with no component having data has no score and no rank.
数据不足 and 待核验 goals are counted apart, never as passes or failures.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from zhengai.goals.choices import AssessmentComponent, Attainment, GoalStatus

COMPONENTS = tuple(c.value for c in AssessmentComponent)
DEFAULT_WEIGHTS = {AssessmentComponent.GOALS.value: 50, AssessmentComponent.TASKS.value: 30,
                   AssessmentComponent.ALERTS.value: 20}  # fmt: skip
DEFAULT_LATE_FACTOR = 0.5
PLACES = 2  # scores are kept and compared to two decimals, so equal scores share a rank


@dataclass(frozen=True)
class Counts:
    """One component of one unit: what was counted, out of how many, and what was left out."""

    numerator: float
    denominator: int
    insufficient: int = 0  # 数据不足 / 待核验 goals (not in the denominator)
    excluded: int = 0  # not yet due, no deadline: not in the denominator either

    @property
    def value(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None


def weights_errors(weights: Mapping[str, float], late_factor: float) -> dict[str, str]:
    """Why a scheme's weights or late factor are refused, by field; empty when they are fine."""
    errors = {}
    unknown = sorted(set(weights) - set(COMPONENTS))
    if unknown:
        errors["weights"] = f"不认识的考核部分：{'、'.join(unknown)}"
    elif any(float(weights.get(c, 0)) < 0 for c in COMPONENTS):
        errors["weights"] = "权重不能为负数"
    elif abs(sum(float(weights.get(c, 0)) for c in COMPONENTS) - 100) > 1e-6:
        total = sum(float(weights.get(c, 0)) for c in COMPONENTS)
        errors["weights"] = f"各部分权重合计须为 100，现为 {total:g}"
    if not 0 <= late_factor <= 1:
        errors["late_factor"] = f"延期完成折算系数须在 0 到 1 之间，现为 {late_factor:g}"
    return errors


def goal_counts(states: Iterable[str]) -> Counts:
    """达成 among the goals judged (达成 + 未达成); 数据不足 and 待核验 are counted apart."""
    states = list(states)
    attained = sum(1 for s in states if s == Attainment.ATTAINED)
    judged = sum(1 for s in states if s in (Attainment.ATTAINED, Attainment.NOT_ATTAINED))
    return Counts(attained, judged, insufficient=len(states) - judged)


def task_counts(tasks: Iterable[tuple[str, dt.date | None]], *, today: dt.date, late_factor: float) -> Counts:
    """Tasks as (status, deadline): done counts 1, 延期完成 `late_factor`, open past its deadline 0; an open task
    not yet due, or without a deadline (时间待定), is left out."""
    numerator, denominator, excluded = 0.0, 0, 0
    for status, due in tasks:
        if status == GoalStatus.DONE:
            numerator, denominator = numerator + 1, denominator + 1
        elif status == GoalStatus.DONE_LATE:
            numerator, denominator = numerator + late_factor, denominator + 1
        elif due is not None and due < today:
            denominator += 1
        else:
            excluded += 1
    return Counts(numerator, denominator, excluded=excluded)


@dataclass(frozen=True)
class Part:
    key: str
    weight: float  # as set in the scheme
    value: float | None  # 0 … 1, None without data
    effective_weight: float = 0.0  # after renormalising over the parts with data
    contribution: float = 0.0  # points of the 100 this part gives


def score(weighted: Sequence[tuple[str, float, float | None]]) -> tuple[float | None, list[Part]]:
    """(key, weight, value) per component → the score out of 100 (None when no part has data) and each part's
    renormalised weight and contribution."""
    used = sum(w for _k, w, v in weighted if v is not None)
    if not used:
        return None, [Part(k, w, v) for k, w, v in weighted]
    parts = []
    for key, weight, value in weighted:
        if value is None:
            parts.append(Part(key, weight, None))
            continue
        effective = weight * 100 / used
        parts.append(Part(key, weight, value, round(effective, 4), round(effective * value, 4)))
    return round(sum(p.contribution for p in parts), PLACES), parts


def ranks(scores: Mapping[object, float | None]) -> dict[object, int | None]:
    """Highest score first, 1 = best; equal scores share a rank and the next rank skips (1, 1, 3); no score, no rank."""
    scored = sorted((round(s, PLACES) for s in scores.values() if s is not None), reverse=True)
    first = {}
    for n, s in enumerate(scored, start=1):
        first.setdefault(s, n)
    return {key: (None if s is None else first[round(s, PLACES)]) for key, s in scores.items()}
