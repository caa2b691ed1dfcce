"""xlsx workbooks, read with calamine (fast, Rust); every cell becomes text."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
from python_calamine import CalamineWorkbook

from zhengai.datacenter.connectors import RawChunk, SourceError, register
from zhengai.datacenter.connectors.files.header import check_columns, find_header

_HEADER_SCAN_ROWS = 20


def _text_column(values: Sequence[object]) -> pa.Array:
    """One column of cell values (str, float, int, bool, date, datetime, time, '') as text."""
    try:
        arr = pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        # Empty cells come as "" among numbers or dates; mixed columns fall back to text per cell.
        try:
            arr = pa.array([None if v == "" else v for v in values])
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            arr = pa.array([_cell_text(v) for v in values], pa.string())
    if pa.types.is_timestamp(arr.type):
        arr = pc.cast(arr, pa.timestamp("s"))
    if pa.types.is_boolean(arr.type):
        arr = pc.if_else(arr, "是", "否")
    if not pa.types.is_string(arr.type):
        arr = pc.cast(arr, pa.string())
    return pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr)


def _cell_text(value: object) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def sheet_names(path: Path) -> list[str]:
    try:
        return CalamineWorkbook.from_path(str(path)).sheet_names
    except Exception as exc:  # calamine raises its own error types for broken files
        raise SourceError(f"文件“{path.name}”已损坏或不完整，无法作为 xlsx 打开（{type(exc).__name__}）") from None


@register("xlsx")
def read_xlsx(
    path: Path,
    *,
    expected: Sequence[str],
    header_row: int = 1,
    sheet: str | None = None,
    name: str | None = None,
) -> Iterator[RawChunk]:
    file = name or path.name
    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception as exc:
        raise SourceError(f"文件“{file}”已损坏或不完整，无法作为 xlsx 打开（{type(exc).__name__}）") from None
    names = workbook.sheet_names
    if sheet is None:
        sheet = names[0] if names else None
    if sheet not in names:
        raise SourceError(f"文件“{file}”中没有工作表“{sheet}”（现有：{'、'.join(names)}）")
    label = f"{file}［{sheet}］"
    try:
        rows = workbook.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    except Exception as exc:
        raise SourceError(f"文件“{file}”的工作表“{sheet}”无法读取（{type(exc).__name__}）") from None
    while rows and all(v == "" or v is None for v in rows[-1]):
        rows.pop()
    if not rows:
        raise SourceError(f"文件“{label}”是空的，没有任何内容")
    header_idx, header, notices = find_header(rows[:_HEADER_SCAN_ROWS], expected, file=label, header_row=header_row)
    notices += check_columns(header, expected, file=label, header_line=header_idx + 1)
    body = rows[header_idx + 1 :]
    if not body:
        raise SourceError(f"文件“{label}”只有表头，没有数据行")
    width = len(header)
    columns = list(zip(*(r if len(r) == width else (list(r) + [""] * width)[:width] for r in body), strict=True))
    data = pa.table({e: _text_column(columns[header.index(e)]) for e in expected})
    first_data_row = header_idx + 2
    numbers = pc.add(pa.array(range(data.num_rows), pa.int64()), first_data_row)
    empty = None
    for column in data.columns:
        col_null = pc.is_null(column)
        empty = col_null if empty is None else pc.and_(empty, col_null)
    if empty is not None and pc.any(empty).as_py():
        keep = pc.invert(empty)
        data, numbers = data.filter(keep), pc.filter(numbers, keep)
    yield RawChunk(file=label, table=data, first_row=first_data_row, row_numbers=numbers, notices=tuple(notices))
