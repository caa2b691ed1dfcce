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


def goal_periods(goal: Goal) -> list[str]:
    """The 学年 codes a goal has something to judge in: its own or its lower goals' targets and verdicts."""
    ids, frontier = {goal.pk}, [goal.pk]
    while frontier:
        kids = Goal.parents.through.objects.filter(to_goal_id__in=frontier).values_list("from_goal_id", flat=True)
        frontier = [k for k in kids if k not in ids]
        ids.update(frontier)
    periods = set(Target.objects.filter(goal_id__in=ids).values_list("period", flat=True))
    periods |= set(GoalReview.objects.filter(goal_id__in=ids).values_list("period", flat=True))
    return sorted((p for p in periods if len(p) == 9 and p[4] == "-"), reverse=True)  # 学年 codes only


def sees_all_goals(user) -> bool:
    from zhengai.accounts.choices import COLLEGE_WIDE_ROLES

    return bool(user.is_superuser or user.role in COLLEGE_WIDE_ROLES)


def visible_goal_ids(user, goals: Iterable[Goal]) -> set[int]:
    """The goals a user may see: all for the college-wide roles; the school's and his unit's goals for a
    department head; otherwise the goals he owns, supervises or reviews, and those about him."""
    goals = list(goals)
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


@dataclass
class TaskNode:
    task: Task
    overdue_days: int | None
    children: list[TaskNode] = field(default_factory=list)

    @property
    def worst_overdue(self) -> int:
        own = self.overdue_days or 0
        return max([own, *(c.worst_overdue for c in self.children)])


def task_tree(user, *, year: int, today: dt.date | None = None) -> list[TaskNode]:
    """The 学年's 年度工作要点 with their department and person tasks, as far as the user may see them:
    everything for the college-wide roles; for a department head the points his unit works on, with his
    unit's tasks; for anyone else the points holding tasks he owns. Overdue first at every level."""
    from zhengai.goals.choices import GoalStatus, TaskKind

    today = today or clock.today()
    done = (GoalStatus.DONE, GoalStatus.DONE_LATE)
    tasks = list(Task.objects.filter(year=year).exclude(kind=TaskKind.SCHEDULE).select_related("owner_unit", "owner"))
    nodes = {
        t.pk: TaskNode(t, (today - t.due_date).days if t.due_date and t.due_date < today and t.status not in done
                       else None)
        for t in tasks
    }  # fmt: skip
    for t in tasks:
        if t.parent_id in nodes:
            nodes[t.parent_id].children.append(nodes[t.pk])
    if sees_all_goals(user):
        keep = set(nodes)
    else:
        from zhengai.accounts.choices import Role

        units = set()
        if user.role == Role.DEPARTMENT_HEAD and user.org_unit_id:
            from zhengai.accounts.scope import scope_for

            units = set(scope_for(user).unit_ids)
        keep = {pk for pk, n in nodes.items() if n.task.owner_id == user.pk or n.task.owner_unit_id in units}
        for pk in list(keep):  # the points and tasks above what he may see, for their context
            parent = nodes[pk].task.parent_id
            while parent in nodes and parent not in keep:
                keep.add(parent)
                parent = nodes[parent].task.parent_id

    def order(n: TaskNode):
        return (-n.worst_overdue, n.task.status in done, n.task.due_date or dt.date.max, n.task.pk)

    def prune(n: TaskNode) -> TaskNode:
        kids = sorted((prune(c) for c in n.children if c.task.pk in keep), key=order)
        return TaskNode(n.task, n.overdue_days, kids)

    roots = [nodes[pk] for pk in keep if nodes[pk].task.parent_id not in keep]
    return sorted((prune(r) for r in roots), key=order)


def task_years() -> list[int]:
    from zhengai.goals.choices import TaskKind

    return sorted(set(Task.objects.exclude(kind=TaskKind.SCHEDULE).values_list("year", flat=True)), reverse=True)


def schedule_years() -> list[int]:
    from zhengai.goals.choices import TaskKind

    return sorted(set(Task.objects.filter(kind=TaskKind.SCHEDULE).values_list("year", flat=True)), reverse=True)


