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

import datetime as dt
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
    from zhengai.lib.hooks import EVALUATION_FINISHED
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
        # The evaluation alone: alerts that follow it (issue of `zhengai bench realtime`) are not counted.
        with EVALUATION_FINISHED.paused(), measure() as m:
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


# ------------------------------------------------------------------------------------------ realtime

REALTIME_ROWS = 1_000
FAILED_COURSES = 6  # each target student fails six first attempts in the batch: 未达标 on the term's failures


def _realtime_batch(term: str, exam_date: str, offset: int = 0) -> tuple[list[dict], list[str]]:
    """1,000 grade rows: students with no failed course so far each fail six first attempts this term."""
    from zhengai.datacenter import store
    from zhengai.datacenter.standard import TABLES_BY_NAME

    con = store.connect()
    try:
        students = store.scan_sql(store.current_version("students"), TABLES_BY_NAME["students"])
        grades = store.scan_sql(store.current_version("grades"), TABLES_BY_NAME["grades"])
        courses = store.scan_sql(store.current_version("courses"), TABLES_BY_NAME["courses"])
        n_students = REALTIME_ROWS // FAILED_COURSES + 1
        picked = [
            r[0]
            for r in con.sql(f"""
            SELECT s.student_no FROM {students} s
            WHERE s.status = '01' AND NOT EXISTS (
                SELECT 1 FROM {grades} g WHERE g.student_no = s.student_no AND NOT g.passed)
              AND EXISTS (SELECT 1 FROM {grades} g WHERE g.student_no = s.student_no AND g.term = '{term}')
            ORDER BY s.student_no LIMIT {n_students}""").fetchall()
        ]
        course_rows = con.sql(f"SELECT course_code, credits FROM {courses} ORDER BY course_code").fetchall()
    finally:
        con.close()
    rows = []
    for i, student in enumerate(picked):
        for j in range(FAILED_COURSES):
            if len(rows) == REALTIME_ROWS:
                break
            code, credits = course_rows[(i * 7 + j * 13) % len(course_rows)]
            rows.append(
                {
                    "student_no": student,
                    "course_code": code,
                    "term": term,
                    "exam_kind": "1",
                    "score": 31.0 + j,
                    "passed": "否",
                    "credits": credits,
                    "exam_flag": "0",
                    "offering_id": f"BENCH-{term}-{j}",
                    "exam_date": exam_date,
                }
            )
    return rows, picked


def _push_source():
    from zhengai.datacenter.choices import ConnectorKind
    from zhengai.datacenter.models import SourceMapping, SourceSystem
    from zhengai.datacenter.standard import TABLES_BY_NAME

    source, _ = SourceSystem.objects.get_or_create(
        code="bench_push", defaults={"name": "基准测试推送", "connector": ConnectorKind.PUSH}
    )
    columns = {f.name: f.name for f in TABLES_BY_NAME["grades"].fields}
    SourceMapping.objects.update_or_create(source=source, table="grades", defaults={"columns": columns})
    return source


