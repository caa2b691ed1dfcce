"""The real `zhengai` binary on a fresh data dir: every refusal says why in Chinese, and a roster that
drops most students is held until `--confirm`."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

SRC = str(Path(__file__).resolve().parents[3])
ZHENGAI = str(Path(os.environ.get("VIRTUAL_ENV", "/work/main/.venv")) / "bin" / "zhengai")
if not Path(ZHENGAI).exists():
    ZHENGAI = "/work/main/.venv/bin/zhengai"

# No saved mapping: the header names the standard fields (the values are Chinese, the file GBK).
STUDENT_HEADER = "student_no,name,gender,major_code,class_code,cohort,status,full_time\r\n"


def roster_gbk(path: Path, numbers: range) -> Path:
    """A 学工 export: GBK, CRLF."""
    rows = "".join(f"S{n:05d},学生{n},{1 + n % 2},510201,RJ2301,2023,01,是\r\n" for n in numbers)
    path.write_bytes((STUDENT_HEADER + rows).encode("gbk"))
    return path


class Cli:
    def __init__(self, root: Path) -> None:
        self.root = root
        env = {k: v for k, v in os.environ.items() if not k.startswith("ZHENGAI_") and k != "DJANGO_SETTINGS_MODULE"}
        env["ZHENGAI_DATA_DIR"] = str(root / "var")
        env["ZHENGAI_REALTIME_ENABLED"] = "false"
        env["PYTHONPATH"] = os.pathsep.join([SRC, *filter(None, [os.environ.get("PYTHONPATH")])])
        self.env = env

    def __call__(self, *args: str, ok: bool | None = True) -> subprocess.CompletedProcess:
        done = subprocess.run(
            [ZHENGAI, *args], env=self.env, cwd=self.root, capture_output=True, text=True, timeout=180
        )
        said = done.stdout + done.stderr
        assert "Traceback" not in said, said
        if ok is not None:
            assert (done.returncode == 0) == ok, said
        return done


@pytest.fixture(scope="module")
def cli(tmp_path_factory) -> Cli:
    root = tmp_path_factory.mktemp("cli")
    run = Cli(root)
    run("migrate", "-v0")
    run("source", "add", "xuegong", "--name", "学工系统")
    # Students refer to a major and a class, which refer to a department (standard field names as headers).
    for name, text in {
        "departments": "dept_code,dept_name,dept_kind\nxxx,信息系,3\n",
        "majors": "major_code,major_name,dept_code,tier,duration,enrolling\n510201,计算机应用技术,xxx,2,3,是\n",
        "classes": "class_code,class_name,major_code,cohort\nRJ2301,软件2301,510201,2023\n",
    }.items():
        (root / f"{name}.csv").write_text(text, encoding="utf-8")
        run("import", "xuegong", f"{name}.csv", "--table", name)
    return run


@pytest.mark.parametrize(
    "args, message",
    [
        (["import", "nosuch", "x.csv"], "没有代码为“nosuch”的数据源。现有：xuegong"),
        (["import", "xuegong", "没有的文件.csv", "--table", "students"], "找不到文件“没有的文件.csv”"),
        (["import", "xuegong", ".", "--table", "students"], "是一个目录，请指定其中的文件"),
        (["import", "xuegong", "departments.csv", "--table", "studnets"], "没有名为“studnets”的标准数据表"),
        (["import", "xuegong", "departments.csv"], "请用 --table 指定标准数据表"),
        (["sync", "nosuch"], "没有代码为“nosuch”的数据源"),
        (["evaluate", "--period", "2099-2100"], "周期不在校历中：2099-2100"),
        (["evaluate", "--since", "2024-13-01"], "应为 YYYY-MM-DD"),
    ],
)
def test_a_refused_command_says_why_in_chinese(cli, args, message):
    done = cli(*args, ok=False)
    assert done.returncode == 1
    assert message in done.stdout + done.stderr
    assert "Error" not in done.stderr and "Traceback" not in done.stderr  # no English class name, no traceback


@pytest.mark.parametrize(
    "args, message",
    [
        (["import", "xuegong", "--bogus"], "zhengai import：错误：不认识的参数：--bogus"),
        (["source", "add"], "缺少必填参数：code"),
        (["evaluate", "--engine", "nosuch"], "'nosuch' 不是可选值（可选：'duckdb', 'spark'）"),
    ],
)
def test_a_wrong_option_is_explained_in_chinese(cli, args, message):
    done = cli(*args, ok=False)
    assert done.returncode == 2 and message in done.stderr
    assert "error:" not in done.stderr


def test_a_drop_folder_that_is_a_file_is_refused(cli):
    (cli.root / "drop.txt").write_text("x")
    done = cli("watch", "--folder", str(cli.root / "drop.txt"), "--once", ok=False)
    assert "投放目录" in done.stderr and "已有同名文件" in done.stderr


def test_a_header_without_required_fields_names_them(cli):
    (cli.root / "缺列.csv").write_bytes("student_no,name,gender\r\nS1,张三,1\r\n".encode("gbk"))
    done = cli("import", "xuegong", "缺列.csv", "--table", "students", ok=False)
    assert "已拒收" in done.stdout and "缺少列" in done.stdout
    assert "major_code" in done.stdout and "full_time" in done.stdout


def test_an_undecodable_file_is_refused_with_its_name(cli):
    (cli.root / "乱码.csv").write_bytes(b"\xff\xfe\x00\x81\x82\x00\xa0" * 20)
    done = cli("import", "xuegong", "乱码.csv", "--table", "students", ok=False)
    assert "已拒收" in done.stdout and "“乱码.csv”" in done.stdout
    assert "文件无法读取，整批拒收" not in done.stdout  # the reason, not a bare verdict


def test_invalid_rows_are_listed_by_row_and_field(cli):
    path = cli.root / "错行.csv"
    path.write_bytes((STUDENT_HEADER + "S9,李四,1,510201,没有的班,2023,01,是\r\n").encode("gbk"))
    done = cli("import", "xuegong", "错行.csv", "--table", "students", ok=False)
    assert "“错行.csv”第 2 行 班级代码（class_code）“没有的班”：引用的班级不存在" in done.stdout
    assert "错误报告：" in done.stdout


def test_a_roster_dropping_most_students_is_held_then_imported_with_confirm(cli):
    full = roster_gbk(cli.root / "学生名单.csv", range(60))
    assert "已入库" in cli("import", "xuegong", str(full), "--table", "students").stdout
    small = roster_gbk(cli.root / "学生名单_截断.csv", range(5))
    figures = "现有 60 名学生中的 55 名（91.7%）从名单中消失"

    dry = cli("import", "xuegong", str(small), "--table", "students", "--dry-run")
    assert "试运行" in dry.stdout and f"注意：正式导入将使{figures}" in dry.stdout

    held = cli("import", "xuegong", str(small), "--table", "students", ok=False)
    assert held.returncode == 1
    assert "待确认" in held.stdout and figures in held.stdout
    assert "确认无误后加 --confirm 重新运行，或在批次页面确认" in held.stdout
    assert "/datacenter/runs/" in held.stdout

    done = cli("import", "xuegong", str(small), "--table", "students", "--confirm")
    assert "已入库" in done.stdout and "已确认" in done.stdout
    again = cli("import", "xuegong", str(small), "--table", "students")
    assert "无变化" in again.stdout  # the 5 are now the roster: nothing more to confirm
