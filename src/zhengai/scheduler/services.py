"""Running periodic jobs: when a round is due, claiming it, recording how it went.

    jobs_run_due(worker=…) ── for each registered job whose round is due:
        job_claim()  conditional update of JobState.rounds: of two workers only one wins the round
        call it      job.func(now=clock.now())
        job_finish() 成功 (result kept) │ 出错 (error and traceback kept; the next round tries again)

A round that started but never finished (the worker was killed) holds the job for LEASE; after that
the next worker takes it again.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import traceback
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F

from zhengai.lib import clock
from zhengai.scheduler import registry
from zhengai.scheduler.models import JobState
from zhengai.scheduler.registry import Job

log = logging.getLogger(__name__)

# How long an unfinished round keeps its job from being started again (a long sync, a killed worker).
LEASE = dt.timedelta(hours=1)


# ------------------------------------------------------------------------------------------ pure rules


def round_running(*, started: dt.datetime | None, finished: dt.datetime | None) -> bool:
    return started is not None and (finished is None or finished < started)


def next_due(*, every: dt.timedelta, started: dt.datetime | None, finished: dt.datetime | None) -> dt.datetime | None:
    """When the next round may start; None = at once (the job has never run)."""
    if started is None:
        return None
    if round_running(started=started, finished=finished):
        return started + max(every, LEASE)
    return started + every


def is_due(*, every: dt.timedelta, started: dt.datetime | None, finished: dt.datetime | None, now: dt.datetime) -> bool:
    due = next_due(every=every, started=started, finished=finished)
    return due is None or due <= now


def summarize(result: Any) -> str:
    """What a job returned, short enough to keep: counts as JSON, a list as its length."""
    if result is None:
        return ""
    if isinstance(result, dict):
        text = json.dumps(result, ensure_ascii=False, default=str, sort_keys=True)
    elif isinstance(result, list | tuple | set):
        text = f"{len(result)} 项"
    else:
        text = str(result)
    return text[:500]


# ------------------------------------------------------------------------------------------ writes


def job_states_ensure(*, jobs: list[Job]) -> dict[str, JobState]:
    """The state row of each job, created on its first round."""
    states = {s.name: s for s in JobState.objects.filter(name__in=[job.name for job in jobs])}
    for job in jobs:
        if job.name not in states:
            try:
                with transaction.atomic():
                    states[job.name] = JobState.objects.create(name=job.name)
            except IntegrityError:  # another worker created it at the same moment
                states[job.name] = JobState.objects.get(name=job.name)
    return states


def job_claim(*, job: Job, state: JobState, now: dt.datetime, worker: str) -> bool:
    """Take this round of the job if it is due and nobody took it since `state` was read."""
    if not is_due(every=job.every, started=state.last_started_at, finished=state.last_finished_at, now=now):
        return False
    taken = JobState.objects.filter(pk=state.pk, rounds=state.rounds).update(
        rounds=F("rounds") + 1, last_started_at=now, worker=worker[:100]
    )
    if taken:
        state.rounds += 1
        state.last_started_at, state.worker = now, worker[:100]
    return bool(taken)


def job_finish(*, state: JobState, result: Any = None, error: BaseException | None = None) -> JobState:
    """Record how the claimed round went (unless a later round has been claimed meanwhile)."""
    finished = clock.now()
    mine = JobState.objects.filter(pk=state.pk, rounds=state.rounds)
    if error is None:
        fields = {"last_finished_at": finished, "last_succeeded_at": finished, "last_result": summarize(result)}
        mine.update(**fields, last_error="", failures=0)
    else:
        text = "".join(traceback.format_exception(error)).strip()
        fields = {"last_finished_at": finished, "last_error": text[-10000:]}
        mine.update(**fields, failures=F("failures") + 1)
    state.refresh_from_db()
    return state


def job_run(*, job: Job, state: JobState, worker: str) -> JobState | None:
    """Run one round of the job if it is due and this worker wins it; None when it did not run."""
    if not job_claim(job=job, state=state, now=clock.now(), worker=worker):
        return None
    try:
        result = job.load()(now=state.last_started_at)
    except Exception as exc:
        log.exception("scheduled job %s failed; it runs again in its next round", job.name)
        return job_finish(state=state, error=exc)
    return job_finish(state=state, result=result)


def jobs_run_due(*, worker: str, jobs: list[Job] | None = None) -> dict[str, JobState]:
    """One scheduler round: every due job once. Returns the states of the jobs that ran."""
    jobs = registry.jobs() if jobs is None else jobs
    states = job_states_ensure(jobs=jobs)
    ran = {}
    for job in jobs:
        done = job_run(job=job, state=states[job.name], worker=worker)
        if done is not None:
            ran[job.name] = done
    return ran
