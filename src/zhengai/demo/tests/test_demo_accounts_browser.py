"""The demo college as a visitor meets it: every demo account signs in through the login form in
Debian chromium and opens every page of its navigation, on a small demo built by `zhengai demo`."""

from __future__ import annotations

from io import StringIO
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.urls import reverse

from zhengai.accounts.tests.test_browser import _expected_title
from zhengai.demo.services import DEMO_PASSWORD
from zhengai.lib.pytest_browser import Tab
from zhengai.org.models import Student

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ACCOUNTS = ["admin", "zhikong", "xinxi", "xibu", "jiaoshi", "xuesheng", "zhuanjia"]


@pytest.fixture
def demo(tmp_path):
    call_command("demo", "--students", "300", "--out", str(tmp_path / "exports"), stdout=StringIO())


def test_every_demo_account_opens_every_page_of_its_navigation(demo, browser, live_server):
    seen_students: dict[str, int] = {}
    for username in ACCOUNTS:
        tab = Tab(browser, live_server.url)
        try:
            tab.login(username, DEMO_PASSWORD)
            links = tab.nav_links()
            assert reverse("home") in links
            for path in links:
                response = tab.goto(path)
                assert response.status == 200, f"{username}: {path} → {response.status}"
                heading, expected = tab.heading(), _expected_title(path)
                # a person with one development plan lands on it: 「<name>…个人发展规划」
                own_plan = path == reverse("goals:pdps") and heading.endswith(expected)
                assert heading == expected or own_plan, f"{username}: {path}"
                assert "服务器出错" not in tab.page.content()
            tab.goto(reverse("org:students"))
            seen_students[username] = tab.page.locator("#results tbody tr").count()
            assert urlsplit(tab.page.url).path == reverse("org:students")
        finally:
            tab.close()
        assert tab.external == [], f"{username}: requests left the server: {tab.external}"
        assert tab.errors == [] and tab.broken_assets == [], f"{username}: {tab.errors} {tab.broken_assets}"
    # The student sees exactly one student (herself); the department head sees only her department.
    assert seen_students["xuesheng"] == 1
    assert 0 < seen_students["xibu"] <= seen_students["zhikong"]
    student = Student.objects.get(user__username="xuesheng")
    assert student.major.department.code == "hlx"
