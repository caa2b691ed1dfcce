"""Database sources: sync reads every mapped table, then only rows past the watermark; due syncs on a schedule."""

import datetime as dt
import os
import sqlite3
import uuid
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from zhengai.datacenter import store, sync
from zhengai.datacenter.choices import RunStatus
from zhengai.datacenter.connectors import SourceError
from zhengai.datacenter.models import ImportRun, SourceMapping, SourceSystem
from zhengai.datacenter.standard import table
from zhengai.datacenter.sync import source_sync, source_sync_due, sources_due
from zhengai.datacenter.tasks import source_sync_due_task

VISITS_DDL = "CREATE TABLE tsg_jg (id INTEGER PRIMARY KEY, lsh TEXT, dzzh TEXT, jgsj TEXT)"


def add_visits(db: Path, ids: range, *, when: str = "2025-09-01 08:00:00") -> None:
    with sqlite3.connect(db) as con:
        con.executemany(
            "INSERT INTO tsg_jg (id, lsh, dzzh, jgsj) VALUES (?, ?, ?, ?)",
            [(i, f"V{i:04d}", f"R{i % 7}", when) for i in ids],
        )


def library_source(url: str, *, code: str = "tushu", locator: str = "tsg_jg", **kw) -> SourceSystem:
    source = SourceSystem.objects.create(code=code, name="图书系统", connector="sql", config={"url": url}, **kw)
    SourceMapping.objects.create(
        source=source,
        table="library_visits",
        locator=locator,
        columns={"visit_id": "lsh", "reader_no": "dzzh", "visit_time": "jgsj"},
        watermark_column="id",
    )
    return source


@pytest.fixture
def library_db(tmp_path) -> Path:
    path = tmp_path / "tushu.sqlite"
    with sqlite3.connect(path) as con:
        con.execute(VISITS_DDL)
    add_visits(path, range(1, 4))
    return path


@pytest.fixture
def tushu(db, data_dir, library_db) -> SourceSystem:
    return library_source(f"sqlite:///{library_db}")


def visit_ids() -> list[str]:
    return sorted(r["visit_id"] for r in store.read_table(table("library_visits")).to_pylist())


def test_first_sync_reads_everything_and_the_next_only_the_new_rows(tushu, library_db):
    (first,) = source_sync(source=tushu)
    assert first.status == RunStatus.COMMITTED, first.message
    assert (first.rows_total, first.rows_new) == (3, 3)
    assert SourceMapping.objects.get(source=tushu).watermark_value == "3"

    add_visits(library_db, range(4, 9))
    (second,) = source_sync(source=tushu)
    assert second.status == RunStatus.COMMITTED
    assert (second.rows_total, second.rows_new, second.rows_unchanged) == (5, 5, 0)
    assert SourceMapping.objects.get(source=tushu).watermark_value == "8"
    assert visit_ids() == [f"V{i:04d}" for i in range(1, 9)]

    (third,) = source_sync(source=tushu)
    assert third.status == RunStatus.UNCHANGED and third.rows_total == 0
    assert SourceMapping.objects.get(source=tushu).watermark_value == "8"


def test_a_rejected_batch_keeps_the_watermark_so_the_fixed_rows_come_again(tushu, library_db):
    source_sync(source=tushu)
    add_visits(library_db, range(4, 6), when="不是时间")
    (rejected,) = source_sync(source=tushu)
    assert rejected.status == RunStatus.REJECTED and rejected.rows_invalid == 2
    assert SourceMapping.objects.get(source=tushu).watermark_value == "3"

    with sqlite3.connect(library_db) as con:
        con.execute("UPDATE tsg_jg SET jgsj = '2025-09-02 10:00:00' WHERE id > 3")
    (fixed,) = source_sync(source=tushu)
    assert fixed.status == RunStatus.COMMITTED and fixed.rows_new == 2
    assert SourceMapping.objects.get(source=tushu).watermark_value == "5"


