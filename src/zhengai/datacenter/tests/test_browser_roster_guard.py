"""An operator uploads a roster that drops most students: the batch page holds it with the figures, and the
confirm button imports it. Screenshots of the held batch and the upload form at 1366 and 390 px wide."""

from __future__ import annotations

import pytest
from django.urls import reverse

from zhengai.datacenter import store
from zhengai.datacenter.models import ImportRun
from zhengai.datacenter.standard import table
from zhengai.datacenter.tests.test_roster_guard import roster, run_import, xuegong  # noqa: F401
from zhengai.lib.pytest_browser import ARTIFACTS, needs_chromium

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), needs_chromium]


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)


def test_a_held_roster_shows_the_warning_and_imports_once_confirmed(tab, cast, password, settings, xuegong, tmp_path):  # noqa: F811
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    run_import(xuegong, roster(tmp_path / "学生名单.csv", range(60)))
    small = roster(tmp_path / "学生名单_新.csv", range(5))
    page = tab.page
    tab.login("it", password)
    tab.goto(reverse("datacenter:source_detail", args=[xuegong.code]))
    box = page.locator("#upload-form input[name=confirm_removal]")
    assert box.is_visible() and not box.is_checked()
    assert "确认：允许本批使大量现有记录消失" in page.locator("#upload-form").inner_text()
    page.locator("#upload-form").scroll_into_view_if_needed()
    shot(page, "dc-roster-guard-upload-1366")
    page.set_viewport_size({"width": 390, "height": 844})
    page.locator("#upload-form").scroll_into_view_if_needed()
    page.screenshot(path=ARTIFACTS / "dc-roster-guard-upload-390.png")
    page.set_viewport_size({"width": 1366, "height": 768})

    page.select_option("#upload-form select[name=table]", "students")
    page.set_input_files("#upload-form input[name=files]", str(small))
    with page.expect_navigation():
        page.click("#upload-form button[type=submit]")
    assert page.locator(".zg-run-status").inner_text() == "待确认"
    held = page.locator(".zg-held")
    assert "现有 60 名学生中的 55 名（91.7%）从名单中消失" in held.inner_text()
    assert len(store.read_table(table("students"))) == 60  # the data center still holds the old roster
    assert not tab.errors and not tab.external
    shot(page, "dc-roster-guard-held-1366")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "dc-roster-guard-held-390")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.set_viewport_size({"width": 1366, "height": 768})

    with page.expect_navigation():
        held.locator("button", has_text="确认替换并入库").click()
    assert page.locator(".zg-run-status").inner_text() == "已入库"
    assert "已由 黄信息 确认" in page.locator(".zg-decision").inner_text()
    assert ImportRun.objects.filter(table="students").count() == 2
    assert len(store.read_table(table("students"))) == 5
    shot(page, "dc-roster-guard-confirmed-1366")
