"""A real `zhengai worker` in another process on the test's own database (time-travel tests).

`shared_database` hands out the test database's URL for a subprocess. PostgreSQL's test database
(test_<name>) is a real database already. SQLite's is in memory, which no other process can open, so
for the test's duration the default connection moves to a file copy of it (the migrated schema and
all) and moves back afterwards; the in-memory database stays open, untouched, for the other tests.
Use it with `transaction=True` and request it before the fixtures that write data.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest


@pytest.fixture
def shared_database(transactional_db, tmp_path) -> Iterator[str]:
    from django.db import connection

    if connection.vendor != "sqlite":
        url = os.environ.get("ZHENGAI_DATABASE_URL", "")
        parts = urlsplit(url)
        yield urlunsplit(parts._replace(path="/" + str(connection.settings_dict["NAME"])))
        return
    connection.ensure_connection()
    memory, name = connection.connection, connection.settings_dict["NAME"]
    path = tmp_path / "shared.sqlite3"
    copy = sqlite3.connect(path)
    memory.backup(copy)
    copy.close()
    connection.connection = None  # `memory` keeps the in-memory database alive meanwhile
    connection.settings_dict["NAME"] = str(path)
    try:
        yield f"sqlite:///{path}"
    finally:
        connection.close()
        connection.settings_dict["NAME"] = name
        connection.connection = memory


def worker_env(database_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "ZHENGAI_DATABASE_URL": database_url, "ZHENGAI_DATA_DIR": str(data_dir), **extra}
    src = str(Path(__file__).resolve().parents[3])  # this checkout's src/, ahead of any installed copy
    env["PYTHONPATH"] = os.pathsep.join([src, *filter(None, [os.environ.get("PYTHONPATH")])])
    return env


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen:
    """`zhengai worker` exactly as an operator starts it (plus a short scheduler tick)."""
    return subprocess.Popen(
        [sys.executable, "-m", "zhengai.cli", "worker", "--no-startup-delay", "--no-reload", "--schedule-tick", "0.5"],
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


def stop_worker(process: subprocess.Popen, timeout: float = 30.0) -> int:
    process.terminate()
    try:
        return process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise


def wait_for(check: Callable[[], object], *, timeout: float, what: str, process: subprocess.Popen, log: Path):
    """Poll `check` until it returns something true; fail with the worker's output if it never does."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        if process.poll() is not None:
            break
        time.sleep(0.2)
    tail = log.read_text("utf-8", errors="replace")[-4000:] if log.exists() else ""
    pytest.fail(f"{what}：{timeout:.0f} 秒内未出现（worker 退出码 {process.poll()}）\n{tail}")
