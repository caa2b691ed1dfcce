"""The mapping editor: sample file → suggested columns → preview of the first rows → audited save."""

from __future__ import annotations

import json
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from zhengai.datacenter import forms, selectors, standard
from zhengai.datacenter.connectors import SourceError
from zhengai.datacenter.connectors.files.header import NO_HEADER
from zhengai.datacenter.fieldops import OperationError, read_lookup_file
from zhengai.datacenter.mapping import suggest
from zhengai.datacenter.models import SourceMapping, SourceSystem
from zhengai.datacenter.services import source_mapping_save
from zhengai.datacenter.views.access import can_operate, readers_only, require_operator
from zhengai.datacenter.views.sources import safe_name

SAMPLE_KEEP_SECONDS = 24 * 3600


def _samples_dir() -> Path:
    path = Path(settings.DATA_DIR) / "datacenter" / "samples"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _sample_save(upload) -> tuple[str, str]:
    """Keep an uploaded sample for the editor's later requests; remove samples older than a day."""
    base = _samples_dir()
    cutoff = time.time() - SAMPLE_KEEP_SECONDS
    for old in base.iterdir():
        if old.is_dir() and old.stat().st_mtime < cutoff:
            shutil.rmtree(old, ignore_errors=True)
    token = uuid.uuid4().hex
    name = safe_name(upload.name, set())
    folder = base / token
    folder.mkdir()
    with open(folder / name, "wb") as fh:
        for block in upload.chunks():
            fh.write(block)
    return token, name


def _sample_path(token: str, name: str) -> Path | None:
    if not token or not name:
        return None
    path = _samples_dir() / token / Path(name).name
    return path if path.is_file() else None


@dataclass
class _Editor:
    """The state of one mapping-editor request, rendered by mapping_edit.html."""

    source: SourceSystem
    table: standard.StandardTable
    mapping: SourceMapping | None
    form: forms.MappingForm | None = None
    sample_form: forms.SampleForm | None = None
    sample_name: str = ""
    header: selectors.SampleHeader | None = None
    preview: selectors.Preview | None = None
    problem: str = ""

    @property
    def saved_columns(self) -> list[str]:
        return list((self.mapping.columns if self.mapping else {}).values())

    lookup_table: dict | None = None
    lookup_token: str = ""

    def make_form(self, data=None, *, initial=None, suggested=frozenset(), files=None) -> forms.MappingForm:
        """The editor form; source columns come from the sample when there is one, else the saved mapping."""
        examples: dict[str, str] = {}
        if self.header is not None:
            columns, missing, sheets = self.header.columns, self.saved_columns, self.header.sheets
            examples = self.header.examples
        else:
            columns, missing, sheets = self.saved_columns, [], []
        return forms.MappingForm(
            data, files, initial=initial, table=self.table, source=self.source, columns=columns,
            missing_columns=missing, suggested=suggested, sheets=sheets, examples=examples,
            lookup_table=self.lookup_table if self.lookup_table is not None else (
                self.mapping.lookup_table if self.mapping else {}),
        )  # fmt: skip

    def read_sample(self, path: Path, **options) -> None:
        try:
            self.header = selectors.sample_header(self.table, path, name=self.sample_name, **options)
        except SourceError as exc:
            self.problem = str(exc)


def _editor_sample(request: HttpRequest, editor: _Editor) -> None:
    """A sample was uploaded: read its header and suggest a column for every field."""
    editor.sample_form = forms.SampleForm(request.POST, request.FILES)
    token = ""
    if editor.sample_form.is_valid():
        token, editor.sample_name = _sample_save(editor.sample_form.cleaned_data["sample"])
        editor.read_sample(_sample_path(token, editor.sample_name))
    header = editor.header
    suggestion = suggest(editor.table, header.columns) if header else {}
    initial, suggested = forms.mapping_initial(
        editor.mapping, table=editor.table, columns=header.columns if header else None, suggestion=suggestion
    )
    if header:
        initial.update(header_row=header.header_row, sample=token, sample_name=editor.sample_name)
        if header.sheet and not initial.get("sheet"):
            initial["sheet"] = header.sheet
        notice = f"，{header.notices[0]}" if header.notices else ""
        hint = f"；按列名建议了 {len(suggested)} 个字段的对应，请逐一核对" if suggested else ""
        messages.info(request, f"已读取样例“{editor.sample_name}”：{len(header.columns)} 列{notice}{hint}")
    editor.form = editor.make_form(initial=initial, suggested=suggested)


