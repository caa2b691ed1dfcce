"""CSV files in UTF-8 (with or without BOM), GBK/GB18030 or UTF-16 with BOM, read by pyarrow.

The file is read once: the encoding is judged from its start, pyarrow parses it (decoding GBK on
the fly, checking UTF-8 as it goes) and only when a byte does not fit is the whole file decoded in
Python to name the line that is wrong. Every value stays text; rows keep their line numbers.
Comma- and tab-separated files are both accepted (Excel's “Unicode 文本” is tab-separated UTF-16).
"""

from __future__ import annotations

import csv as pycsv
import mmap
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pv

from zhengai.datacenter.connectors import RawChunk, SourceError, register
from zhengai.datacenter.connectors.files.encoding import decode, detect
from zhengai.datacenter.connectors.files.header import check_columns, find_header, with_optional
from zhengai.datacenter.connectors.files.lines import count_lines, read_lines

_HEADER_SCAN_LINES = 20
_HEAD_BYTES = 1 << 16
_BLOCK = 1 << 22


def _head_lines(payload: bytes | memoryview, codec: str) -> list[str]:
    head = bytes(payload[:_HEAD_BYTES])
    if len(payload) > _HEAD_BYTES:
        cut = head.rfind(b"\n")
        head = head[: cut + 1] if cut > 0 else head
    return head.decode(codec, errors="replace").splitlines()[:_HEADER_SCAN_LINES]


def _delimiter(lines: list[str]) -> str:
    tabs = sum(line.count("\t") for line in lines)
    commas = sum(line.count(",") for line in lines)
    return "\t" if tabs > commas else ","


def _first_rows(lines: list[str], delimiter: str) -> list[list[str]]:
    try:
        return list(pycsv.reader(lines, delimiter=delimiter))
    except pycsv.Error:
        return [line.split(delimiter) for line in lines]


def _read(payload, codec: str, names: list[str], skip: int, delimiter: str, threads: bool, bad: list) -> pa.Table:
    def on_invalid(row) -> str:
        bad.append(row)
        return "skip"

    return pv.read_csv(
        pa.BufferReader(pa.py_buffer(payload)),
        read_options=pv.ReadOptions(
            skip_rows=skip,
            column_names=names,
            use_threads=threads,
            # Decoding GBK on the fly overlaps best with parsing in small blocks.
            block_size=_BLOCK if codec == "utf-8" else 1 << 20,
            encoding=codec,
        ),
        parse_options=pv.ParseOptions(delimiter=delimiter, invalid_row_handler=on_invalid, ignore_empty_lines=False),
        convert_options=pv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=True, quoted_strings_can_be_null=True
        ),
    )


def _map(path: Path) -> bytes | mmap.mmap:
    """The file's bytes without copying them (a read-only memory map; empty files as b"")."""
    with open(path, "rb") as fh:
        try:
            return mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        except ValueError:  # an empty file cannot be mapped
            return fh.read()


def _cut_inside_character(payload: bytes | memoryview | mmap.mmap) -> bool:
    """The last bytes are the start of a UTF-8 character whose rest is missing (a file cut off)."""
    tail = bytes(payload[-4:]).lstrip(bytes(range(0x80, 0xC0)))
    try:
        tail.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.reason == "unexpected end of data"
    return False


def _is_decoding_error(exc: Exception) -> bool:
    return isinstance(exc, UnicodeDecodeError) or "invalid UTF8" in str(exc) or "UTF-8" in str(exc)


def _all_null(data: pa.Table) -> pa.ChunkedArray | None:
    empty = None
    for column in data.columns:
        if column.null_count == 0:
            return None
        col_null = pc.is_null(column)
        empty = col_null if empty is None else pc.and_(empty, col_null)
    return empty


