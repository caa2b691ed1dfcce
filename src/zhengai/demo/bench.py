"""`zhengai bench evaluate`: a full evaluation of the built-in catalogue on demo colleges of two sizes.

For each size (10,000 and 50,000 students by default) the demo college is generated and loaded
through the data center (not timed), then, timed in the same process:

* full evaluation — `evaluate_now()`: every enabled indicator over every period of the calendar,
  compiled to Ibis and run on DuckDB, judged, history written to the data center, current state
  and status changes written to the app database;
* scan floor — DuckDB reading just the source columns the catalogue reads (each table's columns
  aggregated once), the least any engine must do.

The last line printed is the summary::

    evaluate: 10k <s> s (floor <s> s, <x>× floor), 50k <s> s (<x>× the 10k run), <n> indicators
"""

from __future__ import annotations

import time

from zhengai.lib.bench import Context, environment, highest_memory_bytes, measure, mib, rate, register, table

SIZES = (10_000, 50_000)


def _arguments(parser) -> None:
    parser.add_argument(
        "--sizes", default=",".join(str(s) for s in SIZES), help="在校生人数，逗号分隔（默认 10000,50000）"
    )
    parser.add_argument("--engine", default="duckdb", help="计算引擎（默认 duckdb）")


def scan_floor(versions: dict, columns: dict[str, set[str]], repeat: int = 3) -> float:
    """Best-of-`repeat` seconds for DuckDB to read the given columns of the given table versions."""
    from zhengai.datacenter import store
    from zhengai.datacenter.standard import TABLES_BY_NAME

    best = float("inf")
    for _ in range(repeat):
        con = store.connect()
        try:
            start = time.perf_counter()
            for name, cols in sorted(columns.items()):
                spec = TABLES_BY_NAME[name]
                exprs = ", ".join(f"count({c})" for c in sorted(cols))
                con.sql(f"SELECT {exprs} FROM {store.scan_sql(versions.get(name), spec)}").fetchall()
            best = min(best, time.perf_counter() - start)
        finally:
            con.close()
    return best


def catalogue_columns() -> dict[str, set[str]]:
    from zhengai.indicators.declarations import columns_read
    from zhengai.indicators.selectors import catalogue

    out: dict[str, set[str]] = {}
    for _row, decl in catalogue().values():
        for t, cols in columns_read(decl).items():
            out.setdefault(t, set()).update(cols)
    return out


@register(
    "evaluate", "标准链：演示学院 1 万与 5 万在校生的全目录指标计算用时、内存与 DuckDB 读列下限", arguments=_arguments
)
def bench_evaluate(ctx: Context) -> list[dict]:
    from zhengai.datacenter import store
    from zhengai.datacenter.standard import TABLES_BY_NAME
    from zhengai.demo import services
    from zhengai.demo.loader import load_through_datacenter
    from zhengai.indicators.services import indicators_sync_shipped
    from zhengai.monitoring.choices import RunStatus
    from zhengai.monitoring.services import evaluate_now

    sizes = [int(s) for s in str(ctx.options.get("sizes") or "").split(",") if s.strip()] or list(SIZES)
    engine = str(ctx.options.get("engine") or "duckdb")
    ctx.say(environment())
    indicators_sync_shipped()
    results = []
    for n in sizes:
        out = ctx.workdir / f"demo-{n}"
        ctx.say(f"生成并载入演示学院（在校生 {n:,} 人，不计时）……")
        services.demo_exports_build(students=n, seed=services.DEFAULT_SEED, out_dir=out)
        load_through_datacenter(out_dir=out, seed=services.DEFAULT_SEED, students=n)
        versions = {name: store.current_version(name) for name in TABLES_BY_NAME}
        source_rows = sum(v.row_count for v in versions.values() if v)
        with measure() as m:
            run = evaluate_now(engine=engine, reason="基准测试")
        if run.status != RunStatus.SUCCEEDED:
            raise RuntimeError(f"计算失败：{run.message}")
        columns = catalogue_columns()
        floor = scan_floor(versions, columns)
        slowest = sorted(((k, v) for k, v in run.timings.items() if not k.startswith("_")), key=lambda kv: -kv[1])[:5]
        results.append(
            {
                "students": n,
                "seconds": m.seconds,
                "peak": m.peak_bytes,
                "measurements": run.measurements_count,
                "indicators": run.indicators_count,
                "floor": floor,
                "source_rows": source_rows,
                "columns": sum(len(c) for c in columns.values()),
                "phases": {k: v for k, v in run.timings.items() if k.startswith("_")},
                "slowest": slowest,
            }
        )
        ctx.say(
            f"  {n:,} 人：{m.seconds:.2f} 秒，峰值内存 {mib(m.peak_bytes)}，监测值 {run.measurements_count:,}"
            f"（{rate(run.measurements_count, m.seconds)} 个/秒）；读列下限 {floor:.2f} 秒"
        )
        ctx.say(
            "    分段："
            + "，".join(f"{k.strip('_')} {v:.2f} 秒" for k, v in results[-1]["phases"].items())
            + "；最慢的指标："
            + "，".join(f"{k} {v:.2f} 秒" for k, v in slowest)
        )
    ctx.say()
    ctx.say(
        table(
            ["在校生", "全目录计算", "峰值内存", "监测值", "监测值/秒", "读列下限", "倍数", "源数据行", "读取列"],
            [
                [
                    f"{r['students']:,}",
                    f"{r['seconds']:.2f} 秒",
                    mib(r["peak"]),
                    f"{r['measurements']:,}",
                    rate(r["measurements"], r["seconds"]),
                    f"{r['floor']:.2f} 秒",
                    f"{r['seconds'] / r['floor']:.1f}×",
                    f"{r['source_rows']:,}",
                    r["columns"],
                ]
                for r in results
            ],
        )
    )
    ctx.say(
        "全目录计算 = 编译并在 DuckDB 上计算全部启用指标的全部周期、判定、写历史（数据中心）与当前状态（应用数据库）；"
    )
    ctx.say("读列下限 = DuckDB 只读出目录用到的各表各列（三次取最快）；倍数 = 全目录计算 ÷ 读列下限。")
    ctx.say(f"整个基准测试进程的峰值内存：{mib(highest_memory_bytes())}")
    ctx.say(summary_line(results))
    return results


def summary_line(results: list[dict]) -> str:
    by = {r["students"]: r for r in results}
    parts = []
    small, big = by.get(10_000), by.get(50_000)
    if small:
        times = small["seconds"] / small["floor"]
        parts.append(f"10k {small['seconds']:.1f} s (floor {small['floor']:.2f} s, {times:.1f}× floor)")
    if big:
        ratio = f"{big['seconds'] / small['seconds']:.1f}× the 10k run" if small else f"floor {big['floor']:.2f} s"
        parts.append(f"50k {big['seconds']:.1f} s ({ratio})")
    others = [r for r in results if r["students"] not in (10_000, 50_000)]
    for r in others:
        parts.append(f"{r['students'] // 1000}k {r['seconds']:.1f} s (floor {r['floor']:.2f} s)")
    n = results[0]["indicators"] if results else 0
    return f"evaluate: {', '.join(parts)}, {n} indicators"
