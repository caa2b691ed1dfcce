"""`zhengai worker`: the task queue (django_tasks_db's db_worker loop) and the scheduler in one process."""

from __future__ import annotations

import os

from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands.db_worker import Command as DBWorkerCommand

from zhengai.scheduler import registry
from zhengai.scheduler.worker import TICK, Scheduler


class Command(DBWorkerCommand):
    help = (
        "后台任务进程：执行任务队列（导入、计算、通知），并按时运行定时任务"
        "（超时预警升级、通知发送与重试、每日汇总、到期的数据库同步等）。"
        "多个 worker 可同时运行：同一轮定时任务只会被其中一个执行。"
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--no-scheduler", action="store_false", dest="scheduler", help="只执行任务队列，不运行定时任务"
        )
        parser.add_argument(
            "--schedule-tick",
            type=float,
            default=TICK,
            help=f"检查定时任务是否到期的间隔秒数（默认 {TICK:g}；各任务自己的周期决定是否运行）",
        )

    def handle(self, *args, scheduler: bool, schedule_tick: float, **options):
        self.configure_logging(options["verbosity"])
        scheduling = None
        if scheduler:
            scheduling = Scheduler(worker_id=options["worker_id"], tick=schedule_tick)
        if scheduling is not None and options["batch"]:
            # One round of the due jobs, then the queue until it is empty (e.g. from cron).
            scheduling.run_once()
            scheduling = None
        # With --reload only the child process (the one that runs the loop) schedules.
        if scheduling is not None and options["reload"] and os.environ.get(DJANGO_AUTORELOAD_ENV) != "true":
            scheduling = None
        if scheduling is not None:
            scheduling.start()
            if options["verbosity"]:
                names = "、".join(job.label for job in registry.jobs()) or "（无）"
                self.stdout.write(f"定时任务已启动：{names}")
        try:
            super().handle(*args, **options)
        finally:
            if scheduling is not None and not scheduling.stop():
                self.stderr.write("定时任务仍在运行，进程退出时被中断；下一轮将重新执行")
