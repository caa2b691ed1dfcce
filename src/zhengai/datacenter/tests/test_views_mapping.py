"""The mapping editor: a sample file's columns, suggested fields, a preview with cell errors, an audited save."""

from __future__ import annotations

import re

import pytest
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from zhengai.audit.models import AuditRecord
from zhengai.datacenter.models import SourceMapping, SourceSystem

# A clerk's export: a title row, then the header with the source system's own column names.
SAMPLE = (
    "人事系统部门导出（2025年3月）,,,\r\n"
    "部门代码,部门名称,类别,上级部门\r\n"
    "hlx,护理系,教学系部,\r\n"
    "jwc,教务处,职能处室,\r\n"
    "xxb,信息系,系部?,\r\n"
)


@pytest.fixture
def jiaowu(db, data_dir):
    return SourceSystem.objects.create(code="jiaowu", name="教务系统", connector="files")


def url(source, table="departments") -> str:
    return reverse("datacenter:mapping_edit", args=[source.code, table])


def send_sample(client, source, content: bytes, name: str = "部门导出.csv"):
    return client.post(url(source), {"action": "sample", "sample": SimpleUploadedFile(name, content)})


def form_data(page: str) -> dict[str, str]:
    """What the browser would send back: every input and selected option of the mapping form."""
    form = page[page.index('id="mapping-form"') :]
    form = form[: form.index("</form>")]
    data: dict[str, str] = {}
    for tag in re.findall(r"<input[^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name and 'type="checkbox"' not in tag:
            data[name.group(1)] = value.group(1) if value else ""
    for name, body in re.findall(r'<select name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.search(r'<option value="([^"]*)"[^>]*selected', body)
        data[name] = chosen.group(1) if chosen else ""
    for name, body in re.findall(r'<textarea name="([^"]+)"[^>]*>(.*?)</textarea>', form, re.S):
        data[name] = body.strip()
    return data


def test_a_sample_is_read_and_fields_are_suggested_from_its_column_names(client_for, jiaowu):
    page = send_sample(client_for("it"), jiaowu, SAMPLE.encode("gbk")).content.decode()
    data = form_data(page)
    assert data["header_row"] == "2"  # the title row is skipped
    assert data["col_dept_code"] == "部门代码" and data["col_dept_name"] == "部门名称"
    assert data["col_parent_code"] == "上级部门"
    assert data["col_dept_kind"] == "类别"  # a part of the label is close enough to suggest
    assert "按列名建议" in page
    assert "表头在第 2 行" in page
    assert re.fullmatch(r"[0-9a-f]{32}", data["sample"]) and data["sample_name"] == "部门导出.csv"


def test_preview_shows_typed_values_and_a_red_cell_for_a_bad_value(client_for, jiaowu):
    client = client_for("it")
    data = form_data(send_sample(client, jiaowu, SAMPLE.encode("gbk")).content.decode())
    data.update(action="preview", col_dept_kind="类别")
    page = client.post(url(jiaowu), data).content.decode()
    preview = page[page.index('id="preview"') :]
    assert "3 行中 1 行有问题" in preview
    # Code-set labels become codes; the unknown value is flagged in its cell, in red, in Chinese.
    assert '3 <span class="text-secondary small">教学系部</span>' in preview
    bad = re.search(r'<td class="zg-cell-error"[^>]*>(.*?)</td>', preview, re.S).group(1)
    assert "系部?" in bad and "不在代码集“部门类别”中" in bad and "text-danger" in bad
    assert not SourceMapping.objects.exists()  # a preview saves nothing


def test_value_maps_turn_source_values_into_codes_and_refuse_unknown_codes(client_for, jiaowu):
    client = client_for("it")
    data = form_data(send_sample(client, jiaowu, SAMPLE.encode("gbk")).content.decode())
    data.update(action="preview", col_dept_kind="类别", vm_dept_kind="系部?=3")
    preview = client.post(url(jiaowu), data).content.decode()
    assert "3 行全部通过校验" in preview
    data.update(vm_dept_kind="系部?=9")
    page = client.post(url(jiaowu), data).content.decode()
    assert "第 1 行：“9”不是代码集“部门类别”中的代码" in page


