"""The calendar editor in Debian's chromium: the quality office adds the 学年 before the calendar, and a
computation of that year, refused until then, runs. Screenshots at 1366 and 390 px go to test-artifacts/."""

from __future__ import annotations

import pytest
from django.urls import reverse

from zhengai.indicators.services import indicator_create
from zhengai.lib.pytest_browser import ARTIFACTS, needs_chromium
from zhengai.monitoring.choices import RunStatus
from zhengai.monitoring.models import EvaluationRun
from zhengai.monitoring.services import evaluate_now, evaluation_run_execute
from zhengai.monitoring.tests.college import REPORT_RATE, publish_admissions
from zhengai.org.models import AcademicYear

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), needs_chromium]

PHONE = {"width": 390, "height": 844}


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_year_added_in_the_editor_can_then_be_evaluated(tab, cast, password):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    publish_admissions([(2022, "530701", 100, 70), (2023, "530701", 100, 83), (2024, "530701", 100, 82)])
    indicator_create(raw=REPORT_RATE, by=cast.user("officer"))
    refused = evaluate_now(indicator_codes=["T-BDL"], periods=["2022-2023"])
    assert refused.status == RunStatus.FAILED and "周期不在校历中：2022-2023" in refused.message

    page = tab.page
    tab.login("officer", password)
    tab.goto(reverse("org:calendar"))
    assert tab.heading() == "校历（学年、学期与统计日）"
    assert page.locator("[data-year]").count() == 2
    page.screenshot(path=ARTIFACTS / "calendar-01-list.png", full_page=True)

    with page.expect_navigation():
        page.click("#calendar-add a:has-text('新建 2022-2023学年')")
    assert tab.heading() == "新建学年：2022-2023学年"
    # Proposed by the college's rule: 第一学期 from 1 September, 第二学期 to 31 August, 统计日 30 September.
    assert page.input_value("#id_term1_start") == "2022-09-01" and page.input_value("#id_term2_end") == "2023-08-31"
    assert page.input_value("#id_census_day") == "2022-09-30"
    page.screenshot(path=ARTIFACTS / "calendar-02-new.png", full_page=True)

    # A second term that starts before the first has ended is refused, in Chinese, and nothing is written.
    page.fill("#id_term2_start", "2023-01-15")
    with page.expect_navigation():
        page.click("button:has-text('添加到校历')")
    assert "第二学期（2023-01-15 起）与第一学期（至 2023-01-31）重叠" in page.inner_text("#form-errors")
    assert not AcademicYear.objects.filter(start_year=2022).exists()
    page.screenshot(path=ARTIFACTS / "calendar-03-refused.png", full_page=True)
    page.set_viewport_size(PHONE)
    assert _fits(page)
    page.screenshot(path=ARTIFACTS / "calendar-04-refused-phone.png", full_page=True)
    page.set_viewport_size({"width": 1366, "height": 768})

    page.fill("#id_term2_start", "2023-02-01")
    page.fill("#id_census_day", "2022-10-15")
    with page.expect_navigation():
        page.click("button:has-text('添加到校历')")
    assert "已添加2022-2023学年" in page.inner_text(".alert-success")
    year = AcademicYear.objects.get(start_year=2022)
    assert year.census_day.isoformat() == "2022-10-15" and year.terms.count() == 2
    assert page.locator("[data-year='2022']").inner_text().count("2022-2023-") == 2
    page.screenshot(path=ARTIFACTS / "calendar-05-added.png", full_page=True)
    page.set_viewport_size(PHONE)
    assert _fits(page)
    page.screenshot(path=ARTIFACTS / "calendar-06-list-phone.png", full_page=True)
    tab.goto(reverse("org:calendar_year_edit", args=[year.pk]))
    assert tab.heading() == "修改：2022-2023学年" and _fits(page)
    page.screenshot(path=ARTIFACTS / "calendar-07-edit-phone.png", full_page=True)
    page.set_viewport_size({"width": 1366, "height": 768})

    # The period is now offered on the 计算批次 page, and its computation runs.
    tab.goto(reverse("monitoring:runs"))
    page.select_option("#id_indicator", "T-BDL")
    page.select_option("#id_period", "2022-2023")
    with page.expect_navigation():
        page.click("button:has-text('立即计算')")
    run = EvaluationRun.objects.latest("id")
    assert run.periods == ["2022-2023"]
    run = evaluation_run_execute(run=run)  # what `zhengai worker` does with the queued run
    assert run.status == RunStatus.SUCCEEDED, run.message
    assert run.measurements_count == 1
    page.reload()
    assert "已完成" in page.inner_text("body")