def _editor_lookup(request: HttpRequest, editor: _Editor) -> str:
    """An uploaded lookup table is read once and kept by token between preview and save; returns a problem."""
    upload = request.FILES.get("lookup_file")
    token = request.POST.get("lookup_token", "")
    if upload is not None:
        token, name = _sample_save(upload)
        try:
            editor.lookup_table = read_lookup_file(_sample_path(token, name), name=upload.name)
        except OperationError as exc:
            return str(exc)
        (_samples_dir() / token / "lookup.json").write_text(json.dumps(editor.lookup_table, ensure_ascii=False))
        editor.lookup_token = token
    elif forms.SAMPLE_TOKEN.match(token) and (_samples_dir() / token / "lookup.json").is_file():
        editor.lookup_table = json.loads((_samples_dir() / token / "lookup.json").read_text())
        editor.lookup_token = token
    return ""


def _editor_submit(request: HttpRequest, editor: _Editor, action: str) -> bool:
    """预览 or 保存. Returns True when the mapping was saved."""
    token, editor.sample_name = request.POST.get("sample", ""), request.POST.get("sample_name", "")
    path = _sample_path(token, editor.sample_name) if forms.SAMPLE_TOKEN.match(token or "") else None
    if path is not None:
        try:
            header_row = max(1, int(request.POST.get("header_row") or 1))
        except ValueError:
            header_row = 1
        if request.POST.get("no_header"):
            header_row = NO_HEADER
        editor.read_sample(path, header_row=header_row, sheet=request.POST.get("sheet") or None)
    problem = _editor_lookup(request, editor)
    data = request.POST.copy()
    data["lookup_token"] = editor.lookup_token
    form = editor.form = editor.make_form(data, files=request.FILES)
    if problem:
        form.add_error("lookup_file", problem)
    if not form.is_valid():
        return False
    try:
        spec = form.spec()
    except ValueError as exc:
        form.add_error(None, str(exc))
        return False
    values = form.mapping_values()
    if action == "preview":
        if path is None:
            editor.problem = "请先上传样例文件，再预览"
        else:
            sheet = form.cleaned_data.get("sheet") or None
            editor.preview = selectors.mapping_preview(
                editor.table, spec, path, name=editor.sample_name, header_row=values["header_row"], sheet=sheet
            )
        return False
    if not form.check_complete():
        return False
    source_mapping_save(source=editor.source, table=editor.table.name, values=values, by=request.user)
    return True


@require_http_methods(["GET", "POST"])
@readers_only
def mapping_edit(request: HttpRequest, code: str, table: str) -> HttpResponse:
    """Mapping editor: sample file → suggested columns → preview of the first rows → save."""
    source = get_object_or_404(SourceSystem, code=code)
    if table not in standard.TABLES_BY_NAME:
        raise Http404("没有这张标准数据表")
    editor = _Editor(source, standard.table(table), source.mappings.filter(table=table).first())
    editable = can_operate(request.user)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    if request.method == "POST":
        require_operator(request.user)
    if action == "sample":
        _editor_sample(request, editor)
    elif action in ("preview", "save"):
        if _editor_submit(request, editor, action):
            messages.success(request, f"已保存“{source.name} → {editor.table.label}”的字段映射。")
            return redirect("datacenter:source_detail", code=source.code)
    else:
        initial, _ = forms.mapping_initial(editor.mapping, table=editor.table, columns=None, suggestion={})
        editor.form = editor.make_form(initial=initial)
    form = editor.form
    if not editable:
        for form_field in form.fields.values():
            form_field.disabled = True
    context = {
        "source": source,
        "table": editor.table,
        "mapping": editor.mapping,
        "form": form,
        "rows": form.field_rows(),
        "sample_form": editor.sample_form or forms.SampleForm(),
        "sample_name": editor.sample_name,
        "header": editor.header,
        "preview": editor.preview,
        "problem": editor.problem,
        "editable": editable,
        "sheets": form.sheets,
        "lookup_table": form.lookup_table,
    }
    return render(request, "datacenter/mapping_edit.html", context)
