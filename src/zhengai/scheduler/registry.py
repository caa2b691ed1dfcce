"""The periodic jobs `zhengai worker` runs: a name, an interval and a dotted callable each.

Apps register their jobs in `AppConfig.ready()` (the scheduler imports no app above it):

    from zhengai.scheduler.registry import register

    register(name="alerts.escalate", label="超时预警升级", every=dt.timedelta(minutes=5),
             func="zhengai.alerts.services.alerts_escalate_overdue")

The callable is called with one keyword, `now` (the clock's moment of the round), and may return a
summary (a count, a dict of counts, a list of what it did) that is kept as the round's result.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.module_loading import import_string


@dataclass(frozen=True)
class Job:
    name: str
    label: str
    every: dt.timedelta
    func: str

    def load(self) -> Callable[..., Any]:
        return import_string(self.func)


_JOBS: dict[str, Job] = {}


def register(*, name: str, label: str, every: dt.timedelta, func: str) -> Job:
    """Add a job (registering the same job again is harmless; a different one under a taken name is a bug)."""
    if every <= dt.timedelta(0):
        raise ValueError(f"定时任务 {name} 的间隔必须大于 0")
    job = Job(name=name, label=label, every=every, func=func)
    known = _JOBS.get(name)
    if known is not None and known != job:
        raise ValueError(f"定时任务 {name} 已注册为 {known.func}")
    _JOBS[name] = job
    return job


def unregister(name: str) -> None:
    _JOBS.pop(name, None)


def jobs() -> list[Job]:
    return sorted(_JOBS.values(), key=lambda job: job.name)


def get(name: str) -> Job | None:
    return _JOBS.get(name)
