"""Every role signs in through the login form and opens every page of its navigation in a real browser.

Runs Debian's chromium through Playwright against the live test server (the harness of
zhengai.lib.pytest_browser); any request to a host other than the test server fails the test (campus
intranets have no internet). Screenshots of the main pages, as the quality office sees them on a
1366×768 laptop, go to test-artifacts/.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from zhengai.lib.pytest_browser import ARTIFACTS, needs_chromium

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    needs_chromium,
]

# Page heading of every navigation target.
TITLES = {
    "home": "驾驶舱 · 总览",
    "goals:tree": "目标树",
    "goals:schedule": "诊改工作实施进度表",
    "goals:mine": "我的目标与任务",
    "goals:tasks": "年度工作任务",
    "goals:letters": "目标责任书",
    "goals:assessment": "考核结果",
    "goals:pdps": "个人发展规划",
    "org:matrix": "五纵五横架构",
    "monitoring:catalogue": "指标目录",
    "monitoring:runs": "计算批次",
    "alerts:mine": "我的预警",
    "alerts:overview": "预警总览",
    "alerts:inbox": "站内通知",
    "datacenter:dictionary": "数据标准（数据字典）",
    "datacenter:sources": "数据源",
    "datacenter:runs": "采集批次",
    "datacenter:quality": "数据质量",
    "org:majors": "专业",
    "org:courses": "课程",
    "org:classes": "班级",
    "org:teachers": "教师",
    "org:students": "学生",
    "org:units": "部门与五纵归属",
    "org:calendar": "校历（学年、学期与统计日）",
    "audit:log": "审计日志",
}
ROLES = ["officer", "committee", "it", "reviewer", "head_a", "major_leader", "course_leader", "teacher",
         "student", "outsider"]  # fmt: skip


def _expected_title(path: str) -> str:
    for name, title in TITLES.items():
        if reverse(name) == path:
            return title
    raise AssertionError(f"navigation link to an unknown page: {path}")


@pytest.mark.parametrize("key", ROLES)
def test_every_role_opens_every_page_of_its_navigation(tab, cast, password, key):
    tab.login(key, password)
    links = tab.nav_links()
    user = cast.user(key)
    if user.role in ("student", "none"):
        # A student (or an account with no role) has only his own pages: no administration menus.
        own = [reverse("goals:pdps")] if user.role == "student" else []
        assert links == [reverse("home"), *own, reverse("alerts:mine"), reverse("alerts:inbox")]
    else:
        assert reverse("home") in links and reverse("org:students") in links
        assert (reverse("audit:log") in links) == user.can_read_audit_log
    manages = user.role in ("quality_office", "committee", "it_center", "reviewer", "department_head")
    assert (reverse("org:units") in links) == manages and (reverse("org:calendar") in links) == manages
    for path in links:
        response = tab.goto(path)
        assert response.status == 200, f"{key}: {path} → {response.status}"
        assert tab.heading() == _expected_title(path), path
        assert tab.page.title().endswith("· 诊改平台")
        assert "服务器出错" not in tab.page.content()

    # One detail page: the first record of the first list that shows one.
    opened_detail = False
    for name in ["org:students", "org:teachers", "org:courses", "org:majors", "org:classes"]:
        tab.goto(reverse(name))
        first = tab.page.locator("#results tbody a").first
        if first.count():
            record = first.inner_text().strip()
            with tab.page.expect_navigation():
                first.click()
            assert tab.heading().startswith(record)
            opened_detail = True
            break
    assert opened_detail == (key != "outsider")


def test_outsider_sees_empty_lists_and_no_details(tab, cast, password):
    tab.login("outsider", password)
    for name in ["org:majors", "org:courses", "org:classes", "org:teachers", "org:students"]:
        tab.goto(reverse(name))
        assert tab.page.locator("#results tbody tr").count() == 0
        assert tab.page.get_by_text("尚未分配角色或数据范围").is_visible()
    for url in [
        reverse("org:student_detail", args=[cast.students_a[0].pk]),
        reverse("org:teacher_detail", args=[cast.li.pk]),
        reverse("org:major_detail", args=[cast.software.pk]),
    ]:
        assert tab.goto(url).status == 404
    assert tab.goto(reverse("audit:log")).status == 403


def test_cockpit_draws_its_charts(tab, cast, password):
    tab.login("officer", password)
    tab.page.wait_for_selector("#chart-majors canvas")
    tab.page.wait_for_selector("#chart-titles canvas")
    size = tab.page.eval_on_selector("#chart-majors canvas", "c => [c.width, c.height]")
    assert size[0] > 300 and size[1] > 200


def test_search_updates_the_table_in_place_and_the_address(tab, cast, password):
    tab.login("head_a", password)
    tab.goto(reverse("org:students"))
    tab.page.evaluate("window.__samePage = true")
    tab.page.fill("input[name=q]", "钱")
    tab.page.wait_for_function("document.querySelectorAll('#results tbody tr').length === 1")
    assert tab.page.locator("#results tbody").inner_text().count("钱二") == 1
    assert tab.page.evaluate("window.__samePage") is True  # swapped by htmx, not a new page
    tab.page.wait_for_function("location.search.includes('q=')")
    tab.page.select_option("select[name=status]", "enrolled")
    tab.page.wait_for_function("location.search.includes('status=enrolled')")
    assert tab.page.locator("#results tbody tr").count() == 1


def test_page_links_swap_the_table_and_keep_the_filters(tab, cast, password):
    from zhengai.org.models import Student

    Student.objects.bulk_create(
        Student(student_no=f"2024{n:06d}", name=f"学生{n}", gender="1", major=cast.network,
                school_class=cast.net2401, cohort=2024, status="enrolled")
        for n in range(60)
    )  # fmt: skip
    tab.login("officer", password)
    tab.goto(reverse("org:students") + "?cohort=2024")
    assert tab.page.locator("#results tbody tr").count() == 50
    tab.page.evaluate("window.__samePage = true")
    tab.page.click("#results .pagination >> text=下一页")
    tab.page.wait_for_function("location.search.includes('page=2')")
    tab.page.wait_for_function("document.querySelectorAll('#results tbody tr').length === 11")
    assert "cohort=2024" in tab.page.url
    assert tab.page.evaluate("window.__samePage") is True
    tab.page.go_back()
    tab.page.wait_for_function("document.querySelectorAll('#results tbody tr').length === 50")


def test_quality_office_edits_a_matrix_cell_inline(tab, cast, password):
    from zhengai.audit.models import AuditRecord
    from zhengai.org.models import ArchitectureCell

    cell = ArchitectureCell.objects.get(row__aspect="目标", level__code="student")
    tab.login("officer", password)
    tab.goto(reverse("org:matrix"))
    td = tab.page.locator(f"#cell-{cell.pk}")
    td.hover()
    td.locator(".zg-cell-edit").click()
    textarea = tab.page.locator(f"#cell-{cell.pk} textarea")
    textarea.wait_for()
    textarea.fill("育人规划\n学生发展规划\n学生职业生涯规划")
    tab.page.fill(f"#cell-{cell.pk} input[name=note]", "增加职业生涯规划")
    tab.page.click(f"#cell-{cell.pk} button[type=submit]")
    tab.page.wait_for_selector(f"#cell-{cell.pk} li:has-text('学生职业生涯规划')")
    record = AuditRecord.objects.get(object_id=str(cell.pk), object_type="org.architecturecell")
    assert record.after == {"items": ["育人规划", "学生发展规划", "学生职业生涯规划"]}


def test_reviewer_sees_no_edit_buttons_on_the_matrix(tab, cast, password):
    tab.login("reviewer", password)
    tab.goto(reverse("org:matrix"))
    assert tab.page.locator(".zg-cell-edit").count() == 0


def test_screenshots_of_the_main_pages_as_the_quality_office(tab, cast, password):
    """Not an assertion on pixels: the pictures are for people to look at (layout, Chinese fonts)."""
    from zhengai.org.models import ArchitectureCell
    from zhengai.org.services import architecture_cell_update, org_units_load_default

    org_units_load_default()
    cell = ArchitectureCell.objects.get(row__aspect="标准", level__code="course")
    architecture_cell_update(
        cell=cell, items=[*cell.item_texts(), "课程思政建设标准"], by=cast.user("officer"), note="增补"
    )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = tab.page

    tab.goto(reverse("accounts:login"))
    page.screenshot(path=ARTIFACTS / "00-login.png")
    tab.login("officer", password)
    page.wait_for_selector("#chart-majors canvas")
    page.wait_for_timeout(600)  # let the chart's entry animation finish
    shots = [
        ("01-home", reverse("home")),
        ("02-matrix", reverse("org:matrix")),
        ("03-units", reverse("org:units")),
        ("04-majors", reverse("org:majors")),
        ("05-students", reverse("org:students")),
        ("06-teachers", reverse("org:teachers")),
        ("07-courses", reverse("org:courses")),
        ("08-classes", reverse("org:classes")),
        ("09-calendar", reverse("org:calendar")),
        ("10-audit", reverse("audit:log")),
        ("11-dictionary", reverse("datacenter:dictionary")),
        ("12-major-detail", reverse("org:major_detail", args=[cast.software.pk])),
        ("13-student-detail", reverse("org:student_detail", args=[cast.students_a[0].pk])),
    ]
    for name, path in shots:
        assert tab.goto(path).status == 200
        if name == "01-home":
            page.wait_for_selector("#chart-titles canvas")
            page.wait_for_timeout(1200)
        page.screenshot(path=ARTIFACTS / f"{name}.png")

    tab.goto(reverse("org:matrix"))
    target = page.locator(f"#cell-{cell.pk}")
    target.hover()
    target.locator(".zg-cell-edit").click()
    page.wait_for_selector(f"#cell-{cell.pk} textarea")
    page.screenshot(path=ARTIFACTS / "14-matrix-editing.png")
    assert len(list(ARTIFACTS.glob("*.png"))) >= 15
