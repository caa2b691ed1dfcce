"""Field operations of a mapping: a field computed from source columns, stored as data, never evaluated.

Each operation is a small dict saved in `SourceMapping.operations` ({field: operation}); the editor
writes it in words, one per field:

    拼接 姓+名 用 空格              concat: several columns joined by a separator (default none)
    拆分 专业班级 用 - 取 2         split: part 2 of a column cut at a separator
    编号 学号+日期                  id: a short stable id (SHA-1 of the values), the same on every re-import
    日期 2024-09-01 加 第几天       day_offset: the base date plus the number of days in a column (第N天 → +N)
    查表 卡号 在 card_transactions.card_no 取 student_no
                                    lookup: a value looked up through two columns of a standard table
    查表 卡号 在 对照表             lookup: through the two-column table uploaded with the mapping

A looked-up value without a match is a rejected row whose reason names the value.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Mapping
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from zhengai.datacenter.standard import TABLES_BY_NAME, Field

UPLOADED = "对照表"
_DAY = r"^\s*第?\s*(?P<n>[+-]?\d+)\s*天?\s*$"  # 12, +12, 第12天
_PATTERNS = [
    ("concat", re.compile(r"^拼接\s+(?P<columns>.+?)(?:\s+用\s+(?P<sep>\S+))?$")),
    ("split", re.compile(r"^拆分\s+(?P<column>.+?)\s+用\s+(?P<sep>\S+)\s+取\s*第?\s*(?P<part>\d+)\s*段?$")),
    ("id", re.compile(r"^编号\s+(?P<columns>.+?)(?:\s+前缀\s+(?P<prefix>\S+))?$")),
    ("day_offset", re.compile(r"^日期\s+(?P<base>\d{4}-\d{1,2}-\d{1,2})\s+加\s+(?P<column>.+?)(?:\s+天)?$")),
    (
        "lookup",
        re.compile(r"^查表\s+(?P<column>.+?)\s+在\s+(?P<source>\S+?)(?:\.(?P<key>\w+)\s+取\s+(?P<value>\w+))?$"),
    ),
]
HELP = "拼接 A+B 用 -｜拆分 A 用 - 取 2｜编号 A+B｜日期 2024-09-01 加 A｜查表 A 在 表.键列 取 值列｜查表 A 在 对照表"


class OperationError(ValueError):
    """An operation that cannot be used; the message is Chinese."""


def _sep_text(token: str | None) -> str:
    return {None: "", "空格": " ", "无": ""}.get(token, token or "")


def _columns(text: str) -> list[str]:
    return [c.strip() for c in text.split("+") if c.strip()]


def parse_operation(text: str, field: Field) -> dict[str, Any]:
    """The editor's words for one field → an operation; raises OperationError saying what was expected."""
    text = re.sub(r"\s+", " ", text.strip().replace("＋", "+"))
    found = [(kind, m) for kind, pattern in _PATTERNS if (m := pattern.match(text))]
    if not found:
        raise OperationError(f"“{text}”看不懂；可以写：{HELP}")
    op, m = found[0]
    g = m.groupdict()
    if op == "concat":
        return {"op": op, "columns": _columns(g["columns"]), "sep": _sep_text(g["sep"])}
    if op == "split":
        part = int(g["part"])
        if part < 1:
            raise OperationError(f"“{text}”：段号从 1 开始")
        return {"op": op, "column": g["column"].strip(), "sep": _sep_text(g["sep"]) or " ", "part": part}
    if op == "id":
        return {"op": op, "columns": _columns(g["columns"]), "prefix": g["prefix"] or ""}
    if op == "day_offset":
        try:
            base = dt.date.fromisoformat("-".join(f"{int(p):02d}" for p in g["base"].split("-")))
        except ValueError:
            raise OperationError(f"“{text}”：起始日期“{g['base']}”不是有效日期") from None
        return {"op": op, "column": g["column"].strip(), "base": base.isoformat()}
    if g["source"] == UPLOADED and g["key"] is None:
        return {"op": op, "column": g["column"].strip(), "source": UPLOADED}
    if g["key"] is None:
        raise OperationError(f"“{text}”：写成“查表 源列 在 标准表.键列 取 值列”或“查表 源列 在 对照表”")
    table = TABLES_BY_NAME.get(g["source"])
    if table is None:
        raise OperationError(f"“{text}”：没有标准数据表“{g['source']}”")
    for name in (g["key"], g["value"]):
        if name not in table.field_index:
            raise OperationError(f"“{text}”：标准表“{table.label}”（{table.name}）没有字段“{name}”")
    return {"op": op, "column": g["column"].strip(), "source": table.name, "key": g["key"], "value": g["value"]}


