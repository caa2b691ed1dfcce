"""Pages of personal development plans (个人发展规划): the list, a plan with its yearly targets against the
data, the supervisor's comments and stage, and 质控中心's templates with bulk generation."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from zhengai.goals import selectors, services
from zhengai.goals.choices import ATTAINMENT_COLOURS, PDP_KINDS, PlanKind
from zhengai.goals.models import Plan
from zhengai.indicators.choices import Comparison, PeriodKind
from zhengai.lib.web import paginate


def _colours() -> dict[str, str]:
    return {str(k): v for k, v in ATTAINMENT_COLOURS.items()}


def _errors(exc: ValidationError) -> str:
    return "；".join(exc.messages)


def _manages_templates(user) -> bool:
    from zhengai.accounts.choices import Role

    return bool(user.is_superuser or user.role == Role.QUALITY_OFFICE) and not user.is_read_only


def _order(status: selectors.PdpStatus):
    """Off track first, then those with no verdict yet (数据不足), then the rest; by department and name."""
    unit = status.plan.owner_unit.order if status.plan.owner_unit else 0
    return (not status.off_track, status.latest_year is not None, unit, status.plan.entity_key)


@require_GET
def pdps(request: HttpRequest) -> HttpResponse:
    """个人发展规划: one's own (opened directly when there is just one), those one supervises, a department's
    people's for its head, every plan for the college-wide roles; off track first."""
    from zhengai.accounts.choices import Role
    from zhengai.org.models import OrgUnit

    user = request.user
    plans = selectors.pdps_for(user).select_related("owner_unit", "supervisor")
    wide = selectors.sees_all_goals(user)
    head = user.role == Role.DEPARTMENT_HEAD
    if not wide and not head:
        mine = [p for p in plans if selectors.is_pdp_owner(user, p)]
        if len(mine) == 1 and not any(p.supervisor_id == user.pk for p in plans):
            return redirect("goals:pdp", pk=mine[0].pk)
    unit, kind = request.GET.get("unit", ""), request.GET.get("kind", "")
    if unit:
        plans = plans.filter(owner_unit__code=unit)
    if kind in PDP_KINDS:
        plans = plans.filter(entity_kind=kind)
    statuses = sorted(selectors.pdp_statuses(plans).values(), key=_order)
    units = OrgUnit.objects.filter(pk__in=selectors.pdps_for(user).values("owner_unit")).order_by("order", "code")
    context = {
        "page": paginate(request, statuses), "wide": wide, "head": head, "unit": unit, "kind": kind,
        "units": units, "kinds": PDP_KINDS.items(), "colours": _colours(),
        "off_track": sum(1 for s in statuses if s.off_track), "manages": _manages_templates(user),
    }  # fmt: skip
    return render(request, "goals/pdp/list.html", context)


def _plan_or_403(request: HttpRequest, pk: int) -> Plan:
    plan = get_object_or_404(Plan.objects.select_related("owner_unit", "supervisor", "template"), pk=pk,
                             kind=PlanKind.PERSONAL, is_template=False)  # fmt: skip
    if not selectors.can_see_pdp(request.user, plan):
        raise PermissionDenied("您不是该规划的本人、指导人、所在部门负责人或质控中心")
    return plan


@require_GET
def pdp_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One plan: the person, his stage on the route, each goal's yearly targets against the data, comments."""
    plan = _plan_or_403(request, pk)
    status = selectors.pdp_statuses([plan])[plan.pk]
    route = services.development_route("teacher") if plan.entity_kind == "teacher" else None
    stages = route.stages if route else []
    current = next((i for i, s in enumerate(stages) if s["code"] == plan.stage), None)
    can_stage = services.can_set_pdp_stage(request.user, plan)
    context = {
        "plan": plan, "status": status, "person": status.person, "route": route, "stages": stages,
        "current": current, "current_stage": stages[current] if current is not None else None,
        "comments": plan.comments.select_related("by"), "can_comment": services.can_comment_pdp(request.user, plan),
        "can_stage": can_stage, "colours": _colours(),
        "kind_label": PDP_KINDS.get(plan.entity_kind, plan.entity_kind),
    }  # fmt: skip
    return render(request, "goals/pdp/detail.html", context)


