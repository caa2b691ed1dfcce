"""数据源设置: create a source and change its settings (connection, password, schedule) without Django admin."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from zhengai.datacenter import forms, services
from zhengai.datacenter.choices import ConnectorKind
from zhengai.datacenter.connectors import SourceError
from zhengai.datacenter.models import SourceSystem
from zhengai.datacenter.views.access import readers_only, require_operator


def _test_connection(form: forms.SourceForm, source: SourceSystem | None) -> dict:
    """The “测试连接” button: connect with what the form holds (blank password: the saved one)."""
    data = form.data
    try:
        tables = services.source_connection_test(
            url=data.get("url", ""), password=data.get("password", ""),
            password_env=data.get("password_env", "").strip(), source=source,
        )  # fmt: skip
    except SourceError as exc:
        return {"ok": False, "message": str(exc)}
    return {"ok": True, "tables": tables}


def _page(request: HttpRequest, form: forms.SourceForm, source: SourceSystem | None, test: dict | None = None):
    connector = source.connector if source else (form["connector"].value() or ConnectorKind.FILES)
    context = {"form": form, "source": source, "test": test, "is_sql": connector == ConnectorKind.SQL}
    return render(request, "datacenter/source_form.html", context)


@require_http_methods(["GET", "POST"])
@readers_only
def source_new(request: HttpRequest) -> HttpResponse:
    require_operator(request.user)
    if request.method == "GET":
        initial = {"connector": request.GET.get("kind", ConnectorKind.FILES)}
        return _page(request, forms.SourceForm(initial=initial), None)
    form = forms.SourceForm(request.POST)
    if request.POST.get("action") == "test":
        return _page(request, form, None, _test_connection(form, None))
    if form.is_valid():
        fields = form.service_fields()
        fields.pop("clear_password", None)
        try:
            source = services.source_create(
                code=form.cleaned_data["code"], connector=form.cleaned_data["connector"], by=request.user, **fields
            )
        except SourceError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"已新建数据源“{source.name}”。下一步：为它提供的标准数据表配置字段映射。")
            return redirect("datacenter:source_detail", code=source.code)
    return _page(request, form, None)


@require_http_methods(["GET", "POST"])
@readers_only
def source_edit(request: HttpRequest, code: str) -> HttpResponse:
    require_operator(request.user)
    source = get_object_or_404(SourceSystem.objects.select_related("owner_unit"), code=code)
    if request.method == "GET":
        return _page(request, forms.SourceForm(source=source), source)
    form = forms.SourceForm(request.POST, source=source)
    if request.POST.get("action") == "test":
        return _page(request, form, source, _test_connection(form, source))
    if form.is_valid():
        try:
            source = services.source_update(source=source, by=request.user, **form.service_fields())
        except SourceError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"已保存数据源“{source.name}”的设置。")
            return redirect("datacenter:source_detail", code=source.code)
    return _page(request, form, source)