def test_an_unreachable_database_ends_in_a_rejected_run_with_the_reason(db, data_dir, tmp_path):
    source = library_source(f"sqlite:///{tmp_path / 'missing' / 'x.sqlite'}")
    (run,) = source_sync(source=source)
    assert run.status == RunStatus.REJECTED
    assert "读取数据库表“tsg_jg”失败" in run.message


def test_a_snapshot_table_cannot_be_synced_incrementally(tushu):
    SourceMapping.objects.create(
        source=tushu,
        table="departments",
        locator="bm",
        columns={"dept_code": "bmdm", "dept_name": "bmmc", "dept_kind": "bmlb"},
        watermark_column="gxsj",
    )
    with pytest.raises(SourceError, match="快照表，每次同步都必须读取全部记录"):
        source_sync(source=tushu)
    assert not ImportRun.objects.exists()


def test_only_database_sources_with_an_address_sync(db, data_dir):
    files = SourceSystem.objects.create(code="renshi", name="人事系统", connector="files")
    with pytest.raises(SourceError, match="不是数据库方式"):
        source_sync(source=files)
    no_url = library_source("", code="jiaowu")
    with pytest.raises(SourceError, match="没有配置数据库地址"):
        source_sync(source=no_url)


def test_a_table_being_imported_by_another_process_is_skipped(tushu):
    other = ImportRun.objects.create(source=tushu, table="library_visits", status=RunStatus.RUNNING)
    assert source_sync(source=tushu) == []
    assert list(ImportRun.objects.values_list("pk", flat=True)) == [other.pk]

    # A run that has been "running" for over an hour belongs to a dead process and no longer blocks.
    ImportRun.objects.filter(pk=other.pk).update(created_at=timezone.now() - dt.timedelta(hours=2))
    (run,) = source_sync(source=tushu)
    assert run.status == RunStatus.COMMITTED


def test_of_two_syncs_that_create_their_runs_at_once_only_one_imports(tushu, monkeypatch):
    real_create = sync.import_run_create

    def create_while_another_process_does_too(**kwargs):
        # The other process's run is inserted between our first check and our own insert.
        ImportRun.objects.create(source=kwargs["source"], table=kwargs["table"])
        return real_create(**kwargs)

    monkeypatch.setattr(sync, "import_run_create", create_while_another_process_does_too)
    assert source_sync(source=tushu) == []
    assert ImportRun.objects.count() == 1  # ours was withdrawn; the other one goes on
    assert store.current_version("library_visits") is None


def test_sources_are_due_when_their_schedule_has_come_round(tushu, tmp_path):
    now = timezone.now()
    assert sources_due(now=now) == []  # schedule 0: manual only
    SourceSystem.objects.filter(pk=tushu.pk).update(schedule_minutes=60)
    library_source("sqlite://", code="off", active=False, schedule_minutes=5)
    SourceSystem.objects.create(code="renshi", name="人事系统", connector="files", schedule_minutes=5)
    assert [s.code for s in sources_due(now=now)] == ["tushu"]  # never synced yet

    runs = source_sync_due(now=now)
    assert [r.status for r in runs] == [RunStatus.COMMITTED]
    assert sources_due(now=timezone.now()) == []
    assert source_sync_due() == []  # a second `sync --due` right after imports nothing
    assert [s.code for s in sources_due(now=timezone.now() + dt.timedelta(minutes=61))] == ["tushu"]


def test_the_due_task_syncs_due_sources_and_reports_refusals(tushu):
    SourceSystem.objects.filter(pk=tushu.pk).update(schedule_minutes=30)
    broken = library_source("", code="broken", schedule_minutes=30)
    refused = []
    runs = source_sync_due(on_refused=lambda source, reason: refused.append((source.code, reason)))
    assert [r.source.code for r in runs] == ["tushu"]
    assert refused == [("broken", f"数据源“{broken.name}”没有配置数据库地址，请在数据源设置中填写")]

    SourceSystem.objects.filter(pk=tushu.pk).update(schedule_minutes=1)
    ImportRun.objects.update(created_at=timezone.now() - dt.timedelta(minutes=5))
    ids = source_sync_due_task.call()
    assert ImportRun.objects.get(pk=ids[0]).status == RunStatus.UNCHANGED


