"""Validation against the data standard, column at a time (vectorised with Arrow compute).

Input: an Arrow table whose columns are standard field names holding the source text (after
mapping), plus ``_row`` (the row number in the source file) and ``_file``. Output: the typed
rows, a mask of invalid rows and one error row per problem (file, row, field, value, reason) in
Chinese, ready for the error report.

Speed: the common case (clean text in the expected format) takes one pass per check and never
leaves Arrow; the slower paths (other date formats, thousands separators, full-width characters,
explaining what exactly is wrong) run only on the rows that need them.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
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

REQUIRED_REASON = "必填字段为空"
_INT_RE = r"^[+-]?\d{1,18}(\.0*)?$"
_DEC_RE = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d", "%Y年%m月%d日")
_DATETIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y/%m/%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M",
    "%Y%m%d%H%M%S",
    "%Y.%m.%d %H:%M:%S",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日%H时%M分%S秒",
    "%Y年%m月%d日%H时%M分",
)
# Excel serial day numbers: 5 digits, 10000 (1927-05-18) to 73415 (2100-12-31). Four-digit numbers
# are not taken as serials: "2024" in a date column is a year someone typed, not 1905-07-17.
_SERIAL_RE = r"^\d{5}(\.\d+)?$"
_SERIAL_MIN, _SERIAL_MAX = 10_000, 73_415
_DATE_LIKE_RE = r"^\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?|^\d{8}$"
_DAY_RE = r"^\d{4}(?:\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*(?P<a>\d{1,2})|\d{2}(?P<b>\d{2}))"
# 允许/通过/成功 and 拒绝/失败 are how access-control systems export 通行结果.
_TRUE = ["是", "1", "true", "True", "TRUE", "Y", "y", "yes", "Yes", "YES", "√", "T", "有", "允许", "通过", "成功"]
_FALSE = ["否", "0", "false", "False", "FALSE", "N", "n", "no", "No", "NO", "×", "F", "无", "拒绝", "失败", "禁止"]
_FULLWIDTH_RE = "[\uff01-\uff5e\u3000]"
_BAD_DATE = "不是有效日期（应为 2024-09-01 这样的格式）"
_BAD_DATETIME = "不是有效的日期时间（应为 2024-09-01 08:30:00 这样的格式）"
_NO_SUCH_DATE = "日期不存在（月份应为 1—12，日不能超过当月天数，如没有 2 月 30 日）"
_SERIAL_RANGE = f"是 Excel 日期序号，但超出范围（只接受 {_SERIAL_MIN}—{_SERIAL_MAX}，即 1927-05-18 至 2100-12-31）"
_TIME_IN_DATE = "该字段是日期，不应包含时间（请只填日期，如 2024-09-01）"

Column = pa.Array | pa.ChunkedArray


@dataclass
class Checked:
    """The outcome of validating one chunk."""

    typed: dict[str, Column]
    invalid: pa.Array  # bool per row
    errors: list[pa.Table] = field(default_factory=list)

    def error_table(self) -> pa.Table:
        if not self.errors:
            return ERROR_SCHEMA.empty_table()
        return pa.concat_tables(self.errors)


# ------------------------------------------------------------------------------------------ helpers


def _chunks(arr: Column) -> list[pa.Array]:
    return list(arr.chunks) if isinstance(arr, pa.ChunkedArray) else [arr]


def _flat(arr: Column) -> pa.Array:
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def _any(mask: Column | None) -> bool:
    return mask is not None and bool(pc.any(mask).as_py())


def _string_bytes(chunk: pa.Array) -> np.ndarray:
    """The UTF-8 bytes of a string array's values (no copy)."""
    if len(chunk) == 0:
        return np.empty(0, np.uint8)
    offsets = np.frombuffer(chunk.buffers()[1], np.int32, len(chunk) + 1, chunk.offset * 4)
    data = chunk.buffers()[2]
    if data is None:
        return np.empty(0, np.uint8)
    return np.frombuffer(data, np.uint8)[offsets[0] : offsets[-1]]


def _only_bytes(arr: Column, allowed: bytes) -> bool:
    """True when every value consists of these ASCII characters only (checked on the raw bytes)."""
    table = np.zeros(256, bool)
    table[list(allowed)] = True
    return all(bool(table[_string_bytes(chunk)].all()) for chunk in _chunks(arr))


