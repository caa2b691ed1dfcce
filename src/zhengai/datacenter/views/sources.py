"""数据源: the list, one source's page, file uploads and database syncs."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from zhengai.datacenter import forms, secrets, selectors, services, standard
from zhengai.datacenter.choices import ConnectorKind
from zhengai.datacenter.connectors import SourceError
from zhengai.datacenter.models import ImportRun, SourceSystem
from zhengai.datacenter.tasks import import_run_task, source_sync_task
from zhengai.datacenter.views.access import can_operate, readers_only, require_operator


@require_GET
@readers_only
def sources(request: HttpRequest) -> HttpResponse:
    """数据源: every source system, what it feeds and how current its data is."""
    rows = selectors.sources_overview()
    context = {
        "rows": rows,
        "can_operate": can_operate(request.user),
        "healthy": sum(1 for r in rows if r.healthy),
        "unhealthy": sum(1 for r in rows if not r.healthy),
    }
    return render(request, "datacenter/sources.html", context)


def _source_context(request: HttpRequest, source: SourceSystem, upload_form: forms.UploadForm | None = None) -> dict:
    feeds = selectors.feeds(source=source)
    mapped = {f.mapping.table for f in feeds}
    return {
        "source": source,
        "feeds": feeds,
        "summary": selectors.SourceRow(source, feeds),
        "runs": selectors.runs_search(source=source)[:10],
        "run_count": selectors.runs_search(source=source).count(),
        "upload_form": upload_form or forms.UploadForm(source=source),
        "unmapped_tables": [t for t in standard.TABLES if t.name not in mapped],
        "can_operate": can_operate(request.user),
        "accepts_files": source.connector == ConnectorKind.FILES,
        "is_sql": source.connector == ConnectorKind.SQL,
        "db_url": secrets.mask((source.config or {}).get("url", "")),
        "password_state": secrets.password_state(source) if source.connector == ConnectorKind.SQL else "",
    }


@require_GET
@readers_only
def mapping_new(request: HttpRequest, code: str) -> HttpResponse:
    """The “new mapping” picker on the source page: go to the editor of the chosen table."""
    source = get_object_or_404(SourceSystem, code=code)
    table = request.GET.get("table", "")
    if table not in standard.TABLES_BY_NAME:
        raise Http404("没有这张标准数据表")
    return redirect("datacenter:mapping_edit", code=source.code, table=table)


@require_GET
@readers_only
def source_detail(request: HttpRequest, code: str) -> HttpResponse:
    source = get_object_or_404(SourceSystem.objects.select_related("owner_unit"), code=code)
    return render(request, "datacenter/source_detail.html", _source_context(request, source))


def safe_name(name: str, taken: set[str]) -> str:
    """The upload's own file name (clerks recognise it in error reports), made safe and unique."""
    base = Path(name.replace("\\", "/")).name.strip().lstrip(".") or "上传文件"
    stem, suffix = Path(base).stem or "上传文件", Path(base).suffix
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{stem}（{n}）{suffix}"
    taken.add(candidate)
    return candidate


def enqueue(run: ImportRun) -> None:
    # The run row is committed by now (import_run_create is atomic), so a worker can claim it.
    import_run_task.enqueue(run.pk)


@require_POST
@readers_only
def source_upload(request: HttpRequest, code: str) -> HttpResponse:
    """Save the uploaded files to a temporary folder, register a run (it archives them) and queue it."""
    require_operator(request.user)
    source = get_object_or_404(SourceSystem, code=code)
    if source.connector == ConnectorKind.SQL:
        messages.error(request, f"数据源“{source.name}”从数据库读取，不接收上传的文件。")
        return redirect("datacenter:source_detail", code=source.code)
    form = forms.UploadForm(request.POST, request.FILES, source=source)
    if form.is_valid():
        data = form.cleaned_data
        try:
            with tempfile.TemporaryDirectory(prefix="zhengai-upload-") as folder:
                paths, taken = [], set()
                for upload in data["files"]:
                    path = Path(folder) / safe_name(upload.name, taken)
                    with open(path, "wb") as fh:
                        for block in upload.chunks():
                            fh.write(block)
                    paths.append(path)
                run = services.import_run_create(
                    source=source, table=data["table"], paths=paths, by=request.user,
                    dry_run=data["dry_run"], snapshot_date=data["snapshot_date"],
                    confirm_removal=data["confirm_removal"],
                )  # fmt: skip
        except SourceError as exc:
            form.add_error(None, str(exc))
        else:
            enqueue(run)
            return redirect("datacenter:run_detail", pk=run.pk)
    context = _source_context(request, source, upload_form=form)
    return render(request, "datacenter/source_detail.html", context)


@require_POST
@readers_only
def source_sync(request: HttpRequest, code: str) -> HttpResponse:
    """Sync a database source now instead of waiting for its schedule (in the background)."""
    require_operator(request.user)
    source = get_object_or_404(SourceSystem, code=code)
    if source.connector != ConnectorKind.SQL:
        raise Http404("该数据源不是数据库方式")
    source_sync_task.enqueue(source.pk)
    messages.success(request, f"已开始同步“{source.name}”，每张表的批次会陆续出现在下面的列表中。")
    return redirect(f"{reverse('datacenter:runs')}?source={source.code}")
