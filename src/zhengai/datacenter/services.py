"""Import runs: create, execute (validate, compare, decide, write, publish), retry; sources and mappings."""

from __future__ import annotations

import datetime as dt
import fnmatch
import hashlib
import json
import logging
import os
import socket
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from zhengai.audit.services import audit_record
from zhengai.datacenter import pipeline, standard, store
from zhengai.datacenter.choices import ConnectorKind, InvalidPolicy, RunStatus
from zhengai.datacenter.connectors import RawChunk, SourceError, reader_for
from zhengai.datacenter.fieldops import format_operation
from zhengai.datacenter.guard import Removal, removal_check
from zhengai.datacenter.mapping import TRANSFORMS, MappingSpec
from zhengai.datacenter.models import DatasetVersion, ImportRun, SourceMapping, SourceSystem
from zhengai.datacenter.registry import ROSTER_TABLES, registry_sync
from zhengai.datacenter.reports import write_error_report
from zhengai.datacenter.rowfilters import format_filter
from zhengai.datacenter.secrets import connection_url, mask, source_secret_values
from zhengai.datacenter.standard import TableKind
from zhengai.datacenter.standard import table as standard_table
from zhengai.lib.hooks import BATCH_COMMITTED

log = logging.getLogger(__name__)

FILE_KINDS = {".csv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".parquet": "parquet", ".json": "push"}


def run_dir(run: ImportRun) -> Path:
    path = store.root() / "runs" / f"{run.pk:08d}"
    path.mkdir(parents=True, exist_ok=True)
    return path


def mapping_spec(mapping: SourceMapping) -> MappingSpec:
    return MappingSpec(
        standard_table(mapping.table),
        columns=mapping.columns,
        value_maps=mapping.value_maps or {},
        transforms=mapping.transforms or {},
        fixed_values=mapping.fixed_values or {},
        conditions=mapping.conditions or {},
        filters=mapping.filters or [],
        operations=mapping.operations or {},
        lookup_table=(mapping.lookup_table or {}).get("pairs", {}),
    )


def mapping_for(source: SourceSystem, table: str) -> SourceMapping:
    """The saved mapping; for a file source without one, the standard table's own field names as headers."""
    try:
        return source.mappings.get(table=table)
    except SourceMapping.DoesNotExist:
        if source.connector == ConnectorKind.FILES:
            spec = standard_table(table)
            return SourceMapping(source=source, table=table, columns={f.name: f.name for f in spec.fields})
        raise SourceError(f"数据源“{source.name}”还没有“{standard_table(table).label}”表的字段映射") from None


def mapping_matches(mapping: SourceMapping, file_name: str) -> bool:
    pattern = (mapping.locator or "*").split("#", 1)[0] or "*"
    return fnmatch.fnmatch(file_name, pattern)


# ------------------------------------------------------------------------------------------ create


@transaction.atomic
def import_run_create(
    *,
    source: SourceSystem,
    table: str,
    paths: list[Path] | None = None,
    by: Any = None,
    dry_run: bool = False,
    snapshot_date: dt.date | None = None,
    confirm_removal: bool = False,
) -> ImportRun:
    """Register a batch: archive its raw files with checksums. Nothing is read or validated yet.

    confirm_removal: the person starting it accepts that a roster batch makes many stored entities disappear.
    """
    if table not in standard.TABLES_BY_NAME:
        known = "、".join(source.mappings.order_by("order", "table").values_list("table", flat=True))
        if known:
            raise SourceError(f"没有名为“{table}”的标准数据表。数据源“{source.name}”已映射的表：{known}")
        raise SourceError(f"没有名为“{table}”的标准数据表。可用的表：{'、'.join(standard.TABLES_BY_NAME)}")
    mapping_for(source, table)
    records = []
    for path in paths or []:
        path = Path(path)
        if not path.exists():
            raise SourceError(f"找不到文件“{path}”，请检查路径")
        if path.is_dir():
            raise SourceError(f"“{path}”是一个目录，请指定其中的文件（CSV、xlsx、Parquet、JSON）")
        if path.suffix.lower() not in FILE_KINDS:
            raise SourceError(f"文件“{path.name}”的格式不受支持（支持 CSV、xlsx、Parquet、JSON）")
        records.append(store.archive_raw(path))
    if source.connector in (ConnectorKind.FILES, ConnectorKind.PUSH) and not records:
        raise SourceError("请至少选择一个文件")
    return ImportRun.objects.create(
        source=source,
        table=table,
        files=records,
        dry_run=dry_run,
        snapshot_date=snapshot_date,
        confirm_removal=confirm_removal,
        created_by=by if getattr(by, "pk", None) else None,
    )


# ------------------------------------------------------------------------------------------ execute


def _claim(run: ImportRun, worker: str) -> bool:
    """Conditional update: of two workers that try to take the same run, exactly one succeeds."""
    now = timezone.now()
    taken = ImportRun.objects.filter(pk=run.pk, status=RunStatus.PENDING).update(
        status=RunStatus.RUNNING, started_at=now, worker=worker, progress=1, progress_text="开始处理"
    )
    return taken == 1


def _progress(run: ImportRun) -> Callable[[int, str], None]:
    def report(percent: int, text: str) -> None:
        ImportRun.objects.filter(pk=run.pk).update(progress=max(1, min(99, percent)), progress_text=text[:255])

    return report


def _chunks(run: ImportRun, mapping: SourceMapping, spec: MappingSpec) -> Iterator[RawChunk]:
    source = run.source
    incremental = standard_table(run.table).kind == TableKind.EVENT
    if source.connector == ConnectorKind.SQL:
        url = connection_url(source)
        yield from reader_for("sql")(
            url,
            locator=mapping.locator,
            expected=spec.source_columns,
            # Incremental reads suit event tables only: a partial roster would look like removals.
            watermark_column=mapping.watermark_column if incremental else "",
            watermark_value=mapping.watermark_value if incremental else "",
        )
        return
    sheet = mapping.locator.split("#", 1)[1] if "#" in (mapping.locator or "") else None
    for record in run.files:
        path = store.root() / record["path"]
        kind = FILE_KINDS[Path(record["name"]).suffix.lower()]
        options: dict[str, Any] = {"expected": spec.source_columns, "name": record["name"]}
        if mapping.pk is None:  # no saved mapping: the standard field names, the optional ones may be absent
            required = [f.name for f in standard_table(run.table).fields if f.required]
            options["expected"] = required
            options["optional"] = [c for c in spec.source_columns if c not in required]
        if kind in ("csv", "xlsx"):
            options["header_row"] = mapping.header_row
        if kind == "xlsx":
            options["sheet"] = sheet
        yield from reader_for(kind)(path, **options)


def import_run_execute(*, run: ImportRun, worker: str = "") -> ImportRun:
    """Validate the batch, compare it with the current version and commit or reject it.

    Safe to call from several workers: the run is claimed with a conditional update first.
    """
    worker = worker or f"{socket.gethostname()}:{os.getpid()}"
    if not _claim(run, worker):
        run.refresh_from_db()
        return run
    run.refresh_from_db()
    progress = _progress(run)
    try:
        _execute(run, progress)
    except SourceError as exc:
        hidden = source_secret_values(run.source)
        _finish(
            run, RunStatus.REJECTED, message=mask(str(exc), *hidden), decision=f"整批拒收：{mask(str(exc), *hidden)}"
        )
    except Exception as exc:  # the run must end in a state a person can see, whatever went wrong
        hidden = source_secret_values(run.source)
        log.error("import run %s failed: %s", run.pk, mask(traceback.format_exc(), *hidden))
        detail = mask(f"{exc}\n{traceback.format_exc(limit=3)}", *hidden)
        _finish(run, RunStatus.FAILED, message=f"处理出错：{detail}")
    run.refresh_from_db()
    return run


def _records(prepared: pipeline.Prepared, *, stored: int) -> dict:
    """read = stored + rejected + unparsed + filtered: each record of the input is one of the four."""
    read, unparsed, filtered = prepared.read, prepared.unparsed, prepared.filtered
    return {
        "lines_total": prepared.lines,
        "records_read": read,
        "records_stored": stored,
        "records_rejected": read - stored - unparsed - filtered,
        "records_unparsed": unparsed,
        "records_filtered": filtered,
    }


def _finish(run: ImportRun, status: str, **fields: Any) -> None:
    fields.update(status=status, finished_at=timezone.now(), progress=100)
    ImportRun.objects.filter(pk=run.pk).update(**fields)


def _execute(run: ImportRun, progress: Callable[[int, str], None]) -> None:
    table = standard_table(run.table)
    mapping = mapping_for(run.source, run.table)
    spec = mapping_spec(mapping)
    progress(5, "读取文件")
    watermark: list[str] = []
    prepared = pipeline.prepare(table, spec, _tracking(_chunks(run, mapping, spec), watermark), progress)
    invalid_rows = prepared.invalid
    version = store.current_version(table.name)
    policy = run.source.invalid_policy
    if invalid_rows and policy == InvalidPolicy.REJECT_BATCH:
        # Decided before comparing: a rejected batch need not pay for a join with the stored table.
        counts = {"rows_total": prepared.total, "rows_invalid": invalid_rows, **_records(prepared, stored=0)}
        report_fields = _keep_evidence(run, prepared, counts)
        _finish(run, RunStatus.REJECTED, **counts, **report_fields, message="\n".join(prepared.notices),
                decision=f"有 {invalid_rows:,} 行无效，按数据源规则整批拒收；错误报告与被拒行已留档")  # fmt: skip
        return
    if prepared.valid.num_rows == 0 and not invalid_rows and prepared.filtered:
        # An empty batch would read as "every row is gone" for a roster: refuse it instead.
        counts = {"rows_total": prepared.total, "rows_invalid": 0, **_records(prepared, stored=0)}
        _finish(run, RunStatus.REJECTED, **counts, message="\n".join(prepared.notices),
                decision=f"按行筛选条件 {prepared.filtered:,} 条记录全部未取，没有可入库的行，整批拒收")  # fmt: skip
        return
    progress(65, "与现有数据比对")
    diff = pipeline.compare(prepared, version, snapshot_date=run.snapshot_date)
    counts = {
        "rows_total": prepared.total,
        "rows_new": diff.new,
        "rows_updated": diff.updated,
        "rows_unchanged": diff.unchanged,
        "rows_invalid": invalid_rows,
        "rows_removed": diff.removed,
        **_records(prepared, stored=prepared.valid.num_rows),
    }
    report_fields = _keep_evidence(run, prepared, counts) if invalid_rows or prepared.errors.num_rows else {}
    notices = "\n".join(prepared.notices)
    if prepared.valid.num_rows == 0 and invalid_rows:
        counts.update(_records(prepared, stored=0))
        _finish(run, RunStatus.REJECTED, **counts, **report_fields, message=notices,
                decision="没有一行有效数据，整批拒收")  # fmt: skip
        return
    kept_note = f"；{invalid_rows:,} 行无效，未入库，已留档" if invalid_rows else ""
    outcome = f"新增 {diff.new:,}、更新 {diff.updated:,}、未变 {diff.unchanged:,}{kept_note}"
    removal = _removal(table, diff, incoming=prepared.valid.num_rows)
    gone = removal.describe(table.name, table.label) if removal else ""
    if removal and run.confirm_removal:
        outcome += f"；{gone}，{_confirmed_by(run)}"
    if run.dry_run:
        warning = f"；注意：正式导入将使{gone}，须确认后才能入库" if removal and not run.confirm_removal else ""
        _finish(run, RunStatus.VALIDATED, **counts, **report_fields, message=notices,
                decision=f"试运行：{outcome}，未写入数据中心{warning}")  # fmt: skip
        return
    if removal and not run.confirm_removal:
        _finish(run, RunStatus.HELD, **counts, **report_fields, message=notices,
                decision=f"待确认：本批将使{gone}，未写入数据中心（{outcome}）。{_how_to_confirm(run)}")  # fmt: skip
        return
    if not diff.has_changes:
        _finish(run, RunStatus.UNCHANGED, **counts, **report_fields, message=notices,
                decision=f"全部 {diff.unchanged:,} 行与现有数据相同，数据中心不变{kept_note}")  # fmt: skip
        if watermark:
            SourceMapping.objects.filter(pk=mapping.pk).update(watermark_value=watermark[-1])
        return
    progress(75, "写入数据中心")
    files, total = pipeline.write(prepared, diff, version, run_id=run.pk, snapshot_date=run.snapshot_date)
    with transaction.atomic():
        store.publish(table=table.name, files=files, row_count=total, run_id=run.pk, based_on=version)
        ImportRun.objects.filter(pk=run.pk).update(
            **counts, **report_fields, message=notices, status=RunStatus.COMMITTED, finished_at=timezone.now(),
            progress=100, decision=f"已入库：{outcome}",
        )  # fmt: skip
        if watermark:
            SourceMapping.objects.filter(pk=mapping.pk).update(watermark_value=watermark[-1])
    if table.name in ROSTER_TABLES:
        registry_sync(tables=(table.name,))
    # Whatever listens above the data center (real-time re-evaluation) starts once the batch is durable.
    transaction.on_commit(lambda: BATCH_COMMITTED.fire(run=ImportRun.objects.get(pk=run.pk)))


def _how_to_confirm(run: ImportRun) -> str:
    if run.source.connector == ConnectorKind.SQL:  # a sync has no --confirm: a person confirms on the page
        return "须确认后才能入库：在批次页面点“确认替换并入库”"
    return "须确认后才能入库：在批次页面点“确认替换并入库”，或命令行加 --confirm 重新运行"


CONFIRM_ACTION = "确认名单批次"


def _removal(table: standard.StandardTable, diff: pipeline.Diff, *, incoming: int) -> Removal | None:
    """The guard's verdict for a snapshot batch, when it trips; None otherwise."""
    if table.kind != TableKind.SNAPSHOT:
        return None
    verdict = removal_check(
        stored=diff.updated + diff.unchanged + diff.removed,
        removed=diff.removed,
        incoming=incoming,
        new=diff.new,
        share=settings.ZHENGAI_ROSTER_GUARD_SHARE,
        minimum=settings.ZHENGAI_ROSTER_GUARD_MIN,
    )
    return verdict if verdict.trips else None


def _confirmed_by(run: ImportRun) -> str:
    from zhengai.audit.models import AuditRecord

    record = (
        AuditRecord.objects.filter(action=CONFIRM_ACTION, object_type=run._meta.label_lower, object_id=str(run.pk))
        .select_related("actor")
        .order_by("-at")
        .first()
    )
    person = record.actor if record else run.created_by
    return f"已由 {person} 确认" if person else "已确认（命令行 --confirm）"


def _tracking(chunks: Iterator[RawChunk], watermark: list[str]) -> Iterator[RawChunk]:
    """Pass chunks through, remembering the highest watermark the source delivered."""
    for chunk in chunks:
        if chunk.watermark is not None:
            watermark.append(chunk.watermark)
        yield chunk


def _keep_evidence(run: ImportRun, prepared: pipeline.Prepared, counts: dict) -> dict:
    folder = run_dir(run)
    rejected_path = folder / "被拒行.parquet"
    if prepared.rejected.num_rows:
        data = prepared.rejected
        if "_file" in data.column_names:
            import pyarrow as pa
            import pyarrow.compute as pc

            data = data.set_column(
                data.column_names.index("_file"), "_file", pc.cast(data.column("_file"), pa.string())
            )
        pq.write_table(data, rejected_path)
    table = standard_table(run.table)
    summary = [
        ("批次", f"#{run.pk}"),
        ("数据源", run.source.name),
        ("标准数据表", f"{table.label}（{table.name}）"),
        ("文件", "、".join(f["name"] for f in run.files) or "数据库"),
        ("总行数", f"{counts['rows_total']:,}"),
        ("无效行数", f"{counts['rows_invalid']:,}"),
        ("问题个数", f"{prepared.errors.num_rows:,}"),
        ("提示", "；".join(prepared.notices)),
    ]
    report = write_error_report(folder / f"错误报告_批次{run.pk}.xlsx", summary=summary, errors=prepared.errors)
    return {
        "error_report": str(report.relative_to(store.root())),
        "rejected_rows": str(rejected_path.relative_to(store.root())) if prepared.rejected.num_rows else "",
    }


# ------------------------------------------------------------------------------------------ retry


@transaction.atomic
def import_run_retry(*, run: ImportRun, by: Any = None) -> ImportRun:
    """Put an interrupted or failed run back in the queue; files it half-wrote are removed first."""
    run = ImportRun.objects.select_for_update().get(pk=run.pk)
    if run.status not in (RunStatus.RUNNING, RunStatus.FAILED):
        raise ValueError("只有处理中断或出错的批次可以重新处理")
    listed = {
        f for files in DatasetVersion.objects.filter(table=run.table).values_list("files", flat=True) for f in files
    }
    for path in store.table_dir(run.table).glob(f"{run.pk:08d}-*.parquet*"):
        if str(path.relative_to(store.root())) not in listed:
            path.unlink()
    run.status, run.progress, run.progress_text, run.message = RunStatus.PENDING, 0, "等待重新处理", ""
    run.save(update_fields=["status", "progress", "progress_text", "message"])
    audit_record(actor=by, action="重新处理采集批次", obj=run, before=None, after={"status": run.status})
    return run


def import_run_confirm(*, run: ImportRun, by: Any) -> ImportRun:
    """Accept a held roster batch: it goes back in the queue and imports although many entities disappear."""
    with transaction.atomic():
        taken = ImportRun.objects.filter(pk=run.pk, status=RunStatus.HELD).update(
            status=RunStatus.PENDING, confirm_removal=True, progress=0, progress_text="已确认，等待入库",
            finished_at=None,
        )  # fmt: skip
        run.refresh_from_db()
        if taken != 1:
            raise ValueError(f"批次 #{run.pk} 的状态是“{run.get_status_display()}”，只有待确认的批次可以确认")
        audit_record(actor=by, action=CONFIRM_ACTION, obj=run, before={"status": RunStatus.HELD.label},
                     after={"status": run.get_status_display(), "确认": run.decision})  # fmt: skip
    return run


def import_runs_reap_interrupted() -> int:
    """Mark runs whose process on this machine has died as failed, so they can be retried.

    Returns the number of runs marked. Runs claimed by other machines are left alone.
    """
    host = socket.gethostname()
    reaped = 0
    for run in ImportRun.objects.filter(status=RunStatus.RUNNING, worker__startswith=f"{host}:"):
        pid = int(run.worker.rsplit(":", 1)[1] or 0)
        if pid and _alive(pid):
            continue
        reaped += ImportRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(
            status=RunStatus.FAILED,
            finished_at=timezone.now(),
            message="处理进程意外中断，本批次没有入库，数据中心仍是上一个版本；可重新处理",
        )
    return reaped


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# ------------------------------------------------------------------------------------------ mappings


def _mapping_snapshot(mapping: SourceMapping | None) -> dict | None:
    """A mapping as the audit log shows it: one line per field, so changes read item by item."""
    if mapping is None:
        return None
    return _mapping_lines(mapping.table, {
        "columns": mapping.columns, "value_maps": mapping.value_maps or {}, "transforms": mapping.transforms or {},
        "fixed_values": mapping.fixed_values or {}, "header_row": mapping.header_row, "locator": mapping.locator,
        "filters": mapping.filters or [], "operations": mapping.operations or {},
        "lookup_table": mapping.lookup_table or {},
    })  # fmt: skip


def _lookup_line(lookup: dict) -> str:
    if not lookup:
        return ""
    digest = hashlib.sha1(json.dumps(lookup.get("pairs", {}), ensure_ascii=False, sort_keys=True).encode()).hexdigest()
    pairs = len(lookup.get("pairs", {}))
    return f"{lookup.get('name', '')}：{lookup.get('key', '')} → {lookup.get('value', '')}，{pairs} 条（{digest[:8]}）"


def _mapping_lines(table_name: str, values: dict) -> dict:
    table = standard.table(table_name)
    label = {f.name: f"{f.label}（{f.name}）" for f in table.fields}
    return {
        "列对应": [f"{label.get(k, k)} ← {v}" for k, v in values["columns"].items()],
        "代码值对应": [
            f"{label.get(k, k)}：{src}→{code}" for k, m in values["value_maps"].items() for src, code in m.items()
        ],
        "值转换": [f"{label.get(k, k)}：{TRANSFORMS.get(v, (v,))[0]}" for k, v in values["transforms"].items()],
        "固定值": [f"{label.get(k, k)} = {v}" for k, v in values["fixed_values"].items()],
        "行筛选": [format_filter(f) for f in values.get("filters") or []],
        "字段运算": [
            f"{label.get(k, k)} ← {format_operation(op)}" for k, op in (values.get("operations") or {}).items()
        ],
        "对照表": _lookup_line(values.get("lookup_table") or {}),
        "表头所在行": values["header_row"],
        "位置": values["locator"] or "（任意文件）",
    }


@transaction.atomic
def source_mapping_save(*, source: SourceSystem, table: str, values: dict, by) -> SourceMapping:
    """Create or change the mapping of one source and standard table; audited with before and after."""
    mapping = SourceMapping.objects.select_for_update().filter(source=source, table=table).first()
    before = _mapping_snapshot(mapping)
    if mapping is None:
        order = (source.mappings.order_by("-order").values_list("order", flat=True).first() or 0) + 1
        mapping = SourceMapping(source=source, table=table, order=order)
    for key, value in values.items():
        setattr(mapping, key, value)
    mapping.save()
    after = _mapping_snapshot(mapping)
    if before != after:
        action = "修改字段映射" if before else "新建字段映射"
        audit_record(actor=by, action=action, obj=mapping, before=before, after=after)
    return mapping


# ------------------------------------------------------------------------------------------ sources
# Creating and changing sources lives in source_settings (connection URL, password, schedule).

from zhengai.datacenter.source_settings import source_connection_test, source_create, source_update  # noqa: E402, F401
