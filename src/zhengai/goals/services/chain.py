"""Writes to the goal chain: plans, goals and their alignment, targets, reviewers' verdicts. All audited."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from zhengai.audit.services import audit_record
from zhengai.goals.choices import PlanKind, Rollup, Verification
from zhengai.goals.models import Goal, GoalReview, Plan, Target
from zhengai.indicators.choices import Comparison
from zhengai.indicators.models import Indicator
from zhengai.org import entities
from zhengai.org.choices import LevelCode
from zhengai.org.entities import SCHOOL_KEY, EntityKind
from zhengai.org.models import OrgUnit


def _goal_fields(goal: Goal) -> dict[str, Any]:
    return {
        "title": goal.title, "level": goal.level, "entity": f"{goal.entity_kind}:{goal.entity_key}",
        "owner_unit": goal.owner_unit.code if goal.owner_unit else "", "weight": str(goal.weight),
        "rollup": goal.rollup, "verification": goal.verification, "hold_periods": goal.hold_periods,
        "parents": sorted(goal.parents.values_list("pk", flat=True)) if goal.pk else [],
    }  # fmt: skip


@transaction.atomic
def plan_create(
    *, name: str, kind: str, start_year: int, end_year: int, level: str = LevelCode.SCHOOL,
    parent: Plan | None = None, owner_unit: OrgUnit | None = None, description: str = "", by: Any = None,
) -> Plan:  # fmt: skip
    errors = {}
    if kind not in PlanKind.values:
        errors["kind"] = f"规划类别“{kind}”不认识"
    if end_year < start_year:
        errors["end_year"] = f"终止年 {end_year} 早于起始年 {start_year}"
    if parent is not None and not (parent.start_year <= start_year and end_year <= parent.end_year):
        errors["start_year"] = f"专项规划的年限须在上位规划“{parent}”之内"
    if errors:
        raise ValidationError(errors)
    plan = Plan.objects.create(
        name=name.strip(), kind=kind, level=level, parent=parent, start_year=start_year, end_year=end_year,
        owner_unit=owner_unit, description=description,
    )  # fmt: skip
    audit_record(actor=by, action="新建规划", obj=plan, before=None,
                 after={"name": plan.name, "kind": kind, "years": [start_year, end_year]})  # fmt: skip
    return plan


def _check_entity(kind: str, key: str) -> None:
    if kind not in EntityKind.values:
        raise ValidationError({"entity_kind": f"对象类型“{kind}”不认识"})
    if kind == EntityKind.SCHOOL:
        if key != SCHOOL_KEY:
            raise ValidationError({"entity_key": f"学校层面的目标，对象代码应为 {SCHOOL_KEY}"})
        return
    if kind == EntityKind.DEPARTMENT:
        if not OrgUnit.objects.filter(code=key).exists():
            raise ValidationError({"entity_key": f"没有代码为“{key}”的部门"})
        return
    if entities.record(kind, key) is None:
        raise ValidationError({"entity_key": f"没有代码为“{key}”的{entities.label(kind)}"})


def _would_cycle(goal: Goal, parents: list[Goal]) -> bool:
    """Whether making `parents` the parents of `goal` closes a loop (a parent is the goal or below it)."""
    below = goal.below_ids()
    return any(p.pk in below for p in parents)


@transaction.atomic
def goal_create(
    *, title: str, level: str, entity_kind: str = EntityKind.SCHOOL, entity_key: str = SCHOOL_KEY,
    plan: Plan | None = None, parents: list[Goal] | None = None, owner_unit: OrgUnit | None = None,
    owner: Any = None, weight: float | Decimal = 1, rollup: str = Rollup.WEIGHTED_MEAN,
    verification: str = Verification.INDICATOR, reviewer: Any = None, hold_periods: int = 1,
    start_date: dt.date | None = None, due_date: dt.date | None = None, template: Goal | None = None,
    cell: Any = None, description: str = "", by: Any = None,
) -> Goal:  # fmt: skip
    errors = {}
    if not title.strip():
        errors["title"] = "请写明目标"
    if level not in LevelCode.values:
        errors["level"] = f"层面“{level}”不认识"
    if rollup not in Rollup.values:
        errors["rollup"] = f"汇总方式“{rollup}”不认识"
    if verification == Verification.REVIEWER and reviewer is None:
        errors["reviewer"] = "由核验人核验的目标须指定核验人"
    if Decimal(str(weight)) <= 0:
        errors["weight"] = "权重须大于 0"
    if start_date and due_date and due_date < start_date:
        errors["due_date"] = "完成期限早于开始日期"
    if errors:
        raise ValidationError(errors)
    _check_entity(entity_kind, entity_key)
    goal = Goal.objects.create(
        title=title.strip(), level=level, entity_kind=entity_kind, entity_key=entity_key, plan=plan,
        owner_unit=owner_unit, owner=owner, weight=Decimal(str(weight)), rollup=rollup, verification=verification,
        reviewer=reviewer, hold_periods=max(1, hold_periods), start_date=start_date, due_date=due_date,
        template=template, cell=cell, description=description,
    )  # fmt: skip
    if parents:
        goal.parents.set(parents)
    audit_record(actor=by, action="新建目标", obj=goal, before=None, after=_goal_fields(goal))
    return goal


@transaction.atomic
def goal_align(*, goal: Goal, parents: list[Goal], by: Any = None) -> Goal:
    """Set the higher goals this goal supports (several allowed); a loop is refused."""
    if _would_cycle(goal, parents):
        raise ValidationError({"parents": "上级目标不能是该目标本身或它的下级目标（会形成循环）"})
    before = _goal_fields(goal)
    goal.parents.set(parents)
    audit_record(actor=by, action="调整目标的上级目标", obj=goal, before=before, after=_goal_fields(goal))
    return goal


@transaction.atomic
def target_set(
    *, goal: Goal, indicator: Indicator, period: str, value: float, comparison: str = Comparison.GE,
    value_high: float | None = None, by: Any = None,
) -> Target:  # fmt: skip
    """Set (or change) the goal's target on an indicator for one period, for the entity the goal is about."""
    if indicator.entity != goal.entity_kind:
        raise ValidationError({"indicator": f"指标 {indicator.code} 监测的是{indicator.get_entity_display()}，"
                                            f"目标的对象是{goal.get_entity_kind_display()}"})  # fmt: skip
    if comparison not in Comparison.values:
        raise ValidationError({"comparison": f"比较方式“{comparison}”不认识"})
    if comparison == Comparison.BETWEEN and (value_high is None or value_high < value):
        raise ValidationError({"value_high": "比较为“介于”时须给出不小于目标值的上限"})
    current = Target.objects.filter(goal=goal, indicator=indicator, period=period).first()
    before = {"comparison": current.comparison, "value": current.value, "high": current.value_high} if current else None
    target, _created = Target.objects.update_or_create(
        goal=goal, indicator=indicator, period=period,
        defaults={"comparison": comparison, "value": float(value), "value_high": value_high},
    )  # fmt: skip
    audit_record(actor=by, action="设定目标值", obj=target, before=before,
                 after={"comparison": comparison, "value": float(value), "high": value_high})  # fmt: skip
    return target


