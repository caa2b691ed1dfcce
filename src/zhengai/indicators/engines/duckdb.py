"""DuckDB in-process: reads the Parquet files of the data center directly."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from zhengai.datacenter.standard import TABLES_BY_NAME
from zhengai.datacenter.store import Version, scan_sql
from zhengai.indicators.engines.base import Engine


class DuckDBEngine(Engine):
    name = "duckdb"
    label = "DuckDB（进程内）"

    def __init__(self, versions: dict[str, Version | None], *, threads: int = 2):
        super().__init__(versions)
        self.con = ibis.duckdb.connect(threads=threads)

    def _load(self, name: str, version: Version | None) -> ir.Table:
        spec = TABLES_BY_NAME[name]
        cols = ", ".join(spec.column_names)
        self.con.raw_sql(f'CREATE OR REPLACE TEMP VIEW "{name}" AS SELECT {cols} FROM {scan_sql(version, spec)}')
        return self.con.table(name)

    def execute(self, expr: ir.Table) -> pa.Table:
        return self.con.to_pyarrow(expr)

    def close(self) -> None:
        self.con.disconnect()
