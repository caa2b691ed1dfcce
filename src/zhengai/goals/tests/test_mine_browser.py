"""我的目标与任务 in Debian's chromium: a department head finds his overdue task first and reports it done;
it is recorded as 延期完成. Screenshots of the three assessment pages at 1366 and 390 px go to test-artifacts/."""

from __future__ import annotations

import pytest

from zhengai.goals.choices import GoalStatus
from zhengai.goals.models import Goal, Task
from zhengai.goals.services import assessment_run
from zhengai.goals.tests.test_assessment import ASSESSED, YEAR, build_college
from zhengai.lib import clock
from zhengai.lib.pytest_browser import ARTIFACTS, Tab, needs_chromium, screenshots

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), needs_chromium]


@pytest.fixture
def college(cast, settings, tmp_path):
    return build_college(cast, settings, tmp_path)


def test_a_head_reports_his_overdue_task_from_my_goals_and_tasks(
    tab,
    browser,
    live_server,
    college,
    cast,
    password,
    monkeypatch,
):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    monkeypatch.setenv(clock.ENV, ASSESSED.isoformat())  # the server's clock, in its own thread
    officer, _office = college
    with clock.frozen(ASSESSED):
        assessment_run(year=YEAR, by=officer)
    late = Task.objects.get(title="实训室建设方案")
    Goal.objects.filter(title="510202 报到人数").update(owner=cast.user("head_a"))  # a goal he answers for

    page = tab.page
    tab.login("head_a", password)
    assert "/goals/mine/" in tab.nav_links() and "/goals/assessment/" in tab.nav_links()
    tab.goto("/goals/mine/")
    assert tab.heading() == "我的目标与任务"
    first = page.locator("#tasks [data-task-row]").first
    assert first.get_attribute("data-task-row") == str(late.pk) and "逾期 61 天" in first.inner_text()
    assert page.locator("#tasks [data-task-row]").count() == 4  # his unit's four tasks, not 护理系's
    mine = page.locator("#goal-tree .zg-goal")
    assert mine.count() == 1 and mine.get_attribute("data-state") == "not_attained"
    assert "监测值 60" in mine.inner_text()
    screenshots(page, "assessment-mine")

    first.locator("summary").click()
    first.locator("select[name=status]").select_option(GoalStatus.DONE)
    first.locator("textarea[name=note]").fill("实训室建设方案已经系务会通过")
    with page.expect_navigation():
        first.locator("button[type=submit]").click()
    assert "已保存“实训室建设方案”：延期完成" in page.content()  # finished after its deadline
    late.refresh_from_db()
    assert late.status == GoalStatus.DONE_LATE and late.notes.get().text == "实训室建设方案已经系务会通过"
    assert page.locator("#overdue-count").count() == 0  # nothing of his is overdue any more

    tab.goto("/goals/units/xxgc/")
    assert tab.heading() == "信息工程系的目标与任务"
    assert "第 2 名" in page.inner_text("#unit-result")
    screenshots(page, "assessment-unit")
    assert tab.goto("/goals/units/hlx/").status == 403

    office = Tab(browser, live_server.url)
    try:
        office.login("officer", password)
        office.goto("/goals/assessment/")
        assert office.heading() == "考核结果"
        rows = office.page.locator("#assessment tbody tr")
        assert [rows.nth(i).get_attribute("data-unit") for i in range(rows.count())] == ["xxgc", "hlx", "jwc"]
        screenshots(office.page, "assessment-results")
        office.goto("/goals/assessment/scheme/")
        screenshots(office.page, "assessment-scheme")
        assert office.errors == [] and office.external == [] and office.broken_assets == []
    finally:
        office.close()
