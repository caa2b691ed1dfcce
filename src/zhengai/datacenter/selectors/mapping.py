"""The mapping editor's reads: a sample file's header, and its first rows as they would land."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow.parquet as pq
from python_calamine import CalamineWorkbook

from zhengai.datacenter import pipeline
from zhengai.datacenter.connectors import RawChunk, SourceError, reader_for
from zhengai.datacenter.connectors.files.encoding import decode
from zhengai.datacenter.connectors.files.header import NO_HEADER, position_names
from zhengai.datacenter.mapping import MappingSpec, apply, suggest
from zhengai.datacenter.rowfilters import filter_chunk, filtered_notice
from zhengai.datacenter.services import FILE_KINDS
from zhengai.datacenter.standard import CODE_SETS, FieldType, StandardTable
from zhengai.datacenter.validation import check_chunk

SAMPLE_HEADER_ROWS = 20


@dataclass(frozen=True)
class SampleHeader:
    columns: list[str]
    header_row: int  # 1-based
    sheets: list[str]
    sheet: str | None
    notices: list[str]
    examples: dict[str, str] = field(default_factory=dict)  # column → its first value, for a file without header


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _first_rows(path: Path, *, name: str, sheet: str | None) -> tuple[list[list[str]], list[str], str | None]:
    """The first rows of a sample file as text, its sheets and the sheet read (xlsx only)."""
    suffix = Path(name).suffix.lower()
    if suffix in (".csv", ".txt"):
        with open(path, "rb") as fh:
            head = fh.read(1 << 20)
        if len(head) == 1 << 20:  # don't cut a multi-byte character in half: drop the last partial line
            head = head[: head.rfind(b"\n") + 1] or head
        decoded = decode(head, file=name)
        lines = decoded.utf8.decode("utf-8", errors="ignore").splitlines()[:SAMPLE_HEADER_ROWS]
        try:
            rows = list(csv.reader(io.StringIO("\n".join(lines))))
        except csv.Error:
            rows = [line.split(",") for line in lines]
        return [[_cell_text(v) for v in r] for r in rows], [], None
    if suffix == ".xlsx":
        try:
            workbook = CalamineWorkbook.from_path(str(path))
            sheets = list(workbook.sheet_names)
            chosen = sheet if sheet in sheets else (sheets[0] if sheets else None)
            if chosen is None:
                raise SourceError(f"文件“{name}”中没有工作表")
            raw = workbook.get_sheet_by_name(chosen).to_python(skip_empty_area=False, nrows=SAMPLE_HEADER_ROWS)
        except SourceError:
            raise
        except Exception as exc:
            raise SourceError(f"文件“{name}”已损坏或不完整，无法作为 xlsx 打开（{type(exc).__name__}）") from None
        return [[_cell_text(v) for v in r] for r in raw], sheets, chosen
    if suffix == ".parquet":
        try:
            names = pq.ParquetFile(path).schema_arrow.names
        except Exception as exc:
            raise SourceError(f"文件“{name}”不是有效的 Parquet 文件（{type(exc).__name__}）") from None
        return [list(names)], [], None
    raise SourceError(f"文件“{name}”的格式不受支持（支持 CSV、xlsx、Parquet）")


def sample_header(
    table: StandardTable, path: Path, *, name: str, header_row: int | None = None, sheet: str | None = None
) -> SampleHeader:
    """The column names of a sample file. Without a header row given, the row that names most fields wins."""
    rows, sheets, chosen = _first_rows(path, name=name, sheet=sheet)
    if not any(any(v for v in r) for r in rows):
        raise SourceError(f"文件“{name}”是空的，没有任何内容")
    notices: list[str] = []
    if header_row == NO_HEADER:
        columns = position_names(rows)
        first = next((r for r in rows if any(r)), [])
        examples = {c: first[i] for i, c in enumerate(columns) if i < len(first) and first[i]}
        return SampleHeader(columns, NO_HEADER, sheets, chosen, ["文件没有表头，按列位置对应"], examples)
    if header_row is None:
        scores = [(len(suggest(table, [v for v in r if v])), -i) for i, r in enumerate(rows)]
        best = max(range(len(rows)), key=lambda i: scores[i]) if rows else 0
        if scores[best][0] == 0:
            best = next(i for i, r in enumerate(rows) if any(r))
            notices.append("没有一行像表头；如果文件没有表头，请勾选“文件没有表头”，按列位置对应")
        if best > 0:
            notices.append(f"表头在第 {best + 1} 行（前面的 {best} 行是标题或合并表头）")
        header_row = best + 1
    index = header_row - 1
    if index >= len(rows):
        raise SourceError(f"文件“{name}”只有 {len(rows)} 行，没有第 {header_row} 行")
    columns = list(dict.fromkeys(v for v in rows[index] if v))
    if not columns:
        raise SourceError(f"文件“{name}”第 {header_row} 行是空的，不是表头")
    return SampleHeader(columns, header_row, sheets, chosen, notices)


@dataclass(frozen=True)
class PreviewCell:
    text: str  # the typed value as the data center would hold it; for a bad cell, the source text
    code_label: str  # for a code: its name in the code set
    errors: list[str]


@dataclass(frozen=True)
class PreviewRow:
    number: int
    cells: list[PreviewCell]
    row_errors: list[str]

    @property
    def has_errors(self) -> bool:
        return bool(self.row_errors) or any(c.errors for c in self.cells)


@dataclass(frozen=True)
class Preview:
    table: StandardTable
    rows: list[PreviewRow]
    notices: list[str]
    problem: str  # the file could not be read: a Chinese reason

    @property
    def bad_rows(self) -> int:
        return sum(1 for r in self.rows if r.has_errors)


def _typed_text(value: object, ftype: FieldType) -> str:
    if value is None:
        return ""
    if ftype == FieldType.BOOLEAN:
        return "是" if value else "否"
    if isinstance(value, float):
        return f"{value:g}" if abs(value) < 1e15 else str(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def mapping_preview(
    table: StandardTable,
    spec: MappingSpec,
    path: Path,
    *,
    name: str,
    header_row: int,
    sheet: str | None,
    limit: int = 20,
) -> Preview:
    """The first rows of a sample as they would land: typed values and, per cell, the Chinese error."""
    kind = FILE_KINDS.get(Path(name).suffix.lower())
    options: dict[str, object] = {"expected": spec.source_columns, "name": name}
    if kind in ("csv", "xlsx"):
        options["header_row"] = header_row
    if kind == "xlsx":
        options["sheet"] = sheet or None
    try:
        if kind is None:
            raise SourceError(f"文件“{name}”的格式不受支持（支持 CSV、xlsx、Parquet）")
        chunk = next(iter(reader_for(kind)(path, **options)))
    except SourceError as exc:
        return Preview(table, [], [], str(exc))
    notices = list(chunk.notices)
    chunk, left_out = filter_chunk(chunk, spec.filters)
    if len(left_out):
        notices.append(filtered_notice(chunk.file, left_out.slice(0, 10).to_pylist(), len(left_out)))
    numbers = chunk.rows().slice(0, limit)
    shown = numbers.to_pylist()
    last = shown[-1] if shown else 0
    sample = RawChunk(
        file=chunk.file,
        table=chunk.table.slice(0, limit),
        first_row=chunk.first_row,
        row_numbers=numbers,
        notices=chunk.notices,
        row_errors=tuple(e for e in chunk.row_errors if e[0] is not None and e[0] <= last),
    )
    checked = check_chunk(table, apply(spec, sample))
    prepared = pipeline.prepare(table, spec, [sample])
    by_label = {f"{f.label}（{f.name}）": f.name for f in table.fields}
    cell_errors: dict[tuple[int, str], list[str]] = {}
    cell_values: dict[tuple[int, str], str] = {}
    row_errors: dict[int, list[str]] = {}
    for err in prepared.errors.to_pylist():
        target = by_label.get(err["field"])
        if target is None:
            row_errors.setdefault(err["row"], []).append(f"{err['field']}：{err['reason']}")
        else:
            cell_errors.setdefault((err["row"], target), []).append(err["reason"])
            cell_values.setdefault((err["row"], target), err["value"] or "")
    typed = {name: checked.typed[name].to_pylist() for name in table.column_names}
    rows = []
    for i, number in enumerate(shown):
        cells = []
        for f in table.fields:
            value = typed[f.name][i]
            text = _typed_text(value, f.type)
            code_label = ""
            if f.type == FieldType.CODE and f.code_set and value is not None:
                code_label = CODE_SETS[f.code_set].label_of(str(value)) or ""
            errors = cell_errors.get((number, f.name), [])
            if errors:  # what the source held, since the typed value of a bad cell is empty
                text, code_label = cell_values.get((number, f.name), ""), ""
            cells.append(PreviewCell(text, code_label, errors))
        rows.append(PreviewRow(number, cells, row_errors.get(number, [])))
    for number, reasons in sorted(row_errors.items(), key=lambda item: item[0] or 0):
        if number not in shown:  # rows the reader could not split into columns
            rows.append(PreviewRow(number or 0, [PreviewCell("", "", []) for _ in table.fields], reasons))
    rows.sort(key=lambda r: r.number)
    return Preview(table, rows, notices, "")
