"""Load the demo college through the data center: the same connectors, mappings and validation a
college's own systems go through.

Each source system of the demo becomes a `SourceSystem` (教务 through the SQL connector on
jiaowu.sqlite; the others through the file connector), each export table a saved `SourceMapping`
built from `sources.SOURCES`; then every standard table is imported as a batch in dependency order.
Roster batches update the app database's master data (the data center's registry sync).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import time
from collections.abc import Callable
from pathlib import Path

from django.db import transaction

from zhengai.alerts.models import Alert
from zhengai.datacenter import store
from zhengai.datacenter.choices import ConnectorKind, RunStatus
from zhengai.datacenter.models import DatasetVersion, ImportRun, SourceMapping, SourceSystem
from zhengai.datacenter.services import import_run_create, import_run_execute
from zhengai.demo import sources as demo_sources
from zhengai.demo.generator.base import Timeline
from zhengai.demo.models import DemoBuild
from zhengai.lib.hooks import BATCH_COMMITTED
from zhengai.monitoring.models import EvaluationRun, IndicatorState, StatusChange
from zhengai.org.models import Course, Major, OrgUnit, SchoolClass, Student, Teacher
from zhengai.org.services import calendar_ensure, org_units_load_default

MASTER_MODELS = (Student, SchoolClass, Course, Major, Teacher)

# The demo's source systems: code, name, owner unit, connector, sync period (minutes), expected update (days).
SYSTEMS = {
    "教务": ("jiaowu", "教务管理系统", "jwc", ConnectorKind.SQL, 60, 7),
    "人事": ("renshi", "人事管理系统", "rsc", ConnectorKind.FILES, 0, 90),
    "学工": ("xuegong", "学生工作管理系统", "xsc", ConnectorKind.FILES, 0, 30),
    "一卡通": ("yikatong", "校园一卡通", "cwc", ConnectorKind.FILES, 0, 7),
    "后勤": ("houqin", "后勤门禁系统", "hqc", ConnectorKind.FILES, 0, 7),
    "图书": ("tushu", "图书管理系统", "tsg", ConnectorKind.FILES, 0, 30),
    "心理健康": ("xinli", "心理健康测评系统", "xsc", ConnectorKind.FILES, 0, 180),
    "在线教学": ("zaixian", "在线教学平台", "jwc", ConnectorKind.FILES, 0, 30),
    "招生就业": ("zhaojiu", "招生就业管理系统", "zjc", ConnectorKind.FILES, 0, 365),
    "资产": ("zichan", "资产管理系统", "cwc", ConnectorKind.FILES, 0, 365),
    "财务": ("caiwu", "财务管理系统", "cwc", ConnectorKind.FILES, 0, 365),
}
# Rosters first, in reference order; then everything else in the order the sources list it.
FIRST = ("departments", "teachers", "majors", "courses", "classes", "students")
TRANSFORMS = {
    demo_sources.YearLabel: "academic_year_label",
    demo_sources.YearOfMonth: "year_of_month",
    demo_sources.MinSec: "minutes_seconds",
}


class DemoLoadRefused(Exception):
    """The database holds master data that no demo build wrote."""


class DemoImportFailed(Exception):
    """A demo batch did not land; the message says which and why."""


def has_foreign_master_data() -> bool:
    return not DemoBuild.objects.exists() and any(m.objects.exists() for m in MASTER_MODELS)


def _mapping_fields(src: demo_sources.SourceTable) -> dict:
    columns, transforms, value_maps, conditions = {}, {}, {}, {}
    for col in src.mapped:
        columns.setdefault(col.field, col.header)
        transform = TRANSFORMS.get(type(col.conv))
        if transform:
            transforms[col.field] = transform
        if isinstance(col.conv, demo_sources.Bool) and str(col.conv.true) not in ("是", "1"):
            value_maps[col.field] = {str(col.conv.true): "是", str(col.conv.false): "否"}
        if col.when:
            conditions[col.field] = list(col.when)
    if src.fmt == "sqlite":
        locator = src.part
    elif src.fmt == "xlsx":
        locator = f"{src.file}#{src.part}"
    else:
        locator = src.file.replace("{term}", "*")
    return {
        "columns": columns,
        "transforms": transforms,
        "value_maps": value_maps,
        "conditions": conditions,
        "locator": locator,
    }


@transaction.atomic
def demo_sources_configure(out_dir: Path) -> dict[str, SourceSystem]:
    """Create the demo's source systems and their saved mappings (replacing earlier ones)."""
    units = {u.code: u for u in OrgUnit.objects.all()}
    systems: dict[str, SourceSystem] = {}
    for label, (code, name, unit, connector, minutes, days) in SYSTEMS.items():
        config = {"url": f"sqlite:///{Path(out_dir) / demo_sources.JW_DB}"} if connector == ConnectorKind.SQL else {}
        systems[label], _ = SourceSystem.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "owner_unit": units.get(unit),
                "connector": connector,
                "config": config,
                "schedule_minutes": minutes,
                "expected_every_days": days,
            },
        )
    order = {name: i for i, name in enumerate([*FIRST, *(s.table for s in demo_sources.SOURCES)])}
    for src in demo_sources.SOURCES:
        SourceMapping.objects.update_or_create(
            source=systems[src.system],
            table=src.table,
            defaults={**_mapping_fields(src), "order": order[src.table]},
        )
    return systems


