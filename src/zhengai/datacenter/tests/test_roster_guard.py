"""The roster guard: a snapshot batch that makes many stored entities disappear waits for a person."""

from __future__ import annotations

from pathlib import Path

import pytest

from zhengai.audit.models import AuditRecord
from zhengai.datacenter import store
from zhengai.datacenter.choices import RunStatus
from zhengai.datacenter.guard import removal_check
from zhengai.datacenter.models import DatasetVersion, SourceMapping, SourceSystem
from zhengai.datacenter.selectors import FreshnessState
from zhengai.datacenter.services import import_run_confirm, import_run_create, import_run_execute
from zhengai.org.models import Student


def check(stored, removed, incoming, new, share=0.10, minimum=50):
    return removal_check(stored=stored, removed=removed, incoming=incoming, new=new, share=share, minimum=minimum)


@pytest.mark.parametrize(
    "stored, removed, incoming, new, trips, replace",
    [
        (0, 0, 100, 100, False, False),  # first import: nothing to lose
        (3296, 3290, 3300, 3294, True, True),  # a roster of another school or year
        (3296, 3290, 6, 0, True, False),  # a truncated export: most students gone
        (3296, 300, 3100, 104, False, False),  # graduates leave, freshmen come: under 10 %
        (3296, 330, 3100, 134, True, False),  # 10 % of those stored leave at once
        (200, 49, 151, 0, False, False),  # a quarter of a small roster but under the minimum of 50
        (60, 55, 5, 0, True, False),  # 60 stored, a file with 5
        (10, 10, 10, 10, True, True),  # a tiny roster swapped whole is still a replacement
        (100, 0, 150, 50, False, False),  # only additions
    ],
)
def test_guard_trips_on_large_removals_and_replacements(stored, removed, incoming, new, trips, replace):
    verdict = check(stored, removed, incoming, new)
    assert (verdict.trips, verdict.replace) == (trips, replace)


def test_guard_wording_names_the_entity_and_the_share():
    text = check(3296, 3290, 3300, 3294).describe("students", "学生")
    assert text.startswith("现有 3,296 名学生中的 3,290 名（99.8%）从名单中消失")
    assert "疑似整体替换" in text
    assert check(100, 60, 40, 0, minimum=10).describe("courses", "课程").startswith("现有 100 门课程中的 60 门")


def test_thresholds_come_from_settings(settings):
    from zhengai.datacenter.pipeline import Diff
    from zhengai.datacenter.services import _removal
    from zhengai.datacenter.standard import table

    diff = Diff(new=0, updated=0, unchanged=170, removed=30, changed_rows=None, updated_keys=None)
    assert _removal(table("students"), diff, incoming=170) is None  # 30 < 50
    settings.ZHENGAI_ROSTER_GUARD_MIN = 20
    assert _removal(table("students"), diff, incoming=170) is not None


# ------------------------------------------------------------------------------------------ service

HEADER = "学号,姓名,性别,专业代码,班级代码,年级,学籍状态,全日制\r\n"


def roster(path: Path, numbers: range) -> Path:
    rows = "".join(f"S{n:05d},学生{n},1,510201,RJ2301,2023,01,是\r\n" for n in numbers)
    path.write_bytes((HEADER + rows).encode("gbk"))
    return path


@pytest.fixture
def xuegong(db, data_dir, tmp_path_factory):
    source = SourceSystem.objects.create(code="xuegong", name="学工系统", connector="files")
    SourceMapping.objects.create(
        source=source, table="students", locator="*学生*", order=1,
        columns={"student_no": "学号", "name": "姓名", "gender": "性别", "major_code": "专业代码",
                 "class_code": "班级代码", "cohort": "年级", "status": "学籍状态", "full_time": "全日制"},
    )  # fmt: skip
    # The students refer to a major and a class, which refer to a department: import those first.
    for name, text in PREREQUISITES.items():
        path = tmp_path_factory.mktemp("pre") / f"{name}.csv"
        path.write_text(text, encoding="utf-8")
        run = import_run_execute(run=import_run_create(source=source, table=name, paths=[path]))
        assert run.status == RunStatus.COMMITTED, run.decision
    return source


PREREQUISITES = {
    "departments": "dept_code,dept_name,dept_kind\nxxx,信息系,3\n",
    "majors": "major_code,major_name,dept_code,tier,duration,enrolling\n510201,计算机应用技术,xxx,2,3,是\n",
    "classes": "class_code,class_name,major_code,cohort\nRJ2301,软件2301,510201,2023\n",
}


