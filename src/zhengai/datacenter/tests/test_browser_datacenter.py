"""信息中心 uploads a file in a real browser, watches the run's progress bar to the end, opens data quality.

Debian chromium through Playwright against the live test server (the harness of zhengai.lib.pytest_browser).
Screenshots at 1366×768 go to test-artifacts/ for people to look at.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from zhengai.datacenter.choices import RunStatus
from zhengai.datacenter.models import ImportRun
from zhengai.lib.pytest_browser import ARTIFACTS, needs_chromium

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    needs_chromium,
]

DEPTS = (
    "部门代码,部门名称,部门类别,上级部门\r\n"
    "xxgc,信息工程系,教学系部,\r\n"
    "hlx,护理系,教学系部,\r\n"
    "jwc,教务处,职能处室,\r\n"
    "zkzx,质量监督与控制中心,质控机构,\r\n"
    "rjjys,软件技术教研室,3,xxgc\r\n"
)
BAD_TEACHERS = (
    "工号,姓名,性别,出生年份,教师类别,部门代码,职称级别,学位,学历,双师型\r\n"
    "T001,王芳,女,1980,1,hlx,副高级,硕士,研究生,是\r\n"
    "T002,李强,男,一九七五,1,xxgc,2,1,10,否\r\n"
    "T003,赵敏,女,1990,1,nope,3,2,20,是\r\n"
)


@pytest.fixture
def queued(settings):
    """Uploads are queued and left for the worker, which the test plays itself."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name}.png")


def test_it_center_uploads_a_file_watches_the_run_finish_and_opens_data_quality(
    tab, cast, password, renshi, queued, tmp_path
):
    from zhengai.datacenter.services import import_run_execute

    renshi.owner_unit = cast.quality
    renshi.save()
    csv = tmp_path / "部门名册.csv"
    csv.write_bytes(DEPTS.encode("gbk"))
    page = tab.page

    tab.login("it", password)
    tab.goto(reverse("datacenter:source_detail", args=[renshi.code]))
    assert tab.heading().startswith("人事系统")
    shot(page, "dc-01-source")
    page.select_option("#upload-form select[name=table]", "departments")
    page.set_input_files("#upload-form input[name=files]", str(csv))
    with page.expect_navigation():
        page.click("#upload-form button[type=submit]")
    run = ImportRun.objects.get()
    assert page.url.endswith(reverse("datacenter:run_detail", args=[run.pk]))
    assert tab.heading() == f"采集批次 #{run.pk}"
    assert page.locator(".zg-run-status").inner_text() == "排队中"
    page.evaluate("window.__samePage = true")

    # The worker takes the run: the page follows it without being reloaded.
    ImportRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, progress=40, progress_text="已读取并校验 5 行")
    page.wait_for_selector(".zg-progress-text:has-text('已读取并校验 5 行')", timeout=5000)
    assert page.locator(".progress-bar").get_attribute("style") == "width: 40%"
    shot(page, "dc-02-run-progress")
    ImportRun.objects.filter(pk=run.pk).update(status=RunStatus.PENDING, progress=0)
    assert import_run_execute(run=run).status == RunStatus.COMMITTED
    page.wait_for_selector(".zg-run-status:has-text('已入库')", timeout=5000)
    assert page.locator(".progress-bar").get_attribute("style") == "width: 100%"
    assert page.evaluate("window.__samePage") is True
    assert page.locator("#run-live").get_attribute("hx-trigger") is None  # polling has stopped
    assert "已入库：新增 5" in page.locator(".zg-decision").inner_text()
    shot(page, "dc-03-run-committed")

    tab.goto(reverse("datacenter:quality"))
    assert tab.heading() == "数据质量"
    page.wait_for_selector("#chart-rows canvas")
    page.wait_for_timeout(800)  # the chart's entry animation
    row = page.locator("tr[data-table=departments]")
    assert "正常" in row.locator(".zg-health").inner_text()
    assert row.locator("[data-freshness=fresh]").count() == 1
    assert page.locator("tr[data-table=teachers] .zg-health").inner_text().strip() == "从未成功入库"
    assert page.locator("tr[data-field=parent_code]").get_attribute("data-percent") == "20.0"
    shot(page, "dc-04-quality")


def test_screenshots_of_a_rejected_run_the_mapping_editor_and_the_lists(tab, cast, password, renshi, settings,
                                                                        tmp_path):  # fmt: skip
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    page = tab.page
    depts, teachers = tmp_path / "部门.csv", tmp_path / "教师.csv"
    depts.write_bytes(DEPTS.encode("gbk"))
    teachers.write_bytes(BAD_TEACHERS.encode("gbk"))
    tab.login("it", password)
    for path, table in ((depts, "departments"), (teachers, "teachers")):
        tab.goto(reverse("datacenter:source_detail", args=[renshi.code]))
        page.select_option("#upload-form select[name=table]", table)
        page.set_input_files("#upload-form input[name=files]", str(path))
        with page.expect_navigation():
            page.click("#upload-form button[type=submit]")
    assert page.locator(".zg-run-status").inner_text() == "已拒收"
    assert page.locator("#run-errors tbody tr").count() >= 2
    shot(page, "dc-05-run-rejected")
    with page.expect_download() as download:
        page.click("text=下载错误报告")
    assert download.value.suggested_filename.endswith(".xlsx")

    tab.goto(reverse("datacenter:mapping_edit", args=[renshi.code, "teachers"]))
    page.set_input_files("#sample input[name=sample]", str(teachers))
    with page.expect_navigation():
        page.click("#sample button[type=submit]")
    with page.expect_navigation():
        page.click("button[value=preview]")
    page.wait_for_selector("#preview .zg-cell-error")
    shot(page, "dc-06-mapping-top")
    page.locator("#preview").scroll_into_view_if_needed()
    shot(page, "dc-07-mapping-preview")

    for name, url in (("dc-08-sources", reverse("datacenter:sources")), ("dc-09-runs", reverse("datacenter:runs"))):
        tab.goto(url)
        shot(page, name)
    tab.goto(reverse("datacenter:source_detail", args=[renshi.code]))
    shot(page, "dc-10-source-after")

    # A corrected teachers file and a grown department roster: two lines on the quality chart.
    from zhengai.datacenter.services import import_run_create, import_run_execute

    good = tmp_path / "教师2.csv"
    good.write_bytes(BAD_TEACHERS.replace("一九七五", "1975").replace("nope", "hlx").encode("gbk"))
    more = tmp_path / "部门2.csv"
    more.write_bytes((DEPTS + "jcb,公共基础部,3,\r\nhqc,后勤处,2,\r\n").encode("gbk"))
    for path, name in ((more, "departments"), (good, "teachers")):
        run = import_run_execute(run=import_run_create(source=renshi, table=name, paths=[path]))
        assert run.status == RunStatus.COMMITTED, run.message
    tab.goto(reverse("datacenter:quality"))
    page.wait_for_selector("#chart-rows canvas")
    page.select_option("#completeness-table", "teachers")
    page.wait_for_selector("tr[data-field=staff_no]")
    page.wait_for_timeout(800)
    shot(page, "dc-11-quality-two-tables")
