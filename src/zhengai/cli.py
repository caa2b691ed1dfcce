"""The `zhengai` command: `demo`, `serve`, `worker` and every Django management command."""

from __future__ import annotations

import os
import signal
import sys

USAGE = """用法: zhengai <命令> [参数]

  demo [--students N] [--seed S]   生成演示学院（导出文件经数据中心入库、演示账号）
  serve [--host H] [--port P]      启动网页服务（默认 http://127.0.0.1:8000），并在同一进程中运行
                                    后台任务与定时任务（ZHENGAI_SERVE_WORKER=false 或 --no-worker 关闭）
  worker [--no-scheduler]           启动后台任务进程：任务队列 + 定时任务（预警升级、通知发送与
                                    重试、每日汇总、到期的数据库同步）；可同时运行多个
  status                            各部分运行状况，每部分一行（数据中心、标准链、工作清单……）
  import 数据源 文件…                导入数据文件（--dry-run 只校验；--confirm 允许名单批次使大量现有记录消失）
  sync [数据源…] [--due]             同步数据库数据源（增量）
  watch [--folder 目录]              监视投放目录并自动导入
  push_token 数据源                  签发接口推送令牌
  <Django 管理命令>                  例如 migrate、createsuperuser、shell
"""


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhengai.settings")
    from zhengai.lib import argparse_zh

    argparse_zh.install()


def serve(argv: list[str]) -> None:
    import argparse

    parser = argparse.ArgumentParser(prog="zhengai serve", description="启动网页服务")
    parser.add_argument("--host", default=os.environ.get("ZHENGAI_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("ZHENGAI_PORT", "8000")))
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--no-migrate", action="store_true", help="不在启动前执行数据库迁移")
    parser.add_argument(
        "--worker",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="在本进程中运行后台任务与定时任务（默认取 ZHENGAI_SERVE_WORKER，未设置时开启）",
    )
    args = parser.parse_args(argv)

    import django
    from django.core.management import call_command

    django.setup()
    from django.conf import settings

    settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
    # Assets are served from the package through the finders; the folder only has to exist.
    settings.STATIC_ROOT.mkdir(parents=True, exist_ok=True)
    if not args.no_migrate:
        call_command("migrate", interactive=False, verbosity=0)
    from waitress import serve as waitress_serve

    from zhengai.wsgi import application

    background = None
    if settings.ZHENGAI_SERVE_WORKER if args.worker is None else args.worker:
        from zhengai.scheduler.worker import BackgroundWorker

        background = BackgroundWorker()
        background.start()
        print("后台任务与定时任务已在本进程中启动（另有 zhengai worker 时可设 ZHENGAI_SERVE_WORKER=false）", flush=True)
    # SIGTERM (systemd, docker stop) ends the server the way Ctrl+C does, so the worker stops cleanly.
    previous = signal.signal(signal.SIGTERM, _exit_on_signal)
    print(f"诊改平台已启动: http://{args.host}:{args.port}/  (Ctrl+C 停止)", flush=True)
    try:
        waitress_serve(application, host=args.host, port=args.port, threads=args.threads, ident="zhengai")
    finally:
        signal.signal(signal.SIGTERM, previous)
        if background is not None:
            print("正在停止后台任务……", flush=True)
            if background.stop():
                print("后台任务已停止", flush=True)
            else:
                print("后台任务未能在时限内结束，已中断；未完成的任务将由下次启动重新执行", flush=True)


def _exit_on_signal(signum, frame) -> None:
    raise SystemExit(0)


def status(argv: list[str]) -> None:
    import django

    django.setup()
    from django.db import DatabaseError, connection
    from django.db.migrations.executor import MigrationExecutor

    from zhengai.lib.status import lines

    try:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        sys.exit(f"无法连接数据库（{connection.settings_dict.get('NAME')}）：{exc}")
    if pending:
        sys.exit(
            f"数据库尚未迁移（{len(pending)} 个迁移未执行）：请先运行 zhengai migrate，或用 zhengai demo 建立演示学院"
        )
    for line in lines():
        print(line, flush=True)


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    _setup()
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(USAGE)
        if not argv:
            return
        argv = ["help", *argv[1:]] if argv[0] == "help" and len(argv) > 1 else []
        if not argv:
            return
    command, rest = argv[0], argv[1:]
    if command == "serve":
        serve(rest)
        return
    if command == "status":
        status(rest)
        return
    from django.core.management import execute_from_command_line

    execute_from_command_line(["zhengai", *argv])


if __name__ == "__main__":
    main()
