"""部门汇总: one department's open items by indicator, class and major — open, new this week, overdue."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from zhengai.alerts import selectors, worklist
from zhengai.lib import clock
from zhengai.org.models import OrgUnit


@require_GET
def summary(request: HttpRequest, code: str) -> HttpResponse:
    org_unit = get_object_or_404(OrgUnit, code=code)
    if not selectors.can_read_unit(request.user, request.scope, org_unit):
        raise Http404("没有找到该部门，或不在您的数据范围内")
    alerts = selectors.visible_alerts(request.user, request.scope) & selectors.unit_alerts(org_unit)
    context = {"unit": org_unit, "found": worklist.unit_summary(alerts, now=clock.now())}
    return render(request, "alerts/summary.html", context)
