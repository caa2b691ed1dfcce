"""The 五纵五横 matrix page: Table 1's layout, and audited edits by the quality office only."""

import re

import pytest
from django.urls import reverse

from zhengai.audit.models import AuditRecord
from zhengai.org.models import ArchitectureCell
from zhengai.org.selectors import merge_spans

pytestmark = pytest.mark.django_db


def test_merge_spans_merges_equal_neighbours_but_never_empty_ones():
    assert merge_spans(["a", "a", "b", "c", "c", "c"]) == [2, 0, 1, 3, 0, 0]
    assert merge_spans([1, 2, 3, 4, 4, 5, 5, None]) == [1, 1, 1, 2, 0, 2, 0, 1]
    assert merge_spans([None, None]) == [1, 1]
    assert merge_spans([]) == []


def test_matrix_is_laid_out_like_table_1(client_for):
    response = client_for("teacher").get(reverse("org:matrix"))
    rows = response.context["matrix"].rows
    assert [(r.row.group_label, r.group_span) for r in rows] == [
        ("决策指挥", 2), ("决策指挥", 0), ("质量生成", 1), ("资源建设", 1), ("支持服务", 1),
        ("监督控制", 2), ("监督控制", 0), ("数据平台", 1),
    ]  # fmt: skip
    chains = [(r.row.chain.name if r.row.chain else None, r.chain_span) for r in rows]
    assert chains == [
        ("目标链", 1), ("标准链", 1), ("实施链", 1), ("保障链", 2), ("保障链", 0),
        ("监控链", 2), ("监控链", 0), (None, 1),
    ]  # fmt: skip
    html = response.content.decode()
    assert re.search(r'rowspan="2">决策指挥<', html)
    assert re.search(r'rowspan="2">保障链<', html) and re.search(r'rowspan="2">监控链<', html)
    assert [lv.name for lv in response.context["matrix"].levels] == ["学校", "专业", "课程", "教师", "学生"]
    assert "各专业建设规划" in html


def _cell():
    return ArchitectureCell.objects.get(row__aspect="标准", level__code="teacher")


def test_only_the_quality_office_sees_edit_buttons(client_for):
    cell = _cell()
    edit_url = reverse("org:matrix_cell_edit", args=[cell.pk])
    assert edit_url in client_for("officer").get(reverse("org:matrix")).content.decode()
    for key in ["reviewer", "teacher", "head_a", "committee"]:
        assert edit_url not in client_for(key).get(reverse("org:matrix")).content.decode(), key


def test_quality_office_edit_is_audited_with_before_and_after(client_for, cast):
    cell = _cell()
    before = cell.item_texts()
    response = client_for("officer").post(
        reverse("org:matrix_cell_edit", args=[cell.pk]),
        {"items": "岗前培训考核标准\n\n双师型教师认定标准\n", "note": "按新办法修订"},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert "双师型教师认定标准" in html and "zg-saved" in html
    assert _cell().item_texts() == ["岗前培训考核标准", "双师型教师认定标准"]
    record = AuditRecord.objects.get(object_type="org.architecturecell", object_id=str(cell.pk))
    assert record.actor == cast.user("officer")
    assert record.before == {"items": before}
    assert record.after == {"items": ["岗前培训考核标准", "双师型教师认定标准"]}
    assert record.note == "按新办法修订"
    log = client_for("reviewer").get(reverse("audit:log"), {"object_type": "org.architecturecell"})
    log_html = log.content.decode()
    assert '<li class="zg-added">双师型教师认定标准</li>' in log_html
    assert '<li class="zg-removed">社会实践考核标准</li>' in log_html


def test_edit_without_javascript_redirects_back_to_the_matrix(client_for):
    cell = _cell()
    client = client_for("officer")
    form = client.get(reverse("org:matrix_cell_edit", args=[cell.pk]))
    assert "<html" in form.content.decode() and "岗前培训考核标准" in form.content.decode()
    response = client.post(reverse("org:matrix_cell_edit", args=[cell.pk]), {"items": "甲\n乙", "note": ""})
    assert response.status_code == 302 and response["Location"].endswith(f"#cell-{cell.pk}")
    assert "已保存" in client.get(response["Location"]).content.decode()


def test_an_empty_cell_is_refused_with_a_chinese_message(client_for):
    cell = _cell()
    response = client_for("officer").post(
        reverse("org:matrix_cell_edit", args=[cell.pk]), {"items": "  \n ", "note": ""},
        headers={"HX-Request": "true"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "单元格至少需要一条内容" in response.content.decode()
    assert _cell().items.count() == 3
    assert not AuditRecord.objects.exists()


@pytest.mark.parametrize("key", ["reviewer", "teacher", "head_a", "committee", "student", "outsider"])
def test_everyone_else_gets_403_and_nothing_changes(client_for, key):
    cell = _cell()
    client = client_for(key)
    url = reverse("org:matrix_cell_edit", args=[cell.pk])
    assert client.post(url, {"items": "篡改", "note": ""}).status_code == 403
    assert client.get(url).status_code == 403
    assert _cell().items.count() == 3
    assert not AuditRecord.objects.exists()


def test_cancel_returns_the_cell_as_displayed(client_for):
    cell = _cell()
    html = client_for("officer").get(reverse("org:matrix_cell", args=[cell.pk])).content.decode()
    assert html.strip().startswith(f'<td id="cell-{cell.pk}"')
    assert "社会实践考核标准" in html


def test_matrix_links_to_the_audit_log_of_architecture_cells(client_for):
    html = client_for("officer").get(reverse("org:matrix")).content.decode()
    assert f"{reverse('audit:log')}?object_type=org.architecturecell" in html
