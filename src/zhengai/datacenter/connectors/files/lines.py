"""Reading a CSV file line by line, for exports whose quoting cannot be trusted.

The fast reader (pyarrow) follows the quotes: one opening quote left unclosed (a book title typed as
`"红楼梦`) swallows every line up to the next quote, and those records are neither stored nor named.
When the fast read does not give one record per physical line, the file is read again here:

* every physical line is one record, and its 行号 is the line it starts on;
* a line whose quotes do not close is joined with the following lines only when together they make
  exactly one record of the header's width (a value with a line break, as Excel writes it), no line
  taken has the header's width on its own, the lines between the first and the last hold no more
  than one delimiter's worth of fields, and at most `MAX_JOIN` lines are joined; each join is reported;
* a line short of its last field reads it as empty (a line short of more is cut off and reported);
  extra trailing fields that are empty (a stray delimiter at the end) are dropped; a line with more
  filled fields than the header is not a record and is reported with its reason;
* blank lines are counted and reported, never silently dropped.

Pure: text in, a table of text out.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

import pyarrow as pa

MAX_JOIN = 5
# What the fast reader reads as null: the same here, so both paths give the same values.
NULLS = frozenset(
    ["", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN", "N/A", "NA",
     "NULL", "NaN", "n/a", "nan", "null"]
)  # fmt: skip
_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass
class LineRead:
    table: pa.Table  # the wanted columns, every value text (null for empty)
    row_numbers: pa.Array  # the physical line each record starts on
    problems: list[tuple[int, str, str]] = field(default_factory=list)  # lines that are no record
    blank_lines: list[int] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    lines: int = 0  # physical lines of the whole file


def physical_lines(text: str) -> list[str]:
    """The file's lines as an editor numbers them (CRLF, LF and CR all end a line)."""
    lines = _BREAK.split(text)
    if lines and lines[-1] == "":
        lines.pop()  # the break after the last line does not start another
    return lines


def count_lines(payload, *, step: int = 1 << 24) -> int:
    """Physical lines of UTF-8 or GB18030 bytes (a line break byte never occurs inside a character).

    Counted in slices of the buffer (a memory map is not copied whole); CR is counted only when the file
    has one (CRLF, LF and a lone CR each end a line)."""
    size = len(payload)
    if not size:
        return 0
    lf = cr = crlf = 0
    before = b""  # the last byte of the previous slice: a CRLF may straddle two slices
    for start in range(0, size, step):
        chunk = bytes(payload[start : start + step])
        lf += chunk.count(b"\n")
        if b"\r" in chunk or before == b"\r":
            cr += chunk.count(b"\r")
            crlf += chunk.count(b"\r\n") + (1 if before == b"\r" and chunk[:1] == b"\n" else 0)
        before = chunk[-1:]
    return lf + cr - crlf + (0 if before in (b"\n", b"\r") else 1)


def _split(text: str, delimiter: str) -> list[list[str]]:
    if '"' not in text and "\n" not in text:
        return [text.split(delimiter)]  # nothing quoted: a plain split is the same, and much faster
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False))


def _width_of(line: str, delimiter: str) -> int:
    """The fields of one line read on its own."""
    rows = _split(line, delimiter)
    return len(rows[0]) if rows else 0


def _wide(count: int, width: int) -> str:
    return (f"该行有 {count} 列，表头只有 {width} 列"
            "（内容中可能有未加引号的逗号，请给含逗号的内容加上英文双引号）")  # fmt: skip


