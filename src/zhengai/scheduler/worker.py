"""The scheduler loop of `zhengai worker`, and the in-process worker that `zhengai serve` starts.

The task queue is django_tasks_db's own `Worker` loop, reused as it is; the scheduler runs beside it
in a thread of the same process, so one command (or one `zhengai serve`) does all background work.
"""

from __future__ import annotations

import logging
import os
import socket
import threading

from django.db import close_old_connections, connections

from zhengai.scheduler.services import jobs_run_due

log = logging.getLogger(__name__)

# Seconds between two looks at the registry; each job's own interval decides whether it runs.
TICK = 5.0


def default_worker_id(prefix: str) -> str:
    return f"{prefix}-{socket.gethostname()}-{os.getpid()}"[:64]


class Scheduler:
    """Runs the due jobs every `tick` seconds in a thread until stopped."""

    def __init__(self, *, worker_id: str, tick: float = TICK):
        self.worker_id = worker_id
        self.tick = tick
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> None:
        close_old_connections()
        try:
            jobs_run_due(worker=self.worker_id)
        except Exception:  # e.g. the database is away; the next tick tries again
            log.exception("scheduler round failed; trying again in %.0f s", self.tick)
        close_old_connections()

    def _loop(self) -> None:
        try:
            while not self._stop.is_set():
                self.run_once()
                self._stop.wait(self.tick)
        finally:
            connections.close_all()  # this thread's connections

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="zhengai-scheduler", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> bool:
        """Ask the loop to stop and wait for the round in progress; False if it is still running."""
        self._stop.set()
        if self._thread is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()


class BackgroundWorker:
    """Task worker + scheduler in threads of the current process (`zhengai serve`)."""

    def __init__(self, *, worker_id: str | None = None, interval: float = 1.0, tick: float = TICK):
        from django_tasks_db.compat import DEFAULT_TASK_BACKEND_ALIAS, DEFAULT_TASK_QUEUE_NAME
        from django_tasks_db.management.commands.db_worker import Worker

        self.worker_id = worker_id or default_worker_id("serve")
        self.tasks = Worker(
            queue_names=[DEFAULT_TASK_QUEUE_NAME],
            interval=interval,
            batch=False,
            backend_name=DEFAULT_TASK_BACKEND_ALIAS,
            startup_delay=False,
            max_tasks=None,
            worker_id=self.worker_id,
            excluded_queue_names=[],
        )
        self.scheduler = Scheduler(worker_id=self.worker_id, tick=tick)
        self._thread: threading.Thread | None = None

    def _run_tasks(self) -> None:
        try:
            self.tasks.run()  # returns once `running` is cleared, after the task in progress
        except Exception:
            log.exception("in-process task worker stopped with an error")
        finally:
            connections.close_all()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run_tasks, name="zhengai-tasks", daemon=True)
        self._thread.start()
        self.scheduler.start()

    def stop(self, timeout: float = 30.0) -> bool:
        """Stop taking tasks and jobs; wait for the ones in progress. False if one is still running."""
        self.tasks.running = False
        stopped = self.scheduler.stop(timeout)
        if self._thread is not None:
            self._thread.join(timeout)
            stopped = stopped and not self._thread.is_alive()
        return stopped
