"""Import runs for their pages: search, raw files and error report on disk, errors read back, messages."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.db.models import QuerySet
from openpyxl import load_workbook

from zhengai.datacenter import store
from zhengai.datacenter.choices import RunStatus
from zhengai.datacenter.models import DatasetVersion, ImportRun, SourceMapping, SourceSystem
from zhengai.datacenter.standard import TABLES_BY_NAME

INLINE_ERRORS = 100


def runs_search(*, source: SourceSystem | None = None, table: str = "", status: str = "") -> QuerySet[ImportRun]:
    qs = ImportRun.objects.select_related("source", "created_by").order_by("-created_at", "-id")
    if source is not None:
        qs = qs.filter(source=source)
    if table:
        qs = qs.filter(table=table)
    if status:
        qs = qs.filter(status=status)
    return qs


def run_tables() -> list[tuple[str, str]]:
    """Standard tables that appear in a mapping or a run, as (name, label) options."""
    names = set(SourceMapping.objects.values_list("table", flat=True)) | set(
        ImportRun.objects.values_list("table", flat=True).distinct()
    )
    return [(t.name, t.label) for t in TABLES_BY_NAME.values() if t.name in names]


@dataclass(frozen=True)
class RunError:
    file: str
    row: int | None
    field: str
    value: str
    reason: str


def _inside_store(relative: str) -> Path | None:
    """The absolute path of a file the store recorded, or None if it is missing or outside the store."""
    if not relative:
        return None
    base = store.root().resolve()
    path = (base / relative).resolve()
    if not path.is_relative_to(base) or not path.is_file():
        return None
    return path


def run_report_path(run: ImportRun) -> Path | None:
    return _inside_store(run.error_report)


def run_file_path(run: ImportRun, index: int) -> tuple[Path, str] | None:
    """(archived path, original name) of the index-th raw file of a run."""
    if not 0 <= index < len(run.files):
        return None
    record = run.files[index]
    path = _inside_store(record.get("path", ""))
    return (path, record.get("name") or path.name) if path else None


def run_errors(run: ImportRun, *, limit: int = INLINE_ERRORS) -> tuple[list[RunError], int]:
    """The first problems of a run, read back from its xlsx error report, and how many there are in all."""
    path = run_report_path(run)
    if path is None:
        return [], 0
    wb = load_workbook(path, read_only=True)
    try:
        total = None
        if "概况" in wb.sheetnames:
            for label, value in wb["概况"].iter_rows(values_only=True, max_col=2):
                if label == "问题个数" and value:
                    total = int(str(value).replace(",", ""))
        errors: list[RunError] = []
        if "错误明细" in wb.sheetnames:
            for values in wb["错误明细"].iter_rows(min_row=2, max_row=limit + 1, values_only=True, max_col=5):
                file, row, field_label, value, reason = (*values, None, None, None, None, None)[:5]
                if row is None and field_label is None:  # the "only the first N" line at the end
                    continue
                errors.append(RunError(file or "", row, field_label or "", "" if value is None else str(value),
                                       reason or ""))  # fmt: skip
    finally:
        wb.close()
    return errors, total if total is not None else len(errors)


@dataclass(frozen=True)
class RunText:
    """What a run's message means for a reader: the reason it failed, notices, and technical detail."""

    problem: str
    notices: list[str]
    technical: str


def run_text(run: ImportRun) -> RunText:
    message = (run.message or "").strip()
    if run.status == RunStatus.FAILED and message:
        first, _, rest = message.partition("\n")
        return RunText(first, [], rest.strip())
    if run.status == RunStatus.REJECTED and message and not run.error_report:
        return RunText(message, [], "")  # the whole batch could not be read: the message is the reason
    return RunText("", [line for line in message.splitlines() if line.strip()], "")


def run_versions(run: ImportRun) -> list[DatasetVersion]:
    return list(DatasetVersion.objects.filter(run=run).order_by("version"))
