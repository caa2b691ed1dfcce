"""Personal development plans (个人发展规划) and goal sets generated in bulk from templates.

A PDP is a `Plan` of kind personal about one teacher or student; its goals are ordinary goals about
that person with yearly targets on the person's indicators, so their attainment is computed from the
data like every other goal's. A template is a plan (or a goal) flagged `is_template`, whose goals are
about "*" (anyone); generation copies it for each chosen person or major and keeps `template` set on
every copy, so that a second run skips whoever already has one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction

from zhengai.audit.services import audit_record
from zhengai.goals.choices import DEFAULT_TEACHER_STAGES, PDP_KINDS, PDP_ROUTE_NOTE, PlanKind, Rollup
from zhengai.goals.models import DevelopmentRoute, Goal, Plan, PlanComment, Target
from zhengai.goals.selectors import heads_pdp_unit, is_pdp_owner
from zhengai.indicators.choices import Comparison, PeriodKind
from zhengai.indicators.models import Indicator
from zhengai.lib.periods import census_date
from zhengai.org import entities
from zhengai.org.choices import LevelCode, StudentStatus
from zhengai.org.models import Major, Student, Teacher

ANYONE = "*"  # the entity key of a template goal


@dataclass
class GenerateResult:
    created: int = 0
    skipped: int = 0
    skipped_list: list[tuple[str, str]] = field(default_factory=list)  # (entity key, why)
    made: list[Any] = field(default_factory=list)  # the plans (or goals) created


# ------------------------------------------------------------------------------------------ route


def development_route(kind: str = "teacher") -> DevelopmentRoute:
    """The newest active route of a kind; the shipped default (marked 未核实) is stored on first use."""
    route = DevelopmentRoute.objects.filter(kind=kind, active=True).order_by("-version").first()
    if route is None:
        route, _ = DevelopmentRoute.objects.get_or_create(
            kind=kind, version=1,
            defaults={"name": "教师个人发展路线（四个阶段）", "stages": DEFAULT_TEACHER_STAGES, "note": PDP_ROUTE_NOTE},
        )  # fmt: skip
    return route


def _stage_codes(route: DevelopmentRoute) -> list[str]:
    return [s["code"] for s in route.stages]


# ------------------------------------------------------------------------------------------ periods


def periods_for_year(indicator: Indicator, year: int) -> list[str]:
    """The period codes of an indicator that make up plan year `year` (the 学年 starting that year):
    学年 2026-2027; both 学期 2026-2027-1 and -2; 自然年 2026; the 时点 of that 学年 (default 统计日)."""
    kind = indicator.period
    if kind == PeriodKind.ACADEMIC_YEAR:
        return [f"{year}-{year + 1}"]
    if kind == PeriodKind.TERM:
        return [f"{year}-{year + 1}-1", f"{year}-{year + 1}-2"]
    if kind == PeriodKind.CALENDAR_YEAR:
        return [str(year)]
    if kind == PeriodKind.POINT:
        return [census_date(year, "09-30").isoformat()]
    raise ValidationError({"indicator": f"指标 {indicator.code} 按{indicator.get_period_display()}计算，"
                                        "不能设逐年目标"})  # fmt: skip


# ------------------------------------------------------------------------------------------ people


def _person(kind: str, key: str):
    if kind not in PDP_KINDS:
        raise ValidationError({"entity_kind": f"个人发展规划只能是教师或学生的，收到“{kind}”"})
    record = entities.record(kind, key)
    if record is None:
        raise ValidationError({"entity_key": f"没有代码为“{key}”的{entities.label(kind)}"})
    return record


def _account(kind: str, record):
    User = get_user_model()
    return User.objects.filter(**{kind: record}).first()


def _default_supervisor(kind: str, record):
    """A student's plan is guided by his class adviser (when he has an account); a teacher's is named."""
    if kind == "student" and record.school_class.adviser_id:
        return get_user_model().objects.filter(teacher_id=record.school_class.adviser_id).first()
    return None


def _plan_fields(plan: Plan) -> dict[str, Any]:
    return {
        "name": plan.name, "entity": f"{plan.entity_kind}:{plan.entity_key}", "years": [plan.start_year, plan.end_year],
        "stage": plan.stage, "supervisor": plan.supervisor_id, "template": plan.template_id,
    }  # fmt: skip


def _new_pdp(*, kind: str, record, start_year: int, end_year: int, stage: str, supervisor, template, name=""):
    key = getattr(record, entities.kind(kind).key_field)
    return Plan.objects.create(
        name=name or f"{record.name}个人发展规划", kind=PlanKind.PERSONAL, level=kind, start_year=start_year,
        end_year=end_year, entity_kind=kind, entity_key=key, owner=_account(kind, record),
        supervisor=supervisor if supervisor is not None else _default_supervisor(kind, record), stage=stage,
        template=template, owner_unit=record.department if kind == "teacher" else record.major.department,
    )  # fmt: skip


@transaction.atomic
def pdp_create(
    *, entity_kind: str, entity_key: str, start_year: int, end_year: int, stage: str = "", supervisor: Any = None,
    by: Any,
) -> Plan:  # fmt: skip
    """A teacher's 个人三年发展规划 or a student's 个人发展规划, with no goals yet."""
    record = _person(entity_kind, entity_key)
    errors = {}
    if end_year < start_year:
        errors["end_year"] = f"终止年 {end_year} 早于起始年 {start_year}"
    if entity_kind == "teacher":
        codes = _stage_codes(development_route("teacher"))
        stage = stage or (record.stage if record.stage in codes else "")
        if stage and stage not in codes:
            errors["stage"] = f"发展阶段“{stage}”不在发展路线上（{'/'.join(codes)}）"
    elif stage:
        errors["stage"] = "学生的个人发展规划没有发展阶段"
    if errors:
        raise ValidationError(errors)
    plan = _new_pdp(kind=entity_kind, record=record, start_year=start_year, end_year=end_year, stage=stage,
                    supervisor=supervisor, template=None)  # fmt: skip
    audit_record(actor=by, action="新建个人发展规划", obj=plan, before=None, after=_plan_fields(plan))
    return plan


# ------------------------------------------------------------------------------------------ templates


@transaction.atomic
def pdp_template_create(*, name: str, entity_kind: str, start_year: int, end_year: int, by: Any) -> Plan:
    """A template of personal plans (e.g. 专任教师三年发展规划模板) for every teacher or every student."""
    errors = {}
    if not name.strip():
        errors["name"] = "请写明模板名称"
    if entity_kind not in PDP_KINDS:
        errors["entity_kind"] = f"个人发展规划只能是教师或学生的，收到“{entity_kind}”"
    if end_year < start_year:
        errors["end_year"] = f"终止年 {end_year} 早于起始年 {start_year}"
    elif end_year - start_year > 5:
        errors["end_year"] = "个人发展规划不超过六年"
    if errors:
        raise ValidationError(errors)
    plan = Plan.objects.create(
        name=name.strip(), kind=PlanKind.PERSONAL, level=entity_kind, start_year=start_year, end_year=end_year,
        entity_kind=entity_kind, entity_key=ANYONE, is_template=True,
    )  # fmt: skip
    audit_record(actor=by, action="新建个人发展规划模板", obj=plan, before=None, after=_plan_fields(plan))
    return plan


@transaction.atomic
def template_goal_add(
    *, title: str, entity_kind: str, indicator: Indicator, values: dict[int, float], comparison: str = Comparison.GE,
    template: Plan | None = None, level: str = "", weight: float = 1, by: Any,
) -> Goal:  # fmt: skip
    """A template goal (about anyone of a kind) with a target per year on one indicator; `values` maps the
    plan year (学年 start year) to the target, written in the indicator's own period codes."""
    errors = {}
    if not title.strip():
        errors["title"] = "请写明目标"
    if template is not None and not template.is_template:
        errors["template"] = f"“{template}”不是模板"
    if template is not None and entity_kind != template.entity_kind:
        errors["entity_kind"] = f"模板“{template.name}”是{entities.label(template.entity_kind)}的"
    if indicator.entity != entity_kind:
        errors["indicator"] = (
            f"指标 {indicator.code} 监测的是{indicator.get_entity_display()}，不是{entities.label(entity_kind)}"
        )
    if comparison not in Comparison.values or comparison == Comparison.BETWEEN:
        errors["comparison"] = f"比较方式“{comparison}”不能用于模板（介于请在生成后逐个设定）"
    if not values:
        errors["values"] = "请至少给出一年的目标值"
    elif template is not None and not all(template.start_year <= y <= template.end_year for y in values):
        errors["values"] = f"目标年份须在 {template.start_year}—{template.end_year} 之内"
    if errors:
        raise ValidationError(errors)
    level = level or (entity_kind if entity_kind in LevelCode.values else LevelCode.SCHOOL)
    goal = Goal.objects.create(
        plan=template, title=title.strip(), level=level,
        entity_kind=entity_kind, entity_key=ANYONE, rollup=Rollup.LEAF_ONLY, is_template=True, weight=weight,
    )  # fmt: skip
    rows = [Target(goal=goal, indicator=indicator, period=p, comparison=comparison, value=float(v))
            for y, v in sorted(values.items()) for p in periods_for_year(indicator, y)]  # fmt: skip
    Target.objects.bulk_create(rows)
    audit_record(actor=by, action="新建模板目标", obj=goal, before=None,
                 after={"title": goal.title, "indicator": indicator.code, "comparison": comparison,
                        "targets": {t.period: t.value for t in rows}})  # fmt: skip
    return goal


