"""xlsx workbooks, read with calamine (fast, Rust); every cell becomes text.

Formula cells are read by their saved result. A workbook written by a program and never opened in
Excel may hold formulas without results: such cells read as empty, and when validation finds a
required one empty the reader is asked (`RawChunk.explain_blank`) and says it is a formula cell.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Iterator, Sequence
from operator import itemgetter
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from python_calamine import CalamineWorkbook

from zhengai.datacenter.connectors import RawChunk, SourceError, register
from zhengai.datacenter.connectors.files.header import check_columns, find_header, with_optional

_HEADER_SCAN_ROWS = 20
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = b"PK\x03\x04"


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
        # Excel keeps times as fractions of a day: round to the second, and write midnight as a date.
        stamps = pc.cast(pc.round_temporal(arr, 1, "second"), pa.timestamp("s"))
        midnight = pc.equal(pc.floor_temporal(stamps, 1, "day"), stamps)
        arr = pc.if_else(midnight, pc.cast(pc.cast(stamps, pa.date32()), pa.string()), pc.cast(stamps, pa.string()))
    elif pa.types.is_boolean(arr.type):
        arr = pc.if_else(arr, "是", "否")
    elif pa.types.is_null(arr.type):
        arr = pa.nulls(len(arr), pa.string())
    if not pa.types.is_string(arr.type):
        try:
            arr = pc.cast(arr, pa.string())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            arr = pa.array([_cell_text(v) for v in values], pa.string())
    empty = pc.equal(arr, "")
    if pc.any(empty).as_py():
        arr = pc.if_else(empty, pa.scalar(None, pa.string()), arr)
    return arr


def _cell_text(value: object) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        if (value.hour, value.minute, value.second) == (0, 0, 0):
            return value.date().isoformat()
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _refuse_not_xlsx(path: Path, file: str) -> None:
    """Say what a file with an .xlsx name really is when it is not a workbook at all."""
    with open(path, "rb") as fh:
        head = fh.read(4096)
    if not head:
        raise SourceError(f"文件“{file}”是空的（0 字节），没有任何内容")
    if head.startswith(_ZIP):
        return
    if head.startswith(_OLE2):
        raise SourceError(
            f"文件“{file}”不是 xlsx 工作簿：它实际上是 Excel 97-2003 工作簿（.xls）或 Word 文档等旧版 Office 文件，"
            "只是扩展名被改成了 .xlsx。请在 Excel 中打开后“另存为”Excel 工作簿（*.xlsx）再上传"
        )
    if b"\x00" not in head:
        try:
            head.decode("utf-8")
            is_text = True
        except UnicodeDecodeError:
            try:
                head.decode("gb18030")
                is_text = True
            except UnicodeDecodeError:
                is_text = False
        if is_text:
            raise SourceError(
                f"文件“{file}”不是 xlsx 工作簿，而是文本文件（可能是 CSV）。若是 CSV，请把扩展名改为 .csv 后上传"
            )
    raise SourceError(f"文件“{file}”不是 xlsx 工作簿（内容无法识别），请确认上传的是 Excel 工作簿（*.xlsx）")


def _broken(path: Path, file: str, exc: Exception) -> SourceError:
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            zf.testzip()
    except (zipfile.BadZipFile, OSError, EOFError):
        return SourceError(
            f"文件“{file}”已损坏或不完整，无法作为 xlsx 打开（可能上传或复制时被截断），请重新导出后上传"
        )
    if "xl/workbook.xml" not in names:
        kind = "Word 文档" if "word/document.xml" in names else "其他压缩文件"
        if "ppt/presentation.xml" in names:
            kind = "PowerPoint 演示文稿"
        return SourceError(f"文件“{file}”不是 Excel 工作簿，而是{kind}，请确认上传的是 Excel 工作簿（*.xlsx）")
    return SourceError(f"文件“{file}”已损坏或不完整，无法作为 xlsx 打开（{type(exc).__name__}）")


def _open(path: Path, file: str) -> CalamineWorkbook:
    _refuse_not_xlsx(path, file)
    try:
        return CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for broken files
        raise _broken(path, file, exc) from None


def sheet_names(path: Path) -> list[str]:
    return _open(path, path.name).sheet_names


def _letters(index: int) -> str:
    out = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        out = chr(65 + rest) + out
    return out


def _sheet_part(zf: zipfile.ZipFile, sheet: str) -> str | None:
    """The zip member that holds a sheet's cells, from workbook.xml and its relationships."""
    ns_main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    ns_rel = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
    workbook = ElementTree.fromstring(zf.read("xl/workbook.xml"))
    rel_id = None
    for node in workbook.iter(f"{ns_main}sheet"):
        if node.get("name") == sheet:
            rel_id = node.get(f"{ns_rel}id")
    if rel_id is None:
        return None
    rels = ElementTree.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    for node in rels:
        if node.get("Id") == rel_id:
            target = node.get("Target", "")
            return target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return None


