"""Reads of personal development plans (个人发展规划): who sees a plan, and how each plan stands.

A personal development plan (个人发展规划) is a Plan of kind personal about one teacher or student;
its goals are ordinary goals judged from the data (goal_attainments), read here per plan year.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils import timezone

from zhengai.datacenter.selectors import freshness_for_tables
from zhengai.goals.attainment import TargetResult
from zhengai.goals.models import Goal, Target
from zhengai.goals.selectors.chain import goal_attainments, sees_all_goals
from zhengai.indicators.models import Indicator
from zhengai.lib import clock


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
    when: str = "past"  # past, running (the 学年 not yet over: figures so far, no verdict) or future


@dataclass
class PdpGoal:
    goal: Goal
    years: list[PdpYear] = field(default_factory=list)


@dataclass
class PdpStatus:
    plan: object
    goals: list[PdpGoal] = field(default_factory=list)
    latest_year: int | None = None  # the latest finished plan year in which some goal has a verdict
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

    plans = list(plans)
    now = now or clock.now()
    goals = list(Goal.objects.filter(plan__in=plans, is_template=False).order_by("plan_id", "id"))
    periods = sorted(set(Target.objects.filter(goal__in=goals).values_list("period", flat=True)))
    results = {p: goal_attainments(period=p, now=now) for p in periods}
    codes = {r.indicator for att in results.values() for g in goals if g.pk in att for r in att[g.pk].targets}
    indicators = {i.code: i for i in Indicator.objects.filter(code__in=codes)}
    fresh = {c: freshness_for_tables(list(i.declaration().source_tables), now=now) for c, i in indicators.items()}
    out = {p.pk: PdpStatus(plan=p, person=pdp_person(p)) for p in plans}
    from zhengai.lib.periods import academic_year_of

    current = academic_year_of(timezone.localtime(now).date()).start_year
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
        for g in status.goals:
            for y in g.years:
                y.when = "past" if y.year < current else ("running" if y.year == current else "future")
        judged = [y.year for g in status.goals for y in g.years if y.state in ("attained", "not_attained")]
        # a 学年 still running is not yet a verdict (its hours and days are still being added up): the
        # latest finished year decides, and the running one only while no finished year has a verdict
        finished = [y for y in judged if y < current]
        judged = finished or judged
        status.latest_year = max(judged) if judged else None
        status.off_track = "not_attained" in status.state_in(status.latest_year)
    return out
