"""Setting up a source from the command line on a fresh install, and importing a file whose header
names the standard fields without a saved mapping."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from zhengai.audit.models import AuditRecord
from zhengai.datacenter import store
from zhengai.datacenter.models import SourceSystem
from zhengai.org.models import OrgUnit

pytestmark = pytest.mark.django_db


def _run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_a_source_added_on_a_fresh_install_imports_a_file_with_standard_headers(tmp_path):
    assert not OrgUnit.objects.exists()  # nothing set up yet
    said = _run("source", "add", "renshi", "--kind", "file", "--name", "人事系统")
    assert "已新建数据源 renshi（人事系统" in said
    source = SourceSystem.objects.get(code="renshi")
    assert source.owner_unit is None and not source.mappings.exists()
    assert AuditRecord.objects.filter(action="新建数据源").count() == 1
    assert "renshi\t人事系统" in _run("source", "list")

    csv = tmp_path / "部门.csv"
    csv.write_bytes("dept_code,dept_name,dept_kind\r\njwc,教务处,2\r\nhlx,护理系,3\r\n".encode("gbk"))
    said = _run("import", "renshi", str(csv), "--table", "departments")
    assert "已入库" in said or "入库" in said, said
    assert store.current_version("departments").row_count == 2
    assert set(OrgUnit.objects.values_list("code", flat=True)) >= {"jwc", "hlx"}
    assert not source.mappings.exists()  # read by the field names; no mapping was saved

    _run("source", "add", "jiaowu", "--kind", "sql", "--unit", "jwc")
    assert SourceSystem.objects.get(code="jiaowu").owner_unit.code == "jwc"


@pytest.mark.parametrize(
    "args, message",
    [
        (["教务"], "数据源代码“教务”不合规"),
        (["renshi", "--kind", "ftp"], "接入方式“ftp”不认识"),
        (["renshi", "--unit", "xyz"], "没有代码为“xyz”的部门"),
        (["new"], "数据源代码“new”是页面地址保留字"),
        (["renshi", "--kind", "file", "--url", "sqlite:///a.sqlite"], "不是数据库方式，不需要数据库地址和密码"),
        (["tushu", "--kind", "sql", "--schedule-minutes", "-1"], "同步周期（分钟）“-1”超出范围"),
    ],
)
def test_source_add_refuses_bad_input_in_chinese(args, message):
    with pytest.raises(CommandError, match=message):
        _run("source", "add", *args)
    assert not SourceSystem.objects.exists()


def test_a_second_source_with_the_same_code_is_refused():
    _run("source", "add", "renshi")
    with pytest.raises(CommandError, match="已有代码为“renshi”的数据源"):
        _run("source", "add", "renshi")


def test_without_a_mapping_optional_fields_may_be_absent_and_are_kept_when_present(tmp_path):
    import xlsxwriter

    _run("source", "add", "renshi")
    book = tmp_path / "部门.xlsx"
    wb = xlsxwriter.Workbook(str(book))
    ws = wb.add_worksheet("部门")
    for r, row in enumerate([["dept_code", "dept_name", "dept_kind", "parent_code", "备注"],
                             ["jwc", "教务处", "2", "", "x"], ["hlx", "护理系", "3", "jwc", ""]]):  # fmt: skip
        ws.write_row(r, 0, row)
    wb.close()
    said = _run("import", "renshi", str(book), "--table", "departments")
    assert "已入库" in said or "入库" in said, said
    from zhengai.datacenter.standard import TABLES_BY_NAME

    rows = {r["dept_code"]: r for r in store.read_table(TABLES_BY_NAME["departments"]).to_pylist()}
    assert rows["hlx"]["parent_code"] == "jwc" and rows["jwc"]["parent_code"] is None  # kept, not dropped
    missing_required = tmp_path / "部门2.csv"
    missing_required.write_text("dept_code,parent_code\nyxx,jwc\n", encoding="utf-8")
    with pytest.raises(SystemExit):
        _run("import", "renshi", str(missing_required), "--table", "departments")
