"""CSV files in UTF-8 (with or without BOM), GBK or GB18030, read by pyarrow."""

from __future__ import annotations

import csv as pycsv
import io
from collections.abc import Iterator, Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pv

from zhengai.datacenter.connectors import RawChunk, SourceError, register
from zhengai.datacenter.connectors.files.encoding import decode
from zhengai.datacenter.connectors.files.header import check_columns, find_header

_HEADER_SCAN_LINES = 20


def _first_rows(utf8: bytes) -> list[list[str]]:
    head = utf8[: 1 << 16].decode("utf-8", errors="ignore").splitlines()[:_HEADER_SCAN_LINES]
    try:
        return [row for row in pycsv.reader(head)]
    except pycsv.Error:
        return [line.split(",") for line in head]


def _read(utf8: bytes, names: list[str], skip: int, wanted: list[str], threads: bool, bad: list):
    def on_invalid(row) -> str:
        bad.append(row)
        return "skip"

    return pv.read_csv(
        io.BytesIO(utf8),
        read_options=pv.ReadOptions(skip_rows=skip, column_names=names, use_threads=threads, block_size=1 << 24),
        parse_options=pv.ParseOptions(invalid_row_handler=on_invalid, ignore_empty_lines=False),
        convert_options=pv.ConvertOptions(
            column_types=dict.fromkeys(wanted, pa.string()),
            include_columns=wanted,
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
        ),
    )


@register("csv")
def read_csv(
    path: Path, *, expected: Sequence[str], header_row: int = 1, name: str | None = None
) -> Iterator[RawChunk]:
    file = name or path.name
    decoded = decode(path.read_bytes(), file=file)
    first = _first_rows(decoded.utf8)
    header_idx, names, notices = find_header(first, expected, file=file, header_row=header_row)
    notices += check_columns(names, expected, file=file, header_line=header_idx + 1)
    # Columns without a name still need one for the reader; they are never selected.
    names = [n if n else f"__unnamed_{i}" for i, n in enumerate(names)]
    wanted = [e for e in expected if e in names]
    bad: list = []
    try:
        data = _read(decoded.utf8, names, header_idx + 1, wanted, True, bad)
        if bad:
            bad.clear()
            data = _read(decoded.utf8, names, header_idx + 1, wanted, False, bad)
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise SourceError(f"文件“{file}”无法按 CSV 读取：{exc}") from None
    first_data_line = header_idx + 2
    row_numbers = None
    problems = []
    if bad:
        skipped = {row.number for row in bad if row.number is not None}
        total = data.num_rows + len(bad)
        all_lines = range(first_data_line, first_data_line + total)
        row_numbers = pa.array([n for n in all_lines if n not in skipped], pa.int64())
        for row in bad:
            if row.text.strip() == "":
                continue
            problems.append(
                (row.number, f"该行有 {row.actual_columns} 列，表头有 {row.expected_columns} 列"
                 "（文件可能被截断，或内容含有未加引号的逗号）", row.text[:200])
            )  # fmt: skip
    if data.num_rows == 0 and not problems:
        raise SourceError(f"文件“{file}”只有表头，没有数据行")
    # Blank lines come through as rows of nulls: drop them, keeping the row numbers of the others.
    if data.num_rows:
        empty = None
        for column in data.columns:
            col_null = pc.is_null(column)
            empty = col_null if empty is None else pc.and_(empty, col_null)
        if pc.any(empty).as_py():
            keep = pc.invert(empty)
            numbers = (
                row_numbers
                if row_numbers is not None
                else pc.add(pa.array(range(data.num_rows), pa.int64()), first_data_line)
            )
            data = data.filter(keep)
            row_numbers = pc.filter(numbers, keep)
    yield RawChunk(
        file=file,
        table=data,
        first_row=first_data_line,
        row_numbers=row_numbers,
        notices=(f"文件“{file}”编码：{decoded.encoding}", *notices),
        row_errors=tuple(problems),
    )