# --- 目标责任书 (letters) -------------------------------------------------------------------------------


def _year_periods(year: int) -> tuple[str, tuple[str, ...]]:
    """The 学年 code and its two 学期 codes: the periods whose targets a letter of that 学年 commits to."""
    code = f"{year}-{year + 1}"
    return code, (code, f"{code}-1", f"{code}-2")


def _target_text(t: Target) -> str:
    """“T-BDL 新生报到率（2026-2027）≥ 90.0%”: the value shown as the monitoring pages show it."""
    from zhengai.indicators.choices import Comparison
    from zhengai.monitoring.templatetags.monitoring_ui import format_value

    unit = t.indicator.raw.get("unit", "")
    value = format_value(t.value, unit)
    if t.comparison == Comparison.BETWEEN and t.value_high is not None:
        value = f"{value} ～ {format_value(t.value_high, unit)}"
    op = Comparison(t.comparison).label if t.comparison in Comparison.values else t.comparison
    return f"{t.indicator.code} {t.indicator.name}（{t.period}）{op} {value}"


def letter_content(*, unit, year: int, person=None, now: dt.datetime | None = None) -> dict:
    """What a letter of a unit (or of one person in it) for a 学年 commits to, as a JSON-ready snapshot:
    the goals with their targets of the 学年, weights and how each is assessed, and the tasks with deadlines.

    A unit's letter holds the goals and tasks the unit is responsible for; a person's, those he owns. Goals
    without an indicator (checked by a named reviewer) are included when their dates touch the 学年.
    """
    from django.db.models import Q

    from zhengai.goals.choices import GoalStatus, Verification
    from zhengai.lib.periods import AcademicYearSpan

    span = AcademicYearSpan(year)
    code, periods = _year_periods(year)
    mine = Q(owner=person) if person is not None else Q(owner_unit=unit)
    goals = Goal.objects.filter(mine).select_related("reviewer").order_by("id")
    targets = defaultdict(list)
    for t in Target.objects.filter(goal__in=goals, period__in=periods).select_related("indicator"):
        targets[t.goal_id].append(t)
    chosen = []
    for g in goals:
        dated = (g.start_date is None or g.start_date <= span.end) and (g.due_date is None or g.due_date >= span.start)
        if targets[g.pk] or (g.verification == Verification.REVIEWER and dated):
            chosen.append(g)
    total = sum((g.weight for g in chosen), start=0) or 1
    goal_rows = []
    for g in chosen:
        if g.verification == Verification.REVIEWER:
            how = f"由核验人{g.reviewer or '（未指定）'}凭佐证材料核验"
        else:
            how = "按绑定指标的监测值自动核验" + (f"，连续 {g.hold_periods} 个周期达成" if g.hold_periods > 1 else "")
        goal_rows.append({
            "id": g.pk, "title": g.title, "level": g.level, "weight": f"{float(g.weight):g}",
            "share": round(float(g.weight / total) * 100, 1), "verification": g.verification, "assessment": how,
            "reviewer": str(g.reviewer) if g.reviewer_id else "", "due_date": str(g.due_date or ""),
            "targets": [
                {"indicator": t.indicator.code, "name": t.indicator.name, "period": t.period,
                 "comparison": t.comparison, "value": t.value, "value_high": t.value_high, "text": _target_text(t)}
                for t in sorted(targets[g.pk], key=lambda t: (t.indicator.code, t.period))
            ],
        })  # fmt: skip
    owner = Q(owner=person) if person is not None else Q(owner_unit=unit)
    tasks = (
        Task.objects.filter(owner, year=year)
        .exclude(children__isnull=False)  # a row split per unit is committed to through its units' parts
        .exclude(status__in=(GoalStatus.DONE, GoalStatus.DONE_LATE), due_date__lt=span.start)
        .distinct()
        .order_by("due_date", "schedule_row", "id")
    )
    task_rows = [
        {"id": t.pk, "title": t.title, "kind": t.kind, "due_date": str(t.due_date or ""), "due_text": t.due_text,
         "start_date": str(t.start_date or "")}
        for t in tasks
    ]  # fmt: skip
    from django.utils import timezone

    at = timezone.localtime(now or clock.now())
    return {
        "year": year, "period": code, "unit": {"code": unit.code, "name": unit.name},
        "person": {"id": person.pk, "name": str(person)} if person is not None else None,
        "goals": goal_rows, "tasks": task_rows, "as_of": at.isoformat(timespec="minutes"),
        "source": f"目标链（目标、{code} 学年目标值、任务），截至 {at:%Y-%m-%d %H:%M}",
    }  # fmt: skip


