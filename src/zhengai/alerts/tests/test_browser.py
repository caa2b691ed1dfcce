"""The alert pages in Debian's chromium: the list and its bulk action, the overview's heatmap, one
alert walked through its handling forms.

The browser harness of zhengai.lib.pytest_browser (Playwright against the live test server, no request
may leave it, no JavaScript error); screenshots at 1366×768 go to test-artifacts/alerts-*.png.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from zhengai.alerts.choices import AlertStatus
from zhengai.alerts.models import Alert
from zhengai.alerts.tests.test_views import build_college
from zhengai.lib.pytest_browser import ARTIFACTS, needs_chromium, settle

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    needs_chromium,
]


@pytest.fixture
def college(cast, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return build_college(cast)


def _rows(page) -> int:
    return page.locator("#alerts tbody tr").count()


def test_my_alerts_filter_sort_and_bulk_acknowledge(tab, college, password):
    page = tab.page
    tab.login("officer", password)
    tab.goto(reverse("alerts:mine"))
    assert tab.heading() == "我的预警"
    assert _rows(page) == 4
    page.screenshot(path=ARTIFACTS / "alerts-01-mine.png")

    # Filters and column headers swap the table in place and keep the address.
    page.evaluate("window.__samePage = true")
    page.select_option("#alert-filter select[name=severity]", "failed")
    page.wait_for_function("location.search.includes('severity=failed')")
    page.wait_for_function("document.querySelectorAll('#alerts tbody tr').length === 2")
    page.click("#alerts thead a:has-text('处理时限')")
    page.wait_for_function("location.search.includes('sort=deadline')")
    assert "severity=failed" in page.url
    assert page.evaluate("window.__samePage") is True
    # The filter form's hidden sort field follows once the swapped table has settled.
    page.wait_for_function("document.querySelector('#alert-filter input[name=sort]').value === 'deadline'")
    assert page.input_value("#alert-filter input[name=sort]") == "deadline"

    # Tick every row of the page and acknowledge them with one note.
    page.check("#bulk-all")
    assert page.inner_text("#bulk-count") == "2"
    page.select_option("#bulk-form select[name=action]", "acknowledge")
    page.fill("#bulk-form input[name=note]", "已通知责任部门")
    with page.expect_navigation():
        page.click("#bulk-submit")
    assert page.get_by_text("批量确认：已完成 2 项。").is_visible()
    assert "severity=failed" in page.url  # back to the same filtered list
    assert Alert.objects.filter(status=AlertStatus.ACKNOWLEDGED).count() == 2
    page.screenshot(path=ARTIFACTS / "alerts-02-bulk-done.png")

    # A second acknowledgement of the same alerts is refused, each with its reason.
    page.check("#bulk-all")
    with page.expect_navigation():
        page.click("#bulk-submit")
    assert page.get_by_text("2 项未处理").is_visible()


def test_the_overview_draws_its_heatmap_and_a_cell_opens_the_list(tab, college, password):
    page = tab.page
    tab.login("officer", password)
    tab.goto(reverse("alerts:overview"))
    assert tab.heading() == "预警总览"
    page.wait_for_selector("#chart-heatmap canvas")
    size = page.eval_on_selector("#chart-heatmap canvas", "c => [c.width, c.height]")
    assert size[0] > 400 and size[1] > 200
    assert page.locator("#units tbody tr").count() == 2
    settle(page)
    page.screenshot(path=ARTIFACTS / "alerts-03-overview.png")
    page.screenshot(path=ARTIFACTS / "alerts-04-overview-full.png", full_page=True)

    # The cell of 质量生成 × 学生 (x = level 4, y = system 1).
    x, y = page.evaluate(
        "() => echarts.getInstanceByDom(document.getElementById('chart-heatmap'))"
        ".convertToPixel({seriesIndex: 0}, [4, 1])"
    )
    box = page.locator("#chart-heatmap").bounding_box()
    with page.expect_navigation():
        page.mouse.click(box["x"] + x, box["y"] + y)
    assert "system=generation" in page.url and "level=student" in page.url
    assert _rows(page) == 3


def test_an_alert_is_walked_through_its_forms_by_the_class_adviser(tab, college, password):
    page = tab.page
    tab.login("teacher", password)
    tab.goto(reverse("alerts:mine"))
    with page.expect_navigation():
        page.click("#alerts a:has-text('补考后仍不及格课程门数') >> nth=0")
    page.wait_for_selector("#chart-history canvas")
    size = page.eval_on_selector("#chart-history canvas", "c => [c.width, c.height]")
    assert size[0] > 400 and size[1] > 200
    alert_id = int(page.url.rstrip("/").split("/")[-1])
    status = lambda: page.get_attribute("#alert-status", "data-status")  # noqa: E731
    assert status() == "open"
    settle(page)
    page.screenshot(path=ARTIFACTS / "alerts-05-detail.png")

    with page.expect_navigation():
        page.click("#acknowledge-button")
    assert status() == "acknowledged" and page.get_by_text("已确认该预警").is_visible()

    page.fill("#fca-form textarea[name=fact]", "本学年两门课程补考未通过")
    page.fill("#fca-form textarea[name=cause]", "缺课较多，作业未按时完成")
    page.fill("#fca-form textarea[name=action]", "班主任每周谈话一次，安排学习辅导")
    with page.expect_navigation():
        page.click("#fca-form button[type=submit]")
    assert status() == "in_progress"

    page.fill("#form-done textarea", "辅导已安排")
    with page.expect_navigation():
        page.click("#done-button")
    assert status() == "verifying"

    # The data has not recovered yet: closing is refused, with the reason.
    with page.expect_navigation():
        page.click("#close-button")
    assert status() == "verifying"
    assert page.get_by_text("数据尚未恢复：需要连续 2 次计算在正常范围，目前 0 次").is_visible()
    assert page.locator("#events [data-kind]").count() == 4
    assert Alert.objects.get(pk=alert_id).status == AlertStatus.VERIFYING
    page.wait_for_selector("#chart-history canvas")
    settle(page)
    page.screenshot(path=ARTIFACTS / "alerts-06-detail-verifying.png", full_page=True)


def test_a_student_reads_his_alert_and_the_inbox_of_the_head(tab, college, password):
    page = tab.page
    tab.login("student", password)
    tab.goto(reverse("alerts:mine"))
    assert _rows(page) == 1 and page.locator("#bulk-all").count() == 0
    page.screenshot(path=ARTIFACTS / "alerts-07-student.png")
    assert tab.goto(reverse("alerts:detail", args=[college.zhou.pk])).status == 404

    tab.page.context.clear_cookies()
    tab.login("head_a", password)
    tab.goto(reverse("alerts:inbox"))
    assert tab.heading() == "站内通知"
    assert page.locator("#notifications [data-read='0']").count() == 2
    page.screenshot(path=ARTIFACTS / "alerts-08-inbox.png")
    with page.expect_navigation():
        page.click("#notifications a.zg-note-title >> nth=0")
    assert tab.heading().startswith("补考后仍不及格课程门数")


# ------------------------------------------------------------------------------------------ the worklist


def _fits(page) -> bool:
    """Nothing wider than the window: no sideways scrolling on a phone."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_the_worklist_pages_fit_a_laptop_and_a_phone(tab, cast, password, settings, tmp_path):
    from zhengai.alerts.services import alert_policy_set, case_plan_set
    from zhengai.alerts.tests.test_cases import GK, KQ, QIAN, XL, ZHAO, evaluate
    from zhengai.indicators.services import indicator_create

    settings.MEDIA_ROOT = tmp_path / "media"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    from zhengai.alerts.models import AlertSettings

    AlertSettings.objects.create(case_min_signals=1)
    officer = cast.user("officer")
    indicators = {raw["code"]: indicator_create(raw=raw, by=officer) for raw in (GK, KQ, XL)}
    alert_policy_set(indicator=indicators["T-KQ"], mode="alert", by=officer)
    evaluate(indicators, {("T-GK", ZHAO): 3, ("T-XL", ZHAO): 2, ("T-GK", QIAN): 7, ("T-KQ", QIAN): 12})
    case = Alert.objects.get(kind="case", entity_key=ZHAO)
    case_plan_set(alert=case, by=cast.user("teacher"), plan="每周二答疑；补考前两周制定复习计划；与家长每月沟通一次")
    alert = Alert.objects.get(kind="alert", indicator__code="T-KQ")
    page = tab.page
    tab.login("head_a", password)
    pages = [
        ("summary", reverse("alerts:summary", args=["xxgc"]), "部门汇总"),
        ("list", reverse("alerts:unit", args=["xxgc"]), "部门预警"),
        ("case", reverse("alerts:detail", args=[case.pk]), "学生预警"),
        ("alert", reverse("alerts:detail", args=[alert.pk]), "缺勤次数"),
    ]
    for width, height in ((1366, 768), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        for name, url, heading in pages:
            tab.goto(url)
            assert heading in tab.heading()
            settle(page)
            page.screenshot(path=ARTIFACTS / f"worklist-{name}-{width}.png", full_page=True)
            assert _fits(page), f"{name} is wider than {width} px"
    # The worst item first: 钱二's red case, then his overdue-free alert, then 赵一's case.
    tab.goto(reverse("alerts:unit", args=["xxgc"]))
    first = page.locator("#alerts tbody tr").first.inner_text()
    assert "钱二" in first or QIAN in first
    tab.goto(reverse("alerts:detail", args=[case.pk]))
    assert "每周二答疑" in page.inner_text("#support-plan")