@transaction.atomic
def goal_review(*, goal: Goal, period: str, attained: bool, note: str, by: Any, evidence=None) -> GoalReview:
    """The named reviewer's verdict on a goal without an indicator; only he may give it, with a reason."""
    if goal.verification != Verification.REVIEWER:
        raise ValidationError("该目标按绑定指标自动核验，不由人工核验")
    if goal.reviewer_id is None or getattr(by, "pk", None) != goal.reviewer_id:
        raise ValidationError(f"只有核验人 {goal.reviewer} 可以核验该目标")
    if not note.strip():
        raise ValidationError({"note": "请写明核验意见"})
    review = GoalReview.objects.create(goal=goal, period=period, attained=attained, note=note.strip(), by=by,
                                       evidence=evidence or "")  # fmt: skip
    audit_record(actor=by, action="核验目标", obj=goal, before=None,
                 after={"period": period, "attained": attained, "note": review.note})  # fmt: skip
    return review


def can_edit_goal(user, *, owner_unit_id: int | None) -> bool:
    """质控中心 edits every goal; a department head the goals of his own unit; nobody read-only."""
    from zhengai.accounts.choices import Role

    if getattr(user, "is_read_only", False):
        return False
    if user.is_superuser or user.role == Role.QUALITY_OFFICE:
        return True
    return bool(user.role == Role.DEPARTMENT_HEAD and owner_unit_id and user.org_unit_id == owner_unit_id)
