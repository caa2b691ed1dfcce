"""Pages of unit assessment (考核结果) and of one's own and one unit's goals and tasks."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from zhengai.goals import selectors, services
from zhengai.goals.choices import ATTAINMENT_COLOURS, GOAL_STATUS_COLOURS, AssessmentComponent, GoalStatus
from zhengai.goals.views.common import chosen_year as _chosen_year
from zhengai.goals.views.common import years as _years
from zhengai.lib import clock

_INPUT = {"class": "form-control"}


class SchemeForm(forms.Form):
    name = forms.CharField(label="方案名称", max_length=120, widget=forms.TextInput(_INPUT))
    goals = forms.FloatField(label=AssessmentComponent.GOALS.label, min_value=0, max_value=100,
                             widget=forms.NumberInput({**_INPUT, "step": "any"}))  # fmt: skip
    tasks = forms.FloatField(label=AssessmentComponent.TASKS.label, min_value=0, max_value=100,
                             widget=forms.NumberInput({**_INPUT, "step": "any"}))  # fmt: skip
    alerts = forms.FloatField(label=AssessmentComponent.ALERTS.label, min_value=0, max_value=100,
                              widget=forms.NumberInput({**_INPUT, "step": "any"}))  # fmt: skip
    late_factor = forms.FloatField(label="延期完成折算系数", min_value=0, max_value=1,
                                   widget=forms.NumberInput({**_INPUT, "step": "0.05"}),
                                   help_text="延期完成的任务按此比例计为完成，0 到 1")  # fmt: skip
    description = forms.CharField(label="说明", required=False, widget=forms.Textarea({**_INPUT, "rows": 2}))


def _is_office(user) -> bool:
    from zhengai.accounts.choices import Role

    return bool((user.is_superuser or user.role == Role.QUALITY_OFFICE) and not user.is_read_only)


def _is_head(user) -> bool:
    from zhengai.accounts.choices import Role

    return bool(user.role == Role.DEPARTMENT_HEAD and user.org_unit_id)


def _unit_ids(user) -> frozenset[int]:
    from zhengai.accounts.scope import scope_for

    return scope_for(user).unit_ids


def _weights(scheme) -> list[tuple[str, float]]:
    return [(c.label, float(scheme.weights.get(c.value, 0))) for c in AssessmentComponent] if scheme else []


@require_GET
def assessment(request: HttpRequest) -> HttpResponse:
    """考核结果: the units' scores for a 学年, worst first (best first on request), with each component's figures."""
    if not (selectors.sees_all_goals(request.user) or _is_head(request.user)):
        raise PermissionDenied("考核结果只向学院各部门负责人和校级管理人员公开")
    years = _years()
    year = _chosen_year(request, years)
    results = selectors.assessment_results(year)
    best_first = request.GET.get("order") == "best"
    scored = [r for r in results if r.score is not None]
    unscored = [r for r in results if r.score is None]
    rows = (scored if best_first else scored[::-1]) + unscored
    whole = selectors.sees_all_goals(request.user) or settings.ZHENGAI_ASSESSMENT_VISIBLE_TO_UNITS
    own = _unit_ids(request.user) if _is_head(request.user) else frozenset()
    if not whole:
        rows = [r for r in rows if r.unit_id in own]
    from zhengai.goals.models import AssessmentScheme

    scheme = results[0].scheme if results else AssessmentScheme.objects.filter(year=year, active=True).first()
    context = {
        "rows": rows, "year": year, "years": [(y, f"{y}-{y + 1}学年") for y in years], "best_first": best_first,
        "scheme": scheme, "weights": _weights(scheme), "computed_at": results[0].computed_at if results else None,
        "computed_by": results[0].computed_by if results else None, "whole": whole,
        "stale": bool(results and not results[0].scheme.active), "can_run": _is_office(request.user),
        "linkable": None if selectors.sees_all_goals(request.user) else own, "units_total": len(results),
        "components": AssessmentComponent.choices,
    }  # fmt: skip
    return render(request, "goals/assessment/results.html", context)


@require_POST
def assessment_run(request: HttpRequest) -> HttpResponse:
    if not _is_office(request.user):
        raise PermissionDenied("只有质控中心可以计算考核结果")
    try:
        year = int(request.POST.get("year", ""))
    except ValueError:
        year = _chosen_year(request, _years())
    results = services.assessment_run(year=year, by=request.user)
    messages.success(request, f"已重新计算 {year}-{year + 1} 学年 {len(results)} 个部门的考核结果")
    return redirect(f"{reverse('goals:assessment')}?year={year}")


def assessment_scheme(request: HttpRequest) -> HttpResponse:
    """考核方案: the weights of the components for a 学年; every change is a new version (质控中心)."""
    if not _is_office(request.user):
        raise PermissionDenied("只有质控中心可以设定考核方案")
    from zhengai.goals.models import AssessmentScheme

    source = request.POST if request.method == "POST" else request.GET
    year = _chosen_year(request, _years()) if request.method != "POST" else int(source.get("year") or 0)
    from zhengai.goals import scoring
    from zhengai.goals.services.assessment import DEFAULT_NAME, DEFAULT_NOTE

    current = AssessmentScheme.objects.filter(year=year, active=True).order_by("-version").first()
    if current is None:  # the default, shown until the office saves its own (nothing is written on opening)
        initial = {"name": DEFAULT_NAME, "late_factor": scoring.DEFAULT_LATE_FACTOR, **scoring.DEFAULT_WEIGHTS}
    else:  # the default's note (未核实) does not carry over to a scheme the office sets
        description = "" if current.description == DEFAULT_NOTE else current.description
        initial = {"name": current.name, "late_factor": current.late_factor, "description": description,
                   **current.weights}  # fmt: skip
    form = SchemeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.assessment_scheme_set(
                year=year, weights={c: data[c] for c in ("goals", "tasks", "alerts")},
                late_factor=data["late_factor"], name=data["name"], description=data["description"], by=request.user,
            )  # fmt: skip
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, f"已保存 {year}-{year + 1} 学年的考核方案；请重新计算考核结果")
            return redirect(f"{reverse('goals:assessment')}?year={year}")
    versions = AssessmentScheme.objects.filter(year=year).select_related("created_by")
    context = {"form": form, "year": year, "current": current, "versions": versions,
               "labels": dict(AssessmentComponent.choices)}  # fmt: skip
    return render(request, "goals/assessment/scheme.html", context)


def _task_context(request: HttpRequest, rows) -> dict:
    return {
        "task_rows": rows, "editable": {r.task.pk for r in rows if services.can_update_task(request.user, r.task)},
        "statuses": GoalStatus.choices, "status_colours": {str(k): v for k, v in GOAL_STATUS_COLOURS.items()},
        "colours": {str(k): v for k, v in ATTAINMENT_COLOURS.items()}, "today": clock.today(),
        "overdue": sum(1 for r in rows if r.overdue_days is not None),
    }  # fmt: skip


@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    """我的目标与任务: the goals a person answers for, with attainment, and the tasks he reports on."""
    years = _years()
    year = _chosen_year(request, years)
    period = f"{year}-{year + 1}"
    rows = selectors.tasks_for_user(request.user, year=year)
    context = {
        "goals": selectors.my_goals(request.user, period=period), "year": year, "period": period,
        "years": [(y, f"{y}-{y + 1}学年") for y in years], "is_head": _is_head(request.user),
        **_task_context(request, rows),
    }  # fmt: skip
    return render(request, "goals/assessment/mine.html", context)


@require_GET
def unit(request: HttpRequest, code: str) -> HttpResponse:
    """部门目标: one unit's goals with attainment, its tasks and its assessment result."""
    from zhengai.org.models import OrgUnit

    found = get_object_or_404(OrgUnit, code=code)
    if not (selectors.sees_all_goals(request.user) or (_is_head(request.user) and found.pk in _unit_ids(request.user))):
        raise PermissionDenied("部门负责人只能查看本部门（及下属部门）的目标")
    years = _years()
    year = _chosen_year(request, years)
    period = f"{year}-{year + 1}"
    results = selectors.assessment_results(year)
    result = next((r for r in results if r.unit_id == found.pk), None)
    context = {
        "unit": found, "goals": selectors.unit_goal_tree(found, period=period), "year": year, "period": period,
        "years": [(y, f"{y}-{y + 1}学年") for y in years], "result": result,
        "ranked": sum(1 for r in results if r.rank is not None),
        **_task_context(request, selectors.unit_tasks(found, year=year)),
    }  # fmt: skip
    return render(request, "goals/assessment/unit.html", context)
