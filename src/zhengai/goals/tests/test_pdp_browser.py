"""Personal development plans in Debian's chromium: a teacher opens his plan from the menu; his supervisor
adds a comment. Screenshots at 1366 and 390 wide go to test-artifacts/pdp-*.png."""

from __future__ import annotations

import pytest
from django.urls import reverse

from zhengai.goals.models import Plan
from zhengai.goals.services import pdp_generate_from_template
from zhengai.goals.tests.test_pdp import TODAY, measured, template  # noqa: F401 (fixtures)
from zhengai.lib import clock
from zhengai.lib.pytest_browser import ARTIFACTS, Tab, needs_chromium, screenshots

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), needs_chromium]


def test_a_teacher_opens_his_plan_and_his_supervisor_comments(tab, browser, live_server, measured, template, cast,  # noqa: F811
                                                              password):  # fmt: skip
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pdp_generate_from_template(template=template, by=cast.user("officer"))
    plan = Plan.objects.get(template=template, entity_key="T002")
    plan.supervisor = cast.user("major_leader")
    plan.save(update_fields=["supervisor"])
    page = tab.page
    with clock.frozen(TODAY):
        tab.login("teacher", password)
        page.click("#sidebar-menu .dropdown-toggle:has-text('目标链')")
        page.click("#sidebar-menu a:has-text('个人发展规划')")
        page.wait_for_url(f"**{reverse('goals:pdp', args=[plan.pk])}")
        assert tab.heading() == "李娜专任教师三年发展规划"
        goal = page.locator("[data-goal]").first
        assert goal.locator("[data-year='2025'] [data-year-state]").inner_text() == "未达成"
        assert goal.locator("[data-year='2026'] [data-year-state]").inner_text() == "数据不足"
        assert page.locator("#comment-form").is_visible() and page.locator("#stage-form").count() == 0
        screenshots(page, "pdp-detail-teacher")

        supervisor = Tab(browser, live_server.url)
        try:
            supervisor.login("major_leader", password)
            supervisor.goto(reverse("goals:pdps"))
            with supervisor.page.expect_navigation():
                supervisor.page.click(f"[data-plan='{plan.pk}'] a")
            supervisor.page.fill("#comment-text", "培训学时差 18 学时，寒假参加省培补齐")
            with supervisor.page.expect_navigation():
                supervisor.page.click("#comment-form button")
            assert supervisor.page.get_by_text("已保存意见").is_visible()
            comment = supervisor.page.locator("[data-comment]").inner_text()
            assert comment.endswith("培训学时差 18 学时，寒假参加省培补齐")
            assert supervisor.errors == [] and supervisor.external == [] and supervisor.broken_assets == []
        finally:
            supervisor.close()
        page.reload()  # the teacher sees the comment on his plan
        assert "培训学时差 18 学时" in page.locator("#comments").inner_text()

        office = Tab(browser, live_server.url)
        try:
            office.login("officer", password)
            office.goto(reverse("goals:pdps"))
            assert office.page.locator("[data-off-track='1']").count() == 2
            screenshots(office.page, "pdp-list")
            office.goto(reverse("goals:pdp_templates"))
            office.page.click(f"[data-template='{template.pk}'] summary:has-text('批量生成')")
            with office.page.expect_navigation():
                office.page.click(f"[data-generate='{template.pk}'] button")
            assert office.page.locator("[data-skipped]").inner_text() == "3"
            office.page.eval_on_selector_all("details", "all => all.forEach(d => { d.open = true; })")
            screenshots(office.page, "pdp-templates")
            assert office.errors == [] and office.external == [] and office.broken_assets == []
        finally:
            office.close()
