"""`zhengai demo`: build the deterministic demo college (exports, master data, demo accounts)."""

from __future__ import annotations

import contextlib
import datetime as dt
import resource
import time
import unicodedata
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from zhengai.datacenter.standard import TABLES
from zhengai.demo import services
from zhengai.demo.generator.base import Timeline
from zhengai.demo.loader import DemoImportFailed, DemoLoadRefused, load_through_datacenter
from zhengai.lib import clock


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"日期“{text}”应为 YYYY-MM-DD") from None


class Command(BaseCommand):
    help = "生成演示学院：写出各业务系统的导出文件与 ground_truth.json，载入主数据并创建演示账号"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--students", type=int, default=8000, help="最后一学年的在校生人数（100—50000，默认 8000）")
        parser.add_argument("--seed", type=int, default=services.DEFAULT_SEED, help="随机种子（默认 20181212）")
        parser.add_argument(
            "--today",
            type=_date,
            default=None,
            help="演示学院的“今天”（YYYY-MM-DD，默认取平台时钟的今天）：数据截至前一天，含当前学年在内共三个学年",
        )
        parser.add_argument("--out", type=Path, default=None, help="导出目录（默认 ZHENGAI_EXPORT_DIR）")
        parser.add_argument("--exports-only", action="store_true", help="只写导出文件，不写数据库")
        parser.add_argument(
            "--replace-existing", action="store_true", help="数据库中已有非演示主数据时仍然替换（会删除这些数据）"
        )

    def handle(self, *args, **options) -> None:
        students, seed = options["students"], options["seed"]
        out_dir = Path(options["out"] or settings.ZHENGAI_EXPORT_DIR).resolve()
        try:
            services.demo_size_check(students)
        except services.DemoSizeError as exc:
            raise CommandError(str(exc)) from exc
        if seed < 0:
            raise CommandError(f"随机种子应为非负整数，收到 {seed}")
        if not options["exports_only"]:
            self._migrate()
        today = options["today"] or clock.today()
        tl = Timeline(today)
        # a demo of another day is loaded and evaluated with the platform's clock at that day
        moved = today != clock.today()
        with clock.frozen(today) if moved else contextlib.nullcontext():
            self._build(options, students, seed, out_dir, tl)

    def _build(self, options, students: int, seed: int, out_dir: Path, tl: Timeline) -> None:
        self.stdout.write(
            f"正在生成演示学院（在校生 {students} 人，随机种子 {seed}，今天 {tl.today.isoformat()}，"
            f"数据 {tl.window_start.isoformat()} 至 {tl.yesterday.isoformat()}）……"
        )
        build = services.demo_exports_build(students=students, seed=seed, out_dir=out_dir, today=tl.today)
        load_seconds, counts, users = None, {}, []
        if not options["exports_only"]:
            started = time.perf_counter()
            self.stdout.write("正在通过数据中心导入各业务系统数据（校验、入库、同步主数据）……")
            try:
                counts = load_through_datacenter(
                    out_dir=out_dir,
                    seed=seed,
                    students=students,
                    replace_foreign=options["replace_existing"],
                    report=self.stdout.write,
                )
            except (DemoLoadRefused, DemoImportFailed) as exc:
                raise CommandError(str(exc)) from exc
            users = services.demo_accounts_ensure()
            load_seconds = time.perf_counter() - started
            self._evaluate()
            self._goal_chain(out_dir, tl.today)
        self._summary(build, out_dir, counts, users, load_seconds)

    def _evaluate(self) -> None:
        from zhengai.monitoring.choices import RunStatus
        from zhengai.monitoring.services import evaluate_now

        self.stdout.write("正在计算标准链指标（全部指标、全部学期与学年）……")
        run = evaluate_now(reason="演示学院载入后首次计算")
        if run.status != RunStatus.SUCCEEDED:
            raise CommandError(f"指标计算失败：{run.message}")
        self.stdout.write(
            f"  指标 {run.indicators_count} 个，监测值 {run.measurements_count:,} 个，"
            f"预警与未达标 {run.status_changes:,} 个，用时 {run.duration:.1f} 秒"
        )

    def _goal_chain(self, out_dir: Path, today) -> None:
        from zhengai.demo.goal_chain import goal_chain_build

        self.stdout.write("正在建立目标链（规划、目标、目标值、年度任务、诊改工作进度表）……")
        goal_chain_build(out_dir=out_dir, today=today, report=self.stdout.write)

    def _migrate(self) -> None:
        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            self.stdout.write("数据库需要迁移，正在执行 migrate ……")
            call_command("migrate", interactive=False, verbosity=0)

    def _summary(self, build: services.ExportBuild, out_dir: Path, counts: dict, users: list, load_seconds) -> None:
        w = self.stdout.write
        labels = {t.name: t.label for t in TABLES}
        rows = build.manifest["row_counts"]
        total_bytes = sum(f["bytes"] for f in build.manifest["files"])
        w("")
        w(f"导出目录：{out_dir}")
        w(f"导出文件：{len(build.manifest['files'])} 个，共 {total_bytes / 1024 / 1024:.1f} MB（清单见 manifest.json）")
        w("标准表行数：")
        for table in TABLES:
            if table.name in rows:
                w(f"  {_pad(labels[table.name], 18)}{table.name:<26}{rows[table.name]:>12,}")
        census = build.college.pop.census
        tl = build.college.timeline
        w("各学年初在校生：" + "，".join(f"{y}-{y + 1} 学年 {census[y]:,} 人" for y in tl.data_years))
        w(f"数据截至：{tl.yesterday.isoformat()}（今天 {tl.today.isoformat()}）")
        problems = build.ground_truth["problems"]
        w(f"植入问题：{len(problems)} 类，见 ground_truth.json 与 src/zhengai/demo/GROUND_TRUTH.md")
        if counts:
            w(
                f"已入库主数据：教师 {counts['teachers']:,}，专业 {counts['majors']:,}，课程 {counts['courses']:,}，"
                f"班级 {counts['classes']:,}，学生 {counts['students']:,}"
            )
        if users:
            names = "、".join(u.username for u in users)
            w(f"演示账号（密码 {services.DEMO_PASSWORD}）：{names}")
        w(f"生成并写出用时：{build.seconds:.1f} 秒")
        if load_seconds is not None:
            w(f"入库用时：{load_seconds:.1f} 秒")
        else:
            w("入库：已跳过（--exports-only）")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        w(f"峰值内存：{peak:.0f} MB")
        w(self.style.SUCCESS("演示学院已就绪。"))


def _pad(text: str, width: int) -> str:
    """Left-align by display width: a Chinese character takes two columns."""
    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(1, width - used)
