"""`zhengai status` on a fresh install says what to do instead of printing a database traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SRC = str(Path(__file__).resolve().parents[3])


def test_status_on_an_unmigrated_database_says_to_migrate(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZHENGAI_") and k != "DJANGO_SETTINGS_MODULE"}
    env["ZHENGAI_DATA_DIR"] = str(tmp_path / "var")
    env["PYTHONPATH"] = os.pathsep.join([SRC, *filter(None, [os.environ.get("PYTHONPATH")])])
    done = subprocess.run([sys.executable, "-m", "zhengai.cli", "status"], env=env, capture_output=True, text=True)
    assert done.returncode == 1
    assert "数据库尚未迁移" in done.stderr and "zhengai migrate" in done.stderr
    assert "Traceback" not in done.stderr and not done.stdout
