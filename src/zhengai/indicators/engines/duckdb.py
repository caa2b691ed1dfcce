"""DuckDB in-process: reads the Parquet files of the data center directly.

Standard tables are views over the current Parquet files; the small period tables are real tables,
so that compiled SQL can run on a second cursor while the next indicator is being compiled.
"""

from __future__ import annotations

import hashlib

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from zhengai.datacenter.standard import TABLES_BY_NAME
from zhengai.datacenter.store import Version, scan_sql
from zhengai.indicators.engines.base import Engine


class DuckDBEngine(Engine):
    name = "duckdb"
    label = "DuckDB（进程内）"

    supports_compiled_cache = True

    def __init__(self, versions: dict[str, Version | None], *, threads: int = 2):
        super().__init__(versions)
        self.con = ibis.duckdb.connect(threads=threads)
        self._frames: dict[str, pa.Table] = {}
        self._tracking: dict[str, pa.Table] | None = None

    def _load(self, name: str, version: Version | None) -> ir.Table:
        spec = TABLES_BY_NAME[name]
        cols = ", ".join(spec.column_names)
        self.con.raw_sql(f'CREATE OR REPLACE VIEW "{name}" AS SELECT {cols} FROM {scan_sql(version, spec)}')
        return self.con.table(name)

    def memtable(self, data: pa.Table) -> ir.Table:
        """A small table named by its content, so compiled SQL that uses it can be run again later."""
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, data.schema) as writer:
            writer.write_table(data)
        name = f"_zhengai_frame_{hashlib.sha1(sink.getvalue().to_pybytes()).hexdigest()[:20]}"
        self.ensure_frames({name: data})
        if self._tracking is not None:
            self._tracking[name] = data
        return self.con.table(name)

    def ensure_frames(self, frames: dict[str, pa.Table]) -> None:
        for name, data in frames.items():
            if name not in self._frames:
                self.con.con.from_arrow(data).create(name)
                self._frames[name] = data

    def frame_data(self, name: str) -> pa.Table:
        return self._frames[name]

    def track_frames(self) -> None:
        """Start recording the frames and tables the next compiled expression uses (for the compiled-query cache)."""
        self._tracking = {}
        self._tables_used = set()

    def tracked_frames(self) -> tuple[dict[str, pa.Table], frozenset[str]]:
        frames, self._tracking = self._tracking or {}, None
        tables, self._tables_used = frozenset(self._tables_used or ()), None
        return frames, tables

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
