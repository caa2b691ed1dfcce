"""Row filters on a mapping: rows left out are counted, and read = stored + rejected + unparsed + filtered."""

from __future__ import annotations

import io

import pytest
import xlsxwriter
from django.core.management import call_command
from django.urls import reverse

from zhengai.datacenter import store
from zhengai.datacenter.choices import RunStatus
from zhengai.datacenter.models import SourceMapping, SourceSystem
from zhengai.datacenter.rowfilters import FilterError, format_filters, parse_filters
from zhengai.datacenter.services import import_run_create, import_run_execute
from zhengai.datacenter.standard import table

COLUMNS = {"dept_code": "部门代码", "dept_name": "部门名称", "dept_kind": "部门类别", "parent_code": "上级部门"}
HEAD = ["部门代码", "部门名称", "部门类别", "上级部门", "状态", "编制"]
ROWS = [
    ["hlx", "护理系", "3", "", "在用", "40"],
    ["jwc", "教务处", "2", "", "在用", "12"],
    ["old", "旧系部", "3", "", "撤销", "0"],
    ["tmp", "临时办", "2", "", "在用", "3"],
    ["T01", "测试部门", "2", "", "在用", "20"],
    ["xxb", "信息系", "系部?", "", "在用", "30"],  # a bad code: rejected, not filtered
]


def gbk_csv(path, rows=ROWS):
    path.write_bytes("\r\n".join(",".join(r) for r in [HEAD, *rows]).encode("gbk") + b"\r\n")
    return path


def xlsx(path, rows=ROWS):
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("部门")
    for i, row in enumerate([HEAD, *rows]):
        sheet.write_row(i, 0, row)
    book.close()
    return path


@pytest.fixture
def source(db, data_dir):
    source = SourceSystem.objects.create(
        code="renshi", name="人事系统", connector="files", invalid_policy="commit_valid"
    )
    filters = parse_filters("排除 状态 等于 撤销\n只取 编制 介于 5~\n排除 部门代码 匹配 ^T\\d+$")
    SourceMapping.objects.create(source=source, table="departments", columns=COLUMNS, filters=filters)
    return source


def test_filters_are_written_and_read_back_in_words():
    text = "只取 读者类型 等于 学生\n排除 学籍状态 属于 毕业,退学\n只取 年龄 介于 16~30\n排除 学号 匹配 ^T"
    filters = parse_filters(text)
    assert filters[1] == {"mode": "exclude", "column": "学籍状态", "op": "in", "value": ["毕业", "退学"]}
    assert filters[2]["value"] == [16.0, 30.0]
    assert format_filters(filters) == text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("排除 状态", "第 1 行：“排除 状态”应写成"),
        ("\n只取 年龄 介于 30~16", "第 2 行：“只取 年龄 介于 30~16”：下限 30 大于上限 16"),
        ("只取 年龄 介于 大约二十", "“介于”后面写“下限~上限”"),
        ("排除 学号 匹配 (T", "正则表达式“(T”写法有误"),
    ],
)
def test_a_filter_that_cannot_be_used_is_refused_naming_its_line(text, message):
    with pytest.raises(FilterError, match=message.replace("(", r"\(")):
        parse_filters(text)


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_filtered_rows_are_counted_not_lost(source, tmp_path, kind):
    path = gbk_csv(tmp_path / "部门.csv") if kind == "csv" else xlsx(tmp_path / "部门.xlsx")
    run = import_run_execute(run=import_run_create(source=source, table="departments", paths=[path]))
    assert run.status == RunStatus.COMMITTED, (run.decision, run.message)
    # old: 撤销; tmp: 编制 3 < 5; T01: matches ^T\d+$. xxb: stored? no: its 部门类别 is no code.
    assert (run.records_read, run.records_stored, run.records_rejected, run.records_unparsed, run.records_filtered) == (
        6, 2, 1, 0, 3,
    )  # fmt: skip
    assert run.records_read == run.records_stored + run.records_rejected + run.records_unparsed + run.records_filtered
    assert run.rows_invalid == 1
    assert sorted(r["dept_code"] for r in store.read_table(table("departments")).to_pylist()) == ["hlx", "jwc"]
    assert "未取 3 行（第 4、5、6 行）" in run.message  # physical line numbers (header is line 1)
    assert run.records_line.endswith("rejected 1, unparsed 0, filtered 3")


def test_the_batch_page_shows_the_filtered_records(source, tmp_path, client_for):
    run = import_run_execute(
        run=import_run_create(source=source, table="departments", paths=[gbk_csv(tmp_path / "部门.csv")])
    )
    page = client_for("it").get(reverse("datacenter:run_detail", args=[run.pk])).content.decode()
    assert "筛选掉（按映射的行筛选条件未取） 3" in page


def test_a_batch_whose_every_row_is_filtered_out_is_refused(source, tmp_path):
    path = gbk_csv(tmp_path / "部门.csv", [r for r in ROWS if r[4] == "撤销"])
    run = import_run_execute(run=import_run_create(source=source, table="departments", paths=[path]))
    assert run.status == RunStatus.REJECTED
    assert "全部未取" in run.decision
    assert (run.records_read, run.records_filtered, run.records_rejected) == (1, 1, 0)
    assert store.current_version("departments") is None


def test_the_cli_records_line_names_filtered_only_when_rows_were_filtered(source, tmp_path):
    out = io.StringIO()
    call_command("import", "renshi", str(gbk_csv(tmp_path / "部门.csv")), "--table", "departments", stdout=out)
    assert out.getvalue().strip().splitlines()[-1] == (
        "records: lines 7, read 6, stored 2, rejected 1, unparsed 0, filtered 3"
    )
    SourceMapping.objects.filter(source=source).update(filters=[])
    out = io.StringIO()
    path = gbk_csv(tmp_path / "部门2.csv", ROWS[:2])
    call_command("import", "renshi", str(path), "--table", "departments", stdout=out)
    assert out.getvalue().strip().splitlines()[-1] == "records: lines 3, read 2, stored 2, rejected 0, unparsed 0"
