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
from zhengai.goals.models import Goal, GoalReview, Target, Task
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
    children he may not see are left out. Worst first at every level (数据不足 and 未达成 before 达成)."""
    results = goal_attainments(period=period)
    visible = visible_goal_ids(user, (r.goal for r in results.values()))
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


@dataclass
class ScheduleRow:
    task: Task
    overdue_days: int | None  # days past the deadline while not done; None when not overdue
    parts: list[ScheduleRow] = field(default_factory=list)


def schedule_rows(*, year: int, today: dt.date | None = None) -> list[ScheduleRow]:
    """The work schedule of a 学年 in the plan's order; each row with its per-unit sub-tasks."""
    from zhengai.goals.choices import GoalStatus, TaskKind

    today = today or clock.today()
    done = (GoalStatus.DONE, GoalStatus.DONE_LATE)

    def row(task: Task) -> ScheduleRow:
        late = task.due_date is not None and task.due_date < today and task.status not in done
        return ScheduleRow(task, (today - task.due_date).days if late else None)

    tasks = list(Task.objects.filter(year=year, kind=TaskKind.SCHEDULE).select_related("owner_unit"))
    top = [row(t) for t in tasks if t.parent_id is None]
    by_parent = defaultdict(list)
    for t in tasks:
        if t.parent_id is not None:
            by_parent[t.parent_id].append(row(t))
    for r in top:
        r.parts = by_parent.get(r.task.pk, [])
        if r.overdue_days is None and any(p.overdue_days is not None for p in r.parts):
            r.overdue_days = max(p.overdue_days for p in r.parts if p.overdue_days is not None)
    return sorted(top, key=lambda r: r.task.schedule_row or 0)


def schedule_years() -> list[int]:
    from zhengai.goals.choices import TaskKind

    return sorted(set(Task.objects.filter(kind=TaskKind.SCHEDULE).values_list("year", flat=True)), reverse=True)


# ------------------------------------------------------------------------------------------ personal plans
# A personal development plan (个人发展规划) is a Plan of kind personal about one teacher or student;
# its goals are ordinary goals judged from the data (goal_attainments), read here per plan year.


def year_of_period(code: str) -> int:
    """The plan year (学年 start year) of a period code: 2026-2027 and 2026-2027-1 → 2026, 2026 → 2026,
    a 时点 2026-09-30 → 2026 (before September: the 学年 before)."""
    parts = code.split("-")
    if len(parts) == 3 and len(parts[1]) == 2:  # a 时点 date YYYY-MM-DD
        return int(parts[0]) if int(parts[1]) >= 9 else int(parts[0]) - 1
    return int(parts[0])


def pdp_person(plan):
    """The teacher or student a personal plan is about (None when he is no longer in the master data)."""
    from zhengai.org import entities

    return entities.record(plan.entity_kind, plan.entity_key) if plan.entity_kind in ("teacher", "student") else None


def pdp_person_unit_id(plan) -> int | None:
    """The department of the plan's person: a teacher's own, a student's major's."""
    record = pdp_person(plan)
    if record is None:
        return None
    return record.department_id if plan.entity_kind == "teacher" else record.major.department_id


def is_pdp_owner(user, plan) -> bool:
    """The person the plan is about (by his linked teacher or student record, or the plan's account)."""
    if plan.owner_id is not None and plan.owner_id == user.pk:
        return True
    teacher, student = getattr(user, "teacher", None), getattr(user, "student", None)
    if plan.entity_kind == "teacher" and teacher is not None:
        return teacher.staff_no == plan.entity_key
    if plan.entity_kind == "student" and student is not None:
        return student.student_no == plan.entity_key
    return False


def heads_pdp_unit(user, plan) -> bool:
    """The head of the department the plan's person belongs to (or of a unit above it)."""
    from zhengai.accounts.choices import Role
    from zhengai.accounts.scope import scope_for

    if user.role != Role.DEPARTMENT_HEAD or not user.org_unit_id:
        return False
    unit = pdp_person_unit_id(plan)
    return unit is not None and unit in scope_for(user).unit_ids


