"""The data's own as-of date: how far a standard table's current version reaches, read from the data.

Not the import time (a batch imported today may hold records up to last week, or last summer's
survey): the newest record's date in the table's time field, or, for the other time semantics,
what the newest period is — the census day of the latest year for a 时点 table, the newest term,
学年 or 自然年 — and for a roster without a time field the 时点 of its newest snapshot.

Read from the Parquet footers' column statistics (no scan), once per table version.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

import pyarrow.parquet as pq

from zhengai.datacenter import store
from zhengai.datacenter.standard import TABLES_BY_NAME, FieldType, TableKind, TimeKind
from zhengai.lib.periods import census_date
from zhengai.org.selectors import census_days

CENSUS_DAY = "09-30"  # the 时点 of a year not (yet) in the calendar: the national 统计日 of 状态数据


@dataclass(frozen=True)
class DataAsOf:
    """How far a table's data reaches: a day when it has one, and the text a page shows."""

    day: dt.date | None
    text: str  # 2026-11-30 · 2025-2026-2 学期 · 2026-2027 学年 · 2025 年 · 2026 届


def _max_statistic(paths: tuple[str, ...], column: str):
    """The largest value of a column over the files, from the row-group statistics (None without any)."""
    best = None
    for path in paths:
        meta = pq.ParquetFile(path).metadata
        names = [meta.schema.column(i).name for i in range(meta.num_columns)]
        if column not in names:
            continue
        j = names.index(column)
        for g in range(meta.num_row_groups):
            stats = meta.row_group(g).column(j).statistics
            if stats is None or not stats.has_min_max:
                continue
            value = stats.max
            if isinstance(value, bytes):
                value = value.decode("utf-8")
            if best is None or value > best:
                best = value
    return best


def _as_date(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int):  # a date32 statistic read raw: days since 1970-01-01
        return dt.date(1970, 1, 1) + dt.timedelta(days=value)
    return None


def as_of_from_max(table_name: str, value, *, census: dict[int, dt.date] | None = None) -> DataAsOf | None:
    """Pure: the as-of of a table whose time field (or snapshot date) has `value` as its largest value.

    `census` holds the calendar's 统计日 per 学年 (the calendar editor sets it per year); a year it lacks
    falls back to 09-30.
    """
    if value is None:
        return None
    spec = TABLES_BY_NAME[table_name]
    name = spec.time_field
    if name is None:  # a roster: the 时点 of its newest snapshot
        day = _as_date(value)
        return DataAsOf(day, f"{day.isoformat()}（名册时点）") if day else None
    ftype = spec.field(name).type
    if ftype in (FieldType.DATE, FieldType.DATETIME):
        day = _as_date(value)
        return DataAsOf(day, day.isoformat()) if day else None
    if ftype == FieldType.INTEGER:
        year = int(value)
        if name == "graduation_year":
            return DataAsOf(None, f"{year} 届")
        if spec.time_kind == TimeKind.POINT:
            day = (census or {}).get(year) or census_date(year, CENSUS_DAY)
            return DataAsOf(day, f"{day.isoformat()}（{year}-{year + 1} 学年时点）")
        if spec.time_kind == TimeKind.CALENDAR_YEAR:
            return DataAsOf(None, f"{year} 年")
        return DataAsOf(None, f"{year}-{year + 1} 学年")
    return DataAsOf(None, f"{value} 学期" if spec.time_kind == TimeKind.TERM else str(value))


@lru_cache(maxsize=256)
def _version_max(table_name: str, paths: tuple[str, ...]):
    spec = TABLES_BY_NAME[table_name]
    if spec.time_field is None:
        if spec.kind != TableKind.SNAPSHOT:
            return None
        column = "_snapshot"
    else:
        column = spec.time_field
    try:
        return _max_statistic(paths, column)
    except OSError:  # a file replaced under us: no figure rather than an error page
        return None


def data_as_of(table_name: str) -> DataAsOf | None:
    """How far the current version of a standard table reaches (None when it has no data)."""
    if table_name not in TABLES_BY_NAME:
        return None
    version = store.current_version(table_name)
    if version is None or not version.files:
        return None
    value = _version_max(table_name, tuple(version.paths()))
    spec = TABLES_BY_NAME[table_name]
    census = census_days() if spec.time_kind == TimeKind.POINT and spec.time_field else None
    return as_of_from_max(table_name, value, census=census)