def _may_have_fullwidth(arr: Column) -> bool:
    """Whether any value holds a full-width form (U+FF01–FF5E) or the ideographic space (U+3000)."""
    for chunk in _chunks(arr):
        data = _string_bytes(chunk)
        if data.size < 3:
            continue
        ef = np.flatnonzero(data[:-2] == 0xEF)
        if ef.size and bool(((data[ef + 1] == 0xBC) | (data[ef + 1] == 0xBD)).any()):
            return True
        e3 = np.flatnonzero(data[:-2] == 0xE3)
        if e3.size and bool(((data[e3 + 1] == 0x80) & (data[e3 + 2] == 0x80)).any()):
            return True
    return False


_SPACE = np.zeros(256, bool)
_SPACE[[9, 10, 11, 12, 13, 32]] = True


def _edge_space(arr: Column) -> bool:
    """Whether any (ASCII) value starts or ends with whitespace: looks at first and last bytes only."""
    for chunk in _chunks(arr):
        if len(chunk) == 0 or chunk.buffers()[2] is None:
            continue
        offsets = np.frombuffer(chunk.buffers()[1], np.int32, len(chunk) + 1, chunk.offset * 4)
        data = np.frombuffer(chunk.buffers()[2], np.uint8)
        starts, ends = offsets[:-1], offsets[1:]
        filled = ends > starts
        if not filled.all():
            starts, ends = starts[filled], ends[filled]
        if _SPACE[data[starts]].any() or _SPACE[data[ends - 1]].any():
            return True
    return False


def _null_where(arr: Column, mask: Column) -> Column:
    return pc.if_else(mask, pa.scalar(None, arr.type), arr)


def _scatter(base: Column, mask: pa.Array, values: pa.Array) -> pa.Array:
    """`base` with the positions where `mask` is true replaced, in order, by `values`."""
    return pc.replace_with_mask(_flat(base), _flat(mask), _flat(values).cast(base.type))


def clean_text(arr: Column) -> Column:
    """Trim, fold full-width characters (ＡＢ１２ → AB12) and turn empty strings into nulls.

    Only values that hold full-width forms or the ideographic space are NFKC-normalised: other
    compatibility characters (in names, say) are left as the source wrote them.
    """
    if not pa.types.is_string(arr.type):
        arr = pc.cast(arr, pa.string())
    if arr.null_count == len(arr):
        return arr
    if pc.all(pc.string_is_ascii(arr)).as_py():
        if _edge_space(arr):
            arr = pc.ascii_trim_whitespace(arr)
    else:
        if _may_have_fullwidth(arr):
            wide = pc.fill_null(pc.match_substring_regex(_flat(arr), _FULLWIDTH_RE), False)
            if _any(wide):
                arr = _scatter(arr, wide, pc.utf8_normalize(pc.filter(_flat(arr), wide), "NFKC"))
        arr = pc.utf8_trim_whitespace(arr)
    empty = pc.equal(arr, "")
    if _any(empty):
        arr = _null_where(arr, empty)
    return arr


def _errors(rows: pa.Array, files: pa.Array, mask: pa.Array, label: str, values: Column, reason) -> pa.Table | None:
    idx = pc.indices_nonzero(pc.fill_null(mask, False))
    if len(idx) == 0:
        return None
    value_text = _flat(pc.take(values, idx))
    if not pa.types.is_string(value_text.type):
        value_text = pc.cast(value_text, pa.string())
    if isinstance(reason, pa.Array | pa.ChunkedArray):
        reasons = _flat(pc.take(reason, idx))
    else:
        reasons = pa.array(np.full(len(idx), reason, dtype=object), pa.string())
    return pa.table(
        {
            "file": pc.cast(pc.take(files, idx), pa.string()),
            "row": pc.take(rows, idx),
            "field": pa.array(np.full(len(idx), label, dtype=object), pa.string()),
            "value": value_text,
            "reason": reasons,
        },
        schema=ERROR_SCHEMA,
    )


# ------------------------------------------------------------------------------------------ dates


# Per month from 0000-01 to 9999-12 (index year*12 + month-1): its first day (days since 1970-01-01)
# and its length. Two lookups replace calendar arithmetic for a million dates.
_MONTH_START = (
    np.arange(-1970 * 12, (10000 - 1970) * 12).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
)
_MONTH_DAYS = np.diff(np.append(_MONTH_START, _MONTH_START[-1] + 31))
_ISO_WIDTHS = (10, 19)
_ISO_SEPARATORS = {10: {4: b"-", 7: b"-"}, 19: {4: b"-", 7: b"-", 10: b" ", 13: b":", 16: b":"}}


