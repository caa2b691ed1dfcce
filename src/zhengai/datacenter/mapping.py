"""Mappings: which source column holds which standard field, code value maps, transforms, fixed values.

Pure functions over Arrow arrays; saved mappings live in `SourceMapping` rows. Transforms come
from a whitelist (no expressions are ever evaluated).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from zhengai.datacenter.connectors import RawChunk
from zhengai.datacenter.fieldops import compute, operation_columns, resolve_lookups
from zhengai.datacenter.headers import other_names
from zhengai.datacenter.standard import CODE_SETS, FieldType, StandardTable


def _academic_year_label(arr: pa.Array) -> pa.Array:
    """'2024-2025学年' or '2024-2025' → '2024'."""
    return pc.replace_substring_regex(arr, r"^\s*(\d{4})\s*[-—至~]\s*\d{4}\s*(学年)?\s*$", r"\1")


def _minutes_seconds(arr: pa.Array) -> pa.Array:
    """'4\\'30"' or '4:30' or '4分30秒' → '270' (seconds)."""
    parts = pc.extract_regex(arr, r"^\s*(?P<m>\d+)\s*(?:'|′|:|：|分)\s*(?P<s>\d+(?:\.\d+)?)\s*(?:\"|″|秒)?\s*$")
    minutes = pc.cast(pc.struct_field(parts, "m"), pa.float64())
    seconds = pc.cast(pc.struct_field(parts, "s"), pa.float64())
    total = pc.cast(pc.add(pc.multiply(minutes, 60.0), seconds), pa.string())
    return pc.coalesce(total, arr)


def _year_of_month(arr: pa.Array) -> pa.Array:
    """'1980-05' or '1980年5月' or '198005' → '1980'."""
    return pc.replace_substring_regex(arr, r"^\s*(\d{4})\s*(?:[-/.年]\s*\d{1,2}\s*月?|\d{2})\s*$", r"\1")


def _percent(arr: pa.Array) -> pa.Array:
    """'92.5%' → '92.5'."""
    return pc.replace_substring_regex(arr, r"^\s*([+-]?\d+(?:\.\d+)?)\s*%\s*$", r"\1")


TRANSFORMS: dict[str, tuple[str, Callable[[pa.Array], pa.Array]]] = {
    "academic_year_label": ("学年名称取起始年（2024-2025学年 → 2024）", _academic_year_label),
    "minutes_seconds": ("分秒转为秒（4'30\" → 270）", _minutes_seconds),
    "percent": ("去掉百分号（92.5% → 92.5）", _percent),
    "year_of_month": ("年月取年份（1980-05 → 1980）", _year_of_month),
}


@dataclass(frozen=True)
class MappingSpec:
    table: StandardTable
    columns: Mapping[str, str]  # standard field → source column
    value_maps: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    transforms: Mapping[str, str] = field(default_factory=dict)
    fixed_values: Mapping[str, str] = field(default_factory=dict)
    # A field taken only on rows where another source column holds a value, e.g. 学工号 is a
    # student number when 读者类型 = 学生 and a staff number when it is 教师: {field: [column, value]}.
    conditions: Mapping[str, tuple[str, str] | list[str]] = field(default_factory=dict)
    # Which source rows are taken at all (rowfilters.py); rows left out are counted as filtered.
    filters: Sequence[Mapping[str, Any]] = ()
    # Fields computed from source columns (fieldops.py): {field: operation}; the uploaded lookup table's pairs.
    operations: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    lookup_table: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        named = [*self.columns, *self.value_maps, *self.transforms, *self.fixed_values, *self.conditions,
                 *self.operations]  # fmt: skip
        unknown = [f for f in named if f not in self.table.field_index]
        if unknown:
            raise ValueError(f"映射中有标准表“{self.table.label}”没有的字段：{'、'.join(sorted(set(unknown)))}")
        bad = [t for t in self.transforms.values() if t not in TRANSFORMS]
        if bad:
            raise ValueError(f"不支持的值转换：{'、'.join(bad)}")

    @property
    def source_columns(self) -> list[str]:
        # In the standard's field order: a saved mapping's keys come back in any order (PostgreSQL jsonb).
        ordered = []
        for f in self.table.fields:
            if f.name in self.operations:
                ordered.extend(operation_columns(self.operations[f.name]))
            elif f.name in self.columns:
                ordered.append(self.columns[f.name])
        wanted = [*ordered, *(c[0] for c in self.conditions.values()), *(f["column"] for f in self.filters)]
        return list(dict.fromkeys(wanted))


