"""Import runs end to end on real files: GBK CSV and xlsx in, Parquet out, through the manifest."""

from pathlib import Path

import pytest
import xlsxwriter
from openpyxl import load_workbook

from zhengai.datacenter import store
from zhengai.datacenter.choices import RunStatus
from zhengai.datacenter.services import import_run_create, import_run_execute
from zhengai.datacenter.standard import table
from zhengai.datacenter.tests.corpus import fingerprint
from zhengai.org.models import OrgUnit, Teacher

DEPTS = "部门代码,部门名称,部门类别,上级部门\r\nhlx,护理系,教学系部,\r\njwc,教务处,职能处室,\r\nzkzx,质控中心,4,\r\n"


def write_csv(path: Path, text: str, encoding: str = "gbk") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def teachers_xlsx(path: Path, rows: list[list]) -> Path:
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("教师名册")
    header = ["工号", "姓名", "性别", "出生年份", "教师类别", "部门代码", "职称级别", "学位", "学历", "双师型"]
    for r, row in enumerate([header, *rows]):
        ws.write_row(r, 0, row)
    wb.close()
    return path


def run_import(source, name, paths, **kw):
    return import_run_execute(run=import_run_create(source=source, table=name, paths=paths, **kw))


def test_gbk_csv_lands_and_a_second_import_changes_nothing(renshi, tmp_path):
    path = write_csv(tmp_path / "部门.csv", DEPTS)
    first = run_import(renshi, "departments", [path])
    assert first.status == RunStatus.COMMITTED, first.message
    assert (first.rows_new, first.rows_invalid) == (3, 0)
    assert "GBK" in first.message
    rows = store.read_table(table("departments")).to_pylist()
    assert {r["dept_code"]: r["dept_kind"] for r in rows} == {"hlx": "3", "jwc": "2", "zkzx": "4"}
    assert OrgUnit.objects.get(code="hlx").name == "护理系"  # the registry follows the roster

    before = fingerprint()
    second = run_import(renshi, "departments", [path])
    assert second.status == RunStatus.UNCHANGED
    assert (second.rows_new, second.rows_updated, second.rows_unchanged) == (0, 0, 3)
    assert fingerprint() == before


def test_a_bad_row_rejects_the_whole_batch_and_leaves_the_data_center_untouched(renshi, tmp_path):
    run_import(renshi, "departments", [write_csv(tmp_path / "部门.csv", DEPTS)])
    before = fingerprint()
    bad = DEPTS + "xxb,新系部,教学系部,\r\nyyb,另一个,系部?,\r\n"
    run = run_import(renshi, "departments", [write_csv(tmp_path / "部门2.csv", bad)])
    assert run.status == RunStatus.REJECTED
    assert run.rows_invalid == 1 and "整批拒收" in run.decision
    assert fingerprint() == before
    report = load_workbook(store.root() / run.error_report)
    rows = list(report["错误明细"].iter_rows(values_only=True))
    assert rows[0] == ("文件", "行号", "字段", "值", "原因")
    assert rows[1] == ("部门2.csv", 6, "部门类别（dept_kind）", "系部?", "不在代码集“部门类别”中")
    assert (store.root() / run.rejected_rows).exists()


def test_commit_valid_policy_keeps_the_good_rows_and_files_the_bad(renshi, tmp_path):
    renshi.invalid_policy = "commit_valid"
    renshi.save()
    text = DEPTS + "yyb,另一个,系部?,\r\n,没有代码,2,\r\n"
    run = run_import(renshi, "departments", [write_csv(tmp_path / "部门.csv", text, "utf-8-sig")])
    assert run.status == RunStatus.COMMITTED
    assert (run.rows_new, run.rows_invalid) == (3, 2)
    assert "2 行无效" in run.decision
    assert len(store.read_table(table("departments"))) == 3


def test_xlsx_teachers_reference_departments_and_dangling_ones_are_named(renshi, tmp_path):
    run_import(renshi, "departments", [write_csv(tmp_path / "部门.csv", DEPTS)])
    renshi.invalid_policy = "commit_valid"
    renshi.save()
    rows = [
        ["T001", "王芳", "女", 1980, "校内专任教师", "hlx", "副高级", "硕士", "研究生", "是"],
        ["T002", "李强", "男", 1975.0, "1", "nope", "2", "1", "10", "否"],
    ]
    run = run_import(renshi, "teachers", [teachers_xlsx(tmp_path / "教师.xlsx", rows)])
    assert run.status == RunStatus.COMMITTED, run.message
    assert (run.rows_new, run.rows_invalid) == (1, 1)
    teacher = Teacher.objects.get(staff_no="T001")
    assert (teacher.gender, teacher.category, teacher.title, teacher.is_dual_qualified) == (
        "2", "full_time", "associate", True
    )  # fmt: skip
    report = load_workbook(store.root() / run.error_report)
    detail = list(report["错误明细"].iter_rows(values_only=True))[1]
    assert detail[:4] == ("教师.xlsx［教师名册］", 3, "部门代码（dept_code）", "nope")
    assert "引用的部门不存在" in detail[4]


def test_a_changed_roster_is_a_new_snapshot_and_the_old_one_stays_readable(renshi, tmp_path):
    first = run_import(renshi, "departments", [write_csv(tmp_path / "a.csv", DEPTS)])
    changed = DEPTS.replace("质控中心", "质量监督与控制中心") + "jcb,公共基础部,3,\r\n"
    second = run_import(renshi, "departments", [write_csv(tmp_path / "b.csv", changed)])
    assert (second.rows_new, second.rows_updated, second.rows_unchanged) == (1, 1, 2)
    now = {r["dept_code"]: r["dept_name"] for r in store.read_table(table("departments")).to_pylist()}
    then = {
        r["dept_code"]: r["dept_name"] for r in store.read_table(table("departments"), as_of_run=first.pk).to_pylist()
    }
    assert now["zkzx"] == "质量监督与控制中心" and len(now) == 4
    assert then["zkzx"] == "质控中心" and len(then) == 3


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "是空的"),
        ("部门代码,部门名称,部门类别,上级部门\r\n".encode("gbk"), "只有表头"),
        ("工号,姓名\r\n1,2\r\n".encode(), "找不到表头"),
        ("部门代码,部门名称,上级部门\r\nhlx,护理系,\r\n".encode(), "缺少列：部门类别"),
        ("部门代码,部门名称,部门类别,上级部门\r\nhlx,护理系,3,\r\n".encode() + "jwc,教务处,2,\r\n".encode("gbk"),
         "编码混杂"),
    ],
)  # fmt: skip
def test_unreadable_files_are_rejected_with_a_chinese_reason(renshi, tmp_path, content, message):
    path = tmp_path / "部门.csv"
    path.write_bytes(content)
    before = fingerprint()
    run = run_import(renshi, "departments", [path])
    assert run.status == RunStatus.REJECTED
    assert message in run.message and "部门.csv" in run.message
    assert fingerprint() == before