def realtime_latency(ctx: Context, *, worker_interval: float = 0.1, timeout: float = 180.0) -> dict:
    """Commit 1,000-row grades batches and time until their alerts are visible (a worker in another process).

    The first batch meets a worker that has just started (it loads the catalogue and compiles its queries);
    the second is the steady state: that latency is the figure.
    """
    import os
    import subprocess
    import sys

    from zhengai.demo.generator.base import Timeline
    from zhengai.lib import clock

    last = Timeline(clock.today()).last_graded_term  # the demo's latest graded term, as loaded today
    term, exam_date = last.code, (last.exam_start + dt.timedelta(days=3)).isoformat()
    n_students = REALTIME_ROWS // FAILED_COURSES + 1
    source = _push_source()
    worker = subprocess.Popen(
        # The task queue alone: a scheduled round (a due sync, say) would land inside the measured latency.
        [
            sys.executable,
            "-m",
            "zhengai.cli",
            "worker",
            "--interval",
            str(worker_interval),
            "--no-startup-delay",
            "--no-scheduler",
        ],
        env={**os.environ},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(3)  # the worker process starts (Django, DuckDB, Ibis imports) before the batch arrives
        first = _commit_and_wait(ctx, source, term, exam_date, 0, timeout)
        steady = _commit_and_wait(ctx, source, term, exam_date, n_students, timeout)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    return {**steady, "first_latency": first["latency"], "first_evaluation": first["evaluation"]}


def _commit_and_wait(ctx: Context, source, term: str, exam_date: str, offset: int, timeout: float) -> dict:
    import json

    from django.utils import timezone

    from zhengai.alerts.models import Alert
    from zhengai.datacenter.choices import RunStatus as ImportStatus
    from zhengai.datacenter.services import import_run_create, import_run_execute
    from zhengai.monitoring.models import EvaluationRun

    rows, students = _realtime_batch(term, exam_date, offset)
    path = ctx.workdir / f"realtime-{offset}-{len(rows)}.json"
    path.write_text(json.dumps({"rows": rows}, ensure_ascii=False), encoding="utf-8")
    run = import_run_execute(run=import_run_create(source=source, table="grades", paths=[path]))
    if run.status != ImportStatus.COMMITTED:
        raise RuntimeError(f"基准批次未入库：{run.get_status_display()} {run.decision} {run.message}")
    committed = run.finished_at
    target = students[0]
    seen = None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if Alert.objects.filter(entity_key=target, severity="failed", updated_at__gte=committed).exists():
            seen = timezone.now()
            break
        time.sleep(0.01)
    if seen is None:
        raise RuntimeError(f"{timeout:.0f} 秒内没有看到学生 {target} 的预警")
    evaluation = EvaluationRun.objects.filter(import_run=run).first()
    while evaluation is not None and evaluation.finished_at is None and time.monotonic() < deadline:
        time.sleep(0.05)
        evaluation.refresh_from_db()
    return {
        "latency": (seen - committed).total_seconds(),
        "rows": len(rows),
        "indicators": len(evaluation.indicator_codes) if evaluation else 0,
        "evaluation": evaluation.duration if evaluation else None,
        "alerts": Alert.objects.filter(entity_key__in=students, updated_at__gte=committed).count(),
    }


def _realtime_arguments(parser) -> None:
    parser.add_argument(
        "--sizes", default=",".join(str(s) for s in SIZES), help="在校生人数，逗号分隔（默认 10000,50000）"
    )


@register(
    "realtime",
    "实时预警：1,000 行成绩批次提交后到预警可见的延迟（另一进程中的 worker 计算），1 万与 5 万在校生",
    arguments=_realtime_arguments,
)
def bench_realtime(ctx: Context) -> list[dict]:
    from zhengai.alerts.models import Alert
    from zhengai.demo import services
    from zhengai.demo.loader import load_through_datacenter
    from zhengai.monitoring.choices import RunStatus
    from zhengai.monitoring.services import evaluate_now

    sizes = [int(s) for s in str(ctx.options.get("sizes") or "").split(",") if s.strip()] or list(SIZES)
    ctx.say(environment())
    results = []
    for n in sizes:
        out = ctx.workdir / f"demo-{n}"
        ctx.say(f"生成并载入演示学院（在校生 {n:,} 人），全目录计算一次（不计时）……")
        services.demo_exports_build(students=n, seed=services.DEFAULT_SEED, out_dir=out)
        load_through_datacenter(out_dir=out, seed=services.DEFAULT_SEED, students=n)
        run = evaluate_now(reason="基准测试：初始计算")
        if run.status != RunStatus.SUCCEEDED:
            raise RuntimeError(run.message)
        ctx.say(f"  初始计算 {run.duration:.1f} 秒，已有预警 {Alert.objects.count():,} 条")
        r = realtime_latency(ctx)
        r["students"] = n
        results.append(r)
        ctx.say(
            f"  {n:,} 人：批次提交 → 预警可见 {r['latency']:.2f} 秒"
            f"（worker 启动后的第一批 {r['first_latency']:.2f} 秒；{r['rows']:,} 行成绩，"
            f"重算 {r['indicators']} 个指标，worker 计算 {r['evaluation'] or 0:.2f} 秒，涉及预警 {r['alerts']} 条）"
        )
    ctx.say()
    ctx.say(
        table(
            ["在校生", "批次行数", "重算指标", "worker 计算", "提交→预警可见", "第一批（冷启动）"],
            [
                [
                    f"{r['students']:,}",
                    f"{r['rows']:,}",
                    r["indicators"],
                    f"{r['evaluation'] or 0:.2f} 秒",
                    f"{r['latency']:.2f} 秒",
                    f"{r['first_latency']:.2f} 秒",
                ]
                for r in results
            ],
        )
    )
    ctx.say(
        "延迟 = 采集批次提交时间 → 本进程在数据库中看到该批次学生的未达标预警（worker 另起进程，轮询间隔 0.1 秒）。"
    )
    ctx.say(realtime_summary(results))
    return results


def realtime_summary(results: list[dict]) -> str:
    by = {r["students"]: r for r in results}
    small, big = by.get(10_000), by.get(50_000)
    if small and big:
        return (
            f"realtime: 10k {small['latency']:.2f} s, 50k {big['latency']:.2f} s "
            f"({big['latency'] / small['latency']:.2f}× the 10k figure)"
        )
    return "realtime: " + ", ".join(f"{r['students'] // 1000}k {r['latency']:.2f} s" for r in results)
