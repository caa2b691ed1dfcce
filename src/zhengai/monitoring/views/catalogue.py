"""指标目录 and the page of one indicator: definition, thresholds, distribution, trend, entities."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from zhengai.datacenter.selectors import table_freshness
from zhengai.datacenter.standard import TABLES_BY_NAME
from zhengai.indicators.choices import OUTCOME_COLORS, Direction, Outcome, PeriodKind
from zhengai.indicators.declarations import LEVELS, SYSTEMS, DeclarationError
from zhengai.indicators.models import Indicator
from zhengai.indicators.selectors import threshold_in_force
from zhengai.lib.web import is_htmx, paginate
from zhengai.monitoring import forms, selectors
from zhengai.monitoring.templatetags.monitoring_ui import scale
from zhengai.monitoring.views.access import can_edit, can_start_runs, measurement_scope

LINE_COLOURS = {"standard": OUTCOME_COLORS["failed"], "warning": OUTCOME_COLORS["warn"], "target": "#206bc4"}
LINE_NAMES = {"standard": "标准值", "warning": "预警值", "target": "目标值"}


@require_GET
def catalogue(request: HttpRequest) -> HttpResponse:
    """指标目录: every indicator by level, with today's threshold and how the user's entities stand."""
    scope = measurement_scope(request)
    dimensions = sorted(set(Indicator.objects.exclude(dimension="").values_list("dimension", flat=True)))
    form = forms.CatalogueFilterForm(request.GET, dimensions=dimensions)
    filters = form.filters()
    found = selectors.catalogue(scope=scope, **filters) if not scope.is_empty else None
    if found is not None:
        shown = set(found.dimensions) | {filters["dimension"]}
        form.fields["dimension"].choices = [c for c in form.fields["dimension"].choices if not c[0] or c[0] in shown]
    context = {
        "form": form,
        "filters": filters,
        "found": found,
        "scope": scope,
        "scope_label": request.scope.label,
        "levels": LEVELS,
        "list_url": reverse("monitoring:catalogue"),
        "can_edit": can_edit(request.user),
    }
    template = "monitoring/_catalogue_table.html" if is_htmx(request) else "monitoring/catalogue.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _lines_json(threshold, unit: str) -> list[dict]:
    """The threshold's lines as chart mark lines, in the unit the chart shows."""
    out = []
    if threshold is None:
        return out
    for name in ("standard", "warning", "target"):
        line = getattr(threshold, name)
        if line is None:
            continue
        for value in (line.value, line.high) if line.high is not None else (line.value,):
            out.append({"name": LINE_NAMES[name], "value": scale(value, unit), "color": LINE_COLOURS[name]})
    return out


def declaration_or_none(indicator: Indicator):
    try:
        return indicator.declaration(), ""
    except DeclarationError as exc:
        return None, str(exc)


