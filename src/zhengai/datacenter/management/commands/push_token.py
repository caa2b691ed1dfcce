"""`zhengai push_token SOURCE [--revoke]`: issue, replace or withdraw a source's push token."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from zhengai.datacenter.api import push_token_issue, push_token_revoke
from zhengai.datacenter.models import SourceSystem


class Command(BaseCommand):
    help = "签发（或更换）接口推送数据源的令牌；令牌只显示这一次，系统只保存其摘要。--revoke 吊销令牌。"

    def add_arguments(self, parser):
        parser.add_argument("source", help="接口推送数据源的代码")
        parser.add_argument("--revoke", action="store_true", help="吊销令牌，之后的推送一律拒绝")

    def handle(self, *args, **options):
        source = SourceSystem.objects.filter(code=options["source"]).first()
        if source is None:
            raise CommandError(f"没有代码为“{options['source']}”的数据源")
        if options["revoke"]:
            push_token_revoke(source=source, by=None)
            self.stdout.write(f"已吊销数据源“{source.name}”的推送令牌")
            return
        had_token = bool(source.push_token_hash)
        try:
            token = push_token_issue(source=source, by=None)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        note = "，旧令牌已失效" if had_token else ""
        self.stdout.write(f"数据源“{source.name}”的推送令牌（只显示这一次{note}）：")
        self.stdout.write(token)
