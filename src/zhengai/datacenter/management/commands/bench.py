"""`zhengai bench NAME`: run a registered benchmark against a throw-away database and data folder.

Benchmarks register themselves in their app's ``bench.py`` (see `zhengai.lib.bench`). The command
makes a temporary folder, starts a second process whose settings point at a new SQLite database and
data folder inside it, migrates that database and runs the benchmark there; the user's database and
data center are never opened. The folder is removed afterwards unless ``--keep`` is given.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import autodiscover_modules

from zhengai.lib import bench

CHILD_ENV = "ZHENGAI_BENCH_CHILD"


class Command(BaseCommand):
    requires_system_checks: list[str] = []  # the parent process opens no database at all
    help = "基准测试：zhengai bench 名称 [--rows N] [--keep]（在一次性的临时数据库上运行，不会改动现有数据）"

    def add_arguments(self, parser):
        autodiscover_modules("bench")
        subparsers = parser.add_subparsers(dest="name", required=True, metavar="名称", title="基准测试")
        for item in bench.benchmarks():
            sub = subparsers.add_parser(item.name, help=item.help, description=item.help)
            sub.add_argument("--rows", type=int, default=1_000_000, help="主数据集的行数（默认 1,000,000）")
            sub.add_argument("--workdir", help="临时文件夹放在哪里（默认系统临时目录）")
            sub.add_argument("--keep", action="store_true", help="保留临时文件夹（生成的文件、数据库）")
            if item.arguments:
                item.arguments(sub)

    def handle(self, *args, **options):
        name = options["name"]
        if os.environ.get(CHILD_ENV):
            self._run_here(name)
            return
        self._run_isolated(name, options)

    # ---------------------------------------------------------------------------------- parent

    def _run_isolated(self, name: str, options: dict) -> None:
        base = options.get("workdir")
        if base:
            Path(base).mkdir(parents=True, exist_ok=True)
        workdir = Path(tempfile.mkdtemp(prefix=f"zhengai-bench-{name}-", dir=base)).resolve()
        own = {k: v for k, v in options.items() if k not in _DJANGO_OPTIONS and k not in ("keep", "workdir")}
        env = {
            **os.environ,
            CHILD_ENV: json.dumps({"workdir": str(workdir), "options": own}, ensure_ascii=False),
            "ZHENGAI_DATABASE_URL": f"sqlite:///{workdir / 'app.sqlite3'}",
            "ZHENGAI_DATA_DIR": str(workdir / "data"),
            "PYTHONUNBUFFERED": "1",
        }
        env.pop("DJANGO_SETTINGS_MODULE", None)
        self.stdout.write(f"临时文件夹：{workdir}（一次性的数据库与数据中心）")
        try:
            child = subprocess.Popen(
                [sys.executable, "-m", "zhengai.cli", "bench", name],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                encoding="utf-8",
            )
            assert child.stdout is not None
            for line in child.stdout:
                self.stdout.write(line.rstrip("\n"))
            code = child.wait()
        finally:
            if options.get("keep"):
                self.stderr.write(f"已保留临时文件夹：{workdir}")
            else:
                shutil.rmtree(workdir, ignore_errors=True)
        if code:
            raise CommandError(f"基准测试“{name}”失败（退出码 {code}）")

    # ---------------------------------------------------------------------------------- child

    def _run_here(self, name: str) -> None:
        from django.conf import settings
        from django.core.management import call_command

        spec = json.loads(os.environ[CHILD_ENV])
        workdir = Path(spec["workdir"]).resolve()
        database = Path(str(settings.DATABASES["default"]["NAME"])).resolve()
        engine = settings.DATABASES["default"]["ENGINE"]
        if engine != "django.db.backends.sqlite3" or not database.is_relative_to(workdir):
            raise CommandError("基准测试进程没有使用临时数据库，已停止（不会改动现有数据）")
        call_command("migrate", interactive=False, verbosity=0)
        options = spec["options"]
        ctx = bench.Context(
            workdir=workdir, rows=int(options.get("rows") or 0), options={**options, "throwaway_db": True}
        )
        bench.get(name).run(ctx)


_DJANGO_OPTIONS = {"verbosity", "settings", "pythonpath", "traceback", "no_color", "force_color", "skip_checks"}