def _copy_goal(source: Goal, *, plan: Plan | None, kind: str, key: str, owner_unit, owner, parents) -> Goal:
    goal = Goal.objects.create(
        plan=plan, title=source.title, description=source.description, level=source.level, cell=source.cell,
        entity_kind=kind, entity_key=key, owner_unit=owner_unit, owner=owner, weight=source.weight,
        rollup=source.rollup, verification=source.verification, reviewer=source.reviewer,
        hold_periods=source.hold_periods, start_date=source.start_date, due_date=source.due_date, template=source,
    )  # fmt: skip
    if parents:
        goal.parents.set(parents)
    Target.objects.bulk_create(
        Target(goal=goal, indicator_id=t.indicator_id, period=t.period, comparison=t.comparison, value=t.value,
               value_high=t.value_high)
        for t in source.targets.all()
    )  # fmt: skip
    for child in source.children.filter(is_template=True):
        _copy_goal(child, plan=plan, kind=kind, key=key, owner_unit=owner_unit, owner=owner, parents=[goal])
    return goal


_TEACHER_FILTERS = {"department": "department__code", "category": "category", "title": "title",
                    "dual_qualified": "is_dual_qualified"}  # fmt: skip
_STUDENT_FILTERS = {"class": "school_class__code", "major": "major__code", "cohort": "cohort",
                    "department": "major__department__code"}  # fmt: skip
