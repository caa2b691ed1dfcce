"""预警总览: the quality office's picture of the college's alerts, and its worklist by problem."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from zhengai.alerts import selectors, worklist
from zhengai.alerts.models import Alert
from zhengai.alerts.views.access import college_wide_only
from zhengai.alerts.views.presentation import badges, duration_text
from zhengai.lib import clock
from zhengai.lib.web import paginate


@require_GET
@college_wide_only
def overview(request: HttpRequest) -> HttpResponse:
    now = clock.now()
    found = selectors.overview(Alert.objects.all(), now=now)
    for row in [*found.units, found.total]:
        row.mean_ack_text = duration_text(row.mean_ack)
        row.mean_close_text = duration_text(row.mean_close)
    heatmap = {**found.heatmap, "list_url": reverse("alerts:mine")}
    visible = selectors.visible_alerts(request.user, request.scope).filter(status__in=selectors.ACTIVE)
    context = {
        "found": found,
        "heatmap": heatmap,
        # The worklist by problem (indicator × accountable unit), worst first: what the office oversees.
        "problems": paginate(request, worklist.problems(visible, now=now)),
        "now": now,
        "can_configure": selectors.is_quality_office(request.user) and not request.user.is_read_only,
        **badges(),
    }
    return render(request, "alerts/overview.html", context)
