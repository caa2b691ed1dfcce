"""各指标的预警方式: for each indicator, whether a signal opens an alert (预警), joins the student's case
(汇总) or is only recorded (仅监测). Kept by the quality office; every change is audited."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from zhengai.alerts import forms, privacy
from zhengai.alerts.choices import PolicyMode
from zhengai.alerts.models import AlertPolicy
from zhengai.alerts.services import AlertActionRefused, alert_policy_set, default_mode
from zhengai.alerts.views.access import quality_office_only
from zhengai.indicators.declarations import LEVELS
from zhengai.indicators.models import Indicator


@require_http_methods(["GET", "POST"])
@quality_office_only
def policies(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = forms.PolicyForm(request.POST)
        indicator = Indicator.objects.filter(code=request.POST.get("indicator", "")).first()
        if not form.is_valid() or indicator is None:
            messages.error(request, "请选择指标和处理方式")
        else:
            try:
                alert_policy_set(indicator=indicator, mode=form.cleaned_data["mode"], by=request.user,
                                 note=form.cleaned_data["note"])  # fmt: skip
                messages.success(request, f"{indicator.name}：已改为“{PolicyMode(form.cleaned_data['mode']).label}”")
            except AlertActionRefused as exc:
                messages.error(request, str(exc))
        return redirect(request.get_full_path())
    level = request.GET.get("level", "")
    stored = {p.indicator_id: p for p in AlertPolicy.objects.select_related("updated_by")}
    rows = []
    for ind in Indicator.objects.filter(enabled=True).order_by("order", "code"):
        if level and ind.level != level:
            continue
        p = stored.get(ind.pk)
        rows.append(
            {
                "indicator": ind,
                "mode": p.mode if p else default_mode(ind),
                "is_default": p is None,
                "policy": p,
                "sensitive": dict(privacy.Sensitive.choices).get(privacy.category_of(ind.code), ""),
                "choices": [c for c in PolicyMode.choices if c[0] != PolicyMode.CASE or ind.entity == "student"],
            }
        )
    context = {"rows": rows, "levels": LEVELS, "level": level, "modes": dict(PolicyMode.choices)}
    return render(request, "alerts/policies.html", context)
