"""Reads of the goal chain: each goal's attainment for a period, computed from the stored measurements.

Goals read measurements through the monitoring selectors and data health through the data center's
(the indicator's source tables must be fresh and their last batch accepted, or the target is 数据不足).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from zhengai.datacenter.selectors import FreshnessState, freshness_for_tables
from zhengai.goals import attainment
from zhengai.goals.attainment import GoalResult, Measured, TargetResult
from zhengai.goals.choices import Verification
from zhengai.goals.models import Goal, GoalReview, Target
from zhengai.indicators.models import Indicator
from zhengai.lib import clock
from zhengai.monitoring.selectors import measurement_rows


@dataclass
class GoalAttainment:
    goal: Goal
    result: GoalResult
    targets: list[TargetResult] = field(default_factory=list)
    children: list[GoalAttainment] = field(default_factory=list)


def _data_health(indicators: Iterable[Indicator], *, now: dt.datetime | None) -> dict[int, tuple[bool, str]]:
    """Per indicator: whether every table it reads is fresh with its last batch accepted, and why not."""
    out = {}
    for ind in indicators:
        fresh = freshness_for_tables(list(ind.declaration().source_tables), now=now)
        if fresh.state == FreshnessState.FRESH:
            out[ind.pk] = (True, "")
        else:
            why = f"（{fresh.note}）" if fresh.note else ""
            out[ind.pk] = (False, f"数据{fresh.state_label}{why}：按规定不判断达成")
    return out


def _measurements(targets: list[Target]) -> dict[tuple[str, str, str, str], Measured]:
    wanted: dict[tuple[str, str], set[str]] = defaultdict(set)
    for t in targets:
        wanted[(t.indicator.code, t.goal.entity_kind)].add(t.goal.entity_key)
    by_kind: dict[str, tuple[set[str], set[str]]] = defaultdict(lambda: (set(), set()))
    for (code, kind), keys in wanted.items():
        by_kind[kind][0].add(code)
        by_kind[kind][1].update(keys)
    found = {}
    for kind, (codes, keys) in by_kind.items():
        for row in measurement_rows(codes=sorted(codes), entity_kind=kind, entity_keys=sorted(keys)):
            found[(row["indicator"], kind, row["entity"], row["period"])] = Measured(
                row["value"], row["run_id"], row["batches"] or "", row["evaluated_at"]
            )
    return found


def goal_attainments(*, period: str, now: dt.datetime | None = None) -> dict[int, GoalAttainment]:
    """Every goal's attainment for a period (a 学年 code such as 2025-2026), children before parents."""
    goals = {g.pk: g for g in Goal.objects.select_related("owner_unit", "plan")}
    children: dict[int, list[int]] = defaultdict(list)
    for child_id, parent_id in Goal.parents.through.objects.values_list("from_goal_id", "to_goal_id"):
        children[parent_id].append(child_id)
    targets = list(Target.objects.filter(period=period).select_related("indicator", "goal"))
    health = _data_health({t.indicator_id: t.indicator for t in targets}.values(), now=now or clock.now())
    found = _measurements(targets)
    own: dict[int, list[TargetResult]] = defaultdict(list)
    for t in targets:
        ok, why = health[t.indicator_id]
        own[t.goal_id].append(
            attainment.target_result(
                indicator=t.indicator.code, period=t.period, comparison=t.comparison, target=t.value,
                target_high=t.value_high, data_ok=ok, data_note=why,
                measured=found.get((t.indicator.code, t.goal.entity_kind, t.goal.entity_key, t.period)),
            )
        )  # fmt: skip
    reviews = {}
    for r in GoalReview.objects.filter(period=period).order_by("goal_id", "at"):
        reviews[r.goal_id] = r.attained  # the latest verdict counts
    done: dict[int, GoalAttainment] = {}

    def visit(pk: int, path: frozenset[int]) -> GoalAttainment:
        if pk in done:
            return done[pk]
        goal = goals[pk]
        kids = [visit(c, path | {pk}) for c in sorted(children.get(pk, ())) if c not in path]
        if goal.verification == Verification.REVIEWER and not kids:
            mine = attainment.from_review(reviews.get(pk))
        else:
            mine = attainment.from_targets(own.get(pk, []))
        result = attainment.rollup(goal.rollup, own=mine, children=[(float(k.goal.weight), k.result) for k in kids])
        done[pk] = GoalAttainment(goal, result, own.get(pk, []), kids)
        return done[pk]

    for pk in goals:
        visit(pk, frozenset())
    return done


def goal_roots() -> list[Goal]:
    """The goals that support no higher goal: the tops of the tree."""
    return list(Goal.objects.filter(parents=None).order_by("level", "id"))