def label_code(code_set_name: str, value: str) -> str:
    """One value written as a code-set label ('在读') → its code ('01'); anything else as it is."""
    for code, label in CODE_SETS[code_set_name].codes:
        if value.strip() == label:
            return code
    return value.strip()


def _label_to_code(arr: pa.Array, code_set_name: str, extra: Mapping[str, str]) -> pa.Array:
    """Replace code-set labels ('男') and mapped source values by codes; leave anything else as is."""
    code_set = CODE_SETS[code_set_name]
    pairs = {label: code for code, label in code_set.codes}
    pairs.update(extra)
    if not pairs:
        return arr
    keys = pa.array(list(pairs), pa.string())
    values = pa.array(list(pairs.values()), pa.string())
    idx = pc.index_in(arr, value_set=keys)
    return pc.coalesce(pc.take(values, idx), arr)


def _value_map(arr: pa.Array, mapping: Mapping[str, str]) -> pa.Array:
    keys = pa.array(list(mapping), pa.string())
    values = pa.array(list(mapping.values()), pa.string())
    return pc.coalesce(pc.take(values, pc.index_in(arr, value_set=keys)), arr)


def _repeat(value: str, n: int) -> pa.Array:
    """`value` n times, without building a Python list."""
    return pa.DictionaryArray.from_arrays(pa.array(np.zeros(n, np.int32)), pa.array([value], pa.string()))


def apply(
    spec: MappingSpec, chunk: RawChunk, lookups: Mapping[str, tuple[pa.Array, pa.Array]] | None = None
) -> pa.Table:
    """Source text → standard-field text, with `_row` and `_file` for error messages.

    `lookups` are the resolved lookup tables (fieldops.resolve_lookups); read here when not given.
    """
    n = chunk.table.num_rows
    out: dict[str, pa.Array | pa.ChunkedArray] = {}
    if lookups is None and spec.operations:
        lookups = resolve_lookups(spec.operations, spec.lookup_table)
    for f in spec.table.fields:
        if f.name in spec.fixed_values:
            value = str(spec.fixed_values[f.name])
            if f.type == FieldType.CODE and f.code_set:  # a fixed value may be written as its label: 在读 → 01
                value = label_code(f.code_set, value)
            out[f.name] = pc.cast(_repeat(value, n), pa.string())
            continue
        source = spec.columns.get(f.name)
        if f.name in spec.operations:
            arr = compute(spec.operations[f.name], chunk.table, (lookups or {}).get(f.name))
        elif source is None or source not in chunk.table.column_names:
            continue
        else:
            arr = chunk.table.column(source)
        if not pa.types.is_string(arr.type):
            arr = pc.cast(arr, pa.string())
        if f.name in spec.transforms:
            arr = TRANSFORMS[spec.transforms[f.name]][1](arr)
        if f.type == FieldType.CODE and f.code_set:
            arr = _label_to_code(arr, f.code_set, spec.value_maps.get(f.name, {}))
        elif f.name in spec.value_maps:
            arr = _value_map(arr, spec.value_maps[f.name])
        if f.name in spec.conditions:
            column, value = spec.conditions[f.name]
            if column in chunk.table.column_names:
                when = pc.fill_null(pc.equal(pc.utf8_trim_whitespace(chunk.table.column(column)), str(value)), False)
                arr = pc.if_else(when, arr, pa.scalar(None, pa.string()))
        out[f.name] = arr
    if chunk.row_numbers is not None:
        out["_row"] = chunk.row_numbers
    else:
        out["_row"] = pa.array(np.arange(chunk.first_row, chunk.first_row + n, dtype=np.int64))
    out["_file"] = _repeat(chunk.file, n)
    return pa.table(out)


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    return re.sub(r"[\s_\-（）()]", "", text)


def suggest(table: StandardTable, source_columns: list[str]) -> dict[str, str]:
    """Suggest source columns for standard fields by name: the field name, its label, another name the
    field goes by in exports (English, pinyin, the label's pinyin initials; see headers.py), or a close match.
    """
    by_norm = {_norm(c): c for c in source_columns}
    suggestion: dict[str, str] = {}
    used: set[str] = set()
    for f in table.fields:
        for candidate in (f.name, f.label, f.label.split("（")[0], *other_names(f.name, f.label)):
            hit = by_norm.get(_norm(candidate))
            if hit and hit not in used:
                suggestion[f.name] = hit
                used.add(hit)
                break
    for f in table.fields:
        if f.name in suggestion:
            continue
        label = _norm(f.label.split("（")[0])
        for column in source_columns:
            if (
                column not in used
                and label
                and (label in _norm(column) or _norm(column) in label)
                and len(_norm(column)) >= 2
            ):
                suggestion[f.name] = column
                used.add(column)
                break
    return suggestion
