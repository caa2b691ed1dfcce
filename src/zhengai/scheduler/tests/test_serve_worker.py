"""`zhengai serve` runs the task worker and the scheduler in its own process unless told not to, and
stops them with the server. Real `zhengai serve` processes on a fresh data folder (SQLite)."""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

SRC = str(Path(__file__).resolve().parents[3])


def _env(data_dir: Path, **env: str) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ZHENGAI_")}
    clean.update(ZHENGAI_DATA_DIR=str(data_dir), PYTHONPATH=SRC, **env)
    return clean


@pytest.fixture(scope="module")
def migrated(tmp_path_factory) -> Path:
    """A fresh install's database, migrated once; each test serves a copy of it."""
    data_dir = tmp_path_factory.mktemp("migrated")
    subprocess.run([sys.executable, "-m", "zhengai.cli", "migrate", "-v0"], env=_env(data_dir), check=True)
    return data_dir / "zhengai.sqlite3"


def _serve(data_dir: Path, migrated: Path, **env: str) -> tuple[subprocess.Popen, str, Path]:
    data_dir.mkdir()
    shutil.copy(migrated, data_dir / "zhengai.sqlite3")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = data_dir.parent / f"{data_dir.name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "zhengai.cli", "serve", "--port", str(port), "--no-migrate"],
            env=_env(data_dir, **env),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}/accounts/login/"
    deadline = time.monotonic() + 90
    while True:
        try:
            urllib.request.urlopen(url, timeout=2)
            return process, url, log
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail("zhengai serve 未能启动：\n" + log.read_text("utf-8", errors="replace"))
            time.sleep(0.3)


def _job_rounds(data_dir: Path) -> dict[str, int]:
    with sqlite3.connect(data_dir / "zhengai.sqlite3") as db:
        return dict(db.execute("select name, rounds from scheduler_jobstate"))


def _stop(process: subprocess.Popen, log: Path) -> str:
    process.terminate()  # SIGTERM, as systemd or docker stop send it
    assert process.wait(timeout=60) == 0
    return log.read_text("utf-8")


def test_serve_runs_the_scheduler_in_process_and_stops_it_with_the_server(tmp_path, migrated):
    data_dir = tmp_path / "on"
    process, _, log = _serve(data_dir, migrated)
    try:
        deadline = time.monotonic() + 30
        while not _job_rounds(data_dir) and time.monotonic() < deadline:
            time.sleep(0.3)
    finally:
        output = _stop(process, log)
    assert {"alerts.escalate_overdue", "alerts.deliveries_send_due", "datacenter.sources_sync_due"} <= set(
        _job_rounds(data_dir)
    )
    assert "后台任务已停止" in output and "Traceback" not in output


def test_serve_leaves_background_work_to_a_separate_worker_when_switched_off(tmp_path, migrated):
    data_dir = tmp_path / "off"
    process, url, log = _serve(data_dir, migrated, ZHENGAI_SERVE_WORKER="false")
    try:
        time.sleep(6)  # longer than the scheduler's first tick would take
        urllib.request.urlopen(url, timeout=5)  # still serving
    finally:
        output = _stop(process, log)
    assert _job_rounds(data_dir) == {}
    assert "后台任务" not in output
