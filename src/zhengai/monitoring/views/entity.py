"""指标与预警 of one entity (a major, course, class, teacher, student or the school)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from zhengai.indicators.choices import OUTCOME_COLORS, OUTCOME_SEVERITY, EntityKind
from zhengai.indicators.declarations import LEVELS, SCHOOL_KEY
from zhengai.monitoring import selectors
from zhengai.monitoring.templatetags.monitoring_ui import scale
from zhengai.monitoring.views.access import measurement_scope
from zhengai.org import entities

KINDS = tuple(entities.KINDS)


def _record_name(record) -> str:
    return getattr(record, "name", "") or str(record)


@require_GET
def entity(request: HttpRequest, kind: str, key: str) -> HttpResponse:
    if kind not in KINDS:
        raise Http404("没有这种监测对象")
    scope = measurement_scope(request, or_404=True)
    states = selectors.entity_states(kind, key, scope)
    record = selectors.entity_record(kind, key, request.scope)
    if kind == SCHOOL_KEY and key != SCHOOL_KEY:
        raise Http404("没有这个监测对象")
    if not states and record is None and not (kind == "school" and scope.everything):
        raise Http404("没有找到该对象，或不在您的数据范围内")

    series = selectors.entity_series(kind, key, [s.indicator.code for s in states])
    names = selectors.org_unit_names()
    groups: dict[tuple[str, str], list] = {}
    sparklines = {}
    for state in states:
        ind = state.indicator
        unit = str(ind.raw.get("unit") or "")
        tiers = {t["label"]: t.get("color", "") for t in (state.threshold.tiers if state.threshold else [])}
        groups.setdefault((ind.level, ind.dimension), []).append((state, unit, tiers.get(state.tier, "")))
        points = series.get(ind.code, [])
        if len(points) > 1:
            sparklines[ind.code] = {
                "periods": [p for p, _v, _o in points],
                "values": [scale(v, unit) for _p, v, _o in points],
                "outcomes": [o for _p, _v, o in points],
                "unit": unit,
                "colors": OUTCOME_COLORS,
            }
    level_order = {code: n for n, code in enumerate(LEVELS)}
    ordered = sorted(
        groups.items(),
        key=lambda item: (
            -max(OUTCOME_SEVERITY.get(s.outcome, 0) for s, _u, _t in item[1]),
            level_order.get(item[0][0], 9),
            item[0][1],
        ),
    )
    counts = dict.fromkeys(selectors.OUTCOMES, 0)
    for state in states:
        counts[state.outcome] = counts.get(state.outcome, 0) + 1
    first = states[0] if states else None
    if kind == "school":
        name = "全校"
    else:
        name = (first.entity_name if first and first.entity_name else "") or (_record_name(record) if record else key)
    org_code = first.org_unit if first else getattr(getattr(record, "department", None), "code", "")
    detail_url = None
    if record is not None and entities.KINDS[kind].detail_url:
        detail_url = reverse(entities.KINDS[kind].detail_url, args=[record.pk])
    context = {
        "kind": kind,
        "kind_label": EntityKind(kind).label,
        "key": key,
        "name": name,
        "record": record,
        "detail_url": detail_url,
        "department": names.get(org_code, org_code) if kind != "school" else "",
        "groups": [
            {"level": LEVELS.get(level, level), "dimension": dimension or "其他", "rows": rows}
            for (level, dimension), rows in ordered
        ],
        "counts": counts,
        "total": len(states),
        "sparklines": {"series": sparklines},
        "level": entities.KINDS[kind].level if kind in entities.KINDS else "school",
    }
    return render(request, "monitoring/entity.html", context)
