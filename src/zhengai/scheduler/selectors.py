"""Reads of the scheduler: each registered job with its last round and when the next one is due."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from zhengai.lib import clock
from zhengai.scheduler import registry
from zhengai.scheduler.models import JobState
from zhengai.scheduler.services import next_due, round_running


@dataclass(frozen=True)
class JobStatus:
    name: str
    label: str
    every: dt.timedelta
    func: str
    last_started_at: dt.datetime | None
    last_finished_at: dt.datetime | None
    last_succeeded_at: dt.datetime | None
    last_result: str
    last_error: str
    failures: int
    worker: str
    running: bool
    next_due_at: dt.datetime  # the moment the next round may start (now, if it is due)

    @property
    def failing(self) -> bool:
        return self.failures > 0


def job_statuses(*, now: dt.datetime | None = None) -> list[JobStatus]:
    """Every registered job, in name order, with its state (a job that never ran is due now)."""
    now = now or clock.now()
    states = {s.name: s for s in JobState.objects.all()}
    found = []
    for job in registry.jobs():
        state = states.get(job.name) or JobState(name=job.name)
        started, finished = state.last_started_at, state.last_finished_at
        due = next_due(every=job.every, started=started, finished=finished)
        found.append(
            JobStatus(
                name=job.name,
                label=job.label,
                every=job.every,
                func=job.func,
                last_started_at=started,
                last_finished_at=finished,
                last_succeeded_at=state.last_succeeded_at,
                last_result=state.last_result,
                last_error=state.last_error,
                failures=state.failures,
                worker=state.worker,
                running=round_running(started=started, finished=finished),
                next_due_at=now if due is None or due < now else due,
            )
        )
    return found
