"""Row filters of a mapping: which source rows are taken at all, stored as data and never evaluated.

A filter is {"mode": "include"|"exclude", "column": 源列, "op": "eq"|"in"|"range"|"regex", "value": …}.
A row is taken when it meets every include filter and no exclude filter; a row that is not taken
is counted as filtered (read = stored + rejected + unparsed + filtered), never silently lost.

The editor writes filters one a line, in words a clerk reads aloud:
    只取 读者类型 等于 学生
    排除 学籍状态 属于 毕业,退学
    只取 年龄 介于 16~30
    排除 学号 匹配 ^T
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from zhengai.datacenter.connectors import RawChunk

MODES = {"只取": "include", "排除": "exclude"}
OPS = {"等于": "eq", "属于": "in", "介于": "range", "匹配": "regex"}
_MODE_WORD = {v: k for k, v in MODES.items()}
_OP_WORD = {v: k for k, v in OPS.items()}
_LINE = re.compile(r"^(只取|排除)\s+(.+?)\s+(等于|属于|介于|匹配)\s+(.+)$")
_NUMBER = r"[+-]?\d+(?:\.\d+)?"


class FilterError(ValueError):
    """A filter that cannot be used; the message is Chinese and names the line."""


def _split_list(text: str) -> list[str]:
    return [v.strip() for v in re.split(r"[,，、]", text) if v.strip()]


def check_regex(pattern: str) -> None:
    """Refuse a pattern the engine cannot compile (the engine's dialect, not Python's, decides)."""
    try:
        pc.match_substring_regex(pa.array([""], pa.string()), pattern)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise FilterError(f"正则表达式“{pattern}”写法有误（{str(exc).split(':')[-1].strip()}）") from None


def parse_filter(line: str) -> dict[str, Any]:
    """One editor line → a filter; raises FilterError with what was expected."""
    m = _LINE.match(line.strip().replace("～", "~"))
    if not m:
        raise FilterError(f"“{line}”应写成“只取|排除 源列 等于|属于|介于|匹配 值”，如“排除 学籍状态 属于 毕业,退学”")
    mode, column, op, raw = MODES[m.group(1)], m.group(2).strip(), OPS[m.group(3)], m.group(4).strip()
    value: Any = raw
    if op == "in":
        value = _split_list(raw)
        if not value:
            raise FilterError(f"“{line}”：“属于”后面写一个或几个值，用逗号分开")
    elif op == "range":
        r = re.fullmatch(rf"\s*({_NUMBER})?\s*~\s*({_NUMBER})?\s*", raw)
        if not r or (r.group(1) is None and r.group(2) is None):
            raise FilterError(f"“{line}”：“介于”后面写“下限~上限”（如 16~30，可只写一边，如 60~）")
        low = float(r.group(1)) if r.group(1) is not None else None
        high = float(r.group(2)) if r.group(2) is not None else None
        if low is not None and high is not None and low > high:
            raise FilterError(f"“{line}”：下限 {r.group(1)} 大于上限 {r.group(2)}")
        value = [low, high]
    elif op == "regex":
        try:
            check_regex(raw)
        except FilterError as exc:
            raise FilterError(f"“{line}”：{exc}") from None
    return {"mode": mode, "column": column, "op": op, "value": value}


def parse_filters(text: str) -> list[dict[str, Any]]:
    """The editor's text, one filter a line → filters; the error names the line number."""
    out = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            out.append(parse_filter(line))
        except FilterError as exc:
            raise FilterError(f"第 {number} 行：{exc}") from None
    return out


def _number_text(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value)


def format_filter(f: Mapping[str, Any]) -> str:
    value = f["value"]
    if f["op"] == "in":
        value = ",".join(value)
    elif f["op"] == "range":
        value = f"{_number_text(value[0])}~{_number_text(value[1])}"
    return f"{_MODE_WORD[f['mode']]} {f['column']} {_OP_WORD[f['op']]} {value}"


def format_filters(filters: Sequence[Mapping[str, Any]]) -> str:
    return "\n".join(format_filter(f) for f in filters)


def filter_columns(filters: Sequence[Mapping[str, Any]]) -> list[str]:
    return list(dict.fromkeys(f["column"] for f in filters))


def _matches(column: pa.Array | pa.ChunkedArray, f: Mapping[str, Any]) -> pa.Array | pa.ChunkedArray:
    """Whether each value meets the filter's condition; an empty value meets none."""
    text = pc.utf8_trim_whitespace(column)
    op, value = f["op"], f["value"]
    if op == "eq":
        hit = pc.equal(text, str(value))
    elif op == "in":
        hit = pc.is_in(text, value_set=pa.array([str(v) for v in value], pa.string()))
    elif op == "range":
        numeric = pc.if_else(pc.match_substring_regex(text, rf"^{_NUMBER}$"), text, pa.scalar(None, pa.string()))
        number = pc.cast(numeric, pa.float64())
        hit = pc.is_valid(number)
        if value[0] is not None:
            hit = pc.and_(hit, pc.greater_equal(number, float(value[0])))
        if value[1] is not None:
            hit = pc.and_(hit, pc.less_equal(number, float(value[1])))
    else:
        hit = pc.match_substring_regex(text, str(value))
    return pc.fill_null(hit, False)


def keep_mask(data: pa.Table, filters: Sequence[Mapping[str, Any]]) -> pa.Array | pa.ChunkedArray | None:
    """Rows the filters take (True), or None when there are no filters."""
    if not filters:
        return None
    keep = None
    for f in filters:
        if f["column"] in data.column_names:
            column = data.column(f["column"])
        else:
            column = pa.nulls(data.num_rows, pa.string())
        if not pa.types.is_string(column.type):
            column = pc.cast(column, pa.string())
        hit = _matches(column, f)
        taken = hit if f["mode"] == "include" else pc.invert(hit)
        keep = taken if keep is None else pc.and_(keep, taken)
    return keep


def filter_chunk(chunk: RawChunk, filters: Sequence[Mapping[str, Any]]) -> tuple[RawChunk, pa.Array]:
    """The chunk without the rows the filters leave out, and the row numbers of those rows."""
    keep = keep_mask(chunk.table, filters)
    if keep is None:
        return chunk, pa.array([], pa.int64())
    rows = chunk.rows()
    if pc.all(keep).as_py() is not False:
        return chunk, pa.array([], pa.int64())
    dropped = pc.filter(rows, pc.invert(keep))
    kept = dataclasses.replace(chunk, table=chunk.table.filter(keep), row_numbers=pc.filter(rows, keep))
    return kept, dropped


def filtered_notice(file: str, rows: Sequence[int], total: int) -> str:
    shown = "、".join(str(n) for n in rows[:10]) + ("…" if total > 10 else "")
    return f"文件“{file}”按行筛选条件未取 {total:,} 行（第 {shown} 行），计入“筛选掉”"
