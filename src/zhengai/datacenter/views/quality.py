"""数据质量: freshness, rejected rows and row counts per source and table; completeness per field."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from zhengai.datacenter import selectors, standard
from zhengai.datacenter.views.access import readers_only
from zhengai.lib.web import is_htmx


@require_GET
@readers_only
def quality(request: HttpRequest) -> HttpResponse:
    """数据质量: freshness, rejected rows and row counts per source and table; completeness per field."""
    all_feeds = selectors.feeds()
    tables_with_data = [t for t in standard.TABLES if t.name in selectors.current_row_counts()]
    chosen_name = request.GET.get("table") or (tables_with_data[0].name if tables_with_data else "")
    chosen = standard.TABLES_BY_NAME.get(chosen_name)
    completeness = selectors.completeness(chosen) if chosen else None
    context = {"completeness": completeness, "tables_with_data": tables_with_data, "chosen": chosen}
    if is_htmx(request) and request.GET.get("part") == "completeness":
        response = render(request, "datacenter/_completeness.html", context)
        patch_vary_headers(response, ["HX-Request"])
        return response
    # Each line runs on to now: a table holds its last count until the next batch changes it.
    now = timezone.now().isoformat()
    chart = {
        "series": [
            {
                "name": standard.TABLES_BY_NAME[t].label if t in standard.TABLES_BY_NAME else t,
                "points": [[at.isoformat(), n] for at, n in points] + [[now, points[-1][1]]],
            }
            for t, points in selectors.row_count_history(tables=[t.name for t in standard.TABLES]).items()
        ]
    }
    context.update(
        feeds=all_feeds,
        healthy=sum(1 for f in all_feeds if f.healthy),
        problems=sum(1 for f in all_feeds if not f.healthy),
        sources=len({f.source.pk for f in all_feeds}),
        chart=chart,
        recent_n=selectors.RECENT_RUNS,
    )
    response = render(request, "datacenter/quality.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response
