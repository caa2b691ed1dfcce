"""Killing the process in the middle of a batch leaves the previous version readable, and the
batch, run again, lands exactly once. Runs real `zhengai` processes on their own database."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

SETUP = """
from zhengai.datacenter.models import SourceSystem, SourceMapping
s = SourceSystem.objects.create(code="renshi", name="人事系统", connector="files")
SourceMapping.objects.create(source=s, table="departments", locator="*部门*", order=1,
    columns={"dept_code": "部门代码", "dept_name": "部门名称", "dept_kind": "部门类别"})
SourceMapping.objects.create(source=s, table="teachers", locator="*教师*", order=2, columns={
    "staff_no": "工号", "name": "姓名", "gender": "性别", "category": "类别", "dept_code": "部门代码",
    "title_level": "职称级别", "degree": "学位", "education": "学历", "dual_qualified": "双师型"})
SourceMapping.objects.create(source=s, table="teacher_training", locator="*培训*", order=3, columns={
    "record_id": "记录号", "staff_no": "工号", "training_kind": "类别", "title": "项目",
    "start_date": "开始", "end_date": "结束", "hours": "学时"})
"""

REPORT = """
import json
from zhengai.datacenter import store
from zhengai.datacenter.standard import table
from zhengai.datacenter.models import ImportRun, DatasetVersion
t = store.read_table(table("teacher_training"), columns=["record_id"])
ids = t.column("record_id").to_pylist()
versions = DatasetVersion.objects.filter(table="teacher_training").values_list("version", flat=True)
runs = ImportRun.objects.filter(table="teacher_training").values_list("id", "status")
print(json.dumps({"rows": len(ids), "distinct": len(set(ids)), "versions": list(versions), "runs": list(runs)}))
"""


def _env(tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["ZHENGAI_DATA_DIR"] = str(tmp / "data")
    env["ZHENGAI_DATABASE_URL"] = f"sqlite:///{tmp / 'app.sqlite3'}"
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def _zhengai(env, *args, check=True) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "zhengai.cli", *args]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, check=check, timeout=300)


def _training_csv(path: Path, first: int, count: int) -> Path:
    lines = ["记录号,工号,类别,项目,开始,结束,学时"]
    lines += [
        f"P{i:07d},T{i % 40:03d},校级培训,教学能力提升第{i}期,2025-03-01,2025-03-05,{8 + i % 30}"
        for i in range(first, first + count)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _report(env) -> dict:
    return json.loads(_zhengai(env, "shell", "-c", REPORT).stdout.strip().splitlines()[-1])


def test_killed_import_leaves_the_old_version_and_lands_once_when_run_again(tmp_path):
    env = _env(tmp_path)
    _zhengai(env, "migrate", "-v0")
    _zhengai(env, "shell", "-c", SETUP)
    (tmp_path / "部门.csv").write_text("部门代码,部门名称,部门类别\nhlx,护理系,3\n", encoding="utf-8")
    teachers = ["工号,姓名,性别,类别,部门代码,职称级别,学位,学历,双师型"]
    teachers += [f"T{i:03d},教师{i},1,1,hlx,3,2,10,是" for i in range(40)]
    (tmp_path / "教师.csv").write_text("\n".join(teachers) + "\n", encoding="utf-8")
    _zhengai(env, "import", "renshi", str(tmp_path / "部门.csv"), str(tmp_path / "教师.csv"))
    _zhengai(env, "import", "renshi", str(_training_csv(tmp_path / "培训a.csv", 0, 1000)))
    before = _report(env)
    assert before["rows"] == 1000 and before["versions"] == [1]

    # A big batch overlapping the first one; kill the process while it is working.
    big = _training_csv(tmp_path / "培训b.csv", 500, 400_000)
    proc = subprocess.Popen(
        [sys.executable, "-m", "zhengai.cli", "import", "renshi", str(big)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    # The import is fast, so catch it in the act: stop the process, look whether its run is under way
    # (reading the app database directly), and let it go on for a moment if not. Killed while stopped
    # with the run "running", it is interrupted in the middle of the batch, whatever the machine's speed.
    database = tmp_path / "app.sqlite3"
    deadline = time.time() + 120
    caught = False
    while time.time() < deadline and proc.poll() is None:
        os.kill(proc.pid, signal.SIGSTOP)
        with sqlite3.connect(database, timeout=30) as con:
            running = con.execute("SELECT count(*) FROM datacenter_importrun WHERE status = 'running'").fetchone()[0]
        if running:
            caught = True
            break
        os.kill(proc.pid, signal.SIGCONT)
        time.sleep(0.02)
    assert caught and proc.poll() is None, "the import finished before it could be interrupted"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)

    after_kill = _report(env)
    assert after_kill["rows"] in (1000, 400_500), after_kill  # the old version or the whole new one, never half
    assert after_kill["rows"] == after_kill["distinct"]

    # The dead run is found and marked, so nobody waits for it.
    reap = "from zhengai.datacenter.services import import_runs_reap_interrupted as r; print(r())"
    if after_kill["rows"] == 1000:
        assert _zhengai(env, "shell", "-c", reap).stdout.strip().endswith("1")
        assert ["failed"] == [status for _, status in _report(env)["runs"] if status not in ("committed",)]

    # Run the batch again: it lands once, with no duplicate rows.
    again = _zhengai(env, "import", "renshi", str(big), check=False)
    assert again.returncode == 0, again.stdout + again.stderr
    final = _report(env)
    assert final["rows"] == final["distinct"] == 400_500
    assert len(final["versions"]) == 2