def format_operation(op: Mapping[str, Any]) -> str:
    kind = op["op"]
    if kind == "concat":
        sep = {"": "", " ": " 用 空格"}.get(op["sep"], f" 用 {op['sep']}")
        return f"拼接 {'+'.join(op['columns'])}{sep}"
    if kind == "split":
        sep = "空格" if op["sep"] == " " else op["sep"]
        return f"拆分 {op['column']} 用 {sep} 取 {op['part']}"
    if kind == "id":
        return f"编号 {'+'.join(op['columns'])}" + (f" 前缀 {op['prefix']}" if op.get("prefix") else "")
    if kind == "day_offset":
        return f"日期 {op['base']} 加 {op['column']}"
    if op["source"] == UPLOADED:
        return f"查表 {op['column']} 在 {UPLOADED}"
    return f"查表 {op['column']} 在 {op['source']}.{op['key']} 取 {op['value']}"


def operation_columns(op: Mapping[str, Any]) -> list[str]:
    """The source columns an operation reads."""
    return list(op["columns"]) if "columns" in op else [op["column"]]


# ------------------------------------------------------------------------------------------ compute


def _text(data: pa.Table, name: str) -> pa.Array | pa.ChunkedArray:
    if name not in data.column_names:
        return pa.nulls(data.num_rows, pa.string())
    col = data.column(name)
    col = col if pa.types.is_string(col.type) else pc.cast(col, pa.string())
    return pc.utf8_trim_whitespace(col)


def _empty_to_null(arr):
    return pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr)


def _concat(data: pa.Table, op: Mapping[str, Any]):
    parts = [_text(data, c) for c in op["columns"]]
    if len(parts) == 1:
        return parts[0]
    return _empty_to_null(pc.binary_join_element_wise(*parts, op["sep"], null_handling="skip"))


def _split(data: pa.Table, op: Mapping[str, Any]):
    sep = re.escape(op["sep"])
    pattern = rf"^(?:.*?{sep}){{{op['part'] - 1}}}(?P<v>.*?)(?:{sep}|$)"
    got = pc.extract_regex(_text(data, op["column"]), pattern)
    return _empty_to_null(pc.utf8_trim_whitespace(pc.struct_field(got, "v")))


def _stable_id(data: pa.Table, op: Mapping[str, Any]):
    columns = [_text(data, c).to_pylist() for c in op["columns"]]
    prefix = op.get("prefix") or ""
    out = []
    for values in zip(*columns, strict=True):
        if all(v is None for v in values):
            out.append(None)
            continue
        joined = "\x1f".join("" if v is None else v for v in values)
        out.append(prefix + hashlib.sha1(joined.encode("utf-8")).hexdigest()[:16])
    return pa.array(out, pa.string())


def _day_offset(data: pa.Table, op: Mapping[str, Any]):
    text = _text(data, op["column"])
    days = pc.struct_field(pc.extract_regex(text, _DAY), "n")
    base = (dt.date.fromisoformat(op["base"]) - dt.date(1970, 1, 1)).days
    number = pc.add(pc.cast(days, pa.int64()), base)
    dates = pc.cast(pc.cast(number, pa.int32()), pa.date32())
    # Not a number of days: the source text stays, so validation names it in the report.
    return pc.coalesce(pc.cast(dates, pa.string()), text)


def lookup_pairs(op: Mapping[str, Any], uploaded: Mapping[str, str] | None) -> tuple[pa.Array, pa.Array]:
    """Keys and values of a lookup: the uploaded table's pairs, or two columns of a standard table now."""
    if op["source"] == UPLOADED:
        pairs = dict(uploaded or {})
        return pa.array(list(pairs), pa.string()), pa.array(list(pairs.values()), pa.string())
    import pyarrow.parquet as pq

    from zhengai.datacenter import store

    version = store.current_version(op["source"])
    if version is None or not version.files:
        return pa.array([], pa.string()), pa.array([], pa.string())
    data = pq.read_table(version.paths(), columns=[op["key"], op["value"]])
    data = pa.table(
        {"k": pc.cast(data.column(op["key"]), pa.string()), "v": pc.cast(data.column(op["value"]), pa.string())}
    )
    data = data.filter(pc.is_valid(data.column("k"))).group_by("k", use_threads=False).aggregate([("v", "last")])
    return data.column("k").combine_chunks(), data.column("v_last").combine_chunks()


