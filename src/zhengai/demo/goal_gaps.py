"""Whether the platform shows each gap planted in the demo's goal chain, read as its users would see it.

The gaps are listed in `goal_ground_truth.json` (written by goal_chain.py). Each check reads the goals
selectors, the same reads the pages use, so a gap counts as found only when a person would see it.
"""

from __future__ import annotations

from zhengai.goals.choices import Attainment
from zhengai.lib.status import Gap


def _department_behind(gap: dict, results: dict) -> Gap:
    """The department's goal is 未达成 and names the majors whose planted problems put it there; its task
    past the deadline is shown overdue."""
    from zhengai.goals.models import Task

    mine = results.get(gap.get("goal"))
    if mine is None:
        return Gap("goals", "department_behind", False, "该系部的目标不存在")
    failing = {c.goal.entity_key for c in mine.children if c.result.state == Attainment.NOT_ATTAINED}
    majors = set(gap.get("majors", []))
    task = Task.objects.filter(pk=gap.get("open_task")).first()
    from zhengai.lib import clock

    late = task is not None and task.due_date is not None and task.due_date < clock.today()
    late = late and task.status not in ("done", "done_late")
    found = mine.result.state == Attainment.NOT_ATTAINED and bool(majors) and majors <= failing and late
    progress = mine.result.progress or 0
    note = f"{mine.goal.title}：达成度 {progress:.0%}，未达成的专业 {len(failing)} 个"
    note += "，有逾期任务" if late else ""
    return Gap("goals", "department_behind", found, note)


def _overdue_task(gap: dict, year: int) -> Gap:
    from zhengai.alerts.models import Notification
    from zhengai.goals.selectors import schedule_rows

    pk = gap.get("task")
    row = next((r for r in schedule_rows(year=year) if r.task.pk == pk or any(p.task.pk == pk for p in r.parts)), None)
    if row is not None and row.task.pk != pk:
        row = next(p for p in row.parts if p.task.pk == pk)
    told = Notification.objects.filter(state_key__startswith=f"task:{pk}:overdue:").exists()
    found = row is not None and row.overdue_days is not None and told
    note = f"{gap.get('title', '')}：逾期 {row.overdue_days} 天" if row and row.overdue_days else "未显示为逾期"
    return Gap("goals", "overdue_schedule_task", found, note + ("，已提醒" if told else "，未提醒"))


def _stale_goal(gap: dict, results: dict) -> Gap:
    node = results.get(gap.get("goal"))
    if node is None:
        return Gap("goals", "stale_goal", False, "该目标不存在")

    def untrusted(n) -> bool:  # a value is there, but its feed failed: shown, not judged
        return any(t.value is not None and t.state == Attainment.NO_DATA for t in n.targets) or any(
            untrusted(c) for c in n.children
        )

    found = node.result.state == Attainment.NO_DATA and untrusted(node)
    shown = "数据不足（数据未通过时效或质量检查）" if found else node.result.state
    return Gap("goals", "stale_goal", found, f"{node.goal.title}：{shown}")


def goal_gaps_found() -> list[Gap]:
    from zhengai.demo.goal_chain import gaps_read
    from zhengai.goals.selectors import goal_attainments

    gaps = gaps_read()
    if not gaps:
        return []
    period = gaps["period"]
    results = goal_attainments(period=period)
    year = int(period[:4])
    out = [
        _department_behind(gaps.get("department_behind", {}), results),
        _overdue_task(gaps.get("overdue_schedule_task", {}), year),
        _stale_goal(gaps.get("stale_goal", {}), results),
        _pdp_off_track(gaps.get("pdp_off_track", {})),
    ]
    return out


def _pdp_off_track(gap: dict) -> Gap:
    """The planted teacher's plan is listed off track, for his department head as for 质控中心."""
    from zhengai.goals.models import Plan
    from zhengai.goals.selectors import pdp_statuses

    plan = Plan.objects.filter(pk=gap.get("plan")).first()
    if plan is None:
        return Gap("goals", "pdp_off_track", False, "该教师没有个人发展规划")
    state = pdp_statuses([plan])[plan.pk]
    year = f"{state.latest_year}-{state.latest_year + 1}" if state.latest_year else "无"
    return Gap(
        "goals",
        "pdp_off_track",
        state.off_track,
        f"{plan}：{'偏离规划' if state.off_track else '未偏离'}（{year}学年）",
    )
