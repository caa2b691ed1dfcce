"""Pages of the goal chain: the goal tree with attainment, a goal's page, new goals and targets."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from zhengai.goals import selectors, services
from zhengai.goals.choices import ATTAINMENT_COLOURS
from zhengai.goals.views.common import chosen_year as _chosen_year
from zhengai.goals.views.common import years as _years
from zhengai.lib import clock


@require_GET
def tree(request: HttpRequest) -> HttpResponse:
    """目标树: the goals the user may see, worst first, each with its attainment for the chosen 学年."""
    years = _years()
    year = _chosen_year(request, years)
    period = f"{year}-{year + 1}"
    roots = selectors.tree_for(request.user, period=period)
    level, unit = request.GET.get("level", ""), request.GET.get("unit", "")
    units = sorted({(n.goal.owner_unit.code, n.goal.owner_unit.name) for n in selectors.tree_walk(roots)
                    if n.goal.owner_unit_id}, key=lambda u: u[0])  # fmt: skip
    if level or unit:
        roots = selectors.tree_filter(roots, level=level, unit_code=unit)
    from zhengai.org.choices import LevelCode

    context = {
        "roots": roots, "years": [(y, f"{y}-{y + 1}学年") for y in years], "year": year, "period": period,
        "levels": LevelCode.choices, "level": level, "units": units, "unit": unit,
        "colours": {str(k): v for k, v in ATTAINMENT_COLOURS.items()}, "today": clock.today(),
        "can_create": services.can_edit_goal(request.user, owner_unit_id=request.user.org_unit_id),
    }  # fmt: skip
    return render(request, "goals/tree.html", context)


def _units() -> list[tuple[str, str]]:
    from zhengai.org.models import OrgUnit

    return [(u.code, u.name) for u in OrgUnit.objects.filter(active=True).order_by("order", "code")]


def _goal_or_404(request: HttpRequest, pk: int):
    from django.http import Http404

    from zhengai.goals.models import Goal

    goal = Goal.objects.select_related("owner_unit", "plan").filter(pk=pk).first()
    if goal is None or goal.pk not in selectors.visible_goal_ids(request.user, [goal]):
        raise Http404("没有这个目标，或您无权查看")
    return goal


@require_GET
def goal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One goal: attainment per 学年 of its targets, the targets, its higher and lower goals."""
    from zhengai.audit.selectors import object_history
    from zhengai.goals import forms
    from zhengai.indicators.models import Indicator

    goal = _goal_or_404(request, pk)
    history = [(p, selectors.goal_attainments(period=p)[goal.pk]) for p in selectors.goal_periods(goal)]
    visible = selectors.visible_goal_ids(request.user, [*goal.parents.all(), *goal.children.all()])
    for _p, node in history:  # the lower goals the user may not see are not named
        node.children = sorted((c for c in node.children if c.goal.pk in visible),
                               key=lambda c: (c.result.state == "attained", c.result.progress or 0))  # fmt: skip
    tasks = list(goal.tasks.select_related("owner_unit").order_by("-year", "due_date"))
    indicators = Indicator.objects.filter(enabled=True, entity=goal.entity_kind).order_by("code")
    context = {
        "goal": goal, "history": history, "colours": {str(k): v for k, v in ATTAINMENT_COLOURS.items()},
        "targets": goal.targets.select_related("indicator").order_by("-period", "indicator__code"),
        "parents": [g for g in goal.parents.all() if g.pk in visible],
        "children": [g for g in goal.children.all() if g.pk in visible],
        "tasks": tasks, "reviews": goal.reviews.select_related("by"),
        "completion": selectors.goal_completion(goal, history),
        "can_review": goal.verification == "reviewer" and goal.reviewer_id == request.user.pk
                      and not request.user.is_read_only,
        "review_periods": [f"{y}-{y + 1}" for y in _years()],
        "changes": object_history([goal, *goal.targets.all()])[:30],
        "can_edit": services.can_edit_goal(request.user, owner_unit_id=goal.owner_unit_id),
        "target_form": forms.TargetForm(indicators=[(i.code, f"{i.code} {i.name}") for i in indicators]),
        "entity_name": selectors.entity_names([(goal.entity_kind, goal.entity_key)]).get(
            (goal.entity_kind, goal.entity_key), goal.entity_key
        ),
    }  # fmt: skip
    return render(request, "goals/goal_detail.html", context)


