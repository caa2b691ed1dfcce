"""`zhengai source add|list`: set up the campus systems that feed the data center, without Django admin."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from zhengai.datacenter.choices import ConnectorKind
from zhengai.datacenter.connectors import SourceError
from zhengai.datacenter.models import SourceSystem
from zhengai.datacenter.services import source_create

KINDS = {"file": ConnectorKind.FILES, "files": ConnectorKind.FILES, "sql": ConnectorKind.SQL,
         "db": ConnectorKind.SQL, "push": ConnectorKind.PUSH}  # fmt: skip


class Command(BaseCommand):
    help = "数据源：zhengai source add 代码 --kind file|sql|push [--name 名称] [--unit 部门代码]；zhengai source list"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="新建数据源")
        add.add_argument("code", help="数据源代码，如 jiaowu（小写字母开头，字母、数字、-、_）")
        add.add_argument(
            "--kind", default="file", help="接入方式：file（文件上传或投放目录）、sql（数据库）、push（接口推送）"
        )
        add.add_argument("--name", default="", help="名称，如 教务系统；不写时用代码")
        add.add_argument("--unit", default="", help="责任部门代码（可不写，部门建好后在数据中心页面补上）")
        sub.add_parser("list", help="列出数据源")

    def handle(self, *args, **options):
        if options["action"] == "list":
            for s in SourceSystem.objects.select_related("owner_unit").order_by("code"):
                unit = s.owner_unit.name if s.owner_unit else "未指定部门"
                mappings = s.mappings.count()
                self.stdout.write(f"{s.code}\t{s.name}\t{s.get_connector_display()}\t{unit}\t{mappings} 个映射")
            return
        kind = KINDS.get(options["kind"].strip().lower())
        if kind is None:
            raise CommandError(f"接入方式“{options['kind']}”不认识，可选：file、sql、push")
        try:
            source = source_create(
                code=options["code"], name=options["name"], connector=kind, unit_code=options["unit"]
            )
        except SourceError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"已新建数据源 {source.code}（{source.name}，{source.get_connector_display()}）。"
            f"导入：zhengai import {source.code} 文件 --table 标准表（表头写标准字段名时不需要映射）"
        )
