"""Compiled queries, kept by the process that compiled them (the worker lives long).

Compiling an indicator to SQL through Ibis costs tens of milliseconds, often more than running it.
A compiled query is the SQL text of one declaration for one set of periods and terms and the data coverage its
parts depend on, with the small period tables it reads; the next run with the same key runs the
text again. A changed declaration, calendar or coverage is a different key.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import OrderedDict
from dataclasses import dataclass

import pyarrow as pa

from zhengai.indicators.compiler import Context, compile_indicator
from zhengai.indicators.declarations import Indicator

MAX_COMPILED = 2000
FRAME_NAME = re.compile(r"_zhengai_frame_[0-9a-f]{20}")


@dataclass(frozen=True)
class CompiledQuery:
    sql: str
    frames: dict[str, pa.Table]
    tables: frozenset[str]  # the standard tables it reads (views the engine creates on first use)


_COMPILED: OrderedDict[str, CompiledQuery] = OrderedDict()


def compiled_key(ctx: Context, decl: Indicator, raw: dict) -> str:
    # What the compiled text depends on besides the declaration: where each part's data begins (periods
    # before it are left out) and whether its table has any rows (an empty table's fill is not applied).
    parts = (*decl.parts, *filter(None, [decl.population]))
    coverage = [(str(ctx.coverage_start(p.table, p.placement)), ctx.is_empty(p.table)) for p in parts]
    payload = {
        "engine": ctx.engine.name,
        "raw": raw,
        "periods": [(p.code, str(p.start), str(p.end)) for p in ctx.periods],
        "terms": [(t.code, str(t.start), str(t.end)) for t in ctx.terms],
        "coverage": coverage,
        "data_start": str(ctx.data_start),
    }
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def compiled_for(ctx: Context, decl: Indicator, raw: dict) -> tuple[CompiledQuery, bool]:
    """The compiled query of an indicator in this context, and whether it came from the cache."""
    key = compiled_key(ctx, decl, raw)
    query = _COMPILED.get(key)
    if query is not None:
        _COMPILED.move_to_end(key)
        ctx.engine.ensure_frames(query.frames)
        for name in query.tables:
            ctx.table(name)
        return query, True
    ctx.engine.track_frames()
    sql = ctx.engine.prepare(compile_indicator(ctx, decl))
    _new, tables = ctx.engine.tracked_frames()
    # Every frame the text names (a context hands out a frame it built for an earlier indicator).
    frames = {name: ctx.engine.frame_data(name) for name in sorted(set(FRAME_NAME.findall(sql)))}
    query = CompiledQuery(sql, frames, tables)
    _COMPILED[key] = query
    while len(_COMPILED) > MAX_COMPILED:
        _COMPILED.popitem(last=False)
    return query, False


def only_entities(sql: str, entities: list[str]) -> str:
    """The query's rows for some entities (the engine pushes the filter down into it)."""
    quoted = ", ".join("'" + str(e).replace("'", "''") + "'" for e in entities) or "NULL"
    return f"SELECT * FROM ({sql}) AS compiled WHERE entity IN ({quoted})"


def clear() -> None:
    _COMPILED.clear()
