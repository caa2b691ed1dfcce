from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from zhengai.org import selectors as org_selectors

# The chart shows the largest majors; the rest are counted in the total.
CHART_MAJORS = 12


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """驾驶舱 · 总览: master-data counts within the user's scope, and two charts drawn from them."""
    scope = request.scope
    by_major = org_selectors.enrolled_students_by_major(scope)
    context = {
        "scope": scope,
        "overview": org_selectors.overview(scope),
        "chart_data": {
            "majors": by_major[:CHART_MAJORS],
            "titles": org_selectors.active_teachers_by_title(scope),
        },
        "majors_total": len(by_major),
        "chart_majors": CHART_MAJORS,
    }
    return render(request, "accounts/home.html", context)