def sees_all_letters(user) -> bool:
    """质控中心 and the college-wide roles see every letter."""
    return sees_all_goals(user)


def can_see_letter(user, letter) -> bool:
    """All for the college-wide roles; a department head his unit's letters; a person his own."""
    from zhengai.accounts.choices import Role

    if sees_all_letters(user):
        return True
    if letter.person_id is not None and letter.person_id == user.pk:
        return True
    return bool(user.role == Role.DEPARTMENT_HEAD and user.org_unit_id and user.org_unit_id == letter.unit_id)


def letters_for(user, year: int):
    """The letters of a 学年 a user may see (every version), as a queryset."""
    from django.db.models import Q

    from zhengai.accounts.choices import Role
    from zhengai.goals.models import Letter

    letters = Letter.objects.filter(year=year).select_related(
        "unit", "person", "issuer_signed_by", "recipient_signed_by", "amends"
    )
    if sees_all_letters(user):
        return letters
    mine = Q(person=user)
    if user.role == Role.DEPARTMENT_HEAD and user.org_unit_id:
        mine |= Q(unit_id=user.org_unit_id)
    return letters.filter(mine)


@dataclass
class LetterRow:
    """One unit (or person) on the letters list: its latest version and all versions."""

    unit: object
    person: object | None
    latest: object | None
    versions: list = field(default_factory=list)


def letter_rows(user, year: int, *, units: Iterable = ()) -> list[LetterRow]:
    """The letters list of a 学年, worst first: no letter, then drafts, then awaiting a signature, then signed.
    `units` (for 质控中心) adds the units that have no letter yet."""
    from zhengai.goals.choices import LetterStatus

    grouped: dict[tuple[int, int | None], list] = defaultdict(list)
    for letter in letters_for(user, year).order_by("version"):
        grouped[(letter.unit_id, letter.person_id)].append(letter)
    rows = [LetterRow(vs[-1].unit, vs[-1].person, vs[-1], list(reversed(vs))) for vs in grouped.values()]
    have = {r.unit.pk for r in rows if r.person is None}
    rows += [LetterRow(u, None, None) for u in units if u.pk not in have]
    rank = {None: 0, LetterStatus.DRAFT: 1, LetterStatus.AWAITING: 2, LetterStatus.SIGNED: 3}

    def order(r: LetterRow):
        status = r.latest.status if r.latest else None
        return (rank.get(status, 4), r.unit.order, r.unit.code, r.person.pk if r.person else 0)

    return sorted(rows, key=order)


# ------------------------------------------------------------------------------------------ assessment, mine, unit


def assessment_results(year: int) -> list:
    """The 学年's latest computed unit assessment (the scheme computed last), best first, unscored last."""
    from zhengai.goals.models import AssessmentResult

    latest = AssessmentResult.objects.filter(year=year).order_by("-computed_at", "-scheme__version").first()
    if latest is None:
        return []
    rows = AssessmentResult.objects.filter(year=year, scheme_id=latest.scheme_id).select_related("unit", "scheme")
    return sorted(rows, key=lambda r: (r.rank is None, r.rank or 0, r.unit.order, r.unit.code))


def my_goal_ids(user) -> set[int]:
    """The goals a person answers for: owned, supervised, to review, or about him as teacher or student."""
    from django.db.models import Q

    q = Q(owner=user) | Q(supervisors=user) | Q(reviewer=user)
    teacher = getattr(user, "teacher", None)
    if teacher is not None:
        q |= Q(entity_kind="teacher", entity_key=teacher.staff_no)
    student = getattr(user, "student", None)
    if student is not None:
        q |= Q(entity_kind="student", entity_key=student.student_no)
    return set(Goal.objects.filter(q).values_list("pk", flat=True))


