"""Real-time re-evaluation: when an import batch commits, recompute what it can have changed.

Only the indicators that read the batch's table, only for the entities in the batch (and the
entities they roll up to: a student's class and major, a course's major, an offering's teacher),
and only for the periods from the batch's earliest date on. The run goes to the worker; alerts
follow from its status changes like after any evaluation.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

import pyarrow as pa
from django.conf import settings
from django.db import transaction

from zhengai.datacenter import store
from zhengai.datacenter.models import DatasetVersion, ImportRun
from zhengai.datacenter.standard import TABLES_BY_NAME, FieldType, TimeKind
from zhengai.indicators.choices import PeriodKind
from zhengai.indicators.selectors import catalogue
from zhengai.lib.periods import academic_year_of, parse_term_code

log = logging.getLogger(__name__)

# A key column of a standard table → the entity kind it names.
KEY_KINDS = {
    "student_no": "student",
    "course_code": "course",
    "staff_no": "teacher",
    "major_code": "major",
    "class_code": "class",
    "dept_code": "department",
}


@dataclass
class BatchScope:
    table: str
    entities: dict[str, set[str]] = field(default_factory=dict)
    first_day: dt.date | None = None

    @property
    def empty(self) -> bool:
        return not any(self.entities.values())


def batch_files(run: ImportRun) -> list[str]:
    """The Parquet files this batch wrote (absolute paths)."""
    version = DatasetVersion.objects.filter(run=run).order_by("-version").first()
    if version is None:
        return []
    prefix = f"{run.pk:08d}-"
    base = store.root()
    return [str(base / f) for f in version.files if f.rsplit("/", 1)[-1].startswith(prefix)]


def batch_scope(run: ImportRun) -> BatchScope:
    """Which entities (of every kind they roll up to) and from which day a committed batch touches."""
    spec = TABLES_BY_NAME[run.table]
    scope = BatchScope(run.table)
    files = batch_files(run)
    if not files:
        return scope
    con = store.connect()
    try:
        listed = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
        # Only the rows this batch brought: files it rewrote also carry older rows, with their own _run.
        con.execute(f"CREATE TEMP VIEW batch AS SELECT * FROM read_parquet([{listed}]) WHERE _run = {int(run.pk)}")
        for column, kind in KEY_KINDS.items():
            if column in spec.field_index:
                rows = con.sql(f"SELECT DISTINCT CAST({column} AS VARCHAR) FROM batch WHERE {column} IS NOT NULL")
                scope.entities.setdefault(kind, set()).update(r[0] for r in rows.fetchall())
        _roll_up(con, scope, spec)
        if spec.time_field:
            first = con.sql(f"SELECT min({spec.time_field}) FROM batch").fetchall()[0][0]
            scope.first_day = _day(first, spec)
    finally:
        con.close()
    return scope


def _roll_up(con, scope: BatchScope, spec) -> None:
    """Add the class and major of the batch's students, the major of its courses, the teacher of its offerings."""

    def lookup(table: str, key: str, keys: set[str], columns: dict[str, str]) -> None:
        if not keys:
            return
        scan = store.scan_sql(store.current_version(table), TABLES_BY_NAME[table])
        con.register("k", pa.table({"key": pa.array(sorted(keys), pa.string())}))
        cols = ", ".join(f"CAST({c} AS VARCHAR)" for c in columns)
        for row in con.sql(f"SELECT {cols} FROM {scan} r JOIN k ON r.{key} = k.key").fetchall():
            for value, kind in zip(row, columns.values(), strict=True):
                if value:
                    scope.entities.setdefault(kind, set()).add(value)

    ent = scope.entities
    lookup("students", "student_no", set(ent.get("student", ())), {"class_code": "class", "major_code": "major"})
    lookup("courses", "course_code", set(ent.get("course", ())), {"major_code": "major"})
    if "offering_id" in spec.field_index:
        offerings = {
            r[0] for r in con.sql("SELECT DISTINCT offering_id FROM batch WHERE offering_id IS NOT NULL").fetchall()
        }
        lookup("course_offerings", "offering_id", offerings, {"staff_no": "teacher"})
    lookup("classes", "class_code", set(ent.get("class", ())), {"major_code": "major"})


def _day(value, spec) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            year, kind = parse_term_code(value)
        except ValueError:
            return None
        return dt.date(year, 9, 1) if kind == 1 else dt.date(year + 1, 2, 1)
    year = int(value)
    field_type = spec.field(spec.time_field).type
    if field_type == FieldType.INTEGER and spec.time_kind == TimeKind.CALENDAR_YEAR:
        return dt.date(year, 1, 1)
    return dt.date(year, 9, 1)


def affected_periods(first_day: dt.date | None) -> list[str]:
    """Every period (of every kind) that ends on or after the batch's first day: the periods its rows fall in,
    and the later ones whose cumulative windows include them."""
    from zhengai.monitoring.services import periods_for

    if first_day is None:
        return []
    start = academic_year_of(first_day).start if first_day else None
    codes: list[str] = []
    for kind in PeriodKind.values:
        codes += [p.code for p in periods_for(kind) if p.end >= first_day or (start and p.start >= start)]
    return sorted(set(codes))


def realtime_run_for_batch(*, run: ImportRun, engine: str = "duckdb"):
    """The evaluation run a committed batch calls for (created, not executed), or None."""
    from zhengai.monitoring.services import evaluation_run_create

    readers = [code for code, (_row, decl) in catalogue().items() if run.table in decl.source_tables]
    if not readers:
        return None
    scope = batch_scope(run)
    if scope.empty:
        return None
    periods = affected_periods(scope.first_day)
    return evaluation_run_create(
        indicator_codes=readers,
        periods=periods,
        entities={k: sorted(v) for k, v in scope.entities.items()},
        engine=engine,
        reason=f"实时计算：采集批次 #{run.pk}（{TABLES_BY_NAME[run.table].label}）",
        import_run=run,
    )


def evaluation_after_batch(*, run: ImportRun) -> None:
    """Hook receiver (datacenter.batch_committed): queue the re-evaluation for the worker."""
    if not settings.ZHENGAI_REALTIME_ENABLED:
        return
    from zhengai.monitoring.tasks import evaluation_run_task

    try:
        evaluation = realtime_run_for_batch(run=run)
    except Exception:  # never let a follow-up break the import that triggered it
        log.exception("real-time evaluation for import run %s", run.pk)
        return
    if evaluation is not None:
        transaction.on_commit(lambda: evaluation_run_task.enqueue(evaluation.pk))
