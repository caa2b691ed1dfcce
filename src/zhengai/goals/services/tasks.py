"""Writes to the work schedule and tasks: Table 2 loaded per 学年, progress reports, overdue escalation. Audited."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from zhengai.audit.services import audit_record
from zhengai.goals import schedule
from zhengai.goals.choices import TaskKind
from zhengai.goals.models import Task
from zhengai.org.models import OrgUnit


def _belongs(user, unit: OrgUnit) -> bool:
    teacher = getattr(user, "teacher", None)
    return user.org_unit_id == unit.pk or bool(teacher is not None and teacher.department_id == unit.pk)


def unit_people(unit_ids) -> dict[int, list]:
    """Staff accounts per unit (by their unit, or by their teacher record's department), for assigning tasks."""
    from django.contrib.auth import get_user_model
    from django.db.models import Q

    from zhengai.accounts.choices import Role

    ids = set(unit_ids)
    staff = get_user_model().objects.filter(is_active=True).exclude(role__in=(Role.STUDENT, Role.NONE, Role.REVIEWER))
    users = staff.filter(Q(org_unit_id__in=ids) | Q(teacher__department_id__in=ids)).select_related("teacher")
    out: dict[int, list] = {}
    for u in users.order_by("username"):
        for unit in {u.org_unit_id, getattr(u.teacher, "department_id", None) if u.teacher_id else None} & ids:
            out.setdefault(unit, []).append(u)
    return out


@transaction.atomic
def task_create(
    *, title: str, kind: str, year: int, owner_unit: OrgUnit | None = None, owner: Any = None,
    parent: Task | None = None, goal: Any = None, start_date: dt.date | None = None,
    due_date: dt.date | None = None, by: Any = None,
) -> Task:  # fmt: skip
    """A 年度工作要点, a department's task under it, or a person's task under that: owner, deadline, goal."""
    errors = {}
    if not title.strip():
        errors["title"] = "请写明任务"
    if kind not in TaskKind.values:
        errors["kind"] = f"任务类别“{kind}”不认识"
    if start_date and due_date and due_date < start_date:
        errors["due_date"] = "完成期限早于开始日期"
    if parent is not None and parent.year != year:
        errors["year"] = f"上级任务属于 {parent.year} 学年"
    if owner_unit is None and owner is None:
        errors["owner_unit"] = "请指定责任部门或责任人"
    if kind == TaskKind.PERSON and owner is not None and owner_unit is not None and not _belongs(owner, owner_unit):
        errors["owner"] = f"{owner} 不是{owner_unit.name}的人员"
    if errors:
        raise ValidationError(errors)
    task = Task.objects.create(
        title=title.strip(), kind=kind, year=year, owner_unit=owner_unit, owner=owner, parent=parent, goal=goal,
        start_date=start_date, due_date=due_date,
    )  # fmt: skip
    after = {"title": task.title, "kind": kind, "year": year, "unit": owner_unit.code if owner_unit else "",
             "owner": getattr(owner, "username", ""), "due": str(due_date or "")}  # fmt: skip
    audit_record(actor=by, action="新建任务", obj=task, before=None, after=after)
    return task


def can_create_task(user, *, parent: Task | None, owner_unit_id: int | None) -> bool:
    """质控中心 adds key points and any task; a department head adds tasks under a task of his unit, for his unit."""
    from zhengai.accounts.choices import Role

    if getattr(user, "is_read_only", False):
        return False
    if user.is_superuser or user.role == Role.QUALITY_OFFICE:
        return True
    return bool(
        user.role == Role.DEPARTMENT_HEAD and user.org_unit_id and parent is not None
        and parent.owner_unit_id == user.org_unit_id and owner_unit_id == user.org_unit_id
    )  # fmt: skip


@dataclass(frozen=True)
class ScheduleLoad:
    year: int
    rows: int  # rows of Table 2 now present as tasks of the year
    created: int  # tasks created now (rows and their per-unit sub-tasks)
    unresolved: list[str]  # unit codes the college does not have, per row


@transaction.atomic
def schedule_load(*, year: int, by: Any = None) -> ScheduleLoad:
    """Load Table 2 as the work schedule of the 学年 starting in `year`; rows already loaded are kept."""
    base_year, rows = schedule.template()
    units = list(OrgUnit.objects.filter(active=True).order_by("order", "code"))
    by_code = {u.code: u for u in units}
    grouped = schedule.groups(units)
    have = set(
        Task.objects.filter(year=year, kind=TaskKind.SCHEDULE, parent=None).values_list("schedule_row", flat=True)
    )
    created, unresolved = 0, []
    for row in rows:
        if row.row in have:
            continue
        owners = []
        for code in row.units:
            found = grouped.get(code) if code.startswith("@") else ([by_code[code]] if code in by_code else None)
            if not found:
                unresolved.append(f"第 {row.row} 行“{row.task}”：本校没有“{code}”")
                continue
            owners.extend(u for u in found if u not in owners)
        dates = schedule.moved_dates(row.when, base_year=base_year, year=year)
        task = Task.objects.create(
            title=row.task, kind=TaskKind.SCHEDULE, year=year, project=row.project, schedule_row=row.row,
            owner_unit=owners[0] if owners else None, responsible_text=row.responsible, start_date=dates.start,
            due_date=dates.due, due_text=dates.text,
        )  # fmt: skip
        created += 1
        if len(owners) > 1:
            for unit in owners:
                Task.objects.create(
                    title=f"{row.task}（{unit.short_name or unit.name}）", kind=TaskKind.SCHEDULE, year=year,
                    project=row.project, schedule_row=row.row, parent=task, owner_unit=unit,
                    responsible_text=row.responsible, start_date=dates.start, due_date=dates.due, due_text=dates.text,
                )  # fmt: skip
                created += 1
        after = {"year": year, "row": row.row, "units": [u.code for u in owners], "due": str(dates.due)}
        audit_record(actor=by, action="载入诊改工作进度表任务", obj=task, before=None, after=after)
    present = Task.objects.filter(year=year, kind=TaskKind.SCHEDULE, parent=None).values("schedule_row").distinct()
    return ScheduleLoad(year, present.count(), created, unresolved)


def _overdue_recipients(task: Task, level: int) -> list:
    """Level 1: the task's owner and the heads of its unit; level 2: 质控中心 as well."""
    from django.contrib.auth import get_user_model

    from zhengai.accounts.choices import Role

    users = get_user_model().objects.filter(is_active=True)
    found = [task.owner] if task.owner_id else []
    if task.owner_unit_id:
        found += list(users.filter(role=Role.DEPARTMENT_HEAD, org_unit_id=task.owner_unit_id))
    if level >= 2 or not found:  # a task nobody in its unit can be told about goes to 质控中心 at once
        found += list(users.filter(role=Role.QUALITY_OFFICE))
    return found


def tasks_escalate_overdue(*, now: dt.datetime | None = None) -> int:
    """Overdue tasks notify their owner and unit head, then, after the grace days, 质控中心 (a scheduled job).

    A task is overdue when its deadline has passed and it is not done; a task without a date (时间待定) never
    is. A row split into per-unit sub-tasks is followed through its sub-tasks. Returns the steps taken.
    """
    from django.conf import settings
    from django.urls import reverse

    from zhengai.alerts.services import notice_send
    from zhengai.goals.choices import GoalStatus
    from zhengai.lib import clock

    now = now or clock.now()
    today = timezone.localtime(now).date() if timezone.is_aware(now) else now.date()
    grace = dt.timedelta(days=settings.ZHENGAI_TASK_ESCALATE_AFTER_DAYS)
    open_tasks = (
        Task.objects.filter(due_date__lt=today, escalation_level__lt=2)
        .exclude(status__in=(GoalStatus.DONE, GoalStatus.DONE_LATE))
        .exclude(children__isnull=False)
        .select_related("owner_unit", "owner")
        .distinct()
    )
    steps = 0
    for task in open_tasks:
        late = today - task.due_date
        level = 2 if late >= grace else 1
        if level <= task.escalation_level:
            continue
        unit = task.owner_unit.name if task.owner_unit else (task.responsible_text or "未指定部门")
        link = reverse("goals:schedule") + f"?year={task.year}" if task.schedule_row else reverse("goals:tree")
        to = "责任人和部门负责人" if level == 1 else "质控中心"
        with transaction.atomic():
            updated = Task.objects.filter(pk=task.pk, escalation_level=task.escalation_level).update(
                escalation_level=level, last_notified_at=now
            )
            if not updated:
                continue  # another worker took this step
            mark = "【任务逾期】" if level == 1 else "【任务逾期·升级】"
            state = task.get_status_display()
            notice_send(
                users=_overdue_recipients(task, level),
                title=f"{mark}{task.title}（{unit}）",
                body=f"完成期限 {task.due_date:%Y-%m-%d}，已逾期 {late.days} 天，状态“{state}”；已提醒{to}。",
                link=link, state_key=f"task:{task.pk}:overdue:{level}", level="failed" if level == 2 else "warn",
                fields=(("任务", task.title), ("责任部门", unit), ("完成期限", f"{task.due_date:%Y-%m-%d}")),
                event="任务逾期", now=now,
            )  # fmt: skip
            before = {"escalation_level": task.escalation_level}
            after = {"escalation_level": level, "days_late": late.days}
            audit_record(actor=None, action="任务逾期提醒", obj=task, before=before, after=after)
        steps += 1
    return steps


def can_update_task(user, task: Task) -> bool:
    """The task's owner, the head of its unit, 质控中心 (and a superuser); nobody read-only."""
    from zhengai.accounts.choices import Role

    if getattr(user, "is_read_only", False):
        return False
    if user.is_superuser or user.role == Role.QUALITY_OFFICE:
        return True
    if task.owner_id and task.owner_id == user.pk:
        return True
    return bool(user.role == Role.DEPARTMENT_HEAD and task.owner_unit_id and user.org_unit_id == task.owner_unit_id)


@transaction.atomic
def task_update(*, task: Task, status: str, note: str, by: Any, evidence=None) -> Task:
    """Report progress on a task: its new state and what was done (a note is required). Finishing after the
    deadline is recorded as 延期完成; a row split per unit takes the state of its units."""
    from zhengai.goals.choices import GoalStatus
    from zhengai.goals.models import TaskNote
    from zhengai.lib import clock

    if not can_update_task(by, task):
        raise ValidationError("您不是该任务的责任人、责任部门负责人或质控中心，不能填报进展")
    if status not in GoalStatus.values:
        raise ValidationError({"status": f"状态“{status}”不认识"})
    if not note.strip():
        raise ValidationError({"note": "请写明进展（做了什么、结果如何）"})
    now = clock.now()
    late = task.due_date is not None and timezone.localtime(now).date() > task.due_date
    if status == GoalStatus.DONE and late:
        status = GoalStatus.DONE_LATE
    before = {"status": task.status}
    task.status = status
    task.completed_at = now if status in (GoalStatus.DONE, GoalStatus.DONE_LATE) else None
    task.save(update_fields=["status", "completed_at"])
    TaskNote.objects.create(task=task, text=note.strip(), by=by, evidence=evidence or "")
    audit_record(
        actor=by, action="填报任务进展", obj=task, before=before, after={"status": status, "note": note.strip()}
    )
    if task.parent_id:
        _parent_follow(task.parent)
    return task


def _parent_follow(parent: Task) -> None:
    """A row split per unit: done when every unit is done (延期完成 if any was late), else 进行中 once one has begun."""
    from zhengai.goals.choices import GoalStatus

    states = list(parent.children.values_list("status", flat=True))
    done = (GoalStatus.DONE, GoalStatus.DONE_LATE)
    if states and all(s in done for s in states):
        status = GoalStatus.DONE_LATE if GoalStatus.DONE_LATE in states else GoalStatus.DONE
    elif any(s != GoalStatus.NOT_STARTED for s in states):
        status = GoalStatus.IN_PROGRESS
    else:
        status = GoalStatus.NOT_STARTED
    if status != parent.status:
        Task.objects.filter(pk=parent.pk).update(status=status)