@require_GET
def indicator_detail(request: HttpRequest, code: str) -> HttpResponse:
    scope = measurement_scope(request, or_404=True)
    indicator = get_object_or_404(Indicator, code=code)
    decl, decl_error = declaration_or_none(indicator)
    raw = indicator.raw
    unit = str(raw.get("unit") or "")
    precision = decl.precision if decl else 2
    is_school = indicator.entity == "school"

    periods = selectors.indicator_periods(code)
    period_choices = [(p, selectors.period_label(indicator.period, p)) for p, _s in reversed(periods)]
    starts = dict(periods)
    chosen = request.GET.get("period") or (periods[-1][0] if periods else "")
    if chosen not in starts:
        chosen = periods[-1][0] if periods else ""
    measurements = selectors.period_measurements(code, chosen, scope) if chosen else selectors.history.empty()
    names = selectors.org_unit_names()
    departments = selectors.department_choices(measurements, names)
    form = forms.EntityFilterForm(
        {**request.GET.dict(), "period": chosen}, periods=period_choices, departments=departments
    )
    org_unit = form.value("org_unit")
    sort = form.value("sort") or "outcome"
    rows = selectors.MeasurementRows(
        measurements,
        outcome=form.value("outcome"),
        org_unit=org_unit,
        sort=sort,
        direction=decl.direction if decl else "",
    )
    page = paginate(request, rows)
    tier_colours = selectors.tier_colours(indicator)
    table_context = {
        "indicator": indicator,
        "page": page,
        "unit": unit,
        "precision": precision,
        "names": names,
        "tier_colours": tier_colours,
        "chosen": chosen,
        "is_school": is_school,
        "sort": sort,
    }
    if is_htmx(request) and request.headers.get("HX-Target") == "results":
        response = render(request, "monitoring/_entity_table.html", table_context)
        patch_vary_headers(response, ["HX-Request"])
        return response

    rows_in_period = list(indicator.threshold_rows.all())
    on = starts.get(chosen) or timezone.localdate()
    default_row = threshold_in_force(rows_in_period, "", on) or next(
        (threshold_in_force(rows_in_period, t.group, on) for t in rows_in_period if t.group), None
    )
    hist, counts = selectors.distribution(measurements, org_unit=org_unit)
    charts = {
        "histogram": {
            "unit": unit,
            "integer": hist.integer,
            "bins": [
                {"x0": scale(hist.edges[i], unit), "x1": scale(hist.edges[i + 1], unit), **b}
                for i, b in enumerate(hist.bins)
            ],
            "lines": _lines_json(default_row, unit),
            "colors": OUTCOME_COLORS,
            "labels": dict(Outcome.choices),
        },
    }
    points = selectors.trend(code, scope)
    running = selectors.running_periods(indicator)
    charts["trend"] = {
        "unit": unit,
        "school": is_school,
        "periods": [f"{p.period}（进行中）" if p.period in running else p.period for p in points],
        "median": [scale(p.median, unit) for p in points],
        "failed": [None if p.failed_share is None else round(p.failed_share * 100, 2) for p in points],
        "warn": [None if p.warn_share is None else round(p.warn_share * 100, 2) for p in points],
        "entities": [p.entities for p in points],
        "lines": _lines_json(threshold_in_force(rows_in_period, "", timezone.localdate()), unit) if is_school else [],
        "colors": OUTCOME_COLORS,
    }
    school_value = None
    if is_school and measurements.num_rows:
        school_value = measurements.slice(0, 1).to_pylist()[0]
    in_force, all_rows = selectors.thresholds_by_group(indicator)
    group_labels = dict(forms.group_choices(decl))
    context = {
        **table_context,
        "decl": decl,
        "decl_error": decl_error,
        "raw": raw,
        "form": form,
        "level": indicator.level,
        "level_label": LEVELS.get(indicator.level, indicator.level),
        "system_label": SYSTEMS.get(indicator.system, indicator.system),
        "period_kind_label": PeriodKind(indicator.period).label if indicator.period in PeriodKind.values else "",
        "direction_label": Direction(raw["direction"]).label if raw.get("direction") in Direction.values else "",
        "owner_name": names.get(indicator.owner, indicator.owner),
        "measure_yaml": forms.measure_text(raw),
        "sources": [
            (t, TABLES_BY_NAME[t].label if t in TABLES_BY_NAME else t, table_freshness(t))
            for t in (decl.source_tables if decl else ())
        ],
        "in_force": in_force,
        "threshold_rows": all_rows,
        "in_force_ids": {t.pk for t in in_force},
        "group_labels": group_labels,
        "counts": counts,
        "coverage": _coverage(counts),
        "period_label": selectors.period_label(indicator.period, chosen) if chosen else "",
        "charts": charts,
        "school_value": school_value,
        "chart_threshold": default_row,
        "periods_count": len(periods),
        "can_edit": can_edit(request.user),
        "can_start_runs": can_start_runs(request.user),
    }
    template = "monitoring/_period_section.html" if is_htmx(request) else "monitoring/indicator.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def get_indicator(code: str) -> Indicator:
    try:
        return Indicator.objects.get(code=code)
    except Indicator.DoesNotExist as exc:
        raise Http404("没有这个指标") from exc


def _coverage(counts: dict[str, int]) -> dict:
    """How many of the period's entities have a value (the rest are 无数据), next to the outcome counts."""
    total = sum(counts.values())
    with_data = total - counts.get("no_data", 0)
    share = f"{with_data / total * 100:.1f}".rstrip("0").rstrip(".") if total else "0"
    return {"total": total, "with_data": with_data, "share": share}