@register("csv")
def read_csv(
    path: Path, *, expected: Sequence[str], header_row: int = 1, name: str | None = None, optional: Sequence[str] = ()
) -> Iterator[RawChunk]:
    file = name or path.name
    raw = _map(path)
    detected = detect(raw, file=file)
    encoding, codec, payload = detected.encoding, detected.codec, detected.payload
    lines = _head_lines(payload, codec)
    delimiter = _delimiter(lines)
    rows = _first_rows(lines, delimiter)
    header_idx, names, notices = find_header(rows, [*expected, *optional], file=file, header_row=header_row)
    notices += check_columns(names, expected, file=file, header_line=header_idx + 1, optional=optional)
    # Columns that are not mapped still need a distinct name for the reader; they are never selected.
    wanted = set(expected) | set(optional)
    names = [n if n and n in wanted else f"__col_{i}" for i, n in enumerate(names)]
    skip = header_idx + 1
    truncated_line = None
    bad: list = []
    try:
        try:
            if codec == "utf-8" and _cut_inside_character(payload):
                raise UnicodeDecodeError("utf-8", b"", 0, 1, "unexpected end of data")
            data = _read(payload, codec, names, skip, delimiter, True, bad)
        except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
            # Maybe a byte that does not fit the encoding: decode it all in Python to name the line
            # (raises for mixed or unknown encodings; drops a character cut off at the very end).
            decoded = decode(raw, file=file)
            if decoded.encoding == encoding and decoded.truncated_line is None and not _is_decoding_error(exc):
                raise
            encoding, codec, payload, truncated_line = decoded.encoding, "utf-8", decoded.utf8, decoded.truncated_line
            bad.clear()
            data = _read(payload, codec, names, skip, delimiter, True, bad)
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise SourceError(f"文件“{file}”无法按 CSV 读取：{exc}") from None
    del raw
    first_data_line = header_idx + 2
    lines = count_lines(payload)
    row_numbers = None
    problems: list[tuple[int | None, str, str]] = []
    blank_lines: list[int] = []
    # One record per physical line, or the quotes joined lines: then read line by line (lines.py).
    if bad or data.num_rows + len(bad) != lines - skip:
        got = read_lines(bytes(payload).decode(codec), names=names, skip=skip, delimiter=delimiter)
        data, row_numbers, problems, blank_lines = got.table, got.row_numbers, got.problems, got.blank_lines
        notices += got.notices
        if truncated_line is not None:
            problems = [
                (n, reason + ("；文件在这一行中途结束（最后一个字符不完整）" if n == truncated_line else ""), text)
                for n, reason, text in problems
            ]
    data = with_optional(data.select([e for e in (*expected, *optional) if e in data.column_names]), optional)
    if truncated_line is not None and not any(p[0] == truncated_line for p in problems) and data.num_rows:
        last = data.num_rows - 1
        last_line = row_numbers[last].as_py() if row_numbers is not None else first_data_line + last
        if last_line == truncated_line:
            values = [str(v) for v in data.slice(last, 1).to_pylist()[0].values() if v is not None]
            reason = "文件在这一行中途结束（最后一个字符不完整），该行内容不完整，文件可能被截断"
            problems.append((truncated_line, reason, ",".join(values)[:200]))
            data = data.slice(0, last)
            row_numbers = row_numbers.slice(0, last) if row_numbers is not None else None
    # Blank lines come through as rows of nulls: drop them, keeping the row numbers of the others and
    # counting them (they are reported, not records).
    if data.num_rows:
        empty = _all_null(data)
        if empty is not None and pc.any(empty).as_py():
            keep = pc.invert(empty)
            numbers = (
                row_numbers
                if row_numbers is not None
                else pa.array(np.arange(first_data_line, first_data_line + data.num_rows, dtype=np.int64))
            )
            blank_lines += pc.filter(numbers, empty).to_pylist()
            data = data.filter(keep)
            row_numbers = pc.filter(numbers, keep)
            if not any("空行" in n for n in notices):
                shown = "、".join(str(n) for n in blank_lines[:10]) + (
                    f" 等 {len(blank_lines)} 行" if len(blank_lines) > 10 else ""
                )
                notices.append(f"第 {shown} 行是空行，不是记录")
    if data.num_rows == 0 and not problems:
        if blank_lines:
            where = f"表头（第 {header_idx + 1} 行）之后" if header_idx >= 0 else ""
            raise SourceError(f"文件“{file}”{where}只有空行，没有数据行")
        raise SourceError(f"文件“{file}”只有表头，没有数据行")
    yield RawChunk(
        file=file,
        table=data,
        first_row=first_data_line,
        row_numbers=row_numbers,
        notices=(f"文件“{file}”编码：{encoding}", *notices),
        row_errors=tuple(problems),
        lines=lines,
        blank_lines=len(blank_lines),
    )