def demo_data_reset() -> None:
    """Forget the previous demo: its batches, data-center files, measurements and master data."""
    Alert.objects.all().delete()
    EvaluationRun.objects.all().delete()
    IndicatorState.objects.all().delete()
    StatusChange.objects.all().delete()
    ImportRun.objects.all().delete()
    DatasetVersion.objects.all().delete()
    SourceMapping.objects.all().delete()
    SourceSystem.objects.all().delete()
    for model in MASTER_MODELS:
        model.objects.all().delete()
    shutil.rmtree(store.root(), ignore_errors=True)


def load_through_datacenter(
    *,
    out_dir: Path,
    seed: int,
    students: int,
    replace_foreign: bool = False,
    report: Callable[[str], None] = lambda _: None,
) -> dict[str, int]:
    """Import every export of the demo college through the data center. Returns master-data counts."""
    if has_foreign_master_data() and not replace_foreign:
        raise DemoLoadRefused(
            "数据库中已有不是由演示数据生成的主数据（教师、专业、课程、班级或学生）。"
            "为避免覆盖真实数据，已停止；确需替换时请加 --replace-existing。"
        )
    with BATCH_COMMITTED.paused():  # one full evaluation follows the load, not one per batch
        return _load(out_dir=Path(out_dir), seed=seed, students=students, report=report)


def export_timeline(out_dir: Path) -> Timeline:
    """The timeline the exports in `out_dir` were built for (manifest.json says its `today`)."""
    manifest = json.loads((Path(out_dir) / "manifest.json").read_text("utf-8"))
    return Timeline(dt.date.fromisoformat(manifest["today"]))


def _load(*, out_dir: Path, seed: int, students: int, report: Callable[[str], None]) -> dict[str, int]:
    tl = export_timeline(out_dir)
    demo_data_reset()
    org_units_load_default()
    # the school calendar: the simulated years before the data and the data years
    calendar_ensure(first_start_year=tl.sim_years[0], last_start_year=tl.year)
    systems = demo_sources_configure(out_dir)
    tables = sorted(
        demo_sources.SOURCES, key=lambda s: (s.table not in FIRST, FIRST.index(s.table) if s.table in FIRST else 0)
    )
    for src in tables:
        source = systems[src.system]
        paths = []
        if source.connector == ConnectorKind.FILES:
            pattern = src.file.replace("{term}", "*")
            paths = sorted(out_dir.glob(pattern))
        started = time.perf_counter()
        # the rosters' 时点 is the end of yesterday, when the systems exported them
        run = import_run_execute(
            run=import_run_create(source=source, table=src.table, paths=paths, snapshot_date=tl.yesterday)
        )
        if run.status != RunStatus.COMMITTED:
            raise DemoImportFailed(
                f"演示数据“{src.table}”导入未成功（{run.get_status_display()}）：{run.decision or run.message}"
            )
        report(f"  {src.system:<6}{src.table:<26}{run.rows_total:>12,} 行  {time.perf_counter() - started:6.1f} 秒")
    counts = {
        "teachers": Teacher.objects.count(),
        "majors": Major.objects.count(),
        "courses": Course.objects.count(),
        "classes": SchoolClass.objects.count(),
        "students": Student.objects.count(),
    }
    DemoBuild.objects.create(seed=seed, students=students, out_dir=str(out_dir), row_counts=counts)
    return counts
