"""The standard-chain pages in Debian's chromium: charts drawn, htmx swaps, the what-if preview.

The browser harness of zhengai.lib.pytest_browser (Playwright against the live test server, no request
may leave it, no JavaScript error); screenshots at 1366×768 go to test-artifacts/.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from zhengai.lib.pytest_browser import ARTIFACTS, needs_chromium, settle
from zhengai.monitoring.tests.test_views import build_standards

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    needs_chromium,
]


@pytest.fixture
def standards(cast):
    return build_standards(cast)


def test_catalogue_indicator_page_and_entity_view_as_the_quality_office(tab, standards, password):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = tab.page
    tab.login("officer", password)

    assert tab.goto(reverse("monitoring:catalogue")).status == 200
    assert tab.heading() == "指标目录"
    assert page.locator("#catalogue tbody tr[data-code]").count() == 3
    page.screenshot(path=ARTIFACTS / "standards-01-catalogue.png")

    page.click("#catalogue a:has-text('专业生师比')")
    page.wait_for_selector("#chart-histogram canvas")
    page.wait_for_selector("#chart-trend canvas")
    size = page.eval_on_selector("#chart-histogram canvas", "c => [c.width, c.height]")
    assert size[0] > 300 and size[1] > 150
    assert page.locator("#entities tbody tr").count() == 3
    settle(page)
    page.screenshot(path=ARTIFACTS / "standards-02-indicator.png")
    page.screenshot(path=ARTIFACTS / "standards-03-indicator-full.png", full_page=True)

    # Filtering by outcome swaps the section in place, redraws the charts and keeps the address.
    page.evaluate("window.__samePage = true")
    page.select_option("#period-form select[name=outcome]", "failed")
    page.wait_for_function("location.search.includes('outcome=failed')")
    page.wait_for_function("document.querySelectorAll('#entities tbody tr').length === 1")
    page.wait_for_selector("#chart-histogram canvas")
    assert page.evaluate("window.__samePage") is True

    page.click("#entities a:has-text('软件技术')")
    page.wait_for_selector(".zg-spark canvas")
    assert tab.heading().startswith("软件技术")
    assert page.locator("tr[data-code='ZY-SSB']").count() == 1
    settle(page)
    page.screenshot(path=ARTIFACTS / "standards-04-entity.png")


def test_the_threshold_editor_previews_the_effect_and_saves(tab, standards, password):
    from zhengai.indicators.models import Threshold

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = tab.page
    tab.login("officer", password)
    tab.goto(reverse("monitoring:threshold_new", args=["ZY-SSB"]))
    page.wait_for_selector("#whatif-table")  # the preview loads with the form
    page.fill("#id_effective_from", "2024-09-01")
    page.fill("#id_standard", "<= 16")
    page.fill("#id_warning", "<= 15")
    page.wait_for_function("document.querySelector('#whatif-summary') && "
                           "document.querySelector('#whatif-summary').innerText.includes('2024-2025')")  # fmt: skip
    page.wait_for_selector("#chart-whatif canvas")
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(1200)
    page.screenshot(path=ARTIFACTS / "standards-05-threshold-preview.png")

    page.fill("#id_standard", ">= abc")
    page.wait_for_selector("#whatif-errors:has-text('标准值')")
    page.fill("#id_standard", "<= 16")
    page.wait_for_selector("#whatif-table")
    page.wait_for_load_state("networkidle")  # no preview still on its way while the form is saved
    with page.expect_navigation():
        page.click("#threshold-form button[type=submit]")
    assert tab.heading().startswith("专业生师比")
    assert page.locator(".alert-success").count() == 1
    assert Threshold.objects.filter(indicator=standards.ssb, origin="edited", standard_value=16).exists()


def test_runs_definition_editor_and_a_student_view(tab, standards, password):
    from zhengai.monitoring.choices import RunStatus
    from zhengai.monitoring.models import EvaluationRun

    EvaluationRun.objects.create(
        status=RunStatus.SUCCEEDED, indicators_count=3, measurements_count=15, status_changes=4,
        timings={"ZY-SSB": 0.31, "KC-TGL": 0.12, "XS-GK": 0.2, "_compute": 0.7, "_history": 0.1, "_states": 0.1},
        message="计算 3 个指标，15 个监测值，4 个状态变化",
    )  # fmt: skip
    page = tab.page
    tab.login("officer", password)
    assert tab.goto(reverse("monitoring:runs")).status == 200
    page.screenshot(path=ARTIFACTS / "standards-06-runs.png")
    assert tab.goto(reverse("monitoring:definition_edit", args=["ZY-SSB"])).status == 200
    page.screenshot(path=ARTIFACTS / "standards-07-definition.png")
    page.context.clear_cookies()

    tab.login("student", password)
    assert tab.goto(reverse("monitoring:entity", args=["student", "2023010101"])).status == 200
    assert page.locator("tr[data-code='XS-GK']").count() == 1
    assert tab.goto(reverse("monitoring:entity", args=["student", "2023020101"])).status == 404