def compute(op: Mapping[str, Any], data: pa.Table, pairs: tuple[pa.Array, pa.Array] | None = None):
    """The field's source text from the operation; a lookup without a match keeps the looked-up value."""
    kind = op["op"]
    if kind == "concat":
        return _concat(data, op)
    if kind == "split":
        return _split(data, op)
    if kind == "id":
        return _stable_id(data, op)
    if kind == "day_offset":
        return _day_offset(data, op)
    keys, values = pairs if pairs is not None else (pa.array([], pa.string()), pa.array([], pa.string()))
    text = _text(data, op["column"])
    return pc.coalesce(pc.take(values, pc.index_in(text, value_set=keys)), text)


def lookup_misses(op: Mapping[str, Any], data: pa.Table, keys: pa.Array) -> pa.Array:
    """Rows whose looked-up value has no match (an empty value is not looked up)."""
    text = _text(data, op["column"])
    found = pc.is_in(text, value_set=keys)
    miss = pc.and_(pc.and_(pc.is_valid(text), pc.not_equal(text, "")), pc.invert(found))
    return pc.fill_null(miss, False)


def miss_reason(op: Mapping[str, Any], value: str, *, empty: bool) -> str:
    if op["source"] == UPLOADED:
        where = "上传的对照表"
    else:
        table = TABLES_BY_NAME[op["source"]]
        key_label = table.field(op["key"]).label
        where = f"标准表“{table.label}”的{key_label}"
        if empty:
            return f"“{value}”无法查表：标准表“{table.label}”还没有导入任何数据，请先导入{table.label}"
    return f"“{value}”在{where}中找不到对应值"


def resolve_lookups(
    ops: Mapping[str, Mapping[str, Any]], uploaded: Mapping[str, str] | None
) -> dict[str, tuple[pa.Array, pa.Array]]:
    """The keys and values of every lookup, read once per import (not once per chunk)."""
    return {name: lookup_pairs(op, uploaded) for name, op in ops.items() if op["op"] == "lookup"}


# ------------------------------------------------------------------------------------------ uploaded table

LOOKUP_MAX_PAIRS = 100_000


def read_lookup_file(path, *, name: str) -> dict[str, Any]:
    """A two-column table (CSV in GBK/UTF-8, or xlsx): header row, then key, value per row.

    Returns {name, key, value, pairs}; raises OperationError naming the file and row.
    """
    import csv
    import io
    from pathlib import Path

    suffix = Path(name).suffix.lower()
    if suffix in (".csv", ".txt"):
        from zhengai.datacenter.connectors import SourceError
        from zhengai.datacenter.connectors.files.encoding import decode

        try:
            text = decode(Path(path).read_bytes(), file=name).utf8.decode("utf-8")
        except SourceError as exc:
            raise OperationError(str(exc)) from None
        rows = [[c.strip() for c in r] for r in csv.reader(io.StringIO(text))]
    elif suffix == ".xlsx":
        from python_calamine import CalamineWorkbook

        try:
            book = CalamineWorkbook.from_path(str(path))
            raw = book.get_sheet_by_name(book.sheet_names[0]).to_python(skip_empty_area=False)
        except Exception as exc:
            raise OperationError(f"对照表“{name}”无法作为 xlsx 打开（{type(exc).__name__}）") from None
        rows = [[_cell(c) for c in r] for r in raw]
    else:
        raise OperationError(f"对照表“{name}”的格式不受支持（支持 CSV、xlsx）")
    rows = [r for r in rows if any(r)]
    if len(rows) < 2:
        raise OperationError(f"对照表“{name}”应有表头和至少一行对照（两列：源值、标准值）")
    header = rows[0]
    if len([h for h in header if h]) != 2:
        raise OperationError(f"对照表“{name}”第 1 行表头应恰好有两列（源值、标准值），现在是：{'、'.join(header)}")
    pairs: dict[str, str] = {}
    for number, row in enumerate(rows[1:], start=2):
        key, value = [*row, "", ""][:2]
        if not key or not value:
            raise OperationError(f"对照表“{name}”第 {number} 行：{'源值' if not key else '标准值'}为空")
        if key in pairs and pairs[key] != value:
            raise OperationError(
                f"对照表“{name}”第 {number} 行：源值“{key}”重复，且对应的值不同（{pairs[key]}、{value}）"
            )
        pairs[key] = value
    if len(pairs) > LOOKUP_MAX_PAIRS:
        raise OperationError(
            f"对照表“{name}”有 {len(pairs):,} 条，超过 {LOOKUP_MAX_PAIRS:,} 条；请改为先导入标准表再查表"
        )
    return {"name": name, "key": header[0], "value": header[1], "pairs": pairs}


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()
