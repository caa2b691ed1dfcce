"""The escape hatch: indicators whose measure needs windows or sequences, written as Ibis functions.

A function takes the compile context and the declaration and returns a table of (period, entity,
value). It uses only Ibis, so it runs on every engine. Register with `@indicator_function(name)`
and name it in the YAML as ``function: name``.
"""

from __future__ import annotations

from collections.abc import Callable

import ibis.expr.types as ir

FUNCTIONS: dict[str, Callable] = {}
# The columns each function reads, by table (for the data lineage shown with a measurement and for
# `zhengai bench evaluate`'s scan floor).
READS: dict[str, dict[str, tuple[str, ...]]] = {}


def indicator_function(name: str, *, reads: dict[str, tuple[str, ...] | list[str]] | None = None) -> Callable:
    def register(fn: Callable) -> Callable:
        if name in FUNCTIONS:
            raise ValueError(f"指标函数 {name} 重复注册")
        FUNCTIONS[name] = fn
        READS[name] = {t: tuple(c) for t, c in (reads or {}).items()}
        return fn

    return register


def _load() -> None:
    # The functions live in a module of their own so that this registry stays importable alone.
    from zhengai.indicators import builtin_functions, functions_student, functions_teacher  # noqa: F401


def available() -> set[str]:
    _load()
    return set(FUNCTIONS)


def get(name: str) -> Callable[..., ir.Table]:
    _load()
    return FUNCTIONS[name]