def _iso_chunk(chunk: pa.Array) -> tuple[np.ndarray, np.ndarray] | None:
    """Seconds and validity for a chunk whose every value is 'YYYY-MM-DD' or every 'YYYY-MM-DD HH:MM:SS'.

    Fixed-width text is read as a byte matrix: digits, separators and calendar (no 2 月 30 日) are
    checked with a few vector operations. None when the chunk is not uniformly in one of the forms.
    """
    n = len(chunk)
    if n == 0 or chunk.null_count:
        return None
    data = _string_bytes(chunk)
    width = data.size // n
    if width not in _ISO_WIDTHS or data.size != width * n:
        return None
    offsets = np.frombuffer(chunk.buffers()[1], np.int32, n + 1, chunk.offset * 4)
    if not (np.diff(offsets) == width).all():
        return None
    matrix = data.reshape(n, width)
    ok = np.ones(n, bool)
    for pos, sep in _ISO_SEPARATORS[width].items():
        ok &= matrix[:, pos] == sep[0]

    def number(*positions: int) -> np.ndarray:
        nonlocal ok
        value = np.zeros(n, np.int32)
        for pos in positions:
            digit = matrix[:, pos] - np.uint8(48)  # wraps below "0", so one comparison checks both ends
            ok &= digit <= 9
            value = value * 10 + digit
        return value

    year, month, day = number(0, 1, 2, 3), number(5, 6), number(8, 9)
    ok &= (month >= 1) & (month <= 12) & (day >= 1)
    month_index = np.where(ok, year * 12 + month - 1, 0)
    ok &= day <= _MONTH_DAYS[month_index]
    days = _MONTH_START[month_index] + (day - 1)
    seconds = days * 86400
    if width == 19:
        hour, minute, second = number(11, 12), number(14, 15), number(17, 18)
        ok &= (hour <= 23) & (minute <= 59) & (second <= 59)
        seconds += hour * 3600 + minute * 60 + second
    return seconds, ok


def _parse_iso(text: Column) -> tuple[pa.Array, pa.Array] | None:
    """The fast path of date parsing: (timestamps, parsed mask), or None to parse the general way."""
    parts = []
    for chunk in _chunks(text):
        part = _iso_chunk(chunk)
        if part is None:
            return None
        parts.append(part)
    if not parts:
        return None
    seconds = np.concatenate([p[0] for p in parts])
    ok = np.concatenate([p[1] for p in parts])
    return pa.array(seconds, pa.timestamp("s"), mask=~ok), pa.array(ok)


def _parse_formats(text: Column, formats: tuple[str, ...], todo: Column | None = None) -> tuple[pa.Array, pa.Array]:
    """Parse with each format in turn, the later ones only on the values still unparsed.

    Returns (timestamps, still-unparsed mask among present values).
    """
    present = pc.is_valid(text)
    todo = present if todo is None else todo
    result = _flat(pc.strptime(text, format=formats[0], unit="s", error_is_null=True))
    result = pc.if_else(todo, result, pa.scalar(None, result.type)) if todo is not present else result
    missing = _flat(pc.and_(todo, pc.is_null(result)))
    for fmt in formats[1:]:
        if not _any(missing):
            break
        parsed = pc.strptime(pc.filter(text, missing), format=fmt, unit="s", error_is_null=True)
        result = _scatter(result, missing, parsed)
        missing = _flat(pc.and_(todo, pc.is_null(result)))
    return result, missing


def _overflowed(text: Column, parsed: pa.Array) -> pa.Array | None:
    """Values the parser rolled over (2024-02-30 → 2024-03-01): the day in the text differs from the result.

    Only days 1–3 can be the result of a roll-over, so only those rows are looked at closely.
    """
    day = pc.day(parsed)
    suspect = pc.fill_null(pc.less_equal(day, 3), False)
    if not _any(suspect):
        return None
    parts = pc.extract_regex(pc.filter(text, suspect), _DAY_RE)
    a, b = pc.struct_field(parts, "a"), pc.struct_field(parts, "b")
    written = pc.if_else(pc.not_equal(a, ""), a, b)
    written = pc.cast(pc.if_else(pc.equal(written, ""), pa.scalar(None, pa.string()), written), pa.int64())
    differs = pc.fill_null(pc.not_equal(written, pc.filter(day, suspect)), False)
    if not _any(differs):
        return None
    return _scatter(pa.array(np.zeros(len(parsed), bool)), suspect, differs)


