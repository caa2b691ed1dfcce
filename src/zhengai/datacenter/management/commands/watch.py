"""`zhengai watch`: import files dropped into the drop folder, and sync due database sources."""

from __future__ import annotations

import logging
import time
from argparse import RawDescriptionHelpFormatter
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, DjangoHelpFormatter
from django.db import close_old_connections

from zhengai.datacenter.choices import RunStatus
from zhengai.datacenter.models import ImportRun, SourceSystem
from zhengai.datacenter.sync import source_sync_due
from zhengai.datacenter.watch import SETTLE_SECONDS, drop_folder_scan

log = logging.getLogger(__name__)

HELP = """监视投放目录：源系统或业务人员把导出文件放进去，系统自动导入。

投放目录下每个文件数据源一个子目录，以数据源代码命名（启动时自动创建），例如 drop/renshi/。
文件停止变化后（两轮扫描之间大小和修改时间不变，或最后修改已超过 --settle 秒）按文件名匹配
字段映射并导入；成功的移入“已处理/”，被拒收的移入“失败/”，旁边的“.失败原因.txt”写明原因。

每一轮还会同步“同步周期”已到的数据库数据源（相当于 zhengai sync --due），所以运行本命令
就不必再为数据库数据源配置 cron。用 --once 只扫描一轮，适合放在 cron 中：
  */5 * * * *  zhengai watch --once"""


class _Formatter(DjangoHelpFormatter, RawDescriptionHelpFormatter):
    pass


class Command(BaseCommand):
    help = HELP

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.formatter_class = _Formatter
        return parser

    def add_arguments(self, parser):
        parser.add_argument("--folder", type=Path, help="投放目录（默认：数据目录下的 drop）")
        parser.add_argument("--once", action="store_true", help="只扫描一轮后退出")
        parser.add_argument("--interval", type=float, default=30.0, help="两轮扫描之间的秒数（默认 30）")
        parser.add_argument(
            "--settle",
            type=float,
            default=SETTLE_SECONDS,
            help=f"文件最后修改多少秒后视为已写完（默认 {SETTLE_SECONDS:g}）",
        )
        parser.add_argument("--no-sync", action="store_true", help="不同步到期的数据库数据源")

    def handle(self, *args, **options):
        folder: Path = options["folder"] or Path(settings.DATA_DIR) / "drop"
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            reason = "已有同名文件" if isinstance(exc, FileExistsError) else (exc.strerror or str(exc))
            raise CommandError(f"投放目录“{folder}”无法使用：{reason}。请用 --folder 指定一个可写的目录") from None
        self.stdout.write(f"投放目录：{folder.resolve()}")
        previous: dict = {}
        try:
            while True:
                try:
                    self._round(folder, options, None if options["once"] else previous)
                except Exception:
                    if options["once"]:
                        raise
                    log.exception("watch round failed; trying again next round")
                    self.stderr.write("本轮处理出错（详见日志），下一轮重试")
                if options["once"]:
                    return
                time.sleep(options["interval"])
                # A loop that runs for months must not keep a connection the database has dropped.
                close_old_connections()
        except KeyboardInterrupt:
            self.stdout.write("已停止")

    def _round(self, folder: Path, options: dict, previous: dict | None) -> None:
        for run in drop_folder_scan(folder=folder, settle_seconds=options["settle"], previous=previous):
            self._report(run)
        if not options["no_sync"]:

            def refused(source: SourceSystem, reason: str) -> None:
                self.stderr.write(f"{source.code}：{reason}")

            for run in source_sync_due(on_refused=refused):
                self._report(run)

    def _report(self, run: ImportRun) -> None:
        files = "、".join(f["name"] for f in run.files) or "数据库"
        self.stdout.write(
            f"批次 #{run.pk} {run.source.code} → {run.table}（{files}）：{run.get_status_display()}。"
            f"{run.decision or run.message}"
        )
        if run.status == RunStatus.HELD:
            self.stdout.write("  须有人在批次页面确认后才入库（自动导入不会自行确认）")
