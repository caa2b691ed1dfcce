"""Field operations through the real import: concatenate, split, stable ids, relative days, lookups, labels."""

from __future__ import annotations

import re

import pytest
import xlsxwriter
from openpyxl import load_workbook

from zhengai.datacenter import store
from zhengai.datacenter.choices import RunStatus
from zhengai.datacenter.fieldops import OperationError, format_operation, parse_operation
from zhengai.datacenter.models import SourceMapping, SourceSystem
from zhengai.datacenter.services import import_run_create, import_run_execute
from zhengai.datacenter.standard import table

TEACHERS = table("teachers")
FIXED = {"gender": "女", "category": "校内专任教师", "title_level": "中级", "degree": "硕士", "education": "研究生",
         "dual_qualified": "是"}  # fmt: skip
HEAD = ["身份证号", "姓", "名", "所在部门", "入职第几天"]
ROWS = [
    ["110101199001011234", "王", "芳", "护理系-护理教研室", "第3天"],
    ["110101199202022345", "李", "静", "教务处-教务科", "10"],
    ["110101199303033456", "赵", "敏", "后勤处-总务科", "5"],  # 后勤处 is no department: a rejected row
]


def gbk_csv(path, rows=ROWS):
    path.write_bytes("\r\n".join(",".join(r) for r in [HEAD, *rows]).encode("gbk") + b"\r\n")
    return path


def xlsx(path, rows=ROWS):
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("教师")
    for i, row in enumerate([HEAD, *rows]):
        sheet.write_row(i, 0, row)
    book.close()
    return path


def op(text: str, field: str = "name") -> dict:
    return parse_operation(text, TEACHERS.field(field))


def _errors(run) -> list[tuple]:
    book = load_workbook(store.root() / run.error_report, read_only=True)
    return [r[1:5] for r in list(book["错误明细"].iter_rows(values_only=True))[1:]]


@pytest.fixture
def source(db, data_dir, tmp_path):
    source = SourceSystem.objects.create(code="hr", name="人事", connector="files", invalid_policy="commit_valid")
    SourceMapping.objects.create(source=source, table="departments", order=1, columns={
        "dept_code": "部门代码", "dept_name": "部门名称", "dept_kind": "部门类别"})  # fmt: skip
    depts = tmp_path / "部门.csv"
    depts.write_bytes("部门代码,部门名称,部门类别\r\nhlx,护理系,3\r\njwc,教务处,2\r\n".encode("gbk"))
    assert import_run_execute(run=import_run_create(source=source, table="departments", paths=[depts])).status == (
        RunStatus.COMMITTED
    )
    operations = {
        "staff_no": op("编号 身份证号 前缀 T", "staff_no"),
        "name": op("拼接 姓+名"),
        "dept_code": op("查表 部门 在 departments.dept_name 取 dept_code", "dept_code"),
        "title_name": op("拆分 所在部门 用 - 取 2", "title_name"),
        "hire_date": op("日期 2024-09-01 加 入职第几天", "hire_date"),
    }
    # 部门: the part before "-" of 所在部门, looked up by name.
    operations["dept_code"]["column"] = "部门"
    SourceMapping.objects.create(
        source=source,
        table="teachers",
        order=2,
        columns={},
        fixed_values=FIXED,
        operations={**operations, "employer": op("拆分 所在部门 用 - 取 1", "employer")},
    )
    return source


def test_operations_are_written_and_read_back_in_words():
    texts = ["拼接 姓+名 用 空格", "拆分 专业班级 用 - 取 2", "编号 学号+日期 前缀 R", "日期 2024-09-01 加 第几天",
             "查表 卡号 在 card_transactions.card_no 取 student_no", "查表 卡号 在 对照表", "拼接 省+市"]  # fmt: skip
    for text in texts:
        assert format_operation(op(text)) == text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("相加 A+B", "“相加 A+B”看不懂；可以写"),
        ("日期 2024-02-30 加 天数", "起始日期“2024-02-30”不是有效日期"),
        ("查表 卡号 在 cards.no 取 sno", "没有标准数据表“cards”"),
        ("查表 卡号 在 students.wechat_id 取 student_no", "标准表“学生”（students）没有字段“wechat_id”"),
        ("拆分 A 用 - 取 0", "段号从 1 开始"),
    ],
)
def test_an_operation_that_cannot_be_used_is_refused_in_chinese(text, message):
    with pytest.raises(OperationError, match=re.escape(message)):
        op(text)