def test_sync_command_names_sources_or_takes_the_due_ones(tushu, library_db, capsys):
    call_command("sync", "tushu")
    out = capsys.readouterr().out
    assert f"批次 #{ImportRun.objects.get().pk} tushu → library_visits：已入库" in out

    call_command("sync", "--due")
    assert "没有到期的数据库数据源" in capsys.readouterr().out

    with pytest.raises(CommandError, match="没有代码为“nosuch”的数据源"):
        call_command("sync", "nosuch")
    with pytest.raises(CommandError, match="--due"):
        call_command("sync")

    add_visits(library_db, range(4, 6), when="坏时间")
    with pytest.raises(SystemExit) as exit_info:
        call_command("sync", "tushu", "--table", "library_visits")
    assert exit_info.value.code == 1
    assert "已拒收" in capsys.readouterr().out


# ------------------------------------------------------------------------------------------ PostgreSQL


def postgres_url() -> str | None:
    """A SQLAlchemy URL of a PostgreSQL server to create a source table in, if the run has one."""
    url = os.environ.get("ZHENGAI_TEST_POSTGRES_URL")
    if url:
        return url
    django_url = os.environ.get("ZHENGAI_DATABASE_URL", "")
    if django_url.startswith(("postgres://", "postgresql://")):
        return "postgresql+psycopg://" + django_url.split("://", 1)[1]
    return None


@pytest.mark.skipif(
    postgres_url() is None,
    reason="no PostgreSQL source: set ZHENGAI_TEST_POSTGRES_URL (SQLAlchemy URL) or ZHENGAI_DATABASE_URL=postgres://…",
)
def test_incremental_sync_from_a_postgresql_source(db, data_dir):
    from sqlalchemy import create_engine, text

    url = postgres_url()
    schema = f"zhengai_sync_{uuid.uuid4().hex[:10]}"
    engine = create_engine(url)
    insert = text(f"INSERT INTO {schema}.tsg_jg (lsh, dzzh, jgsj) VALUES (:lsh, 'R1', :jgsj)")
    try:
        with engine.begin() as con:
            con.execute(text(f"CREATE SCHEMA {schema}"))
            con.execute(text(f"CREATE TABLE {schema}.tsg_jg (lsh varchar(20), dzzh varchar(20), jgsj timestamp)"))
            for i in range(1, 4):
                con.execute(insert, {"lsh": f"P{i}", "jgsj": dt.datetime(2025, 9, 1, 8, i)})
        source = library_source(url, locator=f"{schema}.tsg_jg")
        SourceMapping.objects.filter(source=source).update(watermark_column="jgsj")

        (first,) = source_sync(source=source)
        assert first.status == RunStatus.COMMITTED, first.message
        assert first.rows_new == 3
        assert SourceMapping.objects.get(source=source).watermark_value == "2025-09-01 08:03:00"

        with engine.begin() as con:
            for i in range(4, 6):
                con.execute(insert, {"lsh": f"P{i}", "jgsj": dt.datetime(2025, 9, 2, 9, i)})
        (second,) = source_sync(source=source)
        assert (second.status, second.rows_total, second.rows_new) == (RunStatus.COMMITTED, 2, 2)
        assert visit_ids() == ["P1", "P2", "P3", "P4", "P5"]
        rows = store.read_table(table("library_visits")).to_pylist()
        assert {r["visit_id"]: r["visit_time"] for r in rows}["P5"] == dt.datetime(2025, 9, 2, 9, 5)
    finally:
        with engine.begin() as con:
            con.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        engine.dispose()
