"""`zhengai source add|edit|show|list`: set up the campus systems that feed the data center, without Django admin."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError

from zhengai.datacenter import secrets
from zhengai.datacenter.choices import ConnectorKind
from zhengai.datacenter.connectors import SourceError
from zhengai.datacenter.models import SourceSystem
from zhengai.datacenter.services import source_create, source_update

KINDS = {"file": ConnectorKind.FILES, "files": ConnectorKind.FILES, "sql": ConnectorKind.SQL,
         "db": ConnectorKind.SQL, "push": ConnectorKind.PUSH}  # fmt: skip


def _settings_options(parser, *, edit: bool) -> None:
    parser.add_argument("--name", default=None, help="名称，如 教务系统" + ("" if edit else "；不写时用代码"))
    parser.add_argument("--unit", default=None, help="责任部门代码" + ("（写空字符串清除）" if edit else "（可不写）"))
    parser.add_argument("--url", default=None, help="数据库地址（SQL 数据源），如 postgresql://用户@主机:5432/库名")
    pw = parser.add_mutually_exclusive_group()
    pw.add_argument("--password-stdin", action="store_true", help="从标准输入读取数据库密码（加密保存）")
    pw.add_argument(
        "--password-env", default=None, metavar="VAR", help="连接时从环境变量 VAR 读取密码，数据库中不存密码"
    )
    if edit:
        pw.add_argument("--clear-password", action="store_true", help="清除已保存的密码")
    parser.add_argument("--schedule-minutes", type=int, default=None, help="同步周期（分钟），0 表示手工")
    parser.add_argument("--expected-every-days", type=int, default=None, help="应更新周期（天）")
    parser.add_argument("--invalid-policy", default=None, choices=["reject_batch", "commit_valid"],
                        help="无效行处理：reject_batch 整批拒收，commit_valid 只收有效行")  # fmt: skip
    on = parser.add_mutually_exclusive_group()
    on.add_argument("--enable", dest="active", action="store_const", const=True, default=None, help="启用")
    on.add_argument("--disable", dest="active", action="store_const", const=False, help="停用")


class Command(BaseCommand):
    help = (
        "数据源：zhengai source add 代码 --kind file|sql|push [设置…]；zhengai source edit 代码 [设置…]；"
        "zhengai source show 代码；zhengai source list"
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="新建数据源")
        add.add_argument("code", help="数据源代码，如 jiaowu（小写字母开头，字母、数字、-、_）")
        add.add_argument(
            "--kind", default="file", help="接入方式：file（文件上传或投放目录）、sql（数据库）、push（接口推送）"
        )
        _settings_options(add, edit=False)
        edit = sub.add_parser("edit", help="修改数据源设置")
        edit.add_argument("code", help="数据源代码")
        _settings_options(edit, edit=True)
        show = sub.add_parser("show", help="显示数据源设置（密码只显示是否已设置）")
        show.add_argument("code", help="数据源代码")
        sub.add_parser("list", help="列出数据源")

    def _fields(self, options) -> dict:
        password = None
        if options.get("password_stdin"):
            password = sys.stdin.readline().rstrip("\r\n")
            if not password:
                raise CommandError("标准输入中没有读到密码（--password-stdin 需要一行密码）")
        fields = {
            "name": options["name"],
            "unit_code": options["unit"],
            "url": options["url"],
            "password": password,
            "password_env": options["password_env"],
            "clear_password": bool(options.get("clear_password")),
            "schedule_minutes": options["schedule_minutes"],
            "expected_every_days": options["expected_every_days"],
            "invalid_policy": options["invalid_policy"],
            "active": options["active"],
        }
        return {k: v for k, v in fields.items() if v is not None}

    def _source(self, code: str) -> SourceSystem:
        source = SourceSystem.objects.select_related("owner_unit").filter(code=code).first()
        if source is None:
            known = "、".join(SourceSystem.objects.values_list("code", flat=True)[:20]) or "（还没有数据源）"
            raise CommandError(f"没有代码为“{code}”的数据源。现有：{known}")
        return source

    def handle(self, *args, **options):
        action = options["action"]
        if action == "list":
            for s in SourceSystem.objects.select_related("owner_unit").order_by("code"):
                unit = s.owner_unit.name if s.owner_unit else "未指定部门"
                mappings = s.mappings.count()
                self.stdout.write(f"{s.code}\t{s.name}\t{s.get_connector_display()}\t{unit}\t{mappings} 个映射")
            return
        if action == "show":
            self._show(self._source(options["code"]))
            return
        try:
            if action == "edit":
                source = source_update(source=self._source(options["code"]), by=None, **self._fields(options))
                self.stdout.write(f"已修改数据源 {source.code}（{source.name}）的设置。")
                self._show(source)
                return
            kind = KINDS.get(options["kind"].strip().lower())
            if kind is None:
                raise CommandError(f"接入方式“{options['kind']}”不认识，可选：file、sql、push")
            fields = self._fields(options)
            source = source_create(
                code=options["code"], name=fields.pop("name", ""), connector=kind,
                unit_code=fields.pop("unit_code", ""), **fields,
            )  # fmt: skip
        except SourceError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"已新建数据源 {source.code}（{source.name}，{source.get_connector_display()}）。"
            f"导入：zhengai import {source.code} 文件 --table 标准表（表头写标准字段名时不需要映射）"
        )

    def _show(self, source: SourceSystem) -> None:
        lines = [
            ("代码", source.code),
            ("名称", source.name),
            ("接入方式", source.get_connector_display()),
            ("责任部门", f"{source.owner_unit.name}（{source.owner_unit.code}）" if source.owner_unit else "未指定"),
            ("同步周期", f"{source.schedule_minutes} 分钟" if source.schedule_minutes else "手工导入（0）"),
            ("应更新周期", f"{source.expected_every_days} 天"),
            ("无效行处理", f"{source.get_invalid_policy_display()}（{source.invalid_policy}）"),
            ("启用", "是" if source.active else "否"),
        ]
        if source.connector == ConnectorKind.SQL:
            lines.append(("数据库地址", secrets.mask((source.config or {}).get("url", "")) or "未设置"))
            lines.append(("密码", secrets.password_state(source)))
        for label, value in lines:
            self.stdout.write(f"{label}：{value}")
