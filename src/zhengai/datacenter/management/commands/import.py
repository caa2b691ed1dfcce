"""`zhengai import SOURCE FILE…`: import files for one source, with a progress bar on the terminal."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from zhengai.datacenter import store
from zhengai.datacenter.choices import RunStatus
from zhengai.datacenter.connectors import SourceError
from zhengai.datacenter.models import ImportRun, SourceSystem
from zhengai.datacenter.selectors import run_errors, run_text
from zhengai.datacenter.services import (
    import_run_create,
    import_run_execute,
    import_runs_reap_interrupted,
    mapping_matches,
)


def run_report(run: ImportRun) -> list[str]:
    """What a person at the terminal needs: the decision, the reason, the first problems; never a traceback."""
    text = run_text(run)
    said = run.decision or text.problem
    if text.problem and text.problem not in said:
        said = f"{said}：{text.problem}" if said else text.problem
    lines = [f"批次 #{run.pk} {run.table}：{run.get_status_display()}。{said}"]
    lines += [f"  提示：{notice}" for notice in text.notices]
    if run.status == RunStatus.FAILED and text.technical:
        lines.append("  技术细节见批次页面（供信息中心排查）")
    errors, total = run_errors(run, limit=5) if run.error_report else ([], 0)
    for e in errors:
        where = f"“{e.file}”第 {e.row} 行" if e.row else f"“{e.file}”"
        field = f" {e.field}" if e.field else ""
        value = f"“{e.value}”" if e.value else ""
        lines.append(f"  {where}{field}{value}：{e.reason}")
    if total > len(errors):
        lines.append(f"  ……共 {total:,} 个问题，其余见错误报告")
    if run.error_report:
        lines.append(f"  错误报告：{store.root() / run.error_report}")
    return lines


def held_hint(run: ImportRun) -> str:
    url = settings.ZHENGAI_BASE_URL.rstrip("/") + reverse("datacenter:run_detail", args=[run.pk])
    return f"  确认无误后加 --confirm 重新运行，或在批次页面确认：{url}"


def _bar(percent: int, text: str, width: int = 30) -> str:
    done = width * percent // 100
    return f"\r[{'#' * done}{'.' * (width - done)}] {percent:3d}% {text[:60]:<60}"


class Command(BaseCommand):
    help = "导入数据文件：zhengai import 数据源代码 文件… [--table 标准表] [--dry-run]"

    def add_arguments(self, parser):
        parser.add_argument("source", help="数据源代码，如 jiaowu、renshi、yikatong")
        parser.add_argument("files", nargs="*", help="要导入的文件（数据库数据源不需要）")
        parser.add_argument("--table", help="标准数据表；不写时按文件名匹配该数据源的映射")
        parser.add_argument("--dry-run", action="store_true", help="只校验，不写入数据中心")
        parser.add_argument(
            "--confirm", action="store_true",
            help="确认：允许名单（快照）表的本批使大量现有记录消失（否则这样的批次停在“待确认”）",
        )  # fmt: skip

    def handle(self, *args, **options):
        import_runs_reap_interrupted()
        try:
            source = SourceSystem.objects.get(code=options["source"])
        except SourceSystem.DoesNotExist:
            known = "、".join(SourceSystem.objects.values_list("code", flat=True)) or "（还没有数据源）"
            raise CommandError(f"没有代码为“{options['source']}”的数据源。现有：{known}") from None
        paths = [Path(f) for f in options["files"]]
        plan: list[tuple[str, list[Path]]] = []
        if options["table"]:
            plan.append((options["table"], paths))
        else:
            for mapping in source.mappings.order_by("order", "table"):
                matched = [p for p in paths if mapping_matches(mapping, p.name)] if paths else []
                if matched or not paths:
                    plan.append((mapping.table, matched))
        if not plan:
            patterns = "；".join(
                f"{m.table} ← {(m.locator or '*').split('#', 1)[0] or '*'}" for m in source.mappings.order_by("order")
            )
            names = "、".join(p.name for p in paths)
            raise CommandError(
                f"文件 {names} 与数据源“{source.name}”的映射都不匹配（{patterns or '该数据源还没有映射'}），"
                "请用 --table 指定标准数据表"
            )
        failed = False
        for table, files in plan:
            try:
                run = import_run_create(
                    source=source, table=table, paths=files, dry_run=options["dry_run"],
                    confirm_removal=options["confirm"],
                )  # fmt: skip
            except SourceError as exc:
                raise CommandError(str(exc)) from None
            run = self._execute_with_bar(run)
            for line in run_report(run):
                self.stdout.write(line)
            if run.status == RunStatus.HELD:
                self.stdout.write(held_hint(run))
            self.stdout.write(run.records_line)
            failed = failed or run.status in (RunStatus.REJECTED, RunStatus.FAILED, RunStatus.HELD)
        if failed:
            sys.exit(1)

    def _execute_with_bar(self, run: ImportRun) -> ImportRun:
        if not sys.stderr.isatty():
            return import_run_execute(run=run)
        result: dict[str, ImportRun] = {}
        worker = threading.Thread(target=lambda: result.setdefault("run", import_run_execute(run=run)))
        worker.start()
        while worker.is_alive():
            current = ImportRun.objects.filter(pk=run.pk).values("progress", "progress_text").first()
            if current:
                sys.stderr.write(_bar(current["progress"], current["progress_text"]))
                sys.stderr.flush()
            time.sleep(0.3)
        worker.join()
        sys.stderr.write(_bar(100, "完成") + "\n")
        return result["run"]
