"""DuckDB in-process: reads the Parquet files of the data center directly.

Standard tables are views over the current Parquet files; the small period tables are real tables,
so that compiled SQL can run on a second cursor while the next indicator is being compiled.
"""

from __future__ import annotations

import itertools

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from zhengai.datacenter.standard import TABLES_BY_NAME
from zhengai.datacenter.store import Version, scan_sql
from zhengai.indicators.engines.base import Engine

_names = itertools.count(1)


class DuckDBEngine(Engine):
    name = "duckdb"
    label = "DuckDB（进程内）"

    def __init__(self, versions: dict[str, Version | None], *, threads: int = 2):
        super().__init__(versions)
        self.con = ibis.duckdb.connect(threads=threads)

    def _load(self, name: str, version: Version | None) -> ir.Table:
        spec = TABLES_BY_NAME[name]
        cols = ", ".join(spec.column_names)
        self.con.raw_sql(f'CREATE OR REPLACE VIEW "{name}" AS SELECT {cols} FROM {scan_sql(version, spec)}')
        return self.con.table(name)

    def memtable(self, data: pa.Table) -> ir.Table:
        name = f"_zhengai_frame_{next(_names)}"
        self.con.con.from_arrow(data).create(name)
        return self.con.table(name)

    def execute(self, expr: ir.Table) -> pa.Table:
        return self.con.to_pyarrow(expr)

    def prepare(self, expr: ir.Table) -> str:
        return str(self.con.compile(expr))

    def run(self, prepared: str) -> pa.Table:
        cursor = self.con.con.cursor()
        try:
            return cursor.sql(prepared).to_arrow_table()
        finally:
            cursor.close()

    def close(self) -> None:
        self.con.disconnect()
