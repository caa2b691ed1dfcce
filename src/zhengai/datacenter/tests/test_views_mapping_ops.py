"""The mapping editor's operations: set one, preview it on the sample, save it (audited)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from zhengai.audit.models import AuditRecord
from zhengai.datacenter.models import SourceMapping, SourceSystem
from zhengai.datacenter.tests.test_views_mapping import form_data, send_sample, url

SAMPLE = (
    "部门代码,部门名称,部门类别,上级部门,状态\r\n"
    "hlx,护理系,教学系部,,在用\r\n"
    "old,旧系部,教学系部,,撤销\r\n"
    "jwc,教务处,职能处室,,在用\r\n"
)


@pytest.fixture
def jiaowu(db, data_dir):
    return SourceSystem.objects.create(code="jiaowu", name="教务系统", connector="files")


def test_row_filters_are_previewed_and_saved(client_for, jiaowu):
    client = client_for("it")
    data = form_data(send_sample(client, jiaowu, SAMPLE.encode("gbk")).content.decode())
    data.update(action="preview", filters="排除 状态 等于 撤销")
    page = client.post(url(jiaowu), data).content.decode()
    preview = page[page.index('id="preview"') :]
    assert "2 行全部通过校验" in preview and "旧系部" not in preview
    assert "按行筛选条件未取 1 行（第 3 行）" in preview
    data.update(filters="排除 状态 介于 高~低")
    page = client.post(url(jiaowu), data).content.decode()
    assert "第 1 行：“排除 状态 介于 高~低”：“介于”后面写“下限~上限”" in page
    data.update(action="save", filters="排除 状态 等于 撤销")
    assert client.post(url(jiaowu), data).status_code == 302
    mapping = SourceMapping.objects.get()
    assert mapping.filters == [{"mode": "exclude", "column": "状态", "op": "eq", "value": "撤销"}]
    record = AuditRecord.objects.get(object_id=str(mapping.pk))
    assert record.after["行筛选"] == ["排除 状态 等于 撤销"]
    assert form_data(client.get(url(jiaowu)).content.decode())["filters"] == "排除 状态 等于 撤销"


TEACHERS = (
    "工号,姓,名,性别,部门,所在,读者类型\r\n"
    "T001,王,芳,女,护理,护理系-教研室,教师\r\n"
    "T002,李,静,男,教务,教务处-教务科,学生\r\n"
)


def test_operations_conditions_labels_and_an_uploaded_lookup_are_previewed_and_saved(client_for, jiaowu):
    client = client_for("it")
    target = url(jiaowu, "teachers")
    page = client.post(target, {"action": "sample", "sample": SimpleUploadedFile("教师.csv", TEACHERS.encode("gbk"))})
    data = form_data(page.content.decode())
    data.update(
        action="preview", col_name="", op_name="拼接 姓+名", op_title_name="拆分 所在 用 - 取 2",
        cond_title_name="读者类型=教师", vm_employer="", fix_category="校内专任教师", fix_title_level="中级",
        fix_degree="硕士", fix_education="研究生", fix_dual_qualified="是", op_dept_code="查表 部门 在 对照表",
        col_dept_code="", op_employer="拆分 所在 用 - 取 1", vm_title_name="教研室=护理教研室",
    )  # fmt: skip
    page = client.post(target, data).content.decode()
    assert "要“在 对照表”查，请先在上方上传对照表文件" in page
    lookup = SimpleUploadedFile("部门对照.csv", "部门名,部门代码\r\n护理,hlx\r\n".encode("gbk"))
    page = client.post(target, {**data, "lookup_file": lookup}).content.decode()
    preview = page[page.index('id="preview"') :]
    assert "王芳" in preview and "护理教研室" in preview  # concatenated; split, then its value map
    assert "hlx" in preview and "“教务”在上传的对照表中找不到对应值" in preview
    assert '当前对照表：<span class="fw-medium text-body">部门对照.csv</span>（部门名 → 部门代码，1 条）' in page
    token = form_data(page)["lookup_token"]
    assert token  # kept for the save without uploading again
    data.update(action="save", lookup_token=token, fix_category="专任")
    page = client.post(target, data).content.decode()
    assert "“专任”不是代码集“教师类别”中的代码或名称" in page
    data.update(fix_category="校内专任教师")
    assert client.post(target, data).status_code == 302
    mapping = SourceMapping.objects.get(table="teachers")
    assert mapping.operations["name"] == {"op": "concat", "columns": ["姓", "名"], "sep": ""}
    assert mapping.conditions == {"title_name": ["读者类型", "教师"]}
    assert mapping.lookup_table["pairs"] == {"护理": "hlx"}
    assert mapping.value_maps["title_name"] == {"教研室": "护理教研室"}
    record = AuditRecord.objects.get(object_id=str(mapping.pk))
    assert "姓名（name） ← 拼接 姓+名" in record.after["字段运算"]
    assert record.after["对照表"].startswith("部门对照.csv：部门名 → 部门代码，1 条")
    saved = form_data(client.get(target).content.decode())
    assert (saved["op_name"], saved["cond_title_name"]) == ("拼接 姓+名", "读者类型=教师")


def test_a_broken_lookup_file_is_refused_naming_file_and_row(client_for, jiaowu):
    client = client_for("it")
    target = url(jiaowu, "teachers")
    page = client.post(target, {"action": "sample", "sample": SimpleUploadedFile("教师.csv", TEACHERS.encode("gbk"))})
    data = form_data(page.content.decode())
    bad = SimpleUploadedFile("对照.csv", "部门名,部门代码\r\n护理,hlx\r\n护理,jwc\r\n".encode("gbk"))
    page = client.post(target, {**data, "action": "preview", "lookup_file": bad}).content.decode()
    assert "对照表“对照.csv”第 3 行：源值“护理”重复，且对应的值不同（hlx、jwc）" in page
