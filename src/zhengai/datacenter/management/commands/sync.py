"""`zhengai sync [SOURCE …] [--due]`: read database sources now (incremental on their watermarks)."""

from __future__ import annotations

import sys
from argparse import RawDescriptionHelpFormatter

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, DjangoHelpFormatter
from django.urls import reverse

from zhengai.datacenter.choices import ConnectorKind, RunStatus
from zhengai.datacenter.connectors import SourceError
from zhengai.datacenter.models import ImportRun, SourceSystem
from zhengai.datacenter.sync import source_sync, source_sync_due

HELP = """同步数据库数据源：按字段映射逐表读取源数据库，设了“增量水位列”的表只读取上次之后的新记录。

  zhengai sync jiaowu             立即同步数据源 jiaowu 的全部表
  zhengai sync jiaowu --table grades
  zhengai sync --due              同步所有“同步周期（分钟）”已到的数据库数据源

后台任务进程（zhengai worker，以及默认自带后台任务的 zhengai serve）每分钟检查一次，
按各数据源的“同步周期（分钟）”自动同步，无需 cron；zhengai watch 每一轮也会同步到期的数据源。
两个进程同时同步同一个数据源时，同一张表不会被重复导入。
有批次被拒收、出错或待确认（名单批次会使大量现有记录消失）时，命令以状态 1 退出（cron 会把输出发给管理员）。"""


class _Formatter(DjangoHelpFormatter, RawDescriptionHelpFormatter):
    pass


class Command(BaseCommand):
    help = HELP

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.formatter_class = _Formatter
        return parser

    def add_arguments(self, parser):
        parser.add_argument("sources", nargs="*", metavar="SOURCE", help="数据源代码（可写多个）")
        parser.add_argument("--due", action="store_true", help="同步所有到期的数据库数据源")
        parser.add_argument("--table", action="append", dest="tables", metavar="TABLE", help="只同步这些标准数据表")

    def handle(self, *args, **options):
        if not options["sources"] and not options["due"]:
            raise CommandError("请写出要同步的数据源代码，或用 --due 同步所有到期的数据源")
        runs: list[ImportRun] = []
        refused = False
        if options["sources"]:
            sources = []
            for code in options["sources"]:
                source = SourceSystem.objects.filter(code=code).first()
                if source is None:
                    known = "、".join(
                        SourceSystem.objects.filter(connector=ConnectorKind.SQL).values_list("code", flat=True)
                    )
                    raise CommandError(f"没有代码为“{code}”的数据源。数据库数据源有：{known or '（还没有）'}")
                sources.append(source)
            for source in sources:
                try:
                    done = source_sync(source=source, tables=options["tables"])
                except SourceError as exc:
                    self.stderr.write(f"{source.code}：{exc}")
                    refused = True
                    continue
                if not done:
                    self.stdout.write(f"{source.code}：其他进程正在同步，本次跳过")
                runs.extend(done)
        if options["due"]:
            if options["tables"]:
                raise CommandError("--due 不能与 --table 一起使用")

            def report(source: SourceSystem, reason: str) -> None:
                nonlocal refused
                refused = True
                self.stderr.write(f"{source.code}：{reason}")

            due = source_sync_due(on_refused=report)
            if not due and not refused:
                self.stdout.write("没有到期的数据库数据源")
            runs.extend(due)
        for run in runs:
            outcome = run.decision or run.message
            self.stdout.write(f"批次 #{run.pk} {run.source.code} → {run.table}：{run.get_status_display()}。{outcome}")
            if run.status == RunStatus.HELD:
                # A scheduled sync cannot confirm: the batch waits for a person.
                url = settings.ZHENGAI_BASE_URL.rstrip("/") + reverse("datacenter:run_detail", args=[run.pk])
                self.stdout.write(f"  确认无误后在批次页面确认：{url}（定时同步不会自动确认）")
        bad = (RunStatus.REJECTED, RunStatus.FAILED, RunStatus.HELD)
        if refused or any(run.status in bad for run in runs):
            sys.exit(1)
