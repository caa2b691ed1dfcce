"""`zhengai evaluate`: compute the standard chain's indicators and record the outcomes."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from zhengai.indicators.engines import ENGINES
from zhengai.monitoring.choices import RunStatus


class Command(BaseCommand):
    help = "计算指标（标准链）：监测值、达标判定、状态变化。默认计算全部启用的指标、已开始的全部周期。"

    def add_arguments(self, parser):
        parser.add_argument("indicators", nargs="*", help="指标代码（不写 = 全部启用的指标）")
        parser.add_argument(
            "--period", action="append", default=[], help="只算这些周期，如 2024-2025、2024-2025-1（可重复）"
        )
        parser.add_argument("--since", help="只算从该日期起开始的周期，YYYY-MM-DD")
        parser.add_argument("--engine", default="duckdb", choices=sorted(ENGINES), help="计算引擎（默认 duckdb）")
        parser.add_argument("--queue", action="store_true", help="交给后台 worker 执行，不在本进程计算")

    def handle(self, *args, **opts):
        from zhengai.monitoring import services

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

        def progress(done, total, code):
            if code and self.stdout.isatty():
                self.stdout.write(f"\r[{done + 1}/{total}] {code:<16}", ending="")

        run = services.evaluation_run_execute(run=services.evaluation_run_create(**kwargs), progress=progress)
        if self.stdout.isatty():
            self.stdout.write("")
        if run.status != RunStatus.SUCCEEDED:
            raise CommandError(f"计算批次 #{run.pk} 失败：{run.message}")
        self.stdout.write(
            f"计算批次 #{run.pk}：{run.indicators_count} 个指标，{run.measurements_count:,} 个监测值，"
            f"写入历史 {run.history_rows:,} 行，当前状态更新 {run.states_changed:,} 个，"
            f"状态变化 {run.status_changes:,} 个，用时 {run.duration:.1f} 秒"
        )