@require_POST
def pdp_comment(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan_or_403(request, pk)
    if not services.can_comment_pdp(request.user, plan):
        raise PermissionDenied("只有指导人、本人、所在部门负责人和质控中心可以填写意见")
    try:
        services.pdp_comment(plan=plan, text=request.POST.get("text", ""), by=request.user)
    except ValidationError as exc:
        messages.error(request, "意见未保存：" + _errors(exc))
    else:
        messages.success(request, "已保存意见")
    return redirect(f"{reverse('goals:pdp', args=[plan.pk])}#comments")


@require_POST
def pdp_stage(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan_or_403(request, pk)
    if not services.can_set_pdp_stage(request.user, plan):
        raise PermissionDenied("只有指导人和质控中心可以调整发展阶段")
    try:
        services.pdp_stage_set(plan=plan, stage=request.POST.get("stage", ""), by=request.user)
    except ValidationError as exc:
        messages.error(request, "发展阶段未调整：" + _errors(exc))
    else:
        messages.success(request, "已调整发展阶段")
    return redirect("goals:pdp", pk=plan.pk)


# ------------------------------------------------------------------------------------------ templates


def _int(value: str, field: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValidationError({field: f"“{value}”不是整数年份"}) from None


def _template_post(request: HttpRequest) -> None:
    """Create a template plan, or add a goal with yearly values to one."""
    from zhengai.indicators.models import Indicator

    p = request.POST
    if p.get("action") == "template":
        plan = services.pdp_template_create(
            name=p.get("name", ""), entity_kind=p.get("entity_kind", ""),
            start_year=_int(p.get("start_year"), "起始年"), end_year=_int(p.get("end_year"), "终止年"), by=request.user,
        )  # fmt: skip
        messages.success(request, f"已新建模板“{plan.name}”")
        return
    template = get_object_or_404(Plan, pk=_int(p.get("template"), "模板"), is_template=True)
    indicator = Indicator.objects.filter(code=p.get("indicator", ""), enabled=True).first()
    if indicator is None:
        raise ValidationError({"indicator": f"没有启用的指标“{p.get('indicator', '')}”"})
    values = {}
    for year in range(template.start_year, template.end_year + 1):
        raw = p.get(f"value_{year}", "").strip()
        if raw:
            try:
                values[year] = float(raw)
            except ValueError:
                raise ValidationError({"values": f"{year} 年的目标值“{raw}”不是数"}) from None
    goal = services.template_goal_add(
        template=template, title=p.get("title", ""), entity_kind=template.entity_kind, indicator=indicator,
        comparison=p.get("comparison", Comparison.GE), values=values, by=request.user,
    )  # fmt: skip
    messages.success(request, f"已在模板“{template.name}”中加入目标“{goal.title}”")


def _template_context(request: HttpRequest, **extra) -> dict:
    from zhengai.indicators.models import Indicator
    from zhengai.org import choices as org_choices
    from zhengai.org.models import Major, OrgUnit, SchoolClass

    templates = list(
        Plan.objects.filter(kind=PlanKind.PERSONAL, is_template=True).prefetch_related("goals__targets__indicator")
    )
    generated = {t.pk: t.generated.count() for t in templates}
    kinds = [PeriodKind.ACADEMIC_YEAR, PeriodKind.TERM, PeriodKind.CALENDAR_YEAR, PeriodKind.POINT]
    indicators = {
        k: list(Indicator.objects.filter(enabled=True, entity=k, period__in=kinds).order_by("code")) for k in PDP_KINDS
    }
    return {
        "templates": templates, "generated": generated,
        "years": {t.pk: list(range(t.start_year, t.end_year + 1)) for t in templates}, "indicators": indicators,
        "kinds": PDP_KINDS.items(),
        "comparisons": [c for c in Comparison.choices if c[0] != Comparison.BETWEEN],
        "units": OrgUnit.objects.filter(active=True, kind="department").order_by("order", "code"),
        "categories": org_choices.TeacherCategory.choices, "titles": org_choices.TeacherTitle.choices,
        "majors": Major.objects.filter(active=True).order_by("code"),
        "classes": SchoolClass.objects.select_related("major").order_by("-cohort", "code"), **extra,
    }  # fmt: skip


def pdp_templates(request: HttpRequest) -> HttpResponse:
    """质控中心: the PDP templates, a new template and its goals, and bulk generation."""
    if not _manages_templates(request.user):
        raise PermissionDenied("只有质控中心可以管理个人发展规划模板")
    if request.method == "POST":
        try:
            _template_post(request)
        except ValidationError as exc:
            messages.error(request, "未保存：" + _errors(exc))
        return redirect("goals:pdp_templates")
    return render(request, "goals/pdp/templates.html", _template_context(request))


_FILTER_FIELDS = {"teacher": ("department", "category", "title", "dual_qualified"),
                  "student": ("department", "major", "class", "cohort")}  # fmt: skip


def _filters(request: HttpRequest, template: Plan) -> dict:
    filters: dict = {}
    for name in _FILTER_FIELDS.get(template.entity_kind, ()):
        value = request.POST.get(name, "").strip()
        if value and name == "dual_qualified":
            filters[name] = value == "1"
        elif value and name == "cohort":
            filters[name] = _int(value, "年级")
        elif value:
            filters[name] = value
    return filters


@require_POST
def pdp_generate(request: HttpRequest, pk: int) -> HttpResponse:
    """Bulk-generate PDPs from a template for everyone matching the filters (or the listed keys)."""
    if not _manages_templates(request.user):
        raise PermissionDenied("只有质控中心可以按模板批量生成个人发展规划")
    template = get_object_or_404(Plan, pk=pk, kind=PlanKind.PERSONAL, is_template=True)
    keys = [k.strip() for k in request.POST.get("keys", "").replace("，", ",").replace("\n", ",").split(",")]
    try:
        result = services.pdp_generate_from_template(
            template=template, entity_keys=[k for k in keys if k] or None, filters=_filters(request, template),
            by=request.user,
        )  # fmt: skip
    except ValidationError as exc:
        messages.error(request, "未生成：" + _errors(exc))
        return redirect("goals:pdp_templates")
    messages.success(request, f"按模板“{template.name}”生成 {result.created} 份个人发展规划，跳过 {result.skipped} 份")
    context = _template_context(request, result=result, result_template=template)
    return render(request, "goals/pdp/templates.html", context)
