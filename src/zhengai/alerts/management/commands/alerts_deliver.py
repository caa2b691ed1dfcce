"""`zhengai alerts_deliver`: send due notifications (email, group robots) and the daily digests."""

from __future__ import annotations

import logging
import sys
import time
from argparse import RawDescriptionHelpFormatter

from django.core.management.base import BaseCommand, DjangoHelpFormatter
from django.db import close_old_connections

from zhengai.alerts.channels import TIMEOUT
from zhengai.alerts.models import Delivery, DeliveryStatus
from zhengai.alerts.notifications import MAX_ATTEMPTS, deliveries_send_due, digests_send

log = logging.getLogger(__name__)

HELP = f"""发送到期的预警通知：邮件、企业微信/钉钉/飞书群机器人消息，以及每日汇总邮件。

发送失败的通知按 1 分钟、5 分钟、30 分钟、2 小时后重试，共尝试 {MAX_ATTEMPTS} 次仍失败即标记为
“多次失败，已放弃”；免打扰时段内的邮件在时段结束时发出；选择每日汇总的用户每天一封汇总邮件。

后台任务进程（zhengai worker，以及默认自带后台任务的 zhengai serve）已按时发送通知与每日汇总，
一般无需单独运行本命令。需要立即发送一轮时可手动运行；--loop 一直运行。
有通知本轮被放弃时，命令以状态 1 退出（cron 会把输出发给管理员）。"""


class _Formatter(DjangoHelpFormatter, RawDescriptionHelpFormatter):
    pass


class Command(BaseCommand):
    help = HELP

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.formatter_class = _Formatter
        return parser

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="一直运行，每隔 --interval 秒发送一轮")
        parser.add_argument("--interval", type=float, default=30.0, help="两轮之间的秒数（默认 30）")
        parser.add_argument("--timeout", type=float, default=TIMEOUT, help=f"每次发送的超时秒数（默认 {TIMEOUT:g}）")

    def handle(self, *args, **options):
        if not options["loop"]:
            gave_up = self._round(options["timeout"])
            if gave_up:
                sys.exit(1)
            return
        try:
            while True:
                try:
                    self._round(options["timeout"])
                except Exception:
                    log.exception("delivery round failed; trying again next round")
                    self.stderr.write("本轮发送出错（详见日志），下一轮重试")
                time.sleep(options["interval"])
                # A loop that runs for months must not keep a connection the database has dropped.
                close_old_connections()
        except KeyboardInterrupt:
            self.stdout.write("已停止")

    def _round(self, timeout: float) -> int:
        digests = digests_send(timeout=timeout)
        due = deliveries_send_due(timeout=timeout)
        sent = due["sent"] + digests.get("sent", 0)
        failed = due["failed"] + digests.get("failed", 0)
        gave_up = due["gave_up"] + digests.get("gave_up", 0)
        if digests.get("digests") or sent or failed or gave_up or due["cancelled"]:
            self.stdout.write(
                f"每日汇总 {digests.get('digests', 0)} 封；已发送 {sent} 条，失败待重试 {failed} 条，"
                f"多次失败已放弃 {gave_up} 条，渠道停用取消 {due['cancelled']} 条"
            )
        if gave_up:
            for d in Delivery.objects.filter(status=DeliveryStatus.GAVE_UP).order_by("-id")[:gave_up]:
                self.stderr.write(f"已放弃：{d.channel_kind} → {d.target}：{d.last_error}")
        return gave_up
