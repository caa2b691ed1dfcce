"""The mapping editor's operations: set one, preview it on the sample, save it (audited)."""

from __future__ import annotations

import pytest

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
