"""The quality office's editors: a new threshold (with its what-if preview) and the definition."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zhengai.indicators import services as indicator_services
from zhengai.indicators.choices import OUTCOME_COLORS, Outcome
from zhengai.indicators.declarations import DeclarationError
from zhengai.indicators.selectors import threshold_in_force
from zhengai.monitoring import forms, selectors, services
from zhengai.monitoring.choices import RunStatus
from zhengai.monitoring.views.access import editors_only
from zhengai.monitoring.views.catalogue import declaration_or_none, get_indicator


@require_http_methods(["GET", "POST"])
@editors_only
def threshold_new(request: HttpRequest, code: str) -> HttpResponse:
    indicator = get_indicator(code)
    decl, decl_error = declaration_or_none(indicator)
    current = threshold_in_force(list(indicator.threshold_rows.all()), "", timezone.localdate())
    if request.method == "POST":
        form = forms.ThresholdForm(request.POST, decl=decl)
        if form.is_valid():
            data = form.cleaned_data
            try:
                row, run = services.threshold_change(
                    indicator=indicator,
                    group=data["group"] or "",
                    effective_from=data["effective_from"],
                    thresholds=form.thresholds(),
                    by=request.user,
                    note=data["note"],
                )
            except ValueError as exc:
                form.add_error(None, str(exc))
            else:
                text = f"已设定 {indicator.name} 自 {row.effective_from:%Y-%m-%d} 起的阈值"
                if run is not None and run.status == RunStatus.SUCCEEDED:
                    text += f"，并重新判定：{run.measurements_count} 个监测值，{run.status_changes} 个状态变化"
                    messages.success(request, text + "。")
                elif run is not None:
                    status = run.get_status_display()
                    messages.warning(request, f"{text}；重新判定未完成（计算批次 #{run.pk}：{status}）。")
                else:
                    messages.success(request, text + "。")
                return redirect("monitoring:indicator", code=indicator.code)
    else:
        form = forms.ThresholdForm(decl=decl, initial=forms.threshold_initial(current))
    context = {
        "indicator": indicator,
        "decl": decl,
        "decl_error": decl_error,
        "form": form,
        "current": current,
        "unit": str(indicator.raw.get("unit") or ""),
        "level": indicator.level,
    }
    return render(request, "monitoring/threshold_form.html", context)


@require_GET
@editors_only
def threshold_preview(request: HttpRequest, code: str) -> HttpResponse:
    """The what-if table and chart for the thresholds being typed (htmx, on every change)."""
    indicator = get_indicator(code)
    decl, _error = declaration_or_none(indicator)
    form = forms.ThresholdForm(request.GET, decl=decl)
    context = {"form": form, "indicator": indicator, "result": None}
    if form.is_valid():
        result = selectors.whatif(
            indicator=indicator,
            thresholds=form.thresholds(),
            group=form.cleaned_data["group"] or "",
            effective_from=form.cleaned_data["effective_from"],
        )
        names = selectors.org_unit_names()
        latest = result.periods[-1] if result.periods else ""
        by_dept = [c for c in result.cells if c.period == latest]
        judged = [Outcome.PASSED.value, Outcome.WARN.value, Outcome.FAILED.value]
        context.update(
            result=result,
            names=names,
            latest=latest,
            chart={
                "departments": [names.get(c.org_unit, c.org_unit or "（未标部门）") for c in by_dept],
                "outcomes": judged,
                "labels": dict(Outcome.choices),
                "colors": OUTCOME_COLORS,
                "current": {o: [c.current[o] for c in by_dept] for o in judged},
                "proposed": {o: [c.proposed[o] for c in by_dept] for o in judged},
            },
        )
    return render(request, "monitoring/_whatif.html", context)


@require_http_methods(["GET", "POST"])
@editors_only
def definition_edit(request: HttpRequest, code: str) -> HttpResponse:
    indicator = get_indicator(code)
    shown = forms.definition_text(indicator.raw)
    if request.method == "POST":
        form = forms.DefinitionForm(request.POST)
        if form.is_valid():
            changes = dict(form.cleaned_data["definition"])
            # A field left out of the text is removed from the definition.
            for key in indicator.raw:
                if key not in ("code", "thresholds") and key not in changes:
                    changes[key] = None
            try:
                indicator_services.indicator_update(
                    indicator=indicator, changes=changes, by=request.user, note=form.cleaned_data["note"]
                )
            except DeclarationError as exc:
                form.add_error("definition", str(exc))
            else:
                messages.success(request, f"已保存 {indicator.name} 的定义，下次计算起生效。")
                return redirect("monitoring:indicator", code=indicator.code)
    else:
        form = forms.DefinitionForm(initial={"definition": shown})
    context = {
        "indicator": indicator,
        "form": form,
        "level": indicator.level,
        "shipped_differs": indicator.is_overridden,
    }
    return render(request, "monitoring/definition_form.html", context)


@require_POST
@editors_only
def definition_reset(request: HttpRequest, code: str) -> HttpResponse:
    indicator = get_indicator(code)
    try:
        indicator_services.indicator_reset(indicator=indicator, by=request.user)
    except DeclarationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{indicator.name} 已恢复内置定义。")
    return redirect("monitoring:indicator", code=indicator.code)


@require_POST
@editors_only
def indicator_enabled(request: HttpRequest, code: str) -> HttpResponse:
    indicator = get_indicator(code)
    enabled = request.POST.get("enabled") == "1"
    indicator_services.indicator_set_enabled(indicator=indicator, enabled=enabled, by=request.user)
    messages.success(request, f"{indicator.name} 已{'启用' if enabled else '停用'}。")
    return redirect("monitoring:indicator", code=indicator.code)