def _excel_serial(text: Column, mask: pa.Array, *, with_time: bool) -> tuple[pa.Array, pa.Array]:
    """Excel serial day numbers (45536 = 2024-09-01) among the masked values: (timestamps, out of range)."""
    sub = pc.filter(text, mask)
    is_serial = pc.fill_null(pc.match_substring_regex(sub, _SERIAL_RE), False)
    numbers = pc.cast(pc.if_else(is_serial, sub, pa.scalar(None, pa.string())), pa.float64())
    in_range = pc.and_(pc.greater_equal(numbers, _SERIAL_MIN), pc.less_equal(numbers, _SERIAL_MAX))
    out_of_range = pc.fill_null(pc.invert(in_range), False)
    numbers = pc.if_else(in_range, numbers, pa.scalar(None, pa.float64()))
    seconds = pc.multiply(pc.subtract(numbers, 25569.0), 86400.0)  # 25569 = days from 1899-12-30 to 1970-01-01
    if not with_time:
        seconds = pc.multiply(pc.floor(pc.divide(seconds, 86400.0)), 86400.0)
    stamps = pc.cast(pc.cast(pc.round(seconds), pa.int64()), pa.timestamp("s"))
    full = pa.array(np.zeros(len(mask), bool))
    return stamps, _scatter(full, mask, out_of_range)


def _temporal(f: Field, text: Column) -> tuple[pa.Array, pa.Array | None, pa.Array | str]:
    """Dates and date-times: (timestamps or dates, bad mask, reason per row)."""
    is_date = f.type == FieldType.DATE
    formats = _DATE_FORMATS if is_date else (*_DATETIME_FORMATS, *_DATE_FORMATS)
    fast = _parse_iso(text)
    if fast is not None and pc.all(fast[1]).as_py():
        # Every value in the standard form and a real date (time): done.
        parsed = fast[0]
        if is_date:
            midnight = pc.equal(pc.floor_temporal(parsed, unit="day"), parsed)
            if pc.all(midnight).as_py():
                return pc.cast(parsed, pa.date32()), None, ""
        else:
            return parsed, None, ""
    parsed, missing = _parse_formats(text, formats)
    n = len(parsed)
    timed = None
    if is_date and _any(missing):
        # A date-time in a date field: midnight is a date (Excel exports dates so); any other time is not.
        stamps, _ = _parse_formats(text, _DATETIME_FORMATS, todo=missing)
        midnight = pc.fill_null(pc.equal(pc.floor_temporal(stamps, unit="day"), stamps), False)
        parsed = pc.coalesce(parsed, pc.if_else(midnight, stamps, pa.scalar(None, stamps.type)))
        timed = pc.and_(pc.is_valid(stamps), pc.invert(midnight))
        missing = _flat(pc.and_(missing, pc.is_null(parsed)))
    out_of_range = None
    if _any(missing):
        serial, out_of_range = _excel_serial(text, missing, with_time=not is_date)
        parsed = _scatter(parsed, missing, serial)
        missing = _flat(pc.and_(missing, pc.is_null(parsed)))
    rolled = _overflowed(text, parsed)
    if rolled is not None:
        parsed = _null_where(parsed, rolled)
        missing = pc.or_(missing, rolled)
    if is_date:
        parsed = pc.cast(parsed, pa.date32())
    if not _any(missing):
        return parsed, None, ""
    # Say what exactly is wrong, for the bad values only.
    reason = pa.array(np.full(n, _BAD_DATE if is_date else _BAD_DATETIME, dtype=object), pa.string())
    date_like = pc.fill_null(pc.match_substring_regex(_flat(text), _DATE_LIKE_RE), False)
    reason = pc.if_else(pc.and_(missing, date_like), _NO_SUCH_DATE, reason)
    if out_of_range is not None:
        reason = pc.if_else(out_of_range, _SERIAL_RANGE, reason)
    if timed is not None:
        reason = pc.if_else(pc.fill_null(timed, False), _TIME_IN_DATE, reason)
    return parsed, missing, reason


# ------------------------------------------------------------------------------------------ convert


