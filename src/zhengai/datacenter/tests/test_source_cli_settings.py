"""`zhengai source add|edit|show` in a real process: a SQLite source database set up from the command line with a
password on stdin, synced into the data center; the password is nowhere in the platform's database file."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

SRC = Path(__file__).resolve().parents[3]
ZHENGAI = "/work/main/.venv/bin/zhengai"
PASSWORD = "Cli-Pa55-secret-77"

MAP = """
from zhengai.datacenter.models import SourceMapping, SourceSystem
SourceMapping.objects.create(source=SourceSystem.objects.get(code="tushu"), table="library_visits", locator="tsg_jg",
    columns={"visit_id": "lsh", "reader_no": "dzzh", "visit_time": "jgsj"})
"""
REPORT = """
import json
from zhengai.datacenter import store
from zhengai.datacenter.standard import table
print(json.dumps(sorted(r["visit_id"] for r in store.read_table(table("library_visits")).to_pylist())))
"""


def _env(tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(SRC)
    env["ZHENGAI_DATA_DIR"] = str(tmp / "data")
    env["ZHENGAI_DATABASE_URL"] = f"sqlite:///{tmp / 'app.sqlite3'}"
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("ZHENGAI_SECRETS_KEY", None)
    return env


def _zhengai(env, *args, stdin: str | None = None, check=True) -> subprocess.CompletedProcess:
    exe = ZHENGAI if Path(ZHENGAI).exists() else "zhengai"
    done = subprocess.run([exe, *args], env=env, input=stdin, capture_output=True, text=True, timeout=300)
    if check:
        assert done.returncode == 0, done.stderr
    return done


def test_a_sql_source_set_up_from_the_command_line_syncs_and_keeps_its_password_encrypted(tmp_path):
    db = tmp_path / "tushu.sqlite"
    with sqlite3.connect(db) as con:
        con.execute("CREATE TABLE tsg_jg (id INTEGER PRIMARY KEY, lsh TEXT, dzzh TEXT, jgsj TEXT)")
        con.executemany(
            "INSERT INTO tsg_jg VALUES (?, ?, ?, ?)", [(i, f"V{i}", "R1", "2025-09-01 08:00") for i in (1, 2)]
        )
    env = _env(tmp_path)
    _zhengai(env, "migrate", "-v0")
    said = _zhengai(env, "source", "add", "tushu", "--kind", "sql", "--name", "图书系统", "--url", f"sqlite:///{db}",
                    "--password-stdin", "--schedule-minutes", "60", stdin=PASSWORD + "\n").stdout  # fmt: skip
    assert "已新建数据源 tushu（图书系统" in said
    shown = _zhengai(env, "source", "show", "tushu").stdout
    assert "密码：已设置" in shown and "同步周期：60 分钟" in shown and PASSWORD not in shown

    said = _zhengai(
        env, "source", "edit", "tushu", "--schedule-minutes", "15", "--invalid-policy", "commit_valid"
    ).stdout
    assert "同步周期：15 分钟" in said and "（commit_valid）" in said
    refused = _zhengai(env, "source", "edit", "tushu", "--expected-every-days", "-3", check=False)
    assert refused.returncode != 0 and "应更新周期（天）“-3”超出范围" in refused.stderr
    refused = _zhengai(env, "source", "edit", "nope", "--disable", check=False)
    assert refused.returncode != 0 and "没有代码为“nope”的数据源" in refused.stderr

    _zhengai(env, "shell", "-c", MAP)
    _zhengai(env, "sync", "tushu")
    assert json.loads(_zhengai(env, "shell", "-c", REPORT).stdout.strip().splitlines()[-1]) == ["V1", "V2"]

    _zhengai(env, "source", "edit", "tushu", "--password-env", "TUSHU_PW")
    assert "密码：取自环境变量 TUSHU_PW" in _zhengai(env, "source", "show", "tushu").stdout
    _zhengai(env, "source", "edit", "tushu", "--clear-password")
    assert "密码：未设置" in _zhengai(env, "source", "show", "tushu").stdout
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("app.sqlite3*"))
    assert PASSWORD.encode() not in stored  # not in any table, audit records included
