"""Read the source-system export files back into standard tables, through sources.SOURCES.

`read_table(out_dir, "students")` returns {standard field: column} for every mapped field.
The direct loader and the tests use it; the data-center import pipeline will do the same with
saved mappings.
"""

from __future__ import annotations

import csv
import io
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
from python_calamine import CalamineWorkbook

from zhengai.demo.sources import SOURCES_BY_TABLE, SourceTable


class ExportFileError(Exception):
    """An export file is missing or does not have the expected columns."""


def source_files(out_dir: Path, src: SourceTable) -> list[Path]:
    if src.per_term:
        files = sorted(out_dir.glob(src.file.replace("{term}", "*")))
    else:
        files = [out_dir / src.file] if (out_dir / src.file).exists() else []
    if not files:
        raise ExportFileError(f"找不到{src.system}导出文件 {src.file}（目录 {out_dir}）")
    return files


def raw_rows(out_dir: Path, src: SourceTable) -> Iterator[tuple[list[str], list[list[Any]]]]:
    """(headers, rows) of each file that holds the table, as the source wrote them."""
    for path in source_files(out_dir, src):
        if src.fmt == "sqlite":
            con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                cur = con.execute(f"SELECT * FROM {src.part} ORDER BY rowid")
                headers = [d[0] for d in cur.description]
                rows = [list(r) for r in cur.fetchall()]
            finally:
                con.close()
        elif src.fmt == "xlsx":
            book = CalamineWorkbook.from_path(str(path))
            if src.part not in book.sheet_names:
                raise ExportFileError(f"{path.name} 中没有工作表“{src.part}”")
            data = book.get_sheet_by_name(src.part).to_python()
            headers, rows = [str(h) for h in data[0]], [list(r) for r in data[1:]]
        else:
            text = path.read_bytes().decode(src.encoding)
            reader = csv.reader(io.StringIO(text, newline=""))
            headers = next(reader)
            rows = list(reader)
        yield headers, rows


def read_table(out_dir: Path, table: str, *, arrays: bool = True) -> dict[str, Any]:
    """The standard fields of one table, decoded from its source export."""
    src = SOURCES_BY_TABLE[table]
    columns: dict[str, list] = {c.field: [] for c in src.mapped}
    for headers, rows in raw_rows(Path(out_dir), src):
        index = {h: i for i, h in enumerate(headers)}
        missing = [h for h in src.headers if h not in index]
        if missing:
            raise ExportFileError(f"{src.system}导出缺少列：{'、'.join(missing)}")
        for col in src.mapped:
            i = index[col.header]
            decode = col.conv.decode
            if col.when:
                j, wanted = index[col.when[0]], col.when[1]
                columns[col.field].extend(decode(r[i]) if r[j] == wanted else None for r in rows)
            else:
                columns[col.field].extend(decode(r[i]) for r in rows)
    if not arrays:
        return columns
    out = {}
    for name, values in columns.items():
        arr = np.empty(len(values), dtype=object)
        arr[:] = values
        out[name] = arr
    return out
