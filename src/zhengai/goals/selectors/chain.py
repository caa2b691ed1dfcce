"""Reads of the goal chain: each goal's attainment for a period, who sees which goals, the goal tree."""

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
    entity_name: str = ""  # the school, a department, a major … by name (filled for pages)


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
    goals = {g.pk: g for g in Goal.objects.filter(is_template=False).select_related("owner_unit", "plan")}
    children: dict[int, list[int]] = defaultdict(list)
    for child_id, parent_id in Goal.parents.through.objects.values_list("from_goal_id", "to_goal_id"):
        children[parent_id].append(child_id)
    targets = list(Target.objects.filter(period=period, goal__is_template=False).select_related("indicator", "goal"))
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
        kids = [visit(c, path | {pk}) for c in sorted(children.get(pk, ())) if c not in path and c in goals]
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


def goal_periods(goal: Goal) -> list[str]:
    """The 学年 codes a goal has something to judge in: its own or its lower goals' targets and verdicts."""
    ids = goal.below_ids()
    periods = set(Target.objects.filter(goal_id__in=ids).values_list("period", flat=True))
    periods |= set(GoalReview.objects.filter(goal_id__in=ids).values_list("period", flat=True))
    return sorted((p for p in periods if len(p) == 9 and p[4] == "-"), reverse=True)  # 学年 codes only


@dataclass(frozen=True)
class Completion:
    complete: bool
    streak: int  # consecutive periods attained, counted back from the latest period with a verdict
    needed: int


def goal_completion(goal: Goal, history: list[tuple[str, GoalAttainment]]) -> Completion:
    """Whether an automatic goal is complete: its value has held (attained) for `hold_periods` periods in a
    row, counted back from the latest period judged (newer periods without data yet are passed over).
    `history` is newest first, as goal_periods gives it. A reviewed goal needs one verdict of 达成."""
    from zhengai.goals.choices import Attainment

    needed = 1 if goal.verification == Verification.REVIEWER else max(1, goal.hold_periods)
    states = [a.result.state for _p, a in history]
    while states and states[0] in (Attainment.NO_DATA, Attainment.PENDING):
        states.pop(0)
    streak = 0
    for state in states:
        if state != Attainment.ATTAINED:
            break
        streak += 1
    return Completion(attainment.held(list(reversed(states[:streak])), needed), streak, needed)


def sees_all_goals(user) -> bool:
    from zhengai.accounts.choices import COLLEGE_WIDE_ROLES

    return bool(user.is_superuser or user.role in COLLEGE_WIDE_ROLES)


def visible_goal_ids(user, goals: Iterable[Goal]) -> set[int]:
    """The goals a user may see: all for the college-wide roles; the school's and his unit's goals for a
    department head; otherwise the goals he owns, supervises or reviews, and those about him."""
    goals = [g for g in goals if not g.is_template]  # templates are generated from, never judged or shown
    if sees_all_goals(user):
        return {g.pk for g in goals}
    from zhengai.accounts.choices import Role

    mine = set(Goal.objects.filter(owner=user).values_list("pk", flat=True))
    mine |= set(Goal.objects.filter(supervisors=user).values_list("pk", flat=True))
    mine |= set(Goal.objects.filter(reviewer=user).values_list("pk", flat=True))
    teacher = getattr(user, "teacher", None)
    student = getattr(user, "student", None)
    for g in goals:
        if teacher is not None and g.entity_kind == "teacher" and g.entity_key == teacher.staff_no:
            mine.add(g.pk)
        if student is not None and g.entity_kind == "student" and g.entity_key == student.student_no:
            mine.add(g.pk)
    if user.role == Role.DEPARTMENT_HEAD and user.org_unit_id:
        from zhengai.accounts.scope import scope_for

        units = scope_for(user).unit_ids  # his unit and the units below it
        mine |= {g.pk for g in goals if g.owner_unit_id in units or g.level == "school"}
    return mine


def entity_names(pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """Names of goal entities, one query per kind: 学校, 护理系, 护理（520201）, 张伟（T001）…"""
    from zhengai.org import entities
    from zhengai.org.models import OrgUnit

    wanted: dict[str, set[str]] = defaultdict(set)
    for kind, key in pairs:
        wanted[kind].add(key)
    out = {("school", k): "学校" for k in wanted.pop("school", set())}
    if keys := wanted.pop("department", set()):
        out |= {("department", c): n for c, n in OrgUnit.objects.filter(code__in=keys).values_list("code", "name")}
    for kind, keys in wanted.items():
        spec = entities.KINDS.get(kind)
        if spec is None or spec.model is None:
            continue
        for record in spec.model.objects.filter(**{f"{spec.key_field}__in": sorted(keys)}):
            out[(kind, getattr(record, spec.key_field))] = str(record)
    return out


def tree_for(user, *, period: str) -> list[GoalAttainment]:
    """The goal tree a user may see for a period: visible goals whose parents he cannot see are roots;
    children he may not see are left out. Worst first at every level (数据不足 and 未达成 before 达成).
    The goals of personal development plans are on the plans' own pages, not in the tree."""
    results = goal_attainments(period=period)
    shown = [r.goal for r in results.values() if not r.goal.is_personal]
    visible = visible_goal_ids(user, shown) & {g.pk for g in shown}
    parents = defaultdict(set)
    for child_id, parent_id in Goal.parents.through.objects.values_list("from_goal_id", "to_goal_id"):
        parents[child_id].add(parent_id)

    def order(node: GoalAttainment):
        rank = {"not_attained": 0, "no_data": 1, "pending": 2, "attained": 3}[node.result.state]
        return (rank, node.result.progress if node.result.progress is not None else 2, node.goal.pk)

    names = entity_names((results[pk].goal.entity_kind, results[pk].goal.entity_key) for pk in visible)

    def prune(node: GoalAttainment, seen: frozenset[int]) -> GoalAttainment:
        kids = [prune(k, seen | {k.goal.pk}) for k in node.children if k.goal.pk in visible and k.goal.pk not in seen]
        name = names.get((node.goal.entity_kind, node.goal.entity_key), node.goal.entity_key)
        return GoalAttainment(node.goal, node.result, node.targets, sorted(kids, key=order), name)

    roots = [results[pk] for pk in visible if not (parents[pk] & visible)]
    return sorted((prune(r, frozenset({r.goal.pk})) for r in roots), key=order)


def tree_walk(roots: list[GoalAttainment]):
    """Every node of a tree once, depth first."""
    seen: set[int] = set()
    stack = list(reversed(roots))
    while stack:
        node = stack.pop()
        if node.goal.pk in seen:
            continue
        seen.add(node.goal.pk)
        yield node
        stack.extend(reversed(node.children))


def tree_filter(roots: list[GoalAttainment], *, level: str = "", unit_code: str = "") -> list[GoalAttainment]:
    """The subtrees whose top goal is of the level and unit asked for (a matching goal under a matching
    goal stays inside its parent's subtree), in the tree's order."""

    def match(node: GoalAttainment) -> bool:
        unit_ok = not unit_code or (node.goal.owner_unit_id and node.goal.owner_unit.code == unit_code)
        return bool((not level or node.goal.level == level) and unit_ok)

    out: list[GoalAttainment] = []
    seen: set[int] = set()

    def visit(node: GoalAttainment) -> None:
        if node.goal.pk in seen:
            return
        seen.add(node.goal.pk)
        if match(node):
            out.append(node)
            return
        for child in node.children:
            visit(child)

    for root in roots:
        visit(root)
    return out
