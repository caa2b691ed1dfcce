"""A standard table that gains fields keeps every batch stored before: older files read the new fields as
empty, an import that updates their rows rewrites them in today's schema, and nothing is lost."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from zhengai.datacenter import store
from zhengai.datacenter.choices import RunStatus
from zhengai.datacenter.models import DatasetVersion, SourceMapping, SourceSystem
from zhengai.datacenter.services import import_run_create, import_run_execute
from zhengai.datacenter.standard import table

pytestmark = pytest.mark.django_db

NEW_FIELDS = ("gate_kind", "allowed")


@pytest.fixture
def houqin(data_dir):
    source = SourceSystem.objects.create(code="houqin", name="后勤门禁系统", connector="files")
    SourceMapping.objects.create(
        source=source,
        table="dorm_access",
        locator="*门禁*",
        columns={
            "access_id": "流水号",
            "student_no": "学号",
            "building": "楼栋",
            "access_time": "刷卡时间",
            "direction": "方向",
            "gate_kind": "门禁类别",
            "allowed": "通行结果",
        },
    )
    return source


def _old_batch() -> None:
    """Two rows stored by a release whose dorm_access had no 门禁类别 / 允许通行 (and its students roster,
    which had no 校园卡号)."""
    students = table("students")
    old = pa.schema([f for f in store.arrow_schema(students) if f.name not in ("card_no", "access_card_no")])
    roster = [{"student_no": no, "_snapshot": dt.date(2024, 9, 1)} for no in ("S1", "S2", "S3")]
    rel = store.write_file(students, 0, 1, pa.Table.from_pylist(roster, schema=old))
    DatasetVersion.objects.create(table="students", version=1, files=[rel], row_count=3)
    spec = table("dorm_access")
    schema = pa.schema([f for f in store.arrow_schema(spec) if f.name not in NEW_FIELDS])
    rows = [
        {"access_id": "A1", "student_no": "S1", "building": "1", "access_time": dt.datetime(2024, 9, 2, 23),
         "direction": "1", "_run": None},
        {"access_id": "A2", "student_no": "S2", "building": "2", "access_time": dt.datetime(2024, 9, 2, 23),
         "direction": "1", "_run": None},
    ]  # fmt: skip
    rel = store.write_file(spec, 0, 1, pa.Table.from_pylist(rows, schema=schema))
    DatasetVersion.objects.create(table="dorm_access", version=1, files=[rel], row_count=2)


def _report(run) -> list:
    from openpyxl import load_workbook

    if not run.error_report:
        return []
    book = load_workbook(store.root() / run.error_report)
    return [list(r) for ws in book.worksheets[1:] for r in ws.iter_rows(values_only=True)][:6]


def test_older_batches_read_new_fields_as_empty_and_an_update_rewrites_them_in_todays_schema(houqin, tmp_path):
    _old_batch()
    before = {r["access_id"]: r for r in store.read_table(table("dorm_access")).to_pylist()}
    assert {k: (r["gate_kind"], r["allowed"]) for k, r in before.items()} == {"A1": (None, None), "A2": (None, None)}

    csv = tmp_path / "门禁流水.csv"
    csv.write_bytes(
        "流水号,学号,楼栋,刷卡时间,方向,门禁类别,通行结果\r\n"
        "A2,S2,3,2024-09-02 23:00:00,进,宿舍,允许\r\n"  # A2 moves to building 3
        "A3,S3,图书馆,2024-09-03 21:00:00,进,图书馆,拒绝\r\n".encode("gbk")
    )
    run = import_run_execute(run=import_run_create(source=houqin, table="dorm_access", paths=[csv]))
    assert run.status == RunStatus.COMMITTED, (run.message, _report(run))
    assert (run.rows_new, run.rows_updated) == (1, 1)
    rows = {r["access_id"]: r for r in store.read_table(table("dorm_access")).to_pylist()}
    assert {k: (r["building"], r["gate_kind"], r["allowed"]) for k, r in rows.items()} == {
        "A1": ("1", None, None),  # untouched, still in the older file's schema
        "A2": ("3", "1", True),
        "A3": ("图书馆", "3", False),
    }