_MAJOR_FILTERS = {"tier": "tier", "department": "department__code", "codes": "code__in"}


def _filtered(qs, filters: dict | None, allowed: dict[str, str], noun: str):
    wanted = {k: v for k, v in (filters or {}).items() if v not in (None, "", [])}
    unknown = sorted(set(wanted) - set(allowed))
    if unknown:
        raise ValidationError({"filters": f"{noun}不能按“{'、'.join(unknown)}”筛选，可用：{'、'.join(allowed)}"})
    return qs.filter(**{allowed[k]: v for k, v in wanted.items()})


def pdp_people(*, entity_kind: str, filters: dict | None = None):
    """The people a template is generated for: 在职 teachers or 在读 students matching the filters
    (teacher: department, category, title, dual_qualified; student: class, major, cohort, department)."""
    if entity_kind == "teacher":
        return _filtered(Teacher.objects.filter(active=True), filters, _TEACHER_FILTERS, "教师")
    if entity_kind == "student":
        qs = Student.objects.filter(status=StudentStatus.ENROLLED).select_related("major", "school_class")
        return _filtered(qs, filters, _STUDENT_FILTERS, "学生")
    raise ValidationError({"entity_kind": f"个人发展规划只能是教师或学生的，收到“{entity_kind}”"})


@transaction.atomic
def pdp_generate_from_template(
    *, template: Plan, entity_keys: list[str] | None = None, filters: dict | None = None, by: Any
) -> GenerateResult:
    """Every chosen person (by key, or everyone matching the filters) gets a PDP with the template's goals
    and yearly targets, linked to the template. Whoever already has one from this template is skipped."""
    if not template.is_template or template.kind != PlanKind.PERSONAL:
        raise ValidationError({"template": f"“{template}”不是个人发展规划模板"})
    kind = template.entity_kind
    spec = entities.kind(kind)
    people = pdp_people(entity_kind=kind, filters=filters)
    result = GenerateResult()
    if entity_keys is not None:
        found = {getattr(r, spec.key_field): r for r in people.filter(**{f"{spec.key_field}__in": entity_keys})}
        for key in entity_keys:
            if key not in found:
                why = f"没有代码为“{key}”的{spec.label}，或不符合筛选条件、不{spec.member_label}"
                result.skipped_list.append((key, why))
        records = [found[k] for k in dict.fromkeys(entity_keys) if k in found]
    else:
        records = list(people)
    have = set(Plan.objects.filter(template=template).values_list("entity_key", flat=True))
    goals = list(template.goals.filter(is_template=True).prefetch_related("targets"))
    top = [g for g in goals if not any(p.plan_id == template.pk for p in g.parents.all())]
    for record in records:
        key = getattr(record, spec.key_field)
        if key in have:
            result.skipped_list.append((key, "已有按此模板生成的个人发展规划"))
            continue
        stage = ""
        if kind == "teacher":
            stage = record.stage if record.stage in _stage_codes(development_route("teacher")) else ""
        plan = _new_pdp(
            kind=kind, record=record, start_year=template.start_year, end_year=template.end_year, stage=stage,
            supervisor=None, template=template, name=f"{record.name}{template.name}",
        )  # fmt: skip
        for g in top:
            _copy_goal(g, plan=plan, kind=kind, key=key, owner_unit=plan.owner_unit, owner=plan.owner, parents=None)
        audit_record(actor=by, action="按模板生成个人发展规划", obj=plan, before=None,
                     after={**_plan_fields(plan), "goals": plan.goals.count()})  # fmt: skip
        have.add(key)
        result.made.append(plan)
    result.created, result.skipped = len(result.made), len(result.skipped_list)
    audit_record(actor=by, action="按模板批量生成个人发展规划", obj=template, before=None,
                 after={"filters": filters or {}, "keys": entity_keys, "created": result.created,
                        "skipped": result.skipped})  # fmt: skip
    return result