def test_saving_writes_the_mapping_and_an_audit_record(client_for, jiaowu):
    client = client_for("it")
    data = form_data(send_sample(client, jiaowu, SAMPLE.encode("gbk")).content.decode())
    data.update(action="save", col_dept_kind="类别", vm_dept_kind="系部?=3", pattern="*部门*")
    response = client.post(url(jiaowu), data)
    assert response.status_code == 302
    mapping = SourceMapping.objects.get(source=jiaowu, table="departments")
    assert mapping.columns == {"dept_code": "部门代码", "dept_name": "部门名称", "dept_kind": "类别",
                               "parent_code": "上级部门"}  # fmt: skip
    assert mapping.value_maps == {"dept_kind": {"系部?": "3"}}
    assert (mapping.header_row, mapping.locator) == (2, "*部门*")
    record = AuditRecord.objects.get(object_type="datacenter.sourcemapping", object_id=str(mapping.pk))
    assert record.action == "新建字段映射" and record.before is None
    assert record.actor.username == "it"
    assert "部门类别（dept_kind） ← 类别" in record.after["列对应"]
    assert record.after["代码值对应"] == ["部门类别（dept_kind）：系部?→3"]
    log = client.get(reverse("audit:log")).content.decode()
    assert "新建字段映射" in log and "部门类别（dept_kind） ← 类别" in log

    # A change is recorded with what it was before.
    page = client.get(url(jiaowu)).content.decode()
    data = form_data(page)
    assert data["col_dept_kind"] == "类别" and data["vm_dept_kind"] == "系部?=3"
    data.update(action="save", col_parent_code="", fix_parent_code="")
    assert client.post(url(jiaowu), data).status_code == 302
    change = AuditRecord.objects.filter(object_id=str(mapping.pk)).order_by("-id").first()
    assert change.action == "修改字段映射"
    assert "上级部门代码（parent_code） ← 上级部门" in change.before["列对应"]
    assert "上级部门代码（parent_code） ← 上级部门" not in change.after["列对应"]


def test_saving_requires_every_required_field(client_for, jiaowu):
    client = client_for("it")
    data = form_data(send_sample(client, jiaowu, SAMPLE.encode("gbk")).content.decode())
    data.update(action="save", col_dept_kind="")  # 部门类别 not mapped
    page = client.post(url(jiaowu), data).content.decode()
    assert "“部门类别”是必填字段，请选择源列或填写固定值" in page
    assert not SourceMapping.objects.exists()
    data.update(fix_dept_kind="3")  # a fixed value will do
    assert client.post(url(jiaowu), data).status_code == 302
    assert SourceMapping.objects.get().fixed_values == {"dept_kind": "3"}


def test_an_xlsx_sample_with_its_sheet(client_for, jiaowu, tmp_path):
    path = tmp_path / "部门.xlsx"
    wb = xlsxwriter.Workbook(path)
    wb.add_worksheet("说明").write(0, 0, "本文件由人事系统导出")
    ws = wb.add_worksheet("部门")
    for r, row in enumerate([["部门代码", "部门名称", "部门类别", "上级部门代码"], ["hlx", "护理系", "教学系部", ""]]):
        ws.write_row(r, 0, row)
    wb.close()
    client = client_for("officer")
    page = client.post(
        url(jiaowu), {"action": "sample", "sample": SimpleUploadedFile("部门.xlsx", path.read_bytes())}
    ).content.decode()
    data = form_data(page)
    assert data["col_dept_code"] == ""  # the first sheet holds no header
    data.update(action="preview", sheet="部门", header_row="1", col_dept_code="")
    page = client.post(url(jiaowu), data).content.decode()  # re-read the columns of the chosen sheet
    data = form_data(page)
    assert '<option value="部门代码"' in page
    data.update(action="preview", sheet="部门", col_dept_code="部门代码", col_dept_name="部门名称",
                col_dept_kind="部门类别", col_parent_code="上级部门代码")  # fmt: skip
    preview = client.post(url(jiaowu), data).content.decode()
    assert "1 行全部通过校验" in preview
    data.update(action="save")
    client.post(url(jiaowu), data)
    assert SourceMapping.objects.get().locator == "*#部门"


def test_an_unreadable_sample_is_explained(client_for, jiaowu):
    page = send_sample(client_for("it"), jiaowu, b"").content.decode()
    assert "是空的" in page
    page = send_sample(client_for("it"), jiaowu, b"x", name="部门.doc").content.decode()
    assert "格式不受支持" in page


def test_readers_see_the_mapping_but_cannot_change_it(client_for, renshi):
    page = client_for("committee").get(url(renshi)).content.decode()
    assert "部门代码" in page and "保存映射" not in page and "disabled" in page
    response = client_for("committee").post(url(renshi), {"action": "save"})
    assert response.status_code == 403


def test_the_new_mapping_picker_opens_the_editor_of_the_chosen_table(client_for, renshi):
    response = client_for("it").get(reverse("datacenter:mapping_new", args=[renshi.code]) + "?table=majors")
    assert response.url == url(renshi, "majors")
    page = client_for("it").get(response.url).content.decode()
    assert "新建" in page and "专业代码" in page
