"""The goal tree, a goal's page, the work schedule and the 年度工作任务 page in Debian's chromium, as 质控中心
uses them; each fits a phone. Screenshots at 1366 and 390 px go to test-artifacts/."""

from __future__ import annotations

import pytest

from zhengai.goals.models import Goal, Task
from zhengai.goals.tests.test_assessment import ASSESSED, YEAR, build_college
from zhengai.lib import clock
from zhengai.lib.pytest_browser import ARTIFACTS, needs_chromium, screenshots

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), needs_chromium]


def test_the_office_reads_the_tree_opens_a_goal_and_works_the_schedule(tab, live_server, cast, password, settings,
                                                                       tmp_path, monkeypatch):  # fmt: skip
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    build_college(cast, settings, tmp_path)
    monkeypatch.setenv(clock.ENV, ASSESSED.isoformat())  # the server's clock, in its own thread
    page = tab.page
    tab.login("officer", password)

    tab.goto(f"/goals/?year={YEAR}")
    assert tab.heading() == "目标树"
    states = [g.get_attribute("data-state") for g in page.locator("#goal-tree > .zg-goal").all()]
    assert states[0] == "not_attained" and states[-1] == "attained"  # worst first
    screenshots(page, "goals-tree")
    page.select_option("#f-unit", "hlx")
    with page.expect_navigation():
        page.get_by_role("button", name="查看").click()
    assert page.locator("#goal-tree .zg-goal").count() == 1 and "520201 报到人数" in page.inner_text("#goal-tree")

    page.locator("#goal-tree a", has_text="520201 报到人数").click()
    page.wait_for_load_state()
    goal = Goal.objects.get(title="520201 报到人数")
    assert tab.heading() == "520201 报到人数" and page.url.endswith(f"/goals/{goal.pk}/")
    history = page.locator("#history tr[data-period]")
    assert history.count() == 1 and "达成" in history.inner_text() and "计算批次 #" in history.inner_text()
    assert "设定目标值" in page.inner_text("#goal-changes")  # its history, from the audit log
    screenshots(page, "goals-goal")

    tab.goto(f"/goals/schedule/?year={YEAR}")
    with page.expect_navigation():
        page.get_by_role("button", name="载入方案表 2").click()
    assert page.locator("#schedule tbody tr[data-row]").count() == 40
    assert page.locator("#schedule-chart svg").count() == 1  # the ECharts timeline, drawn offline
    assert page.locator("#overdue-count").inner_text().startswith("逾期")
    screenshots(page, "goals-schedule")

    tab.goto(f"/goals/tasks/?year={YEAR}")
    page.locator("#key-point-new summary").click()
    page.fill("#key-point-new input[name=title]", "完成专业人才培养方案修订")
    page.select_option("#key-point-new select[name=unit]", "xxgc")
    page.fill("#key-point-new input[name=due_date]", "2026-03-31")
    with page.expect_navigation():
        page.locator("#key-point-new button").click()
    point = Task.objects.get(title="完成专业人才培养方案修订")
    row = page.locator(f'[data-task="{point.pk}"]').first
    assert "逾期 62 天" in row.inner_text()  # due 03-31, today 06-01, not done
    screenshots(page, "goals-tasks")
