"""Evaluation runs: compute the catalogue for its periods, judge, record history, state and changes.

evaluation_run_create → (worker) evaluation_run_execute
                          1. the periods in question, from the school calendar
                          2. every indicator compiled to one Ibis expression and run on the engine
                          3. each value judged by the threshold in force for its group and period
                          4. history (data center) gets what changed; IndicatorState gets the latest
                             period per entity; StatusChange only where an outcome or tier changed
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import time
import traceback
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from django.db import connection, transaction
from django.utils import timezone

from zhengai.datacenter import store
from zhengai.datacenter.standard import TABLES_BY_NAME
from zhengai.indicators import services as indicator_services
from zhengai.indicators.choices import Outcome, PeriodKind
from zhengai.indicators.compiled import compiled_for, only_entities
from zhengai.indicators.compiler import Context, compile_indicator
from zhengai.indicators.declarations import SCHOOL_KEY
from zhengai.indicators.declarations import Indicator as Declaration
from zhengai.indicators.engines import open_engine
from zhengai.indicators.models import Indicator, Threshold
from zhengai.indicators.periods import Period, TermSpan, default_terms, periods_between
from zhengai.indicators.selectors import ThresholdBook, catalogue
from zhengai.indicators.thresholds import Thresholds, evaluate_array
from zhengai.lib import clock
from zhengai.lib.hooks import EVALUATION_FINISHED
from zhengai.monitoring import history
from zhengai.monitoring.choices import RunStatus
from zhengai.monitoring.models import EvaluationRun, IndicatorState, StatusChange
from zhengai.org import selectors as org_selectors

log = logging.getLogger(__name__)


class EvaluationRefused(ValueError):
    """What was asked cannot be computed (an unknown indicator, a period outside the calendar)."""


NOT_PASSED = (Outcome.WARN.value, Outcome.FAILED.value)


# ------------------------------------------------------------------------------------------ periods


def school_calendar() -> tuple[list[TermSpan], dt.date, dt.date]:
    """The terms of the school calendar and the span of academic years it covers."""
    from zhengai.org.models import AcademicYear, Term

    terms = [TermSpan(t.code, t.start, t.end) for t in Term.objects.order_by("start")]
    years = list(AcademicYear.objects.order_by("start_year").values_list("start_year", flat=True))
    if not years:
        today = clock.today()
        last = today.year if today.month >= 9 else today.year - 1
        years = [last - 2, last - 1, last]
    if not terms:
        terms = default_terms(years[0], years[-1])
    first, last = dt.date(years[0], 9, 1), dt.date(years[-1] + 1, 8, 31)
    return terms, first, last


def periods_for(
    kind: str, *, codes: Iterable[str] = (), since: dt.date | None = None, today: dt.date | None = None
) -> list[Period]:
    """The periods of a kind an evaluation covers: those that have begun, optionally some codes or from a date."""
    terms, first, last = school_calendar()
    today = today or clock.today()
    census = org_selectors.census_days()
    out = [p for p in periods_between(kind, first, last, terms=terms, census=census) if p.start <= today]
    wanted = set(codes)
    if wanted:
        out = [p for p in out if p.code in wanted]
    if since is not None:
        out = [p for p in out if p.start >= since]
    return out


# ------------------------------------------------------------------------------------------ runs


def evaluation_run_create(
    *,
    indicator_codes: Iterable[str] = (),
    periods: Iterable[str] = (),
    since: dt.date | None = None,
    entities: dict[str, list[str]] | None = None,
    engine: str = "duckdb",
    reason: str = "",
    by=None,
    import_run=None,
    backfill: bool = False,
) -> EvaluationRun:
    """A run to do. A backfill (补录历史) records older periods without acting on the worklist."""
    return EvaluationRun.objects.create(
        backfill=backfill,
        indicator_codes=sorted(set(indicator_codes)),
        periods=list(periods),
        since=since,
        entities={k: sorted(set(v)) for k, v in (entities or {}).items()},
        engine=engine,
        reason=reason[:200],
        requested_by=by if getattr(by, "pk", None) else None,
        import_run=import_run,
    )


def evaluation_run_enqueue(**kwargs) -> EvaluationRun:
    """Create a run and hand it to the worker (`zhengai worker`)."""
    from zhengai.monitoring.tasks import evaluation_run_task

    run = evaluation_run_create(**kwargs)
    transaction.on_commit(lambda: evaluation_run_task.enqueue(run.pk))
    return run


def evaluate_now(**kwargs) -> EvaluationRun:
    """Create and execute a run in this process (the `zhengai evaluate` command, tests, the demo)."""
    return evaluation_run_execute(run=evaluation_run_create(**kwargs))


def _claim(run: EvaluationRun, worker: str) -> bool:
    return bool(
        EvaluationRun.objects.filter(pk=run.pk, status=RunStatus.QUEUED).update(
            status=RunStatus.RUNNING, started_at=timezone.now(), worker=worker[:128]
        )
    )


def evaluation_run_execute(*, run: EvaluationRun, worker: str = "", progress=None) -> EvaluationRun:
    """Run an evaluation. Claimed with a conditional update, so two workers never run it twice."""
    worker = worker or f"{socket.gethostname()}:{os.getpid()}"
    if not _claim(run, worker):
        run.refresh_from_db()
        return run
    run.refresh_from_db()
    try:
        _execute(run, progress or (lambda done, total, code: None))
    except EvaluationRefused as exc:  # a request that cannot be computed: say why, no traceback
        log.info("evaluation run %s refused: %s", run.pk, exc)
        EvaluationRun.objects.filter(pk=run.pk).update(
            status=RunStatus.FAILED, finished_at=timezone.now(), message=f"计算未进行：{exc}"
        )
        run.refresh_from_db()
        return run
    except Exception as exc:  # the run must end in a state a person can see
        log.exception("evaluation run %s failed", run.pk)
        EvaluationRun.objects.filter(pk=run.pk).update(
            status=RunStatus.FAILED,
            finished_at=timezone.now(),
            message=f"计算出错：{exc}\n{traceback.format_exc(limit=4)}",
        )
        run.refresh_from_db()
        return run
    run.refresh_from_db()
    try:
        EVALUATION_FINISHED.fire(run=run)  # alerts (and whatever else listens) follow the new outcomes
    except Exception as exc:
        log.exception("after evaluation run %s", run.pk)
        EvaluationRun.objects.filter(pk=run.pk).update(message=f"{run.message}\n后续处理（预警）出错：{exc}")
        run.refresh_from_db()
    return run


def _execute(run: EvaluationRun, progress) -> None:
    t_start = time.perf_counter()
    timings: dict[str, float] = {}
    indicator_services.indicators_ensure()
    selected = catalogue(codes=run.indicator_codes or None)
    missing = sorted(set(run.indicator_codes) - set(selected))
    if missing:
        raise EvaluationRefused(f"指标不存在或已停用：{'、'.join(missing)}")
    terms, first, last = school_calendar()
    if run.backfill and not run.periods:
        raise EvaluationRefused("补录历史需要指明周期（如 --period 2021-2022）")
    if run.periods:
        _periods_check(run.periods, terms, first, last)
    versions = {name: store.current_version(name) for name in TABLES_BY_NAME}
    book = ThresholdBook.load(row.pk for row, _ in selected.values())
    directory = EntityDirectory(versions)
    periods_by_kind: dict[str, list[Period]] = {}
    parts: list[pa.Table] = []
    evaluated_at = history.now()
    engine = open_engine(run.engine, versions)

    def timed_run(code: str, prepared):
        t0 = time.perf_counter()
        out = engine.run(prepared)
        timings[code] = round(time.perf_counter() - t0, 3)
        return out

    def record(code: str, future) -> None:
        row, decl = selected[code]
        parts.append(
            judge(row=row, decl=decl, values=future.result(), periods=periods_by_kind[decl.period], book=book,
                  directory=directory, batches=_batches(decl, versions), run_id=run.pk, evaluated_at=evaluated_at)
        )  # fmt: skip

    # The next indicator is compiled (Python) while the engine runs the previous one (native code),
    # and the one before that is judged meanwhile.
    pending: tuple[str, object] | None = None
    try:
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="zhengai-engine") as pool:
            contexts: dict[str, Context] = {}
            for i, (code, (_row, decl)) in enumerate(selected.items()):
                progress(i, len(selected), code)
                kind = decl.period
                if kind not in periods_by_kind:
                    periods_by_kind[kind] = periods_for(kind, codes=run.periods, since=run.since)
                    contexts[kind] = Context(engine, periods_by_kind[kind], terms)
                if not periods_by_kind[kind]:
                    continue
                only = run.entities.get(decl.entity) if run.entities else None
                if engine.supports_compiled_cache:
                    query, _cached = compiled_for(contexts[kind], decl, selected[code][0].raw)
                    prepared = query.sql if only is None else only_entities(query.sql, only)
                else:
                    prepared = engine.prepare(compile_indicator(contexts[kind], decl, entities=only))
                future = pool.submit(timed_run, code, prepared)
                if pending is not None:
                    record(*pending)
                pending = (code, future)
            if pending is not None:
                record(*pending)
    finally:
        engine.close()
    progress(len(selected), len(selected), "")
    measurements = pa.concat_tables(parts) if parts else history.empty()
    timings["_compute"] = round(time.perf_counter() - t_start, 3)
    t0 = time.perf_counter()
    written = history.history_append(run_id=run.pk, measurements=measurements)
    timings["_history"] = round(time.perf_counter() - t0, 3)
    t0 = time.perf_counter()
    ids = {code: row.pk for code, (row, _d) in selected.items()}
    states_changed, changes = states_record(run=run, measurements=measurements, indicator_ids=ids)
    timings["_states"] = round(time.perf_counter() - t0, 3)
    EvaluationRun.objects.filter(pk=run.pk).update(
        status=RunStatus.SUCCEEDED,
        finished_at=timezone.now(),
        indicators_count=len(selected),
        measurements_count=measurements.num_rows,
        history_rows=written,
        states_changed=states_changed,
        status_changes=changes,
        versions={k: ({"version": v.version, "run": v.run_id} if v else None) for k, v in versions.items()},
        timings=timings,
        message=f"计算 {len(selected)} 个指标，{measurements.num_rows} 个监测值，{changes} 个状态变化",
    )


def _periods_check(codes, terms: list[TermSpan], first: dt.date, last: dt.date) -> None:
    """A period asked for by code must be in the school calendar (as a period of any kind) and have begun:
    say so, rather than compute nothing."""
    census = org_selectors.census_days()
    known = {
        p.code: p for kind in PeriodKind.values for p in periods_between(kind, first, last, terms=terms, census=census)
    }
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise EvaluationRefused(
            f"周期不在校历中：{'、'.join(unknown)}。校历覆盖 {first.year}-{first.year + 1} 至 "
            f"{last.year - 1}-{last.year} 学年；请先在校历中添加学年，或检查周期代码的写法"
            "（学年如 2024-2025，学期如 2024-2025-1，自然年如 2025，月如 2025-03）"
        )
    today = clock.today()
    future = [c for c in codes if known[c].start > today]
    if future:
        raise EvaluationRefused(f"周期尚未开始：{'、'.join(future)}（今天是 {today:%Y-%m-%d}）")


def _batches(decl: Declaration, versions: dict) -> str:
    out = []
    for name in decl.source_tables:
        v = versions.get(name)
        out.append(f"{name}@v{v.version}" + (f"#{v.run_id}" if v and v.run_id else "") if v else f"{name}@无数据")
    return ";".join(out)[:500]


# ------------------------------------------------------------------------------------------ judging


class EntityDirectory:
    """Names, org units and group attributes of the entities, read from the same data versions."""

    def __init__(self, versions: dict):
        self.versions = versions
        self._tables: dict[tuple, pa.Table] = {}

    def _scan(self, name: str) -> str:
        return store.scan_sql(self.versions.get(name), TABLES_BY_NAME[name])

    def table(self, kind: str, group_field: str | None) -> pa.Table:
        cache_key = (kind, group_field)
        if cache_key in self._tables:
            return self._tables[cache_key]
        g = f"CAST(r.{group_field} AS VARCHAR)" if group_field else "''"
        cols = "AS entity, {name} AS entity_name, {org} AS org_unit, " + g + " AS grp"
        rosters = {
            "major": ("majors", "major_code", "major_name", "dept_code"),
            "course": ("courses", "course_code", "course_name", "dept_code"),
            "teacher": ("teachers", "staff_no", "name", "dept_code"),
            "department": ("departments", "dept_code", "dept_name", "dept_code"),
            "student": ("students", "student_no", "name", "m.dept_code"),
            "class": ("classes", "class_code", "class_name", "m.dept_code"),
        }
        if kind == "school":
            grp = "''"
            if group_field:
                latest = f"{self._scan('school_resources')} ORDER BY academic_year DESC LIMIT 1"
                grp = f"(SELECT CAST({group_field} AS VARCHAR) FROM {latest})"
            sql = f"SELECT '{SCHOOL_KEY}' AS entity, '全校' AS entity_name, '' AS org_unit, {grp} AS grp"
        else:
            table, key, name, org = rosters[kind]
            sql = f"SELECT r.{key} " + cols.format(name=f"r.{name}", org=org if "." in org else f"r.{org}")
            sql += f" FROM {self._scan(table)} r"
            if org.startswith("m."):
                sql += f" LEFT JOIN {self._scan('majors')} m ON m.major_code = r.major_code"
        con = store.connect()
        try:
            out = con.sql(f"SELECT DISTINCT ON (entity) * FROM ({sql})").to_arrow_table()
        finally:
            con.close()
        self._tables[cache_key] = out
        return out


def judge(
    *,
    row: Indicator,
    decl: Declaration,
    values: pa.Table,
    periods: list[Period],
    book: ThresholdBook,
    directory: EntityDirectory,
    batches: str,
    run_id: int,
    evaluated_at: dt.datetime,
) -> pa.Table:
    """Measurements of one indicator with their outcomes, in the history schema."""
    entities = directory.table(decl.entity, decl.threshold_group)
    joined = values.join(entities, keys="entity", join_type="left outer")
    n = joined.num_rows
    periods_enc = pc.dictionary_encode(joined.column("period")).combine_chunks()
    groups_enc = pc.dictionary_encode(joined.column("grp").fill_null("")).combine_chunks()
    p_idx = periods_enc.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    g_idx = groups_enc.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    p_codes, g_codes = periods_enc.dictionary.to_pylist(), groups_enc.dictionary.to_pylist()
    vals = joined.column("value").to_numpy(zero_copy_only=False).astype("float64")
    start_of = {p.code: p.start for p in periods}
    # A cumulative indicator's period that has not ended yet: a value short of its line is 周期未结束.
    today = clock.today()
    running = {p.code for p in periods if p.end >= today} if decl.cumulative else set()
    outcomes = np.full(n, Outcome.NO_DATA.value, dtype=object)
    deviation = np.full(n, np.nan)
    tiers = np.full(n, "", dtype=object)
    threshold_ids = np.full(n, -1, dtype=np.int64)
    # One threshold per (period, group): judge each slice at once.
    key = p_idx * max(1, len(g_codes)) + g_idx
    order = np.argsort(key, kind="stable")
    uniq, first = np.unique(key[order], return_index=True)
    bounds = [*first.tolist(), n]
    for i, k in enumerate(uniq.tolist()):
        idx = order[bounds[i] : bounds[i + 1]]
        period, grp = p_codes[k // max(1, len(g_codes))], g_codes[k % max(1, len(g_codes))]
        th = book.pick(row.pk, grp, start_of[period])
        o, d, t = evaluate_array(vals[idx], th.thresholds() if th else None, open_period=period in running)
        outcomes[idx], deviation[idx], tiers[idx] = o, d, t
        threshold_ids[idx] = th.pk if th else -1
    period_starts = np.array([start_of[p] for p in p_codes], dtype="datetime64[D]")[p_idx] if n else []
    org = joined.column("org_unit").fill_null("")
    if decl.entity == "school":
        org = pa.array([decl.owner] * n, pa.string())
    return pa.table(
        {
            "run_id": pa.array(np.full(n, run_id, dtype=np.int64)),
            "indicator": pa.array([decl.code] * n, pa.string()),
            "period": joined.column("period"),
            "period_kind": pa.array([decl.period] * n, pa.string()),
            "period_start": pa.array(period_starts, pa.date32()),
            "entity_kind": pa.array([decl.entity] * n, pa.string()),
            "entity": joined.column("entity"),
            "entity_name": joined.column("entity_name").fill_null(""),
            "org_unit": org,
            "grp": groups_enc.dictionary.take(pa.array(g_idx)) if n else pa.array([], pa.string()),
            "value": pa.array(vals, pa.float64(), from_pandas=True),
            "outcome": pa.array(outcomes, pa.string()),
            "tier": pa.array(tiers, pa.string()),
            "deviation": pa.array(deviation, pa.float64(), from_pandas=True),
            "threshold_id": pa.array(threshold_ids, pa.int64(), mask=threshold_ids < 0),
            "batches": pa.array([batches] * n, pa.string()),
            "evaluated_at": pa.array([evaluated_at] * n, pa.timestamp("s")),
        },
        schema=history.SCHEMA,
    )


# ------------------------------------------------------------------------------------------ state


def states_record(*, run: EvaluationRun, measurements: pa.Table, indicator_ids: dict[str, int]) -> tuple[int, int]:
    """Move IndicatorState to the latest judged period of each entity; a StatusChange where the outcome moved.

    A cumulative indicator's running period (周期未结束) is the state only while no earlier period was
    judged: a teacher's hours of the unfinished year do not replace last year's result.

    A new entity whose first outcome is 达标 or 无数据 is not a change (nothing had been judged
    before); one that starts 预警 or 未达标 is. Returns (states written, status changes).
    """
    if measurements.num_rows == 0:
        return 0, 0
    con = store.connect()
    try:
        con.register("m", measurements)
        latest = con.sql(
            "SELECT indicator, entity, entity_kind, entity_name, org_unit, grp, period, period_start, value, "
            "outcome, tier, deviation, threshold_id, batches FROM m "
            "QUALIFY row_number() OVER (PARTITION BY indicator, entity "
            "ORDER BY (outcome = 'pending'), period_start DESC) = 1"
        ).fetchall()
    finally:
        con.close()
    existing: dict[tuple[int, str], tuple] = {}
    ids = sorted(set(indicator_ids.values()))
    if ids:
        with connection.cursor() as cur:
            cur.execute(
                "SELECT id, indicator_id, entity_key, period_start, value, outcome, tier, deviation, threshold_id "
                f"FROM {IndicatorState._meta.db_table} WHERE indicator_id IN ({', '.join(['%s'] * len(ids))})",
                ids,
            )
            for rec in cur.fetchall():
                existing[(rec[1], rec[2])] = (rec[0], rec[1], rec[2], str(rec[3])[:10], *rec[4:])
    now = timezone.now()
    ops = connection.ops
    now_db = ops.adapt_datetimefield_value(now)
    day_db: dict[dt.date, object] = {}
    inserts, updates, changes = [], [], []
    for code, entity, kind, name, org, grp, period, start, value, outcome, tier, dev, th, batches in latest:
        ind = indicator_ids[code]
        old = existing.get((ind, entity))
        value = None if value is None or value != value else value
        dev = None if dev is None or dev != dev else dev
        name = name[:128]
        if start not in day_db:
            day_db[start] = ops.adapt_datefield_value(start)
        start_db = day_db[start]
        if old is None:
            inserts.append((ind, kind, entity, name, org, grp, period, start_db, value, outcome, tier, dev, th,
                            batches, run.pk, now_db, now_db))  # fmt: skip
            if outcome in NOT_PASSED:
                changes.append((ind, kind, entity, name, org, period, "", outcome, "", tier, value, run.pk, now_db))
            continue
        _id, _i, _e, old_start, old_value, old_outcome, old_tier, old_dev, old_th = old
        if old_start > start.isoformat() and old_outcome != Outcome.PENDING:
            continue  # a newer judged period is already recorded
        same = (
            old_start == start.isoformat()
            and old_outcome == outcome
            and old_tier == tier
            and old_th == th
            and _close(old_value, value)
            and _close(old_dev, dev)
        )
        if same:
            continue
        moved = old_outcome != outcome or old_tier != tier
        updates.append((name, org, grp, period, start_db, value, outcome, tier, dev, th, batches, run.pk,
                        now_db if moved else None, now_db, _id))  # fmt: skip
        if moved:
            changes.append((ind, kind, entity, name, org, period, old_outcome, outcome, old_tier, tier, value, run.pk,
                            now_db))  # fmt: skip
    states, status = IndicatorState._meta.db_table, StatusChange._meta.db_table
    with transaction.atomic():
        _executemany(
            f"INSERT INTO {states} (indicator_id, entity_kind, entity_key, entity_name, org_unit, {_q('group')}, "
            "period, period_start, value, outcome, tier, deviation, threshold_id, batches, run_id, changed_at, "
            "updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            inserts,
        )
        _executemany(
            f"UPDATE {states} SET entity_name = %s, org_unit = %s, {_q('group')} = %s, period = %s, period_start = %s, "
            "value = %s, outcome = %s, tier = %s, deviation = %s, threshold_id = %s, batches = %s, run_id = %s, "
            "changed_at = COALESCE(%s, changed_at), updated_at = %s WHERE id = %s",
            updates,
        )
        _executemany(
            f"INSERT INTO {status} (indicator_id, entity_kind, entity_key, entity_name, org_unit, period, "
            "previous_outcome, outcome, previous_tier, tier, value, run_id, created_at) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            changes,
        )
    return len(inserts) + len(updates), len(changes)


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _executemany(sql: str, rows: list[tuple]) -> None:
    """Many rows in one call. On SQLite straight through the driver: Django's cursor wrapper costs
    more than the insert itself at hundreds of thousands of rows (values are already adapted)."""
    if not rows:
        return
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        connection.connection.executemany(sql.replace("%s", "?"), rows)
        return
    with connection.cursor() as cur:
        cur.executemany(sql, rows)


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= history.TOLERANCE * max(1.0, abs(a))


# ------------------------------------------------------------------------------------------ thresholds


def threshold_change(
    *,
    indicator: Indicator,
    group: str,
    effective_from: dt.date,
    thresholds: Thresholds,
    by,
    note: str = "",
    rejudge: bool = True,
) -> tuple[Threshold, EvaluationRun | None]:
    """A new threshold from a date on, and a re-evaluation of that indicator for the periods from that date.

    Periods that began before the date keep the outcomes they were judged with.
    """
    row = indicator_services.threshold_add(
        indicator=indicator, group=group, effective_from=effective_from, thresholds=thresholds, by=by, note=note
    )
    run = None
    if rejudge:
        run = evaluate_now(
            indicator_codes=[indicator.code],
            since=effective_from,
            by=by,
            reason=f"阈值调整后重新判定（{effective_from} 起）",
        )
    return row, run