def goal_new(request: HttpRequest) -> HttpResponse:
    """New goal, below a higher one when `parent` is given; a department head only for his own unit."""
    from django.contrib import messages
    from django.core.exceptions import ValidationError

    from zhengai.goals import forms
    from zhengai.org.models import OrgUnit

    if not services.can_edit_goal(request.user, owner_unit_id=request.user.org_unit_id):
        raise PermissionDenied("只有质控中心和部门负责人可以新建目标")
    parent = _goal_or_404(request, int(request.GET["parent"])) if request.GET.get("parent", "").isdigit() else None
    form = forms.GoalForm(request.POST or None, units=_units())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        unit = OrgUnit.objects.filter(code=data["owner_unit"]).first() if data["owner_unit"] else None
        if not services.can_edit_goal(request.user, owner_unit_id=unit.pk if unit else None):
            raise PermissionDenied("部门负责人只能为本部门新建目标；请选择本部门为责任部门")
        try:
            goal = services.goal_create(
                title=data["title"], level=data["level"], entity_kind=data["entity_kind"],
                entity_key=data["entity_key"].strip(), owner_unit=unit, weight=data["weight"], rollup=data["rollup"],
                verification=data["verification"], hold_periods=data["hold_periods"], due_date=data["due_date"],
                description=data["description"], parents=[parent] if parent else None, by=request.user,
                reviewer=request.user if data["verification"] == "reviewer" else None,
            )  # fmt: skip
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, f"已新建目标“{goal.title}”")
            return redirect("goals:goal_detail", pk=goal.pk)
    elif request.method != "POST" and parent is not None:
        form = forms.GoalForm(
            units=_units(), initial={"owner_unit": parent.owner_unit.code if parent.owner_unit else ""}
        )
    return render(request, "goals/goal_form.html", {"form": form, "parent": parent})


@require_POST
def target_new(request: HttpRequest, pk: int) -> HttpResponse:
    from django.contrib import messages
    from django.core.exceptions import ValidationError

    from zhengai.goals import forms
    from zhengai.indicators.models import Indicator

    goal = _goal_or_404(request, pk)
    if not services.can_edit_goal(request.user, owner_unit_id=goal.owner_unit_id):
        raise PermissionDenied("您不能修改这个目标")
    codes = list(Indicator.objects.filter(enabled=True, entity=goal.entity_kind).values_list("code", "name"))
    form = forms.TargetForm(request.POST, indicators=codes)
    if not form.is_valid():
        messages.error(
            request,
            "目标值未保存：" + "；".join(f"{form.fields[f].label}：{' '.join(e)}" for f, e in form.errors.items()),
        )
    else:
        data = form.cleaned_data
        try:
            services.target_set(
                goal=goal, indicator=Indicator.objects.get(code=data["indicator"]), period=data["period"].strip(),
                comparison=data["comparison"], value=data["value"], value_high=data["value_high"], by=request.user,
            )  # fmt: skip
        except ValidationError as exc:
            messages.error(request, "目标值未保存：" + "；".join(exc.messages))
        else:
            messages.success(request, f"已设定 {data['indicator']} {data['period']} 的目标值")
    return redirect("goals:goal_detail", pk=goal.pk)


@require_POST
def goal_review(request: HttpRequest, pk: int) -> HttpResponse:
    """The named reviewer's verdict on a goal without an indicator: 达成 or not, why, and the evidence."""
    from django.contrib import messages
    from django.core.exceptions import ValidationError
    from django.urls import reverse

    goal = _goal_or_404(request, pk)
    if request.user.is_read_only or goal.reviewer_id != request.user.pk:
        raise PermissionDenied(f"只有核验人 {goal.reviewer} 可以核验该目标")
    try:
        services.goal_review(goal=goal, period=request.POST.get("period", ""), attained=request.POST.get(
            "attained") == "1", note=request.POST.get("note", ""), by=request.user,
            evidence=request.FILES.get("evidence"))  # fmt: skip
    except ValidationError as exc:
        messages.error(request, "核验未保存：" + "；".join(exc.messages))
    else:
        messages.success(request, "已记录核验意见")
    return redirect(reverse("goals:goal_detail", args=[goal.pk]))
