"""The drop folder: settled files are imported by name, in mapping order, and moved with their outcome."""

import os
import sqlite3
import time

import pytest
from django.core.management import call_command

from zhengai.datacenter import store
from zhengai.datacenter.choices import RunStatus
from zhengai.datacenter.models import ImportRun, SourceSystem
from zhengai.datacenter.standard import table
from zhengai.datacenter.tests.test_pipeline import DEPTS, teachers_xlsx
from zhengai.datacenter.tests.test_sync import VISITS_DDL, add_visits, library_source
from zhengai.datacenter.watch import drop_folder_scan

TEACHERS = [["T001", "王芳", "女", 1980, "校内专任教师", "hlx", "副高级", "硕士", "研究生", "是"]]


@pytest.fixture
def drop(tmp_path):
    return tmp_path / "drop"


def put(folder, name, content: bytes | str, *, age: float = 300) -> os.PathLike:
    """A file in the drop folder, last modified `age` seconds ago."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(content.encode("gbk") if isinstance(content, str) else content)
    stamp = time.time() - age
    os.utime(path, (stamp, stamp))
    return path


def names(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_settled_files_are_imported_in_mapping_order_and_moved_to_done(renshi, drop):
    (drop / "renshi").mkdir(parents=True)
    teachers = teachers_xlsx(drop / "renshi" / "2025教师名册.xlsx", TEACHERS)
    os.utime(teachers, (time.time() - 300, time.time() - 300))
    put(drop / "renshi", "部门.csv", DEPTS)

    runs = drop_folder_scan(folder=drop)
    # Departments first: the teacher's department must exist when the teachers are checked.
    assert [(r.table, r.status) for r in runs] == [
        ("departments", RunStatus.COMMITTED),
        ("teachers", RunStatus.COMMITTED),
    ], [r.message for r in runs]
    assert names(drop / "renshi") == ["处理中", "已处理"]
    assert names(drop / "renshi" / "已处理") == ["2025教师名册.xlsx", "部门.csv"]
    assert names(drop / "renshi" / "处理中") == []
    assert [r["staff_no"] for r in store.read_table(table("teachers")).to_pylist()] == ["T001"]

    # The same file again is unchanged, and keeps both copies in 已处理.
    put(drop / "renshi", "部门.csv", DEPTS)
    (again,) = drop_folder_scan(folder=drop)
    assert again.status == RunStatus.UNCHANGED
    done = names(drop / "renshi" / "已处理")
    assert len(done) == 3 and sum(n.startswith("部门_") for n in done) == 1


def test_a_rejected_file_goes_to_failed_with_its_reason_beside_it(renshi, drop):
    put(drop / "renshi", "部门.csv", DEPTS + "yyb,另一个,系部?,\r\n")
    (run,) = drop_folder_scan(folder=drop)
    assert run.status == RunStatus.REJECTED
    failed = drop / "renshi" / "失败"
    assert names(failed) == ["部门.csv", "部门.csv.失败原因.txt"]
    reason = (failed / "部门.csv.失败原因.txt").read_text(encoding="utf-8")
    assert f"采集批次：#{run.pk}（已拒收）" in reason
    assert "整批拒收" in reason and "错误报告：" in reason


def test_files_that_match_no_mapping_or_have_an_unknown_format_fail_with_a_reason(renshi, drop):
    put(drop / "renshi", "名单.csv", DEPTS)
    put(drop / "renshi", "部门.doc", b"binary")
    put(drop / "renshi", "教师部门对照.csv", DEPTS)
    assert drop_folder_scan(folder=drop) == []
    failed = drop / "renshi" / "失败"
    assert "任何映射都不匹配" in (failed / "名单.csv.失败原因.txt").read_text(encoding="utf-8")
    assert "格式不受支持" in (failed / "部门.doc.失败原因.txt").read_text(encoding="utf-8")
    assert "同时匹配多个标准数据表（departments、teachers）" in (failed / "教师部门对照.csv.失败原因.txt").read_text(
        encoding="utf-8"
    )
    assert not ImportRun.objects.exists()


def test_a_file_still_being_written_waits_until_it_stops_changing(renshi, drop):
    path = put(drop / "renshi", "部门.csv", DEPTS[:40], age=0)
    previous: dict = {}
    assert drop_folder_scan(folder=drop, previous=previous) == []  # just written: not yet

    with open(path, "ab") as fh:  # the copy goes on between two scans
        fh.write(DEPTS[40:].encode("gbk"))
    assert drop_folder_scan(folder=drop, previous=previous) == []
    assert path.exists()

    (run,) = drop_folder_scan(folder=drop, previous=previous)  # unchanged since the last scan
    assert run.status == RunStatus.COMMITTED and run.rows_new == 3


def test_without_a_previous_scan_only_the_age_says_a_file_is_complete(renshi, drop):
    put(drop / "renshi", "部门.csv", DEPTS, age=5)
    assert drop_folder_scan(folder=drop, settle_seconds=60) == []
    (run,) = drop_folder_scan(folder=drop, settle_seconds=2)
    assert run.status == RunStatus.COMMITTED


def test_temporary_files_unknown_folders_and_inactive_sources(renshi, drop):
    put(drop / "renshi", "~$部门.xlsx", b"lock")
    put(drop / "renshi", "部门.csv.part", DEPTS)
    put(drop / "nosuch", "部门.csv", DEPTS)
    assert drop_folder_scan(folder=drop) == []
    assert names(drop / "renshi") == ["~$部门.xlsx", "部门.csv.part"]
    assert names(drop / "nosuch") == ["部门.csv"]

    SourceSystem.objects.filter(pk=renshi.pk).update(active=False)
    put(drop / "renshi", "部门.csv", DEPTS)
    assert drop_folder_scan(folder=drop) == []
    assert "已停用" in (drop / "renshi" / "失败" / "部门.csv.失败原因.txt").read_text(encoding="utf-8")


def test_folders_for_file_sources_are_created(renshi, drop):
    SourceSystem.objects.create(code="xuegong", name="学工系统", connector="files")
    SourceSystem.objects.create(code="tushu", name="图书系统", connector="push")
    drop_folder_scan(folder=drop)
    assert names(drop) == ["renshi", "xuegong"]


def test_watch_once_imports_the_drop_folder_and_syncs_due_databases(renshi, data_dir, tmp_path, capsys):
    put(data_dir / "drop" / "renshi", "部门.csv", DEPTS)
    library = tmp_path / "tushu.sqlite"
    with sqlite3.connect(library) as con:
        con.execute(VISITS_DDL)
    add_visits(library, range(1, 3))
    library_source(f"sqlite:///{library}", schedule_minutes=15)

    call_command("watch", "--once")
    out = capsys.readouterr().out
    assert "renshi → departments（部门.csv）：已入库" in out
    assert "tushu → library_visits（数据库）：已入库" in out
    assert names(data_dir / "drop" / "renshi" / "已处理") == ["部门.csv"]
