"""Reads for the unit assessment and the personal pages: results, my goals and tasks, a unit's goals."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from zhengai.goals.models import Goal, Task
from zhengai.goals.selectors.chain import GoalAttainment, entity_names, goal_attainments
from zhengai.goals.selectors.tasks import ScheduleRow
from zhengai.lib import clock

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
    mine = {pk for pk in mine if pk in results and not results[pk].goal.is_personal}  # plans have their own pages
    below = {k.goal.pk for pk in mine for k in results[pk].children if k.goal.pk in mine}
    return _named([results[pk] for pk in mine if pk not in below], keep=mine)


def unit_goal_tree(unit, *, period: str) -> list[GoalAttainment]:
    """A unit's goals (责任部门 the unit) with everything below them, worst first."""
    results = goal_attainments(period=period)
    own = {pk for pk, r in results.items() if r.goal.owner_unit_id == unit.pk and not r.goal.is_personal}
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
