"""Files without a header: columns referred to by position (第1列, 第2列 …), line numbers as an editor shows them."""

from __future__ import annotations

import re

import pytest
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from zhengai.datacenter import store
from zhengai.datacenter.choices import RunStatus
from zhengai.datacenter.models import SourceMapping, SourceSystem
from zhengai.datacenter.services import import_run_create, import_run_execute
from zhengai.datacenter.standard import table
from zhengai.datacenter.tests.test_views_mapping import form_data, url

BY_POSITION = {"dept_code": "第1列", "dept_name": "第2列", "dept_kind": "第3列"}
ROWS = [
    ["hlx", "护理系", "3", "x"],
    ["jwc", "教务处", "职能处室", "x"],
    ["bad", "坏行", "9", "x"],
    ["xxb", "信息系", "3", "x"],
]


@pytest.fixture
def source(db, data_dir):
    source = SourceSystem.objects.create(code="hr", name="人事导出", connector="files", invalid_policy="commit_valid")
    SourceMapping.objects.create(source=source, table="departments", columns=BY_POSITION, header_row=0)
    return source


def _errors(run) -> list[tuple]:
    book = load_workbook(store.root() / run.error_report, read_only=True)
    return [r[1:3] for r in list(book["错误明细"].iter_rows(values_only=True))[1:]]


def test_a_headerless_gbk_csv_is_read_by_position(source, tmp_path):
    path = tmp_path / "部门_无表头.csv"
    path.write_bytes("\r\n".join(",".join(r) for r in ROWS).encode("gbk") + b"\r\n")
    run = import_run_execute(run=import_run_create(source=source, table="departments", paths=[path]))
    assert run.status == RunStatus.COMMITTED, (run.decision, run.message)
    assert (run.lines_total, run.records_read, run.records_stored, run.records_rejected) == (4, 4, 3, 1)
    assert run.records_read == run.records_stored + run.records_rejected + run.records_unparsed
    assert _errors(run) == [(3, "部门类别（dept_kind）")]  # the first line is data: line 3 is line 3
    assert {r["dept_code"]: r["dept_kind"] for r in store.read_table(table("departments")).to_pylist()} == {
        "hlx": "3", "jwc": "2", "xxb": "3",
    }  # fmt: skip
    assert "没有表头，按列位置" in run.message


def test_a_headerless_xlsx_is_read_by_position(source, tmp_path):
    path = tmp_path / "部门_无表头.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("Sheet1")
    for i, row in enumerate(ROWS):
        sheet.write_row(i, 0, row)
    book.close()
    run = import_run_execute(run=import_run_create(source=source, table="departments", paths=[path]))
    assert (run.records_read, run.records_stored, run.records_rejected) == (4, 3, 1), run.message
    assert _errors(run) == [(3, "部门类别（dept_kind）")]


def test_a_position_the_file_does_not_have_is_named(source, tmp_path):
    SourceMapping.objects.filter(source=source).update(columns={**BY_POSITION, "parent_code": "第7列"})
    path = tmp_path / "部门.csv"
    path.write_bytes("\r\n".join(",".join(r) for r in ROWS).encode("gbk"))
    run = import_run_execute(run=import_run_create(source=source, table="departments", paths=[path]))
    assert run.status == RunStatus.REJECTED
    assert "文件“部门.csv”只有 4 列，映射要用的第7列不存在" in run.message


def test_the_editor_maps_a_headerless_sample_by_position(client_for, source):
    client = client_for("it")
    body = "\r\n".join(",".join(r) for r in ROWS).encode("gbk")
    page = client.post(
        url(source), {"action": "sample", "sample": SimpleUploadedFile("部门.csv", body)}
    ).content.decode()
    data = form_data(page)
    data.update(action="preview", no_header="on", col_dept_code="", col_dept_name="", col_dept_kind="",
                col_parent_code="")  # fmt: skip
    page = client.post(url(source), data).content.decode()
    assert '<option value="第2列">第2列（如 护理系）</option>' in page
    data.update(col_dept_code="第1列", col_dept_name="第2列", col_dept_kind="第3列")
    preview = client.post(url(source), data).content.decode()
    preview = preview[preview.index('id="preview"') :]
    assert "4 行中 1 行有问题" in preview and "护理系" in preview
    data.update(action="save")
    assert client.post(url(source), data).status_code == 302
    mapping = SourceMapping.objects.get(source=source)
    assert mapping.header_row == 0 and mapping.columns["dept_name"] == "第2列"
    saved = client.get(url(source)).content.decode()
    assert re.search(r'<input type="checkbox" name="no_header"[^>]*checked', saved)  # shown as saved
