"""Reads of 目标责任书: what a letter commits a unit or a person to, and who sees which letters."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from zhengai.goals.choices import Verification
from zhengai.goals.models import Goal, Target, Task
from zhengai.goals.selectors.chain import sees_all_goals
from zhengai.lib import clock

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

    from zhengai.goals.choices import GoalStatus
    from zhengai.lib.periods import AcademicYearSpan

    span = AcademicYearSpan(year)
    code, periods = _year_periods(year)
    mine = Q(owner=person) if person is not None else Q(owner_unit=unit)
    from zhengai.goals.choices import PlanKind

    # a person's development plan is his own, not a responsibility the unit signs for
    goals = (
        Goal.objects.filter(mine, is_template=False).exclude(plan__kind=PlanKind.PERSONAL)
        .select_related("reviewer").order_by("id")
    )  # fmt: skip
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
