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