def run_import(source, path, **kw):
    return import_run_execute(run=import_run_create(source=source, table="students", paths=[path], **kw))


def test_a_roster_that_drops_most_students_is_held_until_confirmed(xuegong, tmp_path, django_user_model):
    first = run_import(xuegong, roster(tmp_path / "学生1.csv", range(60)))
    assert first.status == RunStatus.COMMITTED, first.decision
    assert Student.objects.count() == 60
    versions = DatasetVersion.objects.count()
    small = roster(tmp_path / "学生2.csv", range(5))

    dry = run_import(xuegong, small, dry_run=True)
    assert dry.status == RunStatus.VALIDATED
    assert "注意：正式导入将使现有 60 名学生中的 55 名（91.7%）从名单中消失" in dry.decision
    assert "须确认后才能入库" in dry.decision

    held = run_import(xuegong, small)
    assert held.status == RunStatus.HELD
    assert "现有 60 名学生中的 55 名（91.7%）从名单中消失" in held.decision and "--confirm" in held.decision
    assert held.rows_removed == 55
    assert DatasetVersion.objects.count() == versions  # nothing written
    assert not list(store.table_dir("students").glob(f"{held.pk:08d}-*"))
    assert len(store.read_table(store_table("students"))) == 60

    from zhengai.datacenter.selectors import table_freshness

    assert table_freshness("students").state == FreshnessState.FAILING  # needs attention, not fresh

    officer = django_user_model.objects.create_user("zk", display_name="王质控")
    run = import_run_confirm(run=held, by=officer)
    assert run.status == RunStatus.PENDING and run.confirm_removal
    assert AuditRecord.objects.filter(action="确认名单批次", object_id=str(held.pk), actor=officer).exists()
    with pytest.raises(ValueError, match="只有待确认的批次可以确认"):
        import_run_confirm(run=run, by=officer)
    done = import_run_execute(run=run)
    assert done.status == RunStatus.COMMITTED, done.message
    assert "已由 王质控 确认" in done.decision and "55 名" in done.decision
    assert len(store.read_table(store_table("students"))) == 5


def test_a_run_created_confirmed_imports_at_once(xuegong, tmp_path):
    run_import(xuegong, roster(tmp_path / "学生1.csv", range(60)))
    run = run_import(xuegong, roster(tmp_path / "学生2.csv", range(1000, 1060)), confirm_removal=True)
    assert run.status == RunStatus.COMMITTED
    assert "疑似整体替换" in run.decision and "已确认" in run.decision


def test_ordinary_roster_changes_pass(xuegong, tmp_path):
    run_import(xuegong, roster(tmp_path / "学生1.csv", range(600)))
    # 50 graduate (8 %), 100 freshmen arrive
    run = run_import(xuegong, roster(tmp_path / "学生2.csv", range(50, 700)))
    assert run.status == RunStatus.COMMITTED and run.rows_removed == 50


def store_table(name):
    from zhengai.datacenter.standard import table

    return table(name)


# ------------------------------------------------------------------------------------------ sync


def test_a_database_sync_that_drops_most_departments_is_reported_held(db, data_dir, tmp_path, capsys):
    import sqlite3

    from django.core.management import call_command

    from zhengai.datacenter.sync import source_sync

    path = tmp_path / "renshi.sqlite"
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE bm (dm TEXT, mc TEXT, lb TEXT)")
        con.executemany("INSERT INTO bm VALUES (?, ?, '3')", [(f"d{i:02d}", f"系部{i}") for i in range(60)])
    source = SourceSystem.objects.create(
        code="renshi", name="人事系统", connector="sql", config={"url": f"sqlite:///{path}"}
    )
    SourceMapping.objects.create(
        source=source, table="departments", locator="bm",
        columns={"dept_code": "dm", "dept_name": "mc", "dept_kind": "lb"},
    )  # fmt: skip
    (first,) = source_sync(source=source)
    assert first.status == RunStatus.COMMITTED, first.decision
    with sqlite3.connect(path) as con:
        con.execute("DELETE FROM bm WHERE dm >= 'd05'")
    with pytest.raises(SystemExit) as exit_:
        call_command("sync", "renshi")
    assert exit_.value.code == 1
    out = capsys.readouterr().out
    assert "待确认" in out and "现有 60 个部门中的 55 个（91.7%）从名单中消失" in out
    assert "定时同步不会自动确认" in out and "--confirm" not in out
    held = source.runs.order_by("-pk").first()
    assert held.status == RunStatus.HELD and held.rows_removed == 55
    done = import_run_execute(run=import_run_confirm(run=held, by=None))
    assert done.status == RunStatus.COMMITTED
