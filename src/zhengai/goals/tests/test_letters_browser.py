"""目标责任书 in Debian's chromium: 质控中心 opens the list and generates the teaching departments' letters, the
department head opens his letter, signs it and downloads the Word file. Screenshots at 1366 and 390 px go to
test-artifacts/letters-*.png."""

from __future__ import annotations

import hashlib
import io

import docx
import pytest
from django.urls import reverse

from zhengai.goals.choices import LetterStatus
from zhengai.goals.models import Letter
from zhengai.goals.tests.test_letters import YEAR, unit_goals  # noqa: F401 (the fixture)
from zhengai.lib.pytest_browser import ARTIFACTS, Tab, needs_chromium, screenshots

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), needs_chromium]


def test_the_office_generates_and_the_head_signs_and_downloads(tab, browser, live_server, unit_goals, password):  # noqa: F811
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = tab.page
    tab.login("officer", password)
    tab.goto(f"{reverse('goals:letters')}?year={YEAR}")
    assert tab.heading() == "目标责任书"
    assert page.locator("#letters tbody tr[data-letter]").count() == 0
    with page.expect_navigation():
        page.click("#generate-bulk button[value=teaching]")
    assert page.get_by_text("已生成或更新 2 份草稿").is_visible()
    assert page.locator("#letters tbody tr[data-status=draft]").count() == 2
    screenshots(page, "letters-list")

    head = Tab(browser, live_server.url)
    try:
        hp = head.page
        head.login("head_a", password)
        head.goto(f"{reverse('goals:letters')}?year={YEAR}")
        assert hp.locator("#letters tbody tr").count() == 1  # his unit only
        with hp.expect_navigation():
            hp.click("#letters tbody tr[data-unit=xxgc] a")
        assert head.heading() == "2026-2027 学年 信息工程系 目标责任书"
        assert hp.locator("#letter-goals tbody tr").count() == 3
        with hp.expect_navigation():
            hp.click("#sign-button")
        assert hp.get_attribute("#letter-status", "data-status") == LetterStatus.AWAITING
        assert hp.inner_text("#recipient-signature").startswith("何主任（部门负责人）于")
        assert hp.locator("#sign-button").count() == 0  # his side has signed
        with hp.expect_download() as got:
            hp.click("#download-button")
        download = got.value
        assert download.suggested_filename == "2026-2027学年信息工程系目标责任书（第1版）.docx"
        data = open(download.path(), "rb").read()
        letter = Letter.objects.get(unit__code="xxgc")
        assert hashlib.sha256(data).hexdigest() == letter.sha256
        text = "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)
        assert "乙方签署：何主任（部门负责人）于" in text and "甲方签署：未签署" in text
        screenshots(hp, "letters-detail")
        assert head.errors == [] and head.external == [] and head.broken_assets == []
    finally:
        head.close()

    # The school's side signs: the letter is locked and the office may amend it.
    tab.goto(reverse("goals:letter_detail", args=[letter.pk]))
    with page.expect_navigation():
        page.click("#sign-button")
    assert page.get_attribute("#letter-status", "data-status") == LetterStatus.SIGNED
    assert page.locator("#amend-form").count() == 1
    screenshots(page, "letters-signed")
    tab.goto(reverse("goals:letter_template"))
    assert tab.heading() == "目标责任书模板" and page.locator("#variables tr").count() == 16
    screenshots(page, "letters-template")