def pdps_for(user):
    """The personal plans a user may see: all for the college-wide roles; his department's people's for a
    department head; his own and those he supervises for everyone else. Templates are not plans of anyone."""
    from django.db.models import Q

    from zhengai.accounts.choices import Role
    from zhengai.goals.choices import PlanKind
    from zhengai.goals.models import Plan
    from zhengai.org.models import Student, Teacher

    qs = Plan.objects.filter(kind=PlanKind.PERSONAL, is_template=False)
    if not user.is_authenticated:
        return qs.none()
    if sees_all_goals(user):
        return qs
    mine = Q(owner=user) | Q(supervisor=user)
    if getattr(user, "teacher", None) is not None:
        mine |= Q(entity_kind="teacher", entity_key=user.teacher.staff_no)
    if getattr(user, "student", None) is not None:
        mine |= Q(entity_kind="student", entity_key=user.student.student_no)
    if user.role == Role.DEPARTMENT_HEAD and user.org_unit_id:
        from zhengai.accounts.scope import scope_for

        units = scope_for(user).unit_ids
        staff = Teacher.objects.filter(department_id__in=units).values("staff_no")
        pupils = Student.objects.filter(major__department_id__in=units).values("student_no")
        mine |= Q(entity_kind="teacher", entity_key__in=staff) | Q(entity_kind="student", entity_key__in=pupils)
    return qs.filter(mine)


def can_see_pdp(user, plan) -> bool:
    """The owner, the supervisor, the head of the person's department and the college-wide roles."""
    if plan.is_template:
        return bool(user.is_authenticated and sees_all_goals(user))
    return pdps_for(user).filter(pk=plan.pk).exists()


@dataclass
class PdpTargetRow:
    result: TargetResult
    indicator: Indicator
    as_of: dt.datetime | None = None  # when the indicator's data was last imported
    source: str = ""  # the source system and tables it comes from


@dataclass
class PdpYear:
    year: int
    state: str  # the goal's verdict that year: 未达成 if any target failed, else 数据不足 if any lacks data
    rows: list[PdpTargetRow] = field(default_factory=list)


@dataclass
class PdpGoal:
    goal: Goal
    years: list[PdpYear] = field(default_factory=list)


@dataclass
class PdpStatus:
    plan: object
    goals: list[PdpGoal] = field(default_factory=list)
    latest_year: int | None = None  # the latest plan year in which some goal has a verdict
    off_track: bool = False  # a goal is 未达成 in that year
    person: object = None

    def state_in(self, year: int | None) -> list[str]:
        return [y.state for g in self.goals for y in g.years if y.year == year]


def _year_state(results: list[TargetResult]) -> str:
    states = {r.state for r in results}
    for s in ("not_attained", "no_data", "pending"):
        if s in states:
            return s
    return "attained"


def pdp_statuses(plans: Iterable, *, now: dt.datetime | None = None) -> dict[int, PdpStatus]:
    """Each plan's goals, per plan year, with their targets against the measured values; the latest year
    judged and whether the plan is off track. One goal_attainments pass per period the plans use."""
    from zhengai.datacenter.selectors import freshness_for_tables

    plans = list(plans)
    now = now or clock.now()
    goals = list(Goal.objects.filter(plan__in=plans, is_template=False).order_by("plan_id", "id"))
    periods = sorted(set(Target.objects.filter(goal__in=goals).values_list("period", flat=True)))
    results = {p: goal_attainments(period=p, now=now) for p in periods}
    codes = {r.indicator for att in results.values() for g in goals if g.pk in att for r in att[g.pk].targets}
    indicators = {i.code: i for i in Indicator.objects.filter(code__in=codes)}
    fresh = {c: freshness_for_tables(list(i.declaration().source_tables), now=now) for c, i in indicators.items()}
    out = {p.pk: PdpStatus(plan=p, person=pdp_person(p)) for p in plans}
    for g in goals:
        by_year: dict[int, list[TargetResult]] = defaultdict(list)
        for p in periods:
            if g.pk in results[p]:
                for r in results[p][g.pk].targets:
                    by_year[year_of_period(r.period)].append(r)
        years = []
        for y in sorted(by_year):
            rows = [PdpTargetRow(r, indicators[r.indicator], fresh[r.indicator].as_of,
                                 fresh[r.indicator].source_name or "、".join(indicators[r.indicator].declaration()
                                                                            .source_tables))
                    for r in sorted(by_year[y], key=lambda r: (r.indicator, r.period))]  # fmt: skip
            years.append(PdpYear(y, _year_state(by_year[y]), rows))
        out[g.plan_id].goals.append(PdpGoal(g, years))
    for status in out.values():
        judged = [y.year for g in status.goals for y in g.years if y.state in ("attained", "not_attained")]
        status.latest_year = max(judged) if judged else None
        status.off_track = "not_attained" in status.state_in(status.latest_year)
    return out
