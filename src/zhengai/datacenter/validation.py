"""Validation against the data standard, column at a time (vectorised with Arrow compute).

Input: an Arrow table whose columns are standard field names holding the source text (after
mapping), plus ``_row`` (the row number in the source file) and ``_file``. Output: the typed
rows, a mask of invalid rows and one error row per problem (file, row, field, value, reason) in
Chinese, ready for the error report.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc

from zhengai.datacenter.standard import CODE_SETS, Field, FieldType, StandardTable

ERROR_SCHEMA = pa.schema(
    [
        pa.field("file", pa.string()),
        pa.field("row", pa.int64()),
        pa.field("field", pa.string()),
        pa.field("value", pa.string()),
        pa.field("reason", pa.string()),
    ]
)

_INT_RE = r"^[+-]?\d+(\.0*)?$"
_DEC_RE = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
_SERIAL_RE = r"^\d{4,5}(\.\d+)?$"
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d", "%Y年%m月%d日")
_DATETIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y/%m/%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M",
    "%Y%m%d%H%M%S",
)
_TRUE = ["是", "1", "true", "True", "TRUE", "Y", "y", "yes", "√", "T"]
_FALSE = ["否", "0", "false", "False", "FALSE", "N", "n", "no", "×", "F"]
_EXCEL_EPOCH = dt.date(1899, 12, 30)


@dataclass
class Checked:
    """The outcome of validating one chunk."""

    typed: dict[str, pa.Array]
    invalid: pa.Array  # bool per row
    errors: list[pa.Table] = field(default_factory=list)

    def error_table(self) -> pa.Table:
        if not self.errors:
            return ERROR_SCHEMA.empty_table()
        return pa.concat_tables(self.errors)


def clean_text(arr: pa.Array) -> pa.Array:
    """Trim, fold full-width characters (ＡＢ１２ → AB12) and turn empty strings into nulls."""
    if not pa.types.is_string(arr.type) and not pa.types.is_large_string(arr.type):
        arr = pc.cast(arr, pa.string())
    non_ascii = pc.invert(pc.fill_null(pc.string_is_ascii(arr), True))
    if pc.any(non_ascii).as_py():
        arr = pc.utf8_normalize(arr, "NFKC")
    arr = pc.utf8_trim_whitespace(arr)
    return pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr)


def _errors(rows: pa.Array, files: pa.Array, mask: pa.Array, label: str, values: pa.Array, reason) -> pa.Table | None:
    idx = pc.indices_nonzero(pc.fill_null(mask, False))
    if len(idx) == 0:
        return None
    value_text = pc.take(values, idx)
    if not pa.types.is_string(value_text.type):
        value_text = pc.cast(value_text, pa.string())
    reasons = pc.take(reason, idx) if isinstance(reason, pa.Array) else pa.array([reason] * len(idx), pa.string())
    return pa.table(
        {
            "file": pc.cast(pc.take(files, idx), pa.string()),
            "row": pc.take(rows, idx),
            "field": pa.array([label] * len(idx), pa.string()),
            "value": value_text,
            "reason": reasons,
        },
        schema=ERROR_SCHEMA,
    )


def _parse_temporal(arr: pa.Array, formats: tuple[str, ...], unit: str) -> pa.Array:
    result = None
    for fmt in formats:
        parsed = pc.strptime(arr, format=fmt, unit=unit, error_is_null=True)
        result = parsed if result is None else pc.coalesce(result, parsed)
    return result


def _excel_serial(arr: pa.Array, *, with_time: bool) -> pa.Array:
    """Excel serial day numbers (45536 = 2024-09-01) as timestamps; null where not a serial."""
    is_serial = pc.fill_null(pc.match_substring_regex(arr, _SERIAL_RE), False)
    numbers = pc.cast(pc.if_else(is_serial, arr, pa.scalar(None, pa.string())), pa.float64())
    seconds = pc.multiply(pc.subtract(numbers, 25569.0), 86400.0)  # 25569 = days from 1899-12-30 to 1970-01-01
    if not with_time:
        seconds = pc.multiply(pc.floor(pc.divide(seconds, 86400.0)), 86400.0)
    return pc.cast(pc.cast(pc.round(seconds), pa.int64()), pa.timestamp("s"))


def convert(f: Field, text: pa.Array) -> tuple[pa.Array, pa.Array | None, str]:
    """Convert cleaned source text to the field's type. Returns (typed, bad mask or None, reason)."""
    present = pc.is_valid(text)
    if f.type in (FieldType.STRING, FieldType.CODE):
        return text, None, ""
    if f.type == FieldType.INTEGER:
        ok = pc.fill_null(pc.match_substring_regex(text, _INT_RE), True)
        safe = pc.if_else(ok, text, pa.scalar(None, pa.string()))
        safe = pc.replace_substring_regex(safe, r"\.0*$", "")
        return pc.cast(safe, pa.int64()), pc.invert(ok), "不是整数"
    if f.type == FieldType.DECIMAL:
        stripped = pc.replace_substring(text, ",", "")
        ok = pc.fill_null(pc.match_substring_regex(stripped, _DEC_RE), True)
        safe = pc.if_else(ok, stripped, pa.scalar(None, pa.string()))
        return pc.cast(safe, pa.float64()), pc.invert(ok), "不是数值"
    if f.type == FieldType.DATE:
        parsed = pc.coalesce(_parse_temporal(text, _DATE_FORMATS, "s"), _excel_serial(text, with_time=False))
        parsed = pc.cast(parsed, pa.date32())
        return parsed, pc.and_(present, pc.is_null(parsed)), "不是有效日期（应为 2024-09-01 这样的格式）"
    if f.type == FieldType.DATETIME:
        parsed = pc.coalesce(
            _parse_temporal(text, _DATETIME_FORMATS, "s"),
            _parse_temporal(text, _DATE_FORMATS, "s"),
            _excel_serial(text, with_time=True),
        )
        return (
            parsed,
            pc.and_(present, pc.is_null(parsed)),
            "不是有效的日期时间（应为 2024-09-01 08:30:00 这样的格式）",
        )
    if f.type == FieldType.BOOLEAN:
        is_true = pc.is_in(text, value_set=pa.array(_TRUE))
        is_false = pc.is_in(text, value_set=pa.array(_FALSE))
        value = pc.if_else(is_true, True, pc.if_else(is_false, False, pa.scalar(None, pa.bool_())))
        bad = pc.and_(present, pc.invert(pc.or_(is_true, is_false)))
        return value, bad, "应为“是”或“否”"
    raise ValueError(f"未知字段类型 {f.type}")


