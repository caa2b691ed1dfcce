"""Find the header row: clerks' files often start with a title row or a merged two-level header."""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa

from zhengai.datacenter.connectors import SourceError


def _norm(value: object) -> str:
    import unicodedata

    return unicodedata.normalize("NFKC", str(value or "")).strip().replace(" ", "")


NO_HEADER = 0  # header_row 0: the file has no header; columns are named by position


def position_name(index: int) -> str:
    """The name of the column at 0-based `index` in a file without a header: 第1列, 第2列 …"""
    return f"第{index + 1}列"


def position_names(first_rows: Sequence[Sequence[object]]) -> list[str]:
    width = max((len(r) for r in first_rows), default=0)
    return [position_name(i) for i in range(width)]


def find_header(
    first_rows: Sequence[Sequence[object]], expected: Sequence[str], *, file: str, header_row: int = 1
) -> tuple[int, list[str], list[str]]:
    """Return (0-based header index, header names, notices).

    The declared header row is used when it holds the expected columns; otherwise the row among
    the first ones that holds most of them. Raises SourceError when no row looks like the header.
    """
    if not first_rows:
        raise SourceError(f"文件“{file}”是空的，没有任何内容")
    if header_row == NO_HEADER:  # every row is data; index -1 means "the row before the first"
        return -1, position_names(first_rows), [f"文件“{file}”没有表头，按列位置（第1列、第2列…）对应"]
    wanted = {_norm(e) for e in expected}
    best, best_hits = -1, 0
    for i, row in enumerate(first_rows):
        hits = len(wanted & {_norm(v) for v in row})
        if hits > best_hits:
            best, best_hits = i, hits
    declared = header_row - 1
    notices: list[str] = []
    if 0 <= declared < len(first_rows):
        declared_hits = len(wanted & {_norm(v) for v in first_rows[declared]})
        if declared_hits == best_hits:
            best = declared
    if best < 0 or (wanted and best_hits == 0):
        shown = "、".join(list(expected)[:6])
        raise SourceError(f"文件“{file}”中找不到表头：前 {len(first_rows)} 行里没有一行包含应有的列名（如 {shown}）")
    if best != declared:
        notices.append(f"文件“{file}”的表头在第 {best + 1} 行（前面的 {best} 行是标题或合并表头，已跳过）")
    # Report each column under the name the mapping uses ("经费（元）"), however the file wrote it
    # ("经费(元)", "经费 （元）"): matching is on the normalised form.
    canonical = {_norm(e): e for e in expected}
    names = [canonical.get(_norm(v), _norm(v)) for v in first_rows[best]]
    return best, names, notices


def check_columns(
    names: Sequence[str], expected: Sequence[str], *, file: str, header_line: int, optional: Sequence[str] = ()
) -> list[str]:
    """Raise on a missing or duplicated expected column; return notices about extra columns."""
    seen: dict[str, int] = {}
    for i, name in enumerate(names):
        if name in seen and name in expected:
            raise SourceError(
                f"文件“{file}”第 {header_line} 行表头中列“{name}”出现了两次（第 {seen[name] + 1} 列和第 {i + 1} 列）"
            )
        seen.setdefault(name, i)
    missing = [e for e in expected if e not in seen]
    if missing and header_line == NO_HEADER:
        raise SourceError(
            f"文件“{file}”只有 {len(names)} 列，映射要用的{'、'.join(missing)}不存在（文件没有表头，按列位置对应）"
        )
    if missing:
        raise SourceError(f"文件“{file}”缺少列：{'、'.join(missing)}（表头在第 {header_line} 行）")
    extra = [n for n in names if n and n not in expected and n not in optional]
    if extra:
        return [f"文件“{file}”中有未映射的列，已忽略：{'、'.join(extra[:10])}" + ("等" if len(extra) > 10 else "")]
    return []


def with_optional(table: pa.Table, optional: Sequence[str]) -> pa.Table:
    """The table with a column of nulls for each optional column the file does not have."""
    for name in optional:
        if name not in table.column_names:
            table = table.append_column(name, pa.nulls(table.num_rows, pa.string()))
    return table
