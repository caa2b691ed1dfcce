"""采集批次: the list, one run's page (polled while it runs), its error report and raw files, retry."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_POST

from zhengai.datacenter import forms, selectors, services, standard
from zhengai.datacenter.choices import RunStatus
from zhengai.datacenter.models import ImportRun
from zhengai.datacenter.views.access import can_operate, readers_only, require_operator
from zhengai.datacenter.views.sources import enqueue
from zhengai.lib.web import is_htmx, paginate


@require_GET
@readers_only
def runs(request: HttpRequest) -> HttpResponse:
    """采集批次: every run, newest first, filtered by source, table and status."""
    form = forms.RunFilterForm(request.GET, tables=selectors.run_tables())
    filters = form.filters()
    page = paginate(request, selectors.runs_search(**filters))
    context = {
        "form": form,
        "page": page,
        "list_url": reverse("datacenter:runs"),
        "empty_title": "没有符合条件的批次" if filters else "",
    }
    template = "datacenter/_runs_table.html" if is_htmx(request) else "datacenter/runs.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _run_live_context(run: ImportRun, user) -> dict:
    finished = run.status in RunStatus.finished()
    errors, error_total = selectors.run_errors(run) if finished else ([], 0)
    return {
        "run": run,
        "finished": finished,
        # A finished run is done, whatever its last progress report said (a roster run reports
        # its registry sync after it has committed).
        "progress": 100 if finished else run.progress,
        "text": selectors.run_text(run),
        "errors": errors,
        "error_total": error_total,
        "has_report": finished and selectors.run_report_path(run) is not None,
        "versions": selectors.run_versions(run) if finished else [],
        "table": standard.TABLES_BY_NAME.get(run.table),
        "can_operate": can_operate(user),
    }


def _get_run(pk: int) -> ImportRun:
    return get_object_or_404(ImportRun.objects.select_related("source", "created_by"), pk=pk)


@require_GET
@readers_only
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = _get_run(pk)
    context = {
        **_run_live_context(run, request.user),
        "files": [(i, f) for i, f in enumerate(run.files)],
        "can_retry": run.status == RunStatus.FAILED,
    }
    return render(request, "datacenter/run_detail.html", context)


@require_GET
@readers_only
def run_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The live part of the run page; htmx polls it every second until the run has finished."""
    run = _get_run(pk)
    return render(request, "datacenter/_run_live.html", _run_live_context(run, request.user))


@require_GET
@readers_only
def run_report(request: HttpRequest, pk: int) -> FileResponse:
    run = _get_run(pk)
    path = selectors.run_report_path(run)
    if path is None:
        raise Http404("该批次没有错误报告")
    return FileResponse(open(path, "rb"), as_attachment=True, filename=path.name)


@require_GET
@readers_only
def run_file(request: HttpRequest, pk: int, index: int) -> FileResponse:
    """One raw file of a run, from the archive, under the name it was uploaded with."""
    found = selectors.run_file_path(_get_run(pk), index)
    if found is None:
        raise Http404("原始文件不存在")
    path, name = found
    return FileResponse(open(path, "rb"), as_attachment=True, filename=name)


def _requeue(request: HttpRequest, pk: int, action, done: str) -> HttpResponse:
    """Put a run back in the queue through `action` (a service); say what happened on its page."""
    require_operator(request.user)
    run = _get_run(pk)
    try:
        run = action(run=run, by=request.user)
    except ValueError as exc:
        messages.error(request, str(exc))
    else:
        enqueue(run)
        messages.success(request, done.format(pk=run.pk))
    return redirect("datacenter:run_detail", pk=run.pk)


@require_POST
@readers_only
def run_retry(request: HttpRequest, pk: int) -> HttpResponse:
    return _requeue(request, pk, services.import_run_retry, "批次 #{pk} 已重新排队处理。")


@require_POST
@readers_only
def run_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """确认替换并入库: a held roster batch goes back in the queue, confirmed."""
    return _requeue(request, pk, services.import_run_confirm, "已确认批次 #{pk}，正在入库。")
