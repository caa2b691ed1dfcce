from __future__ import annotations

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from zhengai.datacenter.store import Version


class EngineUnavailable(RuntimeError):
    """The engine cannot run here (not installed, no Java …); the message says what to do."""


class Engine:
    name = ""
    label = ""
    supports_compiled_cache = False  # runs compiled SQL text (DuckDB): compiled queries can be cached and reused

    def __init__(self, versions: dict[str, Version | None]):
        self.versions = versions
        self._tables: dict[str, ir.Table] = {}

    def table(self, name: str) -> ir.Table:
        if getattr(self, "_tables_used", None) is not None:
            self._tables_used.add(name)
        if name not in self._tables:
            if name not in self.versions:
                raise KeyError(f"计算引擎没有加载标准表 {name}")
            self._tables[name] = self._load(name, self.versions[name])
        return self._tables[name]

    def _load(self, name: str, version: Version | None) -> ir.Table:
        raise NotImplementedError

    def memtable(self, data: pa.Table) -> ir.Table:
        return ibis.memtable(data)

    def execute(self, expr: ir.Table) -> pa.Table:
        raise NotImplementedError

    def prepare(self, expr: ir.Table):
        """What `run` needs (compiled SQL where the engine takes SQL); called on the main thread."""
        return expr

    def run(self, prepared) -> pa.Table:
        """Run a prepared expression; may be called from a worker thread while the next one is prepared."""
        return self.execute(prepared)

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()
