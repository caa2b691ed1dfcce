"""我的预警 and 部门预警: the same filtered, sortable table with a bulk action."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from zhengai.accounts.choices import Role
from zhengai.alerts import forms, selectors
from zhengai.alerts.services import alerts_bulk
from zhengai.alerts.views.access import may_bulk
from zhengai.alerts.views.presentation import badges
from zhengai.lib import clock
from zhengai.lib.web import is_htmx, paginate
from zhengai.org.models import OrgUnit

# A bulk refusal names each alert; past this many the message says how many more.
REFUSALS_SHOWN = 10


def _listing(request: HttpRequest, alerts, *, title: str, list_url: str, unit: OrgUnit | None = None) -> HttpResponse:
    college_wide = selectors.sees_everything(request.user)
    form = forms.AlertFilterForm(
        request.GET,
        indicators=selectors.indicator_choices(alerts),
        tiers=selectors.tier_choices(alerts),
        units=selectors.unit_choices(alerts) if college_wide and unit is None else None,
        personal=college_wide or unit is not None or request.user.role == Role.DEPARTMENT_HEAD,
    )
    filters = {**form.filters(), "user": request.user}
    now = clock.now()
    page = paginate(request, selectors.filter_alerts(alerts, filters, now=now))
    context = {
        "title": title,
        "unit": unit,
        "form": form,
        "filters": filters,
        "filtered": form.is_filtered(),
        "page": page,
        "now": now,
        "list_url": list_url,
        "can_bulk": may_bulk(request.user),
        "bulk_form": forms.BulkActionForm(),
        "sorts": selectors.SORTS,
        "is_student": request.user.role == Role.STUDENT,
        "scope_label": "全校" if college_wide else request.scope.label,
        "college_wide": college_wide,
        "own_unit": request.user.org_unit if request.user.role == Role.DEPARTMENT_HEAD else None,
        **badges(),
    }
    template = "alerts/_table.html" if is_htmx(request) else "alerts/list.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    """我的预警: every alert the user can see and act on."""
    alerts = selectors.visible_alerts(request.user, request.scope)
    return _listing(request, alerts, title="我的预警", list_url=reverse("alerts:mine"))


@require_GET
def unit(request: HttpRequest, code: str) -> HttpResponse:
    """部门预警: one unit's alerts, for its head and the college-wide roles."""
    org_unit = get_object_or_404(OrgUnit, code=code)
    if not selectors.can_read_unit(request.user, request.scope, org_unit):
        raise Http404("没有找到该部门，或不在您的数据范围内")
    alerts = selectors.unit_alerts(org_unit)
    return _listing(
        request,
        alerts,
        title=f"{org_unit.short_name or org_unit.name} · 部门预警",
        list_url=reverse("alerts:unit", args=[code]),
        unit=org_unit,
    )


def matching(request: HttpRequest, visible, back: str):
    """Everything the list at `back` shows with its filters (every page of it), within what the user sees."""
    query = QueryDict(urlsplit(back).query)
    path = urlsplit(back).path
    alerts = visible
    try:
        match = resolve(path)
    except Resolver404:
        match = None
    if match is not None and match.view_name == "alerts:unit":
        alerts = visible & selectors.unit_alerts(get_object_or_404(OrgUnit, code=match.kwargs["code"]))
    form = forms.AlertFilterForm(query, indicators=selectors.indicator_choices(alerts),
                                 tiers=selectors.tier_choices(alerts), units=selectors.unit_choices(alerts),
                                 personal=True)  # fmt: skip
    return selectors.filter_alerts(alerts, {**form.filters(), "user": request.user}).order_by("pk")


def _back(request: HttpRequest, target: str) -> str:
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("alerts:mine")


@require_POST
def bulk(request: HttpRequest) -> HttpResponse:
    """One action and one note for the ticked alerts; each is done or refused on its own."""
    visible = selectors.visible_alerts(request.user, request.scope)
    ticked = [int(i) for i in request.POST.getlist("ids") if i.isdigit()]
    known = list(visible.filter(pk__in=ticked).values_list("pk", flat=True))
    form = forms.BulkActionForm(request.POST, ids=known)
    back = _back(request, request.POST.get("next", ""))
    if not may_bulk(request.user):
        messages.error(request, "您的账号不能处理预警")
        return redirect(back)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    action = form.cleaned_data["action"]
    label = dict(forms.BulkActionForm.ACTIONS)[action]
    if form.cleaned_data.get("target") == "filter":
        chosen = matching(request, visible, back)
    else:
        chosen = visible.filter(pk__in=form.cleaned_data["ids"]).select_related("indicator").order_by("pk")
    done, refused = alerts_bulk(alerts=chosen, action=action, by=request.user, note=form.cleaned_data["note"])
    if done:
        messages.success(request, f"批量{label}：已完成 {done} 项。")
    if refused:
        shown = "；".join(refused[:REFUSALS_SHOWN])
        more = f"；另有 {len(refused) - REFUSALS_SHOWN} 项未处理" if len(refused) > REFUSALS_SHOWN else ""
        messages.warning(request, f"批量{label}：{len(refused)} 项未处理 — {shown}{more}")
    return redirect(back)