@transaction.atomic
def goalset_generate(
    *, template_goal: Goal, entity_kind: str = "major", filters: dict, parent: Goal | None, by: Any
) -> GenerateResult:
    """Every major matching the filters (tier such as provincial 省级重点, department, codes) gets a copy of
    the template goal with its targets and template sub-goals, below `parent`; majors that have one are
    skipped."""
    if not template_goal.is_template:
        raise ValidationError({"template_goal": f"“{template_goal}”不是模板目标"})
    if entity_kind != "major" or template_goal.entity_kind != "major":
        raise ValidationError({"entity_kind": "目前只能为专业批量生成目标集"})
    if parent is not None and parent.is_template:
        raise ValidationError({"parent": "上级目标不能是模板"})
    majors = _filtered(Major.objects.filter(active=True).select_related("department"), filters, _MAJOR_FILTERS, "专业")
    have = set(Goal.objects.filter(template=template_goal).values_list("entity_key", flat=True))
    result = GenerateResult()
    for major in majors:
        if major.code in have:
            result.skipped_list.append((major.code, "已有按此模板生成的目标"))
            continue
        goal = _copy_goal(template_goal, plan=None, kind="major", key=major.code, owner_unit=major.department,
                          owner=None, parents=[parent] if parent else None)  # fmt: skip
        audit_record(actor=by, action="按模板生成目标", obj=goal, before=None,
                     after={"title": goal.title, "entity": f"major:{major.code}",
                            "template": template_goal.pk})  # fmt: skip
        result.made.append(goal)
    result.created, result.skipped = len(result.made), len(result.skipped_list)
    return result


# ------------------------------------------------------------------------------------------ supervision


def can_comment_pdp(user, plan: Plan) -> bool:
    """The supervisor, the person himself, the head of his department and 质控中心."""
    from zhengai.accounts.choices import Role

    if not user.is_authenticated or getattr(user, "is_read_only", False) or plan.is_template:
        return False
    if user.is_superuser or user.role == Role.QUALITY_OFFICE:
        return True
    return plan.supervisor_id == user.pk or is_pdp_owner(user, plan) or heads_pdp_unit(user, plan)


def can_set_pdp_stage(user, plan: Plan) -> bool:
    from zhengai.accounts.choices import Role

    if not user.is_authenticated or getattr(user, "is_read_only", False) or plan.entity_kind != "teacher":
        return False
    return bool(user.is_superuser or user.role == Role.QUALITY_OFFICE or plan.supervisor_id == user.pk)


@transaction.atomic
def pdp_comment(*, plan: Plan, text: str, by: Any) -> PlanComment:
    if not can_comment_pdp(by, plan):
        raise ValidationError("只有指导人、本人、所在部门负责人和质控中心可以填写意见")
    if not text.strip():
        raise ValidationError({"text": "请写明意见"})
    comment = PlanComment.objects.create(plan=plan, text=text.strip(), by=by)
    audit_record(actor=by, action="填写个人发展规划意见", obj=plan, before=None, after={"text": comment.text})
    return comment


@transaction.atomic
def pdp_stage_set(*, plan: Plan, stage: str, by: Any) -> Plan:
    if not can_set_pdp_stage(by, plan):
        raise ValidationError("只有指导人和质控中心可以调整教师的发展阶段")
    route = development_route("teacher")
    if stage not in _stage_codes(route):
        raise ValidationError({"stage": f"发展阶段“{stage}”不在发展路线“{route}”上"})
    before = {"stage": plan.stage}
    plan.stage = stage
    plan.save(update_fields=["stage"])
    audit_record(actor=by, action="调整发展阶段", obj=plan, before=before, after={"stage": stage, "route": route.pk})
    return plan
