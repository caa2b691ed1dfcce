"""信息中心 maps a headerless export in a real browser: by position, a row filter, a split and a label as fixed value;
previews it, saves it, and imports with it (the batch page counts the filtered row).

Screenshots of the editor at 1366 and 390 px wide go to test-artifacts/.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from zhengai.datacenter import store
from zhengai.datacenter.models import ImportRun, SourceMapping, SourceSystem
from zhengai.datacenter.standard import table
from zhengai.lib.pytest_browser import ARTIFACTS, needs_chromium

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), needs_chromium]

EXPORT = "hlx,护理系-医学部,x,,在用\r\njwc,教务处-机关,x,,在用\r\nold,旧系部-撤并,x,,撤销\r\n"


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name}.png")


def test_a_headerless_export_is_mapped_with_operations_previewed_saved_and_imported(
    tab, cast, password, settings, data_dir, tmp_path
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    source = SourceSystem.objects.create(code="hr", name="人事导出", connector="files", invalid_policy="commit_valid")
    export = tmp_path / "部门导出.csv"
    export.write_bytes(EXPORT.encode("gbk"))
    page = tab.page
    tab.login("it", password)
    tab.goto(reverse("datacenter:mapping_edit", args=[source.code, "departments"]))
    page.set_input_files("#sample input[name=sample]", str(export))
    with page.expect_navigation():
        page.click("#sample button[type=submit]")
    page.check("input[name=no_header]")
    with page.expect_navigation():
        page.click("button[value=preview]")
    assert page.locator("select[name=col_dept_code] option[value='第1列']").inner_text() == "第1列（如 hlx）"
    page.select_option("select[name=col_dept_code]", "第1列")
    page.select_option("select[name=col_dept_name]", "")
    page.fill("input[name=op_dept_name]", "拆分 第2列 用 - 取 1")
    page.select_option("select[name=col_dept_kind]", "")
    page.fill("input[name=fix_dept_kind]", "教学系部")
    page.select_option("select[name=col_parent_code]", "第4列")
    page.fill("textarea[name=filters]", "排除 第5列 等于 撤销")
    with page.expect_navigation():
        page.click("button[value=preview]")
    preview = page.locator("#preview")
    assert "2 行全部通过校验" in preview.inner_text()
    assert "按行筛选条件未取 1 行（第 3 行）" in preview.inner_text()
    assert "护理系" in preview.inner_text() and "医学部" not in preview.inner_text()
    assert not tab.errors and not tab.external
    shot(page, "dc-mapping-ops-1366-top")
    page.locator("#field-dept_name").scroll_into_view_if_needed()
    shot(page, "dc-mapping-ops-1366-fields")
    page.set_viewport_size({"width": 390, "height": 844})
    page.locator("#row-filters").scroll_into_view_if_needed()
    shot(page, "dc-mapping-ops-390-filters")
    page.locator("#field-dept_name").scroll_into_view_if_needed()
    shot(page, "dc-mapping-ops-390-fields")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # wide tables scroll inside their card
    page.set_viewport_size({"width": 1366, "height": 768})

    with page.expect_navigation():
        page.click("button[value=save]")
    mapping = SourceMapping.objects.get(source=source)
    assert mapping.header_row == 0 and mapping.fixed_values == {"dept_kind": "教学系部"}

    page.select_option("#upload-form select[name=table]", "departments")
    page.set_input_files("#upload-form input[name=files]", str(export))
    with page.expect_navigation():
        page.click("#upload-form button[type=submit]")
    run = ImportRun.objects.get()
    assert page.locator(".zg-run-status").inner_text() == "已入库", run.message
    records = page.locator("#run-records").inner_text()
    assert "读取 3 条" in records and "筛选掉（按映射的行筛选条件未取） 1" in records
    shot(page, "dc-mapping-ops-run")
    rows = {r["dept_code"]: r for r in store.read_table(table("departments")).to_pylist()}
    assert {k: (v["dept_name"], v["dept_kind"]) for k, v in rows.items()} == {
        "hlx": ("护理系", "3"),
        "jwc": ("教务处", "3"),
    }
