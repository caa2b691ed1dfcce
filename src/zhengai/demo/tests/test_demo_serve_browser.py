"""`make demo` as a college meets it: `zhengai demo` then `zhengai serve`, nothing else started.

A file uploaded in the web UI is imported by the worker that `zhengai serve` runs in its own process,
the committed batch re-evaluates its indicators, and the alert it causes appears in the alert list.
The file is the demo's own 招生 export (the college's xlsx) with 护理's latest intake reporting at
about half: 新生报到率 (a major-level indicator) falls below its 80 % line.
Screenshots at 1366×768 go to test-artifacts/demo-serve-*.png.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.urls import reverse

from zhengai.demo.services import DEMO_PASSWORD
from zhengai.lib.pytest_browser import ARTIFACTS, CHROMIUM, Tab

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no chromium at {CHROMIUM}"),
]

MAJOR, MAJOR_NAME, INDICATOR = "520201", "护理", "新生报到率"
SRC = str(Path(__file__).resolve().parents[3])  # this checkout's src/, ahead of any installed copy


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(data_dir: Path) -> dict[str, str]:
    # Exactly a fresh install: the data folder's SQLite, the real clock, the defaults of every switch.
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZHENGAI_") and k != "DJANGO_SETTINGS_MODULE"}
    env["ZHENGAI_DATA_DIR"] = str(data_dir)
    env["PYTHONPATH"] = os.pathsep.join([SRC, *filter(None, [os.environ.get("PYTHONPATH")])])
    return env


def _zhengai(*args: str) -> list[str]:
    return [sys.executable, "-m", "zhengai.cli", *args]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """`zhengai demo --students 300` then `zhengai serve` on a free port; yields (url, data dir, log)."""
    data_dir = tmp_path_factory.mktemp("demo-serve")
    env = _env(data_dir)
    built = subprocess.run(_zhengai("demo", "--students", "300"), env=env, capture_output=True, text=True)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    port = _free_port()
    log = data_dir / "serve.log"
    with log.open("wb") as out:
        server = subprocess.Popen(_zhengai("serve", "--port", str(port)), env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(url + reverse("accounts:login"), timeout=2)
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail("zhengai serve 未能启动：\n" + log.read_text("utf-8", errors="replace")[-3000:])
            time.sleep(0.3)
    served = {"url": url, "data_dir": data_dir, "log": log, "server": server}
    yield served
    if server.poll() is None:
        server.terminate()
        server.wait(timeout=60)


def _admissions_with_low_intake(exports: Path, out: Path) -> Path:
    """The demo's 招生 sheet as the 招生就业 system exports it, 护理's latest year reporting at half."""
    import openpyxl

    source = openpyxl.load_workbook(exports / "zhaosheng_jiuye.xlsx", read_only=True)
    rows = [list(r) for r in source["招生"].iter_rows(values_only=True)]
    header, body = rows[0], rows[1:]
    year, code, admitted, reported = (header.index(h) for h in ("年度", "专业代码", "录取数", "报到数"))
    latest = max(r[year] for r in body)
    changed = 0
    for r in body:
        if r[year] == latest and r[code] == MAJOR:
            r[reported] = r[admitted] // 2
            changed += 1
    assert changed, f"演示导出中没有 {MAJOR_NAME} {latest} 年的招生记录"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "招生"
    for r in rows:
        sheet.append(r)
    path = out / "zhaosheng_jiuye.xlsx"  # the name the demo's mapping expects
    book.save(path)
    return path


def _alert_rows(tab: Tab) -> list[str]:
    tab.goto(reverse("alerts:mine") + f"?q={MAJOR_NAME}&level=major")
    return [row.inner_text() for row in tab.page.locator("#alerts tbody tr").all()]


def test_a_file_uploaded_on_the_served_demo_is_imported_and_its_alert_listed(served, browser, tmp_path):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    upload = _admissions_with_low_intake(served["data_dir"] / "exports", tmp_path)

    officer = Tab(browser, served["url"])
    officer.login("zhikong", DEMO_PASSWORD)
    assert not [r for r in _alert_rows(officer) if INDICATOR in r], "护理的新生报到率在上传前就已有预警"

    it = Tab(browser, served["url"])
    page = it.page
    it.login("xinxi", DEMO_PASSWORD)
    it.goto(reverse("datacenter:source_detail", args=["zhaojiu"]))
    page.select_option("#upload-form select[name=table]", "admissions")
    page.set_input_files("#upload-form input[name=files]", str(upload))
    page.screenshot(path=ARTIFACTS / "demo-serve-01-upload.png")
    with page.expect_navigation():
        page.click("#upload-form button[type=submit]")
    assert it.heading().startswith("采集批次 #")
    # Nothing but `zhengai serve` runs: its in-process worker takes the batch and commits it.
    page.wait_for_selector(".zg-run-status:has-text('已入库')", timeout=90_000)
    page.screenshot(path=ARTIFACTS / "demo-serve-02-run-committed.png")

    # The committed batch re-evaluates 护理's intake indicators; the alert shows up in the list.
    deadline = time.monotonic() + 120
    rows = []
    while time.monotonic() < deadline:
        rows = [r for r in _alert_rows(officer) if INDICATOR in r]
        if rows:
            break
        officer.page.wait_for_timeout(2000)
    assert rows, "上传后 120 秒内预警列表中没有出现护理的新生报到率预警\n" + served["log"].read_text("utf-8")[-3000:]
    assert "未达标" in rows[0]
    officer.page.screenshot(path=ARTIFACTS / "demo-serve-03-alert-listed.png")
    for tab in (it, officer):
        tab.close()
        assert tab.external == [] and tab.errors == [] and tab.broken_assets == []

    # The server stops cleanly with its worker (SIGTERM, as systemd or docker stop sends).
    served["server"].terminate()
    assert served["server"].wait(timeout=60) == 0
    output = served["log"].read_text("utf-8")
    assert "后台任务已停止" in output and "Traceback" not in output
