"""Pages of the work schedule (Table 2): the timeline, loading a 学年, progress reports on tasks."""

from __future__ import annotations

import json

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from zhengai.goals import selectors, services
from zhengai.goals.choices import GOAL_STATUS_COLOURS, GoalStatus
from zhengai.goals.views.common import chosen_year as _chosen_year
from zhengai.goals.views.common import years as _years
from zhengai.lib import clock
from zhengai.lib.periods import academic_year_of


@require_GET
def schedule(request: HttpRequest) -> HttpResponse:
    """诊改工作实施进度表: every row of the plan's Table 2 as a task of the chosen 学年."""
    loaded = selectors.schedule_years()
    years = sorted(set(loaded) | set(_years()), reverse=True)
    year = _chosen_year(request, years)
    rows = selectors.schedule_rows(year=year)
    mine = request.GET.get("mine") == "1"
    editable = {r.task.pk for row in rows for r in (row, *row.parts) if services.can_update_task(request.user, r.task)}
    if mine:  # 我的任务: the rows the user (his unit) reports on, overdue first
        rows = [r for r in rows if r.task.pk in editable or any(p.task.pk in editable for p in r.parts)]
        rows.sort(key=lambda r: (r.overdue_days is None, -(r.overdue_days or 0), r.task.schedule_row or 0))
    timeline = [
        {"row": r.task.schedule_row, "name": r.task.title, "project": r.task.project,
         "start": str(r.task.start_date or r.task.due_date), "due": str(r.task.due_date),
         "late": r.overdue_days is not None}
        for r in rows if r.task.due_date
    ]  # fmt: skip
    context = {
        "rows": rows, "year": year, "years": [(y, f"{y}-{y + 1}学年") for y in years],
        "overdue": sum(1 for r in rows if r.overdue_days is not None),
        "undated": sum(1 for r in rows if not r.task.due_date),
        "timeline": json.dumps(timeline, ensure_ascii=False),
        "status_colours": {str(k): v for k, v in GOAL_STATUS_COLOURS.items()},
        "can_load": selectors.sees_all_goals(request.user) and not request.user.is_read_only, "today": clock.today(),
        "editable": editable, "mine": mine, "statuses": GoalStatus.choices,
    }  # fmt: skip
    return render(request, "goals/schedule.html", context)


@require_POST
def schedule_load(request: HttpRequest) -> HttpResponse:
    if not selectors.sees_all_goals(request.user) or request.user.is_read_only:
        raise PermissionDenied("只有质控中心可以载入诊改工作进度表")
    year = int(request.POST.get("year") or academic_year_of(clock.today()).start_year)
    services.schedule_load(year=year, by=request.user)
    return redirect(f"{reverse('goals:schedule')}?year={year}")


@require_POST
def task_update(request: HttpRequest, pk: int) -> HttpResponse:
    """填报进展 on one task of the schedule (its owner, its unit's head, 质控中心)."""
    from django.contrib import messages
    from django.core.exceptions import ValidationError
    from django.shortcuts import get_object_or_404

    from zhengai.goals.models import Task

    task = get_object_or_404(Task, pk=pk)
    if not services.can_update_task(request.user, task):
        raise PermissionDenied("您不是该任务的责任人、责任部门负责人或质控中心")
    try:
        services.task_update(task=task, status=request.POST.get("status", ""), note=request.POST.get("note", ""),
                             by=request.user, evidence=request.FILES.get("evidence"))  # fmt: skip
    except ValidationError as exc:
        messages.error(request, f"“{task.title}”未保存：" + "；".join(exc.messages))
    else:
        task.refresh_from_db()
        messages.success(request, f"已保存“{task.title}”：{task.get_status_display()}")
    back = request.POST.get("next", "")
    return redirect(back if back.startswith("/") and not back.startswith("//") else reverse("goals:schedule"))


