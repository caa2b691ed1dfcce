"""Reads of tasks: the work schedule (Table 2) and the 学年's key points decomposed to units and people."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from zhengai.goals.models import Task
from zhengai.goals.selectors.chain import sees_all_goals
from zhengai.lib import clock


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