def check_chunk(table: StandardTable, data: pa.Table) -> Checked:
    """Validate one chunk field by field (types, required, code sets, ranges, lengths)."""
    rows = data.column("_row").combine_chunks()
    files = data.column("_file").combine_chunks()
    n = data.num_rows
    invalid = pa.array([False] * n) if n else pa.array([], pa.bool_())
    typed: dict[str, pa.Array] = {}
    errors: list[pa.Table] = []

    def flag(mask: pa.Array | None, label: str, values: pa.Array, reason) -> None:
        nonlocal invalid
        if mask is None:
            return
        mask = pc.fill_null(mask, False)
        if not pc.any(mask).as_py():
            return
        invalid = pc.or_(invalid, mask)
        err = _errors(rows, files, mask, label, values, reason)
        if err is not None:
            errors.append(err)

    for f in table.fields:
        if f.name in data.column_names:
            text = clean_text(data.column(f.name).combine_chunks())
        else:
            text = pa.nulls(n, pa.string())
        label = f"{f.label}（{f.name}）"
        if f.required:
            flag(pc.is_null(text), label, text, "必填字段为空")
        value, bad, reason = convert(f, text)
        flag(bad, label, text, reason)
        if f.type == FieldType.CODE and f.code_set:
            code_set = CODE_SETS[f.code_set]
            known = pc.is_in(text, value_set=pa.array(sorted(code_set.code_values)))
            flag(pc.and_(pc.is_valid(text), pc.invert(known)), label, text, f"不在代码集“{code_set.label}”中")
        if f.max_length and f.type in (FieldType.STRING, FieldType.CODE):
            flag(pc.greater(pc.utf8_length(text), f.max_length), label, text, f"超过 {f.max_length} 个字符")
        if f.type in (FieldType.INTEGER, FieldType.DECIMAL):
            if f.min_value is not None:
                flag(pc.less(value, f.min_value), label, text, _range_reason(f))
            if f.max_value is not None:
                flag(pc.greater(value, f.max_value), label, text, _range_reason(f))
        typed[f.name] = value
    return Checked(typed=typed, invalid=invalid, errors=errors)


def _range_reason(f: Field) -> str:
    low = "" if f.min_value is None else f"{f.min_value:g}"
    high = "" if f.max_value is None else f"{f.max_value:g}"
    unit = f.unit or ""
    return f"超出允许范围（{low}—{high}{unit}）"
