"""Query engines: where compiled indicators run. DuckDB in-process by default; Spark optionally.

Each engine exposes the standard tables of the data center (the current version, latest snapshot
for roster tables, standard columns only) as Ibis tables, and runs Ibis expressions to Arrow.
"""

from __future__ import annotations

from zhengai.indicators.engines.base import Engine, EngineUnavailable

ENGINES = {
    "duckdb": "zhengai.indicators.engines.duckdb:DuckDBEngine",
    "spark": "zhengai.indicators.engines.spark:SparkEngine",
}


def engine_class(name: str) -> type[Engine]:
    import importlib

    if name not in ENGINES:
        raise EngineUnavailable(f"没有名为 {name} 的计算引擎，可选：{'、'.join(ENGINES)}")
    module, cls = ENGINES[name].split(":")
    return getattr(importlib.import_module(module), cls)


def open_engine(name: str, versions: dict) -> Engine:
    return engine_class(name)(versions)


__all__ = ["ENGINES", "Engine", "EngineUnavailable", "engine_class", "open_engine"]
