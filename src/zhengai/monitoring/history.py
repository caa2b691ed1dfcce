"""Measurement history in the data center: one Parquet dataset, appended by every evaluation run.

A run writes only the measurements that are new or differ from the latest recorded one for the same
indicator, period and entity, so re-running changes nothing and the history reads as a log of what
was known when. Files become visible through the data center's manifest (one `DatasetVersion` row),
so a reader never sees half a run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import pyarrow as pa
import pyarrow.parquet as pq

from zhengai.datacenter import store

DATASET = "indicator_measurements"
SCHEMA = pa.schema(
    [
        ("run_id", pa.int64()),
        ("indicator", pa.string()),
        ("period", pa.string()),
        ("period_kind", pa.string()),
        ("period_start", pa.date32()),
        ("entity_kind", pa.string()),
        ("entity", pa.string()),
        ("entity_name", pa.string()),
        ("org_unit", pa.string()),
        ("grp", pa.string()),
        ("value", pa.float64()),
        ("outcome", pa.string()),
        ("tier", pa.string()),
        ("deviation", pa.float64()),
        ("threshold_id", pa.int64()),
        ("batches", pa.string()),
        ("evaluated_at", pa.timestamp("s")),
    ]
)
_DUCK_TYPES = {
    pa.int64(): "BIGINT",
    pa.string(): "VARCHAR",
    pa.date32(): "DATE",
    pa.float64(): "DOUBLE",
    pa.timestamp("s"): "TIMESTAMP",
}
# Two floats closer than this (relative) are the same measurement: engines may sum in another order.
TOLERANCE = 1e-9


def scan_sql() -> str:
    """A DuckDB relation of every history row (empty, typed, before the first run)."""
    version = store.current_version(DATASET)
    if version is None or not version.files:
        cols = ", ".join(f"CAST(NULL AS {_DUCK_TYPES[f.type]}) AS {f.name}" for f in SCHEMA)
        return f"(SELECT {cols} WHERE false)"
    files = ", ".join("'" + p.replace("'", "''") + "'" for p in version.paths())
    return f"read_parquet([{files}])"


def _quote(values: Iterable[str]) -> str:
    return ", ".join("'" + str(v).replace("'", "''") + "'" for v in values)


def latest_sql(
    *,
    indicators: Iterable[str] | None = None,
    periods: Iterable[str] | None = None,
    entities: Iterable[str] | None = None,
) -> str:
    """The latest recorded measurement per indicator, period and entity."""
    where = ["true"]
    if indicators is not None:
        where.append(f"indicator IN ({_quote(indicators) or 'NULL'})")
    if periods is not None:
        where.append(f"period IN ({_quote(periods) or 'NULL'})")
    if entities is not None:
        where.append(f"entity IN ({_quote(entities) or 'NULL'})")
    return (
        f"(SELECT * FROM {scan_sql()} WHERE {' AND '.join(where)} "
        "QUALIFY row_number() OVER (PARTITION BY indicator, period, entity ORDER BY run_id DESC) = 1)"
    )


def history_read(
    *,
    indicators: Iterable[str] | None = None,
    periods: Iterable[str] | None = None,
    entities: Iterable[str] | None = None,
    order: str = "indicator, period_start, entity",
) -> pa.Table:
    con = store.connect()
    try:
        return con.sql(
            f"SELECT * FROM {latest_sql(indicators=indicators, periods=periods, entities=entities)} ORDER BY {order}"
        ).to_arrow_table()
    finally:
        con.close()


def count_between(start: dt.date, end: dt.date) -> int:
    """How many measurements (latest per indicator, period and entity) belong to periods starting in the days."""
    con = store.connect()
    try:
        sql = f"SELECT count(*) FROM {latest_sql()} WHERE period_start BETWEEN DATE '{start}' AND DATE '{end}'"
        return int(con.execute(sql).fetchone()[0])
    finally:
        con.close()


def measurements_between(start: dt.date, end: dt.date) -> str:
    """For the calendar editor (`lib.usage`): the measurements recorded for periods within the days."""
    n = count_between(start, end)
    return f"监测值 {n:,} 个" if n else ""


def run_summary(run_id: int) -> list[tuple[str, str, dict[str, int]]]:
    """What one run wrote to the history, by period: (period, period kind, {outcome: count}), oldest first."""
    con = store.connect()
    try:
        rows = con.execute(
            f"SELECT period, period_kind, outcome, count(*) FROM {scan_sql()} WHERE run_id = {int(run_id)} "
            "GROUP BY ALL ORDER BY min(period_start), period, outcome"
        ).fetchall()
    finally:
        con.close()
    out: dict[tuple[str, str], dict[str, int]] = {}
    for period, kind, outcome, n in rows:
        out.setdefault((period, kind), {})[outcome] = int(n)
    return [(period, kind, counts) for (period, kind), counts in out.items()]


def history_append(*, run_id: int, measurements: pa.Table) -> int:
    """Record the measurements that differ from the latest history; returns how many were written."""
    measurements = measurements.select(SCHEMA.names).cast(SCHEMA)
    if measurements.num_rows == 0:
        return 0
    indicators = sorted(set(measurements.column("indicator").to_pylist()))
    con = store.connect()
    try:
        con.register("m", measurements)
        changed = con.sql(
            f"""
            SELECT m.* FROM m LEFT JOIN {latest_sql(indicators=indicators)} l
              ON m.indicator = l.indicator AND m.period = l.period AND m.entity = l.entity
            WHERE l.indicator IS NULL
               OR m.outcome <> l.outcome OR m.tier <> l.tier
               OR m.threshold_id IS DISTINCT FROM l.threshold_id
               OR (m.value IS NULL) <> (l.value IS NULL)
               OR abs(m.value - l.value) > {TOLERANCE} * greatest(1, abs(l.value))
               OR (m.deviation IS NULL) <> (l.deviation IS NULL)
               OR abs(m.deviation - l.deviation) > {TOLERANCE} * greatest(1, abs(l.deviation))
            ORDER BY m.indicator, m.period, m.entity
            """
        ).to_arrow_table()
    finally:
        con.close()
    if changed.num_rows == 0:
        return 0
    base = store.current_version(DATASET)
    folder = store.root() / "measurements"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"run-{run_id:08d}.parquet"
    tmp = target.with_suffix(".parquet.part")
    pq.write_table(changed.cast(SCHEMA), tmp, compression="zstd", row_group_size=256_000)
    tmp.replace(target)
    files = [*(base.files if base else ()), str(target.relative_to(store.root()))]
    store.publish(
        table=DATASET,
        files=files,
        row_count=(base.row_count if base else 0) + changed.num_rows,
        run_id=None,
        based_on=base,
    )
    return changed.num_rows


def empty() -> pa.Table:
    return SCHEMA.empty_table()


def now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)