def read_lines(text: str, *, names: list[str], skip: int, delimiter: str) -> LineRead:
    """Records of the lines after the first `skip` (title rows and the header), by the rules above."""
    lines = physical_lines(text)
    width = len(names)
    wanted = [i for i, n in enumerate(names) if not n.startswith("__col_")]
    columns: list[list[str | None]] = [[] for _ in wanted]
    numbers: list[int] = []
    out = LineRead(table=pa.table({}), row_numbers=pa.array([], pa.int64()), lines=len(lines))
    joins: list[tuple[int, int]] = []
    open_quotes: list[int] = []
    padded = trimmed = 0
    i = skip
    while i < len(lines):
        line, number = lines[i], i + 1
        if not line.strip():
            out.blank_lines.append(number)
            i += 1
            continue
        record, used = line, 1
        if line.count('"') % 2:
            joined, j = line, i + 1
            # The rest of the value and of the record may follow; a line that is a record of its own may not.
            while j < len(lines) and j - i < MAX_JOIN and _width_of(lines[j], delimiter) < width:
                joined += "\n" + lines[j]
                if joined.count('"') % 2 == 0:
                    rows = _split(joined, delimiter)
                    middle_is_text = all(_width_of(x, delimiter) < max(2, width - 1) for x in lines[i + 1 : j])
                    if len(rows) == 1 and len(rows[0]) == width and middle_is_text:
                        record, used = joined, j - i + 1
                    break
                j += 1
            if used > 1:
                joins.append((number, number + used - 1))
            else:
                open_quotes.append(number)
        rows = _split(record, delimiter)
        fields = [v for row in rows for v in row] if len(rows) > 1 else (rows[0] if rows else [])
        if len(fields) > width:
            extra = fields[width:]
            if all(not v.strip() for v in extra):
                fields, trimmed = fields[:width], trimmed + 1
            else:
                reason = _wide(len(fields), width)
                if number in open_quotes:
                    reason += "；该行有未闭合的英文双引号"
                out.problems.append((number, reason, record[:200]))
                i += used
                continue
        if len(fields) < width:
            if number in open_quotes and len(fields) < width - 1:
                reason = (f"该行有未闭合的英文双引号，引号之后的内容都读进了同一个字段，只剩 {len(fields)} 列"
                          f"（表头有 {width} 列）；请补上引号或删去多余的引号")  # fmt: skip
                out.problems.append((number, reason, record[:200]))
                i += used
                continue
            if len(fields) < width - 1:  # more than the last field missing: cut off, not a short export
                reason = (f"该行只有 {len(fields)} 列，表头有 {width} 列"
                          "（该行不完整：文件可能被截断，或少了分隔符）")  # fmt: skip
                out.problems.append((number, reason, record[:200]))
                i += used
                continue
            fields, padded = [*fields, ""], padded + 1
        for k, col in enumerate(wanted):
            value = fields[col]
            columns[k].append(None if value in NULLS else value)
        numbers.append(number)
        i += used
    out.table = pa.table({names[col]: pa.array(columns[k], pa.string()) for k, col in enumerate(wanted)})
    out.row_numbers = pa.array(numbers, pa.int64())
    out.notices = _notices(joins, open_quotes, padded, trimmed, out.blank_lines)
    return out


def _lines_text(numbers: list[int], limit: int = 10) -> str:
    shown = "、".join(str(n) for n in numbers[:limit])
    return shown + (f" 等 {len(numbers)} 行" if len(numbers) > limit else "")


def _notices(joins, open_quotes, padded: int, trimmed: int, blank: list[int]) -> list[str]:
    notes = ["引号不能确定记录的边界：已逐行读取，每一物理行为一条记录，行号即文件中的行号"]
    if joins:
        spans = "、".join(f"{a}–{b}" for a, b in joins[:10]) + (f" 等 {len(joins)} 处" if len(joins) > 10 else "")
        notes.append(f"第 {spans} 行是同一条记录（引号内有换行），已合并读取，请核对")
    if open_quotes:
        notes.append(f"第 {_lines_text(open_quotes)} 行有未闭合的英文双引号，已只在本行内读取")
    if padded:
        notes.append(f"{padded:,} 行缺少最后一个字段，按空值读取")
    if trimmed:
        notes.append(f"{trimmed:,} 行末尾有多余的空字段（多了分隔符），已忽略")
    if blank:
        notes.append(f"第 {_lines_text(blank)} 行是空行，不是记录")
    return notes
