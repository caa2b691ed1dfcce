"""`zhengai bench import` at a tiny size: the machinery runs end to end and the summary line has its form.

Only the form and the sign of the figures are checked, never their size: timings depend on the machine.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from zhengai.lib import bench

SUMMARY = re.compile(
    r"^import 2k: csv-utf8 (?P<a>[\d,]+) \((?P<ax>[\d.]+)× bare\), csv-gbk (?P<b>[\d,]+) \((?P<bx>[\d.]+)× bare\), "
    r"xlsx (?P<c>[\d,]+) \((?P<cx>[\d.]+)× bare\), db (?P<d>[\d,]+) \((?P<dx>[\d.]+)× bare\)$"
)


def test_bench_import_runs_on_a_throwaway_database_and_ends_with_the_summary(tmp_path):
    env = {**os.environ, "ZHENGAI_DATA_DIR": str(tmp_path / "user-data")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run(
        [sys.executable, "-m", "zhengai.cli", "bench", "import", "--rows", "2000", "--repeat", "1",
         "--workdir", str(tmp_path / "bench")],
        env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.strip().splitlines()
    match = SUMMARY.match(lines[-1])
    assert match, lines[-1]
    for key in "abcd":
        assert int(match.group(key).replace(",", "")) > 0
        assert float(match.group(key + "x")) > 0
    assert any("峰值内存" in line for line in lines)
    # Nothing was written to the user's data folder (no database, no data center), and the temporary folder is gone.
    user_data = tmp_path / "user-data"
    assert not user_data.exists() or not any(user_data.rglob("*"))
    assert list((tmp_path / "bench").iterdir()) == []


def test_benchmarks_register_by_name_and_unknown_names_are_refused():
    from zhengai.datacenter import bench as datacenter_bench  # noqa: F401  (registers "import")

    assert "import" in [b.name for b in bench.benchmarks()]
    with pytest.raises(KeyError, match="没有名为“nope”的基准测试"):
        bench.get("nope")


def test_the_import_benchmark_refuses_the_real_database(tmp_path):
    from zhengai.datacenter.bench import run_import_bench

    with pytest.raises(RuntimeError, match="一次性的数据库"):
        run_import_bench(bench.Context(workdir=tmp_path, rows=10))


def test_the_table_lines_up_chinese_text():
    text = bench.table(("格式", "秒"), [("csv-utf8", "0.50"), ("xlsx", "12.00")])
    lines = text.splitlines()
    assert lines[0].startswith("格式") and len({len(line.rstrip()) for line in lines[2:]}) == 1