def convert(f: Field, text: Column) -> tuple[Column, Column | None, Column | str]:
    """Convert cleaned source text to the field's type. Returns (typed, bad mask or None, reason)."""
    if f.type in (FieldType.STRING, FieldType.CODE):
        return text, None, ""
    if f.type == FieldType.INTEGER:
        if _only_bytes(text, b"0123456789-"):
            try:
                return pc.cast(text, pa.int64()), None, ""
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                pass
        ok = pc.fill_null(pc.match_substring_regex(text, _INT_RE), True)
        safe = pc.if_else(ok, text, pa.scalar(None, pa.string()))
        safe = pc.replace_substring_regex(safe, r"\.0*$", "")
        return pc.cast(safe, pa.int64()), pc.invert(ok), "不是整数"
    if f.type == FieldType.DECIMAL:
        try:
            value = pc.cast(text, pa.float64())  # the common case: plain numbers
            if _any(pc.is_nan(value)):  # "nan" is not a number a clerk means
                value = None
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            value = None
        if value is None:
            stripped = pc.replace_substring(text, ",", "")
            ok = pc.fill_null(pc.match_substring_regex(stripped, _DEC_RE), True)
            safe = pc.if_else(ok, stripped, pa.scalar(None, pa.string()))
            value, bad = pc.cast(safe, pa.float64()), pc.invert(ok)
        else:
            bad = None
        infinite = pc.fill_null(pc.is_inf(value), False)
        if _any(infinite):
            value = _null_where(value, infinite)
            bad = infinite if bad is None else pc.or_(bad, infinite)
        return value, bad, "不是数值"
    if f.type in (FieldType.DATE, FieldType.DATETIME):
        return _temporal(f, text)
    if f.type == FieldType.BOOLEAN:
        present = pc.is_valid(text)
        is_true = pc.is_in(text, value_set=pa.array(_TRUE))
        is_false = pc.is_in(text, value_set=pa.array(_FALSE))
        value = pc.if_else(is_true, True, pc.if_else(is_false, False, pa.scalar(None, pa.bool_())))
        bad = pc.and_(present, pc.invert(pc.or_(is_true, is_false)))
        return value, bad, "应为“是”或“否”"
    raise ValueError(f"未知字段类型 {f.type}")


# Fields are checked side by side on chunks this large: Arrow and NumPy work outside the GIL.
_PARALLEL_ROWS = 50_000


def _check_field(f: Field, data: pa.Table, rows: pa.Array, files: pa.Array) -> tuple[Column, list]:
    """One field's typed values and its problems: [(row mask, error rows)]."""
    n = data.num_rows
    found: list[tuple[pa.Array, pa.Table]] = []
    label = f"{f.label}（{f.name}）"
    text = clean_text(data.column(f.name)) if f.name in data.column_names else pa.nulls(n, pa.string())

    def flag(mask: Column | None, reason) -> None:
        if mask is None:
            return
        mask = _flat(pc.fill_null(mask, False))
        if _any(mask):
            err = _errors(rows, files, mask, label, text, reason)
            if err is not None:
                found.append((mask, err))

    if f.required and text.null_count:
        flag(pc.is_null(text), REQUIRED_REASON)
    value, bad, reason = convert(f, text)
    flag(bad, reason)
    if f.type == FieldType.CODE and f.code_set:
        code_set = CODE_SETS[f.code_set]
        known = pc.is_in(text, value_set=pa.array(sorted(code_set.code_values)))
        flag(pc.and_(pc.is_valid(text), pc.invert(known)), f"不在代码集“{code_set.label}”中")
    if f.max_length and f.type in (FieldType.STRING, FieldType.CODE):
        flag(_too_long(text, f.max_length), f"超过 {f.max_length} 个字符")
    if f.type in (FieldType.INTEGER, FieldType.DECIMAL):
        if f.min_value is not None:
            flag(pc.less(value, f.min_value), _range_reason(f))
        if f.max_value is not None:
            flag(pc.greater(value, f.max_value), _range_reason(f))
    return value, found


def check_chunk(table: StandardTable, data: pa.Table) -> Checked:
    """Validate one chunk field by field (types, required, code sets, ranges, lengths)."""
    rows = _flat(data.column("_row"))
    files = _flat(data.column("_file"))
    n = data.num_rows
    workers = min(len(table.fields), os.cpu_count() or 1) if n >= _PARALLEL_ROWS else 1
    if workers > 1:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(lambda f: _check_field(f, data, rows, files), table.fields))
    else:
        results = [_check_field(f, data, rows, files) for f in table.fields]
    invalid = pa.array(np.zeros(n, bool))
    typed: dict[str, Column] = {}
    errors: list[pa.Table] = []
    for f, (value, found) in zip(table.fields, results, strict=True):
        typed[f.name] = value
        for mask, err in found:
            invalid = pc.or_(invalid, mask)
            errors.append(err)
    return Checked(typed=typed, invalid=invalid, errors=errors)


def _too_long(text: Column, limit: int) -> Column | None:
    """Values longer than `limit` characters; the byte length is an upper bound, so most columns need no more."""
    longest = pc.max(pc.binary_length(text)).as_py()
    if longest is None or longest <= limit:
        return None
    return pc.greater(pc.utf8_length(text), limit)


def _range_reason(f: Field) -> str:
    low = "" if f.min_value is None else f"{f.min_value:g}"
    high = "" if f.max_value is None else f"{f.max_value:g}"
    unit = f.unit or ""
    return f"超出允许范围（{low}—{high}{unit}）"