def _teachers() -> dict[str, dict]:
    return {r["name"]: r for r in store.read_table(TEACHERS).to_pylist()}


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_computed_fields_land_and_an_unmatched_lookup_is_rejected_naming_the_value(source, tmp_path, kind):
    # The department name is the part of 所在部门 before "-": give the lookup its own column.
    rows = [[*r, r[3].split("-")[0]] for r in ROWS]
    head = [*HEAD, "部门"]
    path = tmp_path / f"教师.{kind}"
    if kind == "csv":
        path.write_bytes("\r\n".join(",".join(r) for r in [head, *rows]).encode("gbk") + b"\r\n")
    else:
        book = xlsxwriter.Workbook(path)
        sheet = book.add_worksheet("教师")
        for i, row in enumerate([head, *rows]):
            sheet.write_row(i, 0, row)
        book.close()
    run = import_run_execute(run=import_run_create(source=source, table="teachers", paths=[path]))
    assert run.status == RunStatus.COMMITTED, (run.decision, run.message)
    assert (run.records_read, run.records_stored, run.records_rejected) == (3, 2, 1)
    stored = _teachers()
    wang = stored["王芳"]
    assert wang["dept_code"] == "hlx" and stored["李静"]["dept_code"] == "jwc"
    assert wang["title_name"] == "护理教研室" and wang["employer"] == "护理系"
    assert str(wang["hire_date"]) == "2024-09-04" and str(stored["李静"]["hire_date"]) == "2024-09-11"
    assert wang["staff_no"].startswith("T") and len(wang["staff_no"]) == 17
    # Labels as fixed values become codes.
    assert (wang["gender"], wang["category"], wang["education"]) == ("2", "1", "10")
    assert _errors(run) == [(4, "部门代码（dept_code）", "后勤处", "“后勤处”在标准表“部门”的部门名称中找不到对应值")]

    # Re-importing the same rows gives the same ids: nothing changes.
    again = import_run_execute(run=import_run_create(source=source, table="teachers", paths=[path]))
    assert again.status == RunStatus.UNCHANGED, again.decision
    assert {r["staff_no"] for r in store.read_table(TEACHERS).to_pylist()} == {
        wang["staff_no"],
        stored["李静"]["staff_no"],
    }


def test_an_uploaded_lookup_table_maps_values_and_misses_are_rejected(source, tmp_path):
    mapping = SourceMapping.objects.get(source=source, table="teachers")
    mapping.operations["dept_code"] = op("查表 部门 在 对照表", "dept_code")
    mapping.lookup_table = {"name": "部门对照.csv", "key": "部门", "value": "代码", "pairs": {"护理系": "hlx"}}
    mapping.save()
    rows = [[*r, r[3].split("-")[0]] for r in ROWS]
    path = tmp_path / "教师.csv"
    path.write_bytes("\r\n".join(",".join(r) for r in [[*HEAD, "部门"], *rows]).encode("gbk"))
    run = import_run_execute(run=import_run_create(source=source, table="teachers", paths=[path]))
    assert (run.records_stored, run.records_rejected) == (1, 2)
    assert [e[2:] for e in _errors(run)] == [
        ("教务处", "“教务处”在上传的对照表中找不到对应值"),
        ("后勤处", "“后勤处”在上传的对照表中找不到对应值"),
    ]


def test_a_lookup_through_an_empty_table_says_to_import_it_first(db, data_dir, tmp_path):
    source = SourceSystem.objects.create(code="hr2", name="人事", connector="files", invalid_policy="commit_valid")
    SourceMapping.objects.create(source=source, table="teachers", columns={"staff_no": "工号", "name": "姓名"},
                                 fixed_values=FIXED, operations={"dept_code": {**op(
                                     "查表 部门 在 departments.dept_name 取 dept_code", "dept_code")}})  # fmt: skip
    path = tmp_path / "教师.csv"
    path.write_bytes("工号,姓名,部门\r\nT1,王芳,护理系\r\n".encode("gbk"))
    run = import_run_execute(run=import_run_create(source=source, table="teachers", paths=[path]))
    assert run.records_rejected == 1
    assert "标准表“部门”还没有导入任何数据，请先导入部门" in _errors(run)[0][3]
