"""Rows pushed over HTTP (or a JSON file dropped in a folder), read back from the archived JSON.

The push API archives every batch it receives as a JSON file (``{"rows": [...]}`` or a bare list
of objects) before a run is created, and the run reads that archive: a retried run reads exactly
what the source sent. Values become text as every connector delivers it; the validation against
the data standard then types them.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Sequence
from pathlib import Path

import pyarrow as pa

from zhengai.datacenter.connectors import RawChunk, SourceError, register

_SCALARS = (str, int, float, bool)


def value_text(value: object) -> str | None:
    """A JSON scalar as the text a file would hold: true → 是, 1975.0 → 1975, "" → empty."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    text = str(value)
    return text if text.strip() else None


def rows_problem(rows: object) -> str | None:
    """Why `rows` is not a list of objects, naming the first offending element; None when it is."""
    if not isinstance(rows, list):
        return "rows 必须是对象数组"
    for i, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            return f"rows 必须是对象数组，第 {i} 个元素不是对象"
    return None


def load_rows(path: Path, *, file: str) -> list:
    try:
        data = json.loads(path.read_bytes())
    except UnicodeDecodeError:
        raise SourceError(f"文件“{file}”不是 UTF-8 编码的 JSON") from None
    except json.JSONDecodeError as exc:
        raise SourceError(f"文件“{file}”不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列，{exc.msg}") from None
    rows = data.get("rows") if isinstance(data, dict) else data
    if isinstance(data, dict) and "rows" not in data:
        raise SourceError(f"文件“{file}”中没有 rows 数组")
    problem = rows_problem(rows)
    if problem:
        raise SourceError(f"文件“{file}”：{problem}")
    return rows


@register("push")
def read_push(
    path: Path, *, expected: Sequence[str], name: str | None = None, optional: Sequence[str] = (), **_: object
) -> Iterator[RawChunk]:
    """The archived rows as one chunk; row numbers count the records from 1. Optional fields may be absent."""
    file = name or path.name
    rows = load_rows(path, file=file)
    if not rows:
        raise SourceError(f"文件“{file}”没有数据行")
    seen: dict[str, None] = {}
    for row in rows:
        seen.update(dict.fromkeys(row))
    missing = [c for c in expected if c not in seen]
    if missing:
        raise SourceError(f"“{file}”的记录中缺少字段：{'、'.join(missing)}（任何一条记录都没有这些字段）")
    expected = [*expected, *(o for o in optional if o not in expected)]
    row_errors: list[tuple[int | None, str, str]] = []
    kept: list[int] = []
    for i, row in enumerate(rows, start=1):
        nested = [c for c in expected if row.get(c) is not None and not isinstance(row[c], _SCALARS)]
        if nested:
            reason = f"字段 {'、'.join(nested)} 的值是对象或数组，应为文本、数字或布尔值"
            row_errors.append((i, reason, json.dumps(row, ensure_ascii=False)[:200]))
        else:
            kept.append(i)
    columns = {c: pa.array([value_text(rows[i - 1].get(c)) for i in kept], pa.string()) for c in expected}
    notices = []
    extra = [c for c in seen if c not in expected]
    if extra:
        more = "等" if len(extra) > 10 else ""
        notices.append(f"“{file}”中有未映射的字段，已忽略：{'、'.join(extra[:10])}{more}")
    yield RawChunk(
        file=file,
        table=pa.table(columns, schema=pa.schema([pa.field(c, pa.string()) for c in expected])),
        first_row=1,
        row_numbers=pa.array(kept, pa.int64()),
        notices=tuple(notices),
        row_errors=tuple(row_errors),
        lines=len(rows),  # one record each
    )
