"""计算批次: evaluation runs, starting one, and one run's figures and status changes."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from zhengai.datacenter.standard import TABLES_BY_NAME
from zhengai.indicators.choices import PeriodKind
from zhengai.indicators.models import Indicator
from zhengai.lib.web import is_htmx, paginate
from zhengai.monitoring import forms, services
from zhengai.monitoring.choices import RunStatus
from zhengai.monitoring.models import EvaluationRun, StatusChange
from zhengai.monitoring.selectors import org_unit_names
from zhengai.monitoring.views.access import can_start_runs, run_readers_only


def _run_form(data=None) -> forms.RunForm:
    enabled = list(Indicator.objects.filter(enabled=True).values_list("code", "name", "period"))
    periods = []
    for kind in sorted({p for _c, _n, p in enabled}, key=lambda k: list(PeriodKind.values).index(k)):
        codes = [(p.code, p.label) for p in reversed(services.periods_for(kind))]
        if codes:
            periods.append((PeriodKind(kind).label, codes))
    return forms.RunForm(data, indicators=[(c, f"{c} {n}") for c, n, _p in enabled], periods=periods)


@require_http_methods(["GET", "POST"])
@run_readers_only
def runs(request: HttpRequest) -> HttpResponse:
    """Every evaluation run, newest first; the quality office and the IT center start one here."""
    form = None
    if can_start_runs(request.user):
        form = _run_form(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form is None:
            raise PermissionDenied("只有质控中心和信息中心可以发起计算")
        if form.is_valid():
            code, period = form.cleaned_data["indicator"], form.cleaned_data["period"]
            run = services.evaluation_run_enqueue(
                indicator_codes=[code] if code else (),
                periods=[period] if period else (),
                reason="手工发起",
                by=request.user,
            )
            messages.success(request, f"计算批次 #{run.pk} 已排队，由后台进程计算。")
            return redirect("monitoring:run_detail", pk=run.pk)
    page = paginate(request, EvaluationRun.objects.select_related("requested_by"))
    context = {"form": form, "page": page, "list_url": reverse("monitoring:runs")}
    template = "monitoring/_runs_table.html" if is_htmx(request) else "monitoring/runs.html"
    return render(request, template, context)


@require_GET
@run_readers_only
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(EvaluationRun.objects.select_related("requested_by"), pk=pk)
    names = dict(Indicator.objects.values_list("code", "name"))
    timings = sorted(
        ((code, names.get(code, ""), secs) for code, secs in (run.timings or {}).items() if not code.startswith("_")),
        key=lambda t: -t[2],
    )
    stages = [
        (label, (run.timings or {}).get(key))
        for key, label in (("_compute", "计算与判定"), ("_history", "写入历史"), ("_states", "更新当前状态"))
        if (run.timings or {}).get(key) is not None
    ]
    versions = [
        (name, TABLES_BY_NAME[name].label if name in TABLES_BY_NAME else name, v)
        for name, v in sorted((run.versions or {}).items())
    ]
    changes = paginate(request, StatusChange.objects.filter(run=run).select_related("indicator").order_by("id"))
    context = {
        "run": run,
        "finished": run.status in (RunStatus.SUCCEEDED, RunStatus.FAILED),
        "timings": timings,
        "stages": stages,
        "versions": versions,
        "page": changes,
        "names": org_unit_names(),
    }
    if is_htmx(request) and request.headers.get("HX-Target") == "results":
        return render(request, "monitoring/_run_changes.html", context)
    if is_htmx(request) and request.headers.get("HX-Target") == "run-page" and context["finished"]:
        # The page polls while the run is queued or running; once it has ended, reload it whole.
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return render(request, "monitoring/run_detail.html", context)
