"""The Chinese xlsx error report of an import run: what was wrong, in which file, row and field."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

MAX_ERROR_ROWS = 100_000


def write_error_report(path: Path, *, summary: list[tuple[str, object]], errors: pa.Table) -> Path:
    """Write the report (概况 + 错误明细). Lists the first MAX_ERROR_ROWS problems, and says so."""
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = Workbook(write_only=True)
    bold = Font(bold=True)
    head_fill = PatternFill("solid", fgColor="DDE7F5")

    overview = wb.create_sheet("概况")
    overview.column_dimensions["A"].width = 18
    overview.column_dimensions["B"].width = 90
    for label, value in summary:
        overview.append([label, "" if value is None else str(value)])

    detail = wb.create_sheet("错误明细")
    for letter, width in zip("ABCDE", (36, 8, 26, 28, 70), strict=True):
        detail.column_dimensions[letter].width = width
    detail.freeze_panes = "A2"
    header = []
    for title in ("文件", "行号", "字段", "值", "原因"):
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(detail, value=title)
        cell.font, cell.fill = bold, head_fill
        header.append(cell)
    detail.append(header)
    shown = errors.sort_by([("file", "ascending"), ("row", "ascending")]).slice(0, MAX_ERROR_ROWS)
    columns = [shown.column(c).to_pylist() for c in ("file", "row", "field", "value", "reason")]
    for file, row, field, value, reason in zip(*columns, strict=True):
        detail.append([file, row, field, value, reason])
    if errors.num_rows > MAX_ERROR_ROWS:
        detail.append([f"共 {errors.num_rows:,} 个问题，此处仅列出前 {MAX_ERROR_ROWS:,} 个", None, None, None, None])
    tmp = path.with_suffix(".part.xlsx")
    wb.save(tmp)
    tmp.replace(path)
    return path
