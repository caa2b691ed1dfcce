"""信息中心 sets up a database source in a real browser: creates it pointing at a SQLite file, tests the connection,
saves, edits the schedule; no page ever contains the password.

Screenshots of the settings page at 1366 and 390 px wide go to test-artifacts/.
"""

from __future__ import annotations

import sqlite3

import pytest
from django.urls import reverse

from zhengai.datacenter import secrets
from zhengai.datacenter.models import SourceSystem
from zhengai.lib.pytest_browser import ARTIFACTS, needs_chromium

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), needs_chromium]

SECRET = "Br0wser-Pa55-2026"


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)


def test_a_sql_source_is_created_tested_and_edited_in_the_browser_without_the_password_showing(
    tab, cast, password, data_dir, tmp_path
):
    db = tmp_path / "jiaowu.sqlite"
    with sqlite3.connect(db) as con:
        con.execute("CREATE TABLE xs_jbxx (xh TEXT, xm TEXT)")
    page = tab.page
    seen: list[str] = []
    tab.login("it", password)
    tab.goto(reverse("datacenter:sources"))
    with page.expect_navigation():
        page.click("#new-source")
    assert not page.locator("#sql-settings").is_visible()  # a file source by default
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "dc-source-new-390")
    page.set_viewport_size({"width": 1366, "height": 768})
    page.fill("input[name=name]", "教务系统")
    page.fill("input[name=code]", "jiaowu")
    page.select_option("select[name=connector]", "sql")
    assert page.locator("#sql-settings").is_visible()
    page.select_option("select[name=unit_code]", cast.quality.code)
    page.fill("input[name=url]", f"sqlite:///{db}")
    page.fill("input[name=password]", SECRET)
    with page.expect_navigation():
        page.click("button[value=test]")
    seen.append(page.content())
    assert "连接成功，看到 1 张表或视图" in page.locator("#connection-test").inner_text()
    assert page.input_value("input[name=password]") == ""  # never filled back in
    assert not SourceSystem.objects.exists()
    page.fill("input[name=password]", SECRET)
    with page.expect_navigation():
        page.click("button[value=save]")
    seen.append(page.content())
    source = SourceSystem.objects.get(code="jiaowu")
    assert secrets.resolve_password(source) == SECRET and source.owner_unit == cast.quality
    assert "密码：已设置" in page.inner_text("body")
    shot(page, "dc-source-detail-1366")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "dc-source-detail-390")
    page.set_viewport_size({"width": 1366, "height": 768})

    with page.expect_navigation():
        page.click("#edit-settings")
    seen.append(page.content())
    assert "已保存（留空则不变）" in page.inner_text("#sql-settings")
    assert page.input_value("input[name=url]") == f"sqlite:///{db}"
    shot(page, "dc-source-settings-1366")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "dc-source-settings-390")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.set_viewport_size({"width": 1366, "height": 768})
    page.fill("input[name=schedule_minutes]", "30")
    with page.expect_navigation():
        page.click("button[value=test]")  # a blank password: the saved one is used
    seen.append(page.content())
    assert "连接成功" in page.locator("#connection-test").inner_text()
    with page.expect_navigation():
        page.click("button[value=save]")
    seen.append(page.content())
    source.refresh_from_db()
    assert source.schedule_minutes == 30 and secrets.resolve_password(source) == SECRET
    assert "每 30 分钟" in page.inner_text("body") or "30 分钟" in page.inner_text("body")
    tab.goto(reverse("datacenter:sources"))
    seen.append(page.content())
    shot(page, "dc-sources-list-1366")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "dc-sources-list-390")
    assert not any(SECRET in html for html in seen)
    assert not tab.errors and not tab.external