def _kind_below(parent) -> str:
    from zhengai.goals.choices import TaskKind

    if parent is None:
        return TaskKind.KEY_POINT
    return TaskKind.UNIT if parent.kind == TaskKind.KEY_POINT else TaskKind.PERSON


@require_GET
def tasks(request: HttpRequest) -> HttpResponse:
    """年度工作任务: the 学年's key points decomposed to departments and people, overdue first."""
    from zhengai.org.models import OrgUnit

    years = sorted(set(selectors.task_years()) | set(_years()), reverse=True)
    year = _chosen_year(request, years)
    roots = selectors.task_tree(request.user, year=year)
    nodes = list(_walk(roots))
    editable = {n.task.pk for n in nodes if services.can_update_task(request.user, n.task)}
    mine = request.user.org_unit_id  # a head decomposes his unit's task to his unit's people
    addable = {
        n.task.pk for n in nodes
        if n.task.kind != "person" and services.can_create_task(request.user, parent=n.task, owner_unit_id=mine)
    }  # fmt: skip
    office = services.can_create_task(request.user, parent=None, owner_unit_id=None)
    from zhengai.goals.services.tasks import unit_people

    people = unit_people({n.task.owner_unit_id for n in nodes if n.task.pk in addable and n.task.owner_unit_id})
    context = {
        "roots": roots, "year": year, "years": [(y, f"{y}-{y + 1}学年") for y in years], "today": clock.today(),
        "overdue": sum(1 for n in nodes if n.overdue_days is not None), "count": len(nodes),
        "status_colours": {str(k): v for k, v in GOAL_STATUS_COLOURS.items()}, "statuses": GoalStatus.choices,
        "editable": editable, "addable": addable, "office": office,
        "units": OrgUnit.objects.filter(active=True).order_by("order", "code") if office else [],
        "people": people,
    }  # fmt: skip
    return render(request, "goals/tasks.html", context)


def _walk(nodes):
    for n in nodes:
        yield n
        yield from _walk(n.children)


@require_POST
def task_new(request: HttpRequest) -> HttpResponse:
    """A key point (质控中心), a department's task under it, or a person's task under that (the unit's head)."""
    import datetime as dt

    from django.contrib import messages
    from django.core.exceptions import ValidationError
    from django.shortcuts import get_object_or_404

    from zhengai.accounts.models import User
    from zhengai.goals.models import Task
    from zhengai.org.models import OrgUnit

    parent = get_object_or_404(Task, pk=request.POST["parent"]) if request.POST.get("parent") else None
    year = parent.year if parent else int(request.POST.get("year") or academic_year_of(clock.today()).start_year)
    unit = OrgUnit.objects.filter(code=request.POST.get("unit", "")).first()
    owner = User.objects.filter(username=request.POST.get("owner", ""), is_active=True).first()
    if unit is None and owner is not None:
        unit = owner.org_unit
    if not services.can_create_task(request.user, parent=parent, owner_unit_id=unit.pk if unit else None):
        raise PermissionDenied("质控中心可以新建年度工作要点和各部门任务；部门负责人可以把本部门的任务分解到本部门的人")
    try:
        due = dt.date.fromisoformat(request.POST.get("due_date", "")) if request.POST.get("due_date") else None
    except ValueError:
        messages.error(request, f"完成期限“{request.POST.get('due_date')}”不是日期（应为 年-月-日）")
        return redirect(f"{reverse('goals:tasks')}?year={year}")
    try:
        task = services.task_create(
            title=request.POST.get("title", ""), kind=_kind_below(parent), year=year, owner_unit=unit, owner=owner,
            parent=parent, goal=parent.goal if parent else None, start_date=None, due_date=due, by=request.user,
        )  # fmt: skip
    except ValidationError as exc:
        messages.error(request, "任务未保存：" + "；".join(exc.messages))
    else:
        messages.success(request, f"已新建{task.get_kind_display()}“{task.title}”")
    return redirect(f"{reverse('goals:tasks')}?year={year}")
