"""Data quality figures: row counts over time and the completeness of every field (DuckDB over Parquet)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from zhengai.datacenter import store
from zhengai.datacenter.models import DatasetVersion
from zhengai.datacenter.standard import StandardTable


def row_count_history(tables: Iterable[str] | None = None) -> dict[str, list[tuple[dt.datetime, int]]]:
    """Rows of each table after every published version, oldest first."""
    qs = DatasetVersion.objects.order_by("table", "created_at", "version")
    if tables is not None:
        qs = qs.filter(table__in=list(tables))
    history: dict[str, list[tuple[dt.datetime, int]]] = {}
    for table, created_at, row_count in qs.values_list("table", "created_at", "row_count"):
        history.setdefault(table, []).append((created_at, row_count))
    return history


@dataclass(frozen=True)
class FieldCompleteness:
    name: str
    label: str
    type_label: str
    required: bool
    filled: int
    total: int

    @property
    def share(self) -> float | None:
        return self.filled / self.total if self.total else None

    @property
    def percent(self) -> float:
        return round(100 * (self.share or 0), 1)

    @property
    def colour(self) -> str:
        """Required fields must be complete; optional ones may well be empty, so they stay neutral."""
        if self.share is None:
            return "secondary"
        if self.required:
            return "green" if self.filled == self.total else "red"
        return "blue"


@dataclass(frozen=True)
class Completeness:
    table: StandardTable
    version: store.Version | None
    total: int
    fields: list[FieldCompleteness]

    @property
    def incomplete_required(self) -> list[FieldCompleteness]:
        return [f for f in self.fields if f.required and f.total and f.filled < f.total]


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def completeness(table: StandardTable) -> Completeness:
    """Share of non-empty values per field in the table's current version (for snapshots: the latest 时点)."""
    version = store.current_version(table.name)
    if version is None or not version.files:
        return Completeness(table, version, 0, [])
    counts = ", ".join(f"count({_q(f.name)})" for f in table.fields)
    con = store.connect()
    try:
        row = con.execute(f"SELECT count(*), {counts} FROM {store.scan_sql(version, table)}").fetchone()
    finally:
        con.close()
    total, filled = row[0], row[1:]
    fields = [
        FieldCompleteness(f.name, f.label, f.type.label, f.required, n, total)
        for f, n in zip(table.fields, filled, strict=True)
    ]
    return Completeness(table, version, total, fields)
