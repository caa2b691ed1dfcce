"""`zhengai evaluate`: compute the standard chain's indicators and record the outcomes."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from zhengai.indicators.engines import ENGINES
from zhengai.monitoring.choices import RunStatus


class Command(BaseCommand):
    help = (
        "计算指标（标准链）：监测值、达标判定、状态变化。默认计算全部启用的指标、已开始的全部周期。"
        "--backfill 补录较早学年的历史：只记录，不打开、更新或恢复预警。"
    )

    def add_arguments(self, parser):
        parser.add_argument("indicators", nargs="*", help="指标代码（不写 = 全部启用的指标）")
        parser.add_argument(
            "--period", action="append", default=[], help="只算这些周期，如 2024-2025、2024-2025-1（可重复）"
        )
        parser.add_argument("--since", help="只算从该日期起开始的周期，YYYY-MM-DD")
        parser.add_argument(
            "--backfill",
            action="store_true",
            help="补录历史：--period 给出当前学年之前已结束的周期（学年代码代表该学年内的全部周期），"
            "只记录监测值与状态，不打开、更新或恢复预警",
        )
        parser.add_argument("--engine", default="duckdb", choices=sorted(ENGINES), help="计算引擎（默认 duckdb）")
        parser.add_argument("--queue", action="store_true", help="交给后台 worker 执行，不在本进程计算")

    def handle(self, *args, **opts):
        from zhengai.monitoring import services

        if opts["backfill"]:
            return self._backfill(opts)
        since = None
        if opts["since"]:
            try:
                since = dt.date.fromisoformat(opts["since"])
            except ValueError:
                raise CommandError(f"--since “{opts['since']}” 应为 YYYY-MM-DD") from None
        kwargs = dict(
            indicator_codes=opts["indicators"],
            periods=opts["period"],
            since=since,
            engine=opts["engine"],
            reason="命令行 zhengai evaluate",
        )
        if opts["queue"]:
            run = services.evaluation_run_enqueue(**kwargs)
            self.stdout.write(f"计算批次 #{run.pk} 已排队，由 zhengai worker 执行")
            return
        run = services.evaluation_run_execute(run=services.evaluation_run_create(**kwargs), progress=self._progress)
        self._finished(run)

    def _progress(self, done, total, code):
        if code and self.stdout.isatty():
            self.stdout.write(f"\r[{done + 1}/{total}] {code:<16}", ending="")

    def _finished(self, run) -> None:
        if self.stdout.isatty():
            self.stdout.write("")
        if run.status != RunStatus.SUCCEEDED:
            raise CommandError(f"计算批次 #{run.pk} 失败：{run.message}")
        self.stdout.write(
            f"计算批次 #{run.pk}：{run.indicators_count} 个指标，{run.measurements_count:,} 个监测值，"
            f"写入历史 {run.history_rows:,} 行，当前状态更新 {run.states_changed:,} 个，"
            f"状态变化 {run.status_changes:,} 个，用时 {run.duration:.1f} 秒"
        )

    def _backfill(self, opts) -> None:
        from zhengai.monitoring.backfill import backfill_periods, backfill_report, backfill_run
        from zhengai.monitoring.services import EvaluationRefused

        if opts["since"] or opts["queue"]:
            raise CommandError("--backfill 不与 --since、--queue 同用：补录用 --period 指明较早的周期，在本进程计算")
        if not opts["period"]:
            raise CommandError("--backfill 需要用 --period 指明要补录的周期，如 --period 2021-2022（可重复）")
        try:
            codes = backfill_periods(opts["period"])
        except EvaluationRefused as exc:
            raise CommandError(f"补录未进行：{exc}") from None
        self.stdout.write(f"补录历史：{'、'.join(opts['period'])}，共 {len(codes)} 个周期（{'、'.join(codes)}）")
        run = backfill_run(
            periods=opts["period"], indicator_codes=opts["indicators"], engine=opts["engine"], progress=self._progress
        )
        self._finished(run)
        for line in backfill_report(run):
            self.stdout.write(line)
        self.stdout.write(
            "补录不打开、更新或恢复预警；当前状态只在对象尚无更晚的已判定周期时才取补录的周期"
            f"（本次 {run.states_changed:,} 个）。"
        )
