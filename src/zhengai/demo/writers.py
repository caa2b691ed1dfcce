"""Write the demo college as its source systems export it.

Byte-identical for the same seed, size and `today`: rows in a fixed order, numbers formatted
explicitly, no wall-clock time (xlsx properties carry the export moment of the timeline, 08:00 on
`today`, zip entries a fixed date, SQLite stores none), every file written to a temporary name and
renamed into place. The files' modification times are set to the export moment too.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import xlsxwriter

from zhengai.demo.generator import College
from zhengai.demo.generator.base import Frame
from zhengai.demo.sources import SOURCES, TEXT, Column, SourceTable

MANIFEST = "manifest.json"
CHUNK = 200_000  # rows encoded at a time: bounds memory for the 50,000-student college
GROUND_TRUTH = "ground_truth.json"


@dataclass
class ExportResult:
    out_dir: Path
    row_counts: dict[str, int] = field(default_factory=dict)
    files: dict[str, dict] = field(default_factory=dict)  # file name → system, format, encoding


def _column_values(src: SourceTable, frame: Frame, header: str) -> tuple[np.ndarray, object]:
    """The values of one source column and the converter that writes them."""
    cols: list[Column] = [c for c in src.columns if c.header == header]
    if len(cols) == 1:
        c = cols[0]
        return (frame[c.extra], TEXT) if c.extra else (frame[c.field], c.conv)
    # several standard fields share one source column (学工号: a student's or a teacher's number)
    values = np.full(len(frame[cols[0].field]), None, dtype=object)
    for c in cols:
        v = frame[c.field]
        fill = np.array([x is None for x in values.tolist()]) & np.array([x is not None for x in v.tolist()])
        values[fill] = v[fill]
    return values, cols[0].conv


def _chunks(frame: Frame) -> list[Frame]:
    n = len(next(iter(frame.values())))
    return [{k: v[i : i + CHUNK] for k, v in frame.items()} for i in range(0, max(n, 1), CHUNK)]


def _encoded(src: SourceTable, frame: Frame) -> list[list]:
    """Source values column by column, as Python values (None for missing)."""
    columns = []
    for header in src.headers:
        values, conv = _column_values(src, frame, header)
        columns.append(conv.encode(values))
    return columns


def _replace(tmp: Path, final: Path) -> None:
    os.replace(tmp, final)


# ------------------------------------------------------------------------------------------ SQLite


def write_sqlite(path: Path, sources: list[SourceTable], college: College) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    con = sqlite3.connect(tmp)
    try:
        con.execute("PRAGMA journal_mode=OFF")
        con.execute("PRAGMA synchronous=OFF")
        for src in sources:
            frame = college.tables[src.table]
            types = {c.header: c.conv.sql_type if not c.extra else "TEXT" for c in src.columns}
            cols = ", ".join(f"{h} {types[h]}" for h in src.headers)
            con.execute(f"CREATE TABLE {src.part} ({cols})")
            marks = ", ".join("?" for _ in src.headers)
            for chunk in _chunks(frame):
                columns = _encoded(src, chunk)
                con.executemany(f"INSERT INTO {src.part} VALUES ({marks})", zip(*columns, strict=True))
            con.commit()
        con.execute("VACUUM")
    finally:
        con.close()
    _replace(tmp, path)


# ------------------------------------------------------------------------------------------ xlsx


def write_xlsx(path: Path, sources: list[SourceTable], college: College) -> None:
    tmp = path.with_name(path.name + ".tmp")
    wb = xlsxwriter.Workbook(
        str(tmp),
        {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False},
    )
    # fixed properties: the export moment of the demo data, never the current time
    wb.set_properties({"created": college.timeline.export_moment, "author": "", "comments": ""})
    bold = wb.add_format({"bold": True})
    for src in sources:
        ws = wb.add_worksheet(src.part)
        ws.write_row(0, 0, src.headers, bold)
        ws.freeze_panes(1, 0)
        for j, header in enumerate(src.headers):
            ws.set_column(j, j, max(8, min(40, len(header) * 2 + 2)))
        i = 1
        for chunk in _chunks(college.tables[src.table]):
            for row in zip(*_encoded(src, chunk), strict=True):
                ws.write_row(i, 0, row)
                i += 1
    wb.close()
    _replace(tmp, path)


# ------------------------------------------------------------------------------------------ CSV


def write_csv(path: Path, src: SourceTable, frame: Frame) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("wb") as f:
        if src.encoding == "utf-8-sig":
            f.write(b"\xef\xbb\xbf")
        for k, chunk in enumerate(_chunks(frame)):
            arrays = []
            for header in src.headers:
                values, conv = _column_values(src, chunk, header)
                arrays.append(conv.encode_csv(values))
            table = pa.table(dict(zip(src.headers, arrays, strict=True)))
            buf = io.BytesIO()
            options = pacsv.WriteOptions(
                include_header=k == 0, quoting_style="none", quoting_header="none", eol=src.newline
            )
            pacsv.write_csv(table, buf, options)
            data = buf.getvalue()
            if src.encoding not in ("utf-8", "utf-8-sig"):
                data = data.decode("utf-8").encode(src.encoding)
            f.write(data)
    _replace(tmp, path)


# ------------------------------------------------------------------------------------------ all


def write_exports(college: College, out_dir: Path) -> ExportResult:
    out_dir.mkdir(parents=True, exist_ok=True)
    result = ExportResult(out_dir=out_dir)

    by_file: dict[str, list[SourceTable]] = {}
    for src in SOURCES:
        if not src.per_term:
            by_file.setdefault(src.file, []).append(src)
    for name, srcs in by_file.items():
        path = out_dir / name
        fmt = srcs[0].fmt
        if fmt == "sqlite":
            write_sqlite(path, srcs, college)
        elif fmt == "xlsx":
            write_xlsx(path, srcs, college)
        else:
            write_csv(path, srcs[0], college.tables[srcs[0].table])
        result.files[name] = {"system": srcs[0].system, "format": fmt, "encoding": _encoding(srcs[0])}
        for src in srcs:
            result.row_counts[src.table] = len(college.tables[src.table][src.mapped[0].field])
    for src in SOURCES:
        if not src.per_term:
            continue
        total = 0
        written = set()
        for term, frame in college.parts(src.table):
            name = src.file.format(term=term)
            write_csv(out_dir / name, src, frame)
            written.add(name)
            result.files[name] = {"system": src.system, "format": "csv", "encoding": _encoding(src)}
            total += len(frame[src.mapped[0].field])
        result.row_counts[src.table] = total
        # the per-term files of an earlier build with another calendar would be imported with these
        for stale in out_dir.glob(src.file.replace("{term}", "*")):
            if stale.name not in written:
                stale.unlink()
    moment = college.timeline.export_moment.replace(tzinfo=_zone()).timestamp()
    for name in result.files:
        os.utime(out_dir / name, (moment, moment))
    return result


def _zone():
    from django.utils import timezone

    return timezone.get_default_timezone()


def _encoding(src: SourceTable) -> str:
    if src.fmt != "csv":
        return ""
    return {"gbk": "GBK", "utf-8-sig": "UTF-8 (BOM)", "utf-8": "UTF-8"}[src.encoding]


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_json(path: Path, doc: dict) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=False) + "\n", encoding="utf-8")
    _replace(tmp, path)


def write_manifest(result: ExportResult, college: College) -> dict:
    """Every file with its size and sha256, the seed and the size of the college; no timestamps."""
    files = dict(result.files)
    files[GROUND_TRUTH] = {"system": "演示数据", "format": "json", "encoding": "UTF-8"}
    entries = []
    for name in sorted(files):
        path = result.out_dir / name
        entries.append({"file": name, **files[name], "bytes": path.stat().st_size, "sha256": sha256_of(path)})
    doc = {
        "generator": "zhengai demo",
        "seed": college.seed,
        "students": college.n_students,
        "today": college.timeline.today.isoformat(),
        "terms": college.term_codes,
        "row_counts": dict(sorted(result.row_counts.items())),
        "files": entries,
    }
    write_json(result.out_dir / MANIFEST, doc)
    return doc