def _worst_first(node: GoalAttainment):
    rank = {"not_attained": 0, "no_data": 1, "pending": 2, "attained": 3}[node.result.state]
    return (rank, node.result.progress if node.result.progress is not None else 2, node.goal.pk)


def _named(nodes: list[GoalAttainment], *, keep: set[int] | None = None) -> list[GoalAttainment]:
    """Copies of the nodes with their entity names, children worst first (only those in `keep`, if given)."""
    pairs: set[tuple[str, str]] = set()

    def collect(node: GoalAttainment, seen: frozenset[int]) -> None:
        pairs.add((node.goal.entity_kind, node.goal.entity_key))
        for k in node.children:
            if k.goal.pk not in seen:
                collect(k, seen | {k.goal.pk})

    for n in nodes:
        collect(n, frozenset({n.goal.pk}))
    names = entity_names(pairs)

    def copy(node: GoalAttainment, seen: frozenset[int]) -> GoalAttainment:
        kids = [copy(k, seen | {k.goal.pk}) for k in node.children
                if k.goal.pk not in seen and (keep is None or k.goal.pk in keep)]  # fmt: skip
        name = names.get((node.goal.entity_kind, node.goal.entity_key), node.goal.entity_key)
        return GoalAttainment(node.goal, node.result, node.targets, sorted(kids, key=_worst_first), name)

    return sorted((copy(n, frozenset({n.goal.pk})) for n in nodes), key=_worst_first)


def my_goals(user, *, period: str) -> list[GoalAttainment]:
    """The person's goals with their attainment for the period, worst first; his goals below another of his
    goals are shown under it."""
    mine = my_goal_ids(user)
    if not mine:
        return []
    results = goal_attainments(period=period)
    below = {k.goal.pk for pk in mine for k in results[pk].children if k.goal.pk in mine}
    return _named([results[pk] for pk in mine if pk not in below], keep=mine)


def unit_goal_tree(unit, *, period: str) -> list[GoalAttainment]:
    """A unit's goals (责任部门 the unit) with everything below them, worst first."""
    results = goal_attainments(period=period)
    own = {pk for pk, r in results.items() if r.goal.owner_unit_id == unit.pk}
    below = {k.goal.pk for pk in own for k in results[pk].children if k.goal.pk in own}
    return _named([results[pk] for pk in own if pk not in below])


def tasks_for_user(user, *, year: int, today: dt.date | None = None) -> list[ScheduleRow]:
    """The tasks of a 学年 a person reports on — his own, and for a department head his unit's — overdue first.
    A row split per unit is reported through its units' sub-tasks."""
    from django.db.models import Q

    from zhengai.accounts.choices import Role

    q = Q(owner=user)
    if user.role == Role.DEPARTMENT_HEAD and user.org_unit_id:
        q |= Q(owner_unit_id=user.org_unit_id)
    tasks = Task.objects.filter(q, year=year, children__isnull=True).distinct().select_related("owner_unit")
    return _overdue_first(tasks, today=today)


def unit_tasks(unit, *, year: int, today: dt.date | None = None) -> list[ScheduleRow]:
    tasks = (
        Task.objects.filter(owner_unit=unit, year=year, children__isnull=True).distinct().select_related("owner_unit")
    )
    return _overdue_first(tasks, today=today)


def _overdue_first(tasks: Iterable[Task], *, today: dt.date | None) -> list[ScheduleRow]:
    from zhengai.goals.choices import GoalStatus

    today = today or clock.today()
    done = (GoalStatus.DONE, GoalStatus.DONE_LATE)
    rows = []
    for t in tasks:
        late = t.due_date is not None and t.due_date < today and t.status not in done
        rows.append(ScheduleRow(t, (today - t.due_date).days if late else None))
    far = dt.date.max
    return sorted(rows, key=lambda r: (r.overdue_days is None, -(r.overdue_days or 0), r.task.status in done,
                                       r.task.due_date or far, r.task.pk))  # fmt: skip