_VALUE = re.compile(rb"<v>\s*([^<\s][^<]*)</v>|<is>")


def formula_blank_cells(path: Path, sheet: str, refs: set[str]) -> set[str]:
    """Of the cells `refs` (like "B3"), those that hold a formula whose result was not saved."""
    try:
        with zipfile.ZipFile(path) as zf:
            part = _sheet_part(zf, sheet)
            if part is None:
                return set()
            xml = zf.read(part)
    except (zipfile.BadZipFile, KeyError, OSError, ElementTree.ParseError):
        return set()
    found: set[str] = set()
    pos = xml.find(b"<f")
    while pos >= 0 and len(found) < len(refs):
        start = xml.rfind(b"<c ", 0, pos)
        end = xml.find(b"</c>", pos)
        if start < 0 or end < 0:
            break
        element = xml[start:end]
        ref = re.search(rb'\br="([A-Z]+[0-9]+)"', element[: element.find(b">") + 1])
        if ref and ref.group(1).decode() in refs and not _VALUE.search(element):
            found.add(ref.group(1).decode())
        pos = xml.find(b"<f", end)
    return found


def _explainer(path: Path, sheet: str, header: list[str], header_idx: int):
    """For RawChunk.explain_blank: name required-but-empty cells that are formulas without a result."""
    columns = {name: i for i, name in enumerate(header)}

    def explain(cells: list[tuple[int, str]]) -> dict[tuple[int, str], str]:
        refs = {f"{_letters(columns[c])}{row}": (row, c) for row, c in cells if c in columns}
        blank = formula_blank_cells(path, sheet, set(refs))
        return {
            refs[ref]: (
                f"必填字段为空：单元格 {ref} 是公式单元格，文件里没有保存公式的计算结果"
                "（由程序生成、未在 Excel 中打开保存过的文件常见此情况）。"
                "请在 Excel 中打开并保存后重新上传，或把公式转为数值"
            )
            for ref in blank
        }

    return explain


@register("xlsx")
def read_xlsx(
    path: Path,
    *,
    expected: Sequence[str],
    header_row: int = 1,
    sheet: str | None = None,
    name: str | None = None,
    optional: Sequence[str] = (),
) -> Iterator[RawChunk]:
    file = name or path.name
    workbook = _open(path, file)
    names = workbook.sheet_names
    if not names:
        raise SourceError(f"文件“{file}”中没有任何工作表")
    if sheet is None:
        sheet = names[0]
    if sheet not in names:
        raise SourceError(f"文件“{file}”中没有工作表“{sheet}”（现有：{'、'.join(names)}），请检查工作表名称")
    label = f"{file}［{sheet}］"
    try:
        rows = workbook.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    except Exception as exc:
        raise SourceError(f"文件“{file}”的工作表“{sheet}”无法读取，文件可能已损坏（{type(exc).__name__}）") from None
    while rows and all(v == "" or v is None for v in rows[-1]):
        rows.pop()
    if not rows:
        raise SourceError(f"文件“{label}”是空的，没有任何内容")
    head = rows[:_HEADER_SCAN_ROWS]
    header_idx, header, notices = find_header(head, [*expected, *optional], file=label, header_row=header_row)
    notices += check_columns(header, expected, file=label, header_line=header_idx + 1, optional=optional)
    taken = [*expected, *(o for o in optional if o in header)]
    body = rows[header_idx + 1 :]
    del rows
    if not body:
        raise SourceError(f"文件“{label}”只有表头，没有数据行")
    sheet_rows = header_idx + 1 + len(body)  # the sheet's rows up to the last one with content
    width = len(header)
    if any(len(r) != width for r in body):
        body = [(list(r) + [""] * width)[:width] for r in body]
    data = pa.table({e: _text_column(list(map(itemgetter(header.index(e)), body))) for e in taken})
    del body
    first_data_row = header_idx + 2
    numbers = pa.array(np.arange(first_data_row, first_data_row + data.num_rows, dtype=np.int64))
    empty = None
    for column in data.columns:
        if column.null_count == 0:
            empty = None
            break
        col_null = pc.is_null(column)
        empty = col_null if empty is None else pc.and_(empty, col_null)
    blank = 0
    if empty is not None and pc.any(empty).as_py():
        keep = pc.invert(empty)
        before = data.num_rows
        data, numbers = data.filter(keep), pc.filter(numbers, keep)
        blank = before - data.num_rows
    data = with_optional(data, optional)
    yield RawChunk(
        file=label,
        table=data,
        first_row=first_data_row,
        row_numbers=numbers,
        notices=tuple(notices),
        explain_blank=_explainer(path, sheet, header, header_idx),
        lines=sheet_rows,
        blank_lines=blank,
    )
