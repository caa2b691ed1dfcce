"""The scheduler: when a job is due, one winner per round, failures kept and retried."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from zhengai.lib import clock
from zhengai.scheduler import registry
from zhengai.scheduler.models import JobState
from zhengai.scheduler.selectors import job_statuses
from zhengai.scheduler.services import LEASE, is_due, job_claim, job_states_ensure, jobs_run_due, next_due

T0 = clock.parse("2027-01-10T09:00")
EVERY = dt.timedelta(minutes=5)
CALLS: list[dt.datetime] = []
FAILURES_LEFT = [0]


def counting_job(*, now: dt.datetime) -> dict[str, int]:
    CALLS.append(now)
    return {"done": len(CALLS)}


def flaky_job(*, now: dt.datetime) -> int:
    CALLS.append(now)
    if FAILURES_LEFT[0] > 0:
        FAILURES_LEFT[0] -= 1
        raise RuntimeError("源数据库连接超时")
    return 3


@pytest.fixture
def job():
    CALLS.clear()
    registered = registry.register(name="test.counting", label="测试任务", every=EVERY, func=f"{__name__}.counting_job")
    yield registered
    registry.unregister(registered.name)


@pytest.fixture
def flaky():
    CALLS.clear()
    FAILURES_LEFT[0] = 1
    registered = registry.register(name="test.flaky", label="会出错的任务", every=EVERY, func=f"{__name__}.flaky_job")
    yield registered
    registry.unregister(registered.name)


# ------------------------------------------------------------------------------------------ due rounds


def test_a_job_that_never_ran_is_due_at_once():
    assert next_due(every=EVERY, started=None, finished=None) is None
    assert is_due(every=EVERY, started=None, finished=None, now=T0)


def test_a_finished_round_is_due_again_after_its_interval():
    finished = T0 + dt.timedelta(seconds=2)
    assert next_due(every=EVERY, started=T0, finished=finished) == T0 + EVERY
    assert not is_due(every=EVERY, started=T0, finished=finished, now=T0 + EVERY - dt.timedelta(seconds=1))
    assert is_due(every=EVERY, started=T0, finished=finished, now=T0 + EVERY)


def test_an_unfinished_round_holds_the_job_until_its_lease_ends():
    # A long sync (or a worker killed mid-round): no second round on top of it, but not forever.
    earlier = T0 - dt.timedelta(days=1)
    assert not is_due(every=EVERY, started=T0, finished=earlier, now=T0 + EVERY)
    assert not is_due(every=EVERY, started=T0, finished=None, now=T0 + LEASE - dt.timedelta(seconds=1))
    assert is_due(every=EVERY, started=T0, finished=None, now=T0 + LEASE)


# ------------------------------------------------------------------------------------------ claiming


@pytest.mark.django_db
def test_a_second_claimer_of_the_same_round_loses(job):
    # Two workers read the same state, then both try to take the round.
    first = job_states_ensure(jobs=[job])[job.name]
    second = JobState.objects.get(pk=first.pk)
    assert job_claim(job=job, state=first, now=T0, worker="worker-a") is True
    assert job_claim(job=job, state=second, now=T0, worker="worker-b") is False
    state = JobState.objects.get(pk=first.pk)
    assert (state.rounds, state.worker, state.last_started_at) == (1, "worker-a", T0)


@pytest.mark.django_db
def test_two_workers_run_a_round_once_and_the_next_round_after_the_interval(job):
    with clock.frozen(T0):
        assert set(jobs_run_due(worker="worker-a", jobs=[job])) == {job.name}
        assert jobs_run_due(worker="worker-b", jobs=[job]) == {}
    with clock.frozen(T0 + EVERY - dt.timedelta(seconds=1)):
        assert jobs_run_due(worker="worker-b", jobs=[job]) == {}
    with clock.frozen(T0 + EVERY):
        ran = jobs_run_due(worker="worker-b", jobs=[job])
    assert CALLS == [T0, T0 + EVERY]
    assert ran[job.name].worker == "worker-b"
    assert ran[job.name].last_result == '{"done": 2}'


@pytest.mark.django_db
def test_a_failing_job_keeps_its_error_and_runs_again_next_round(flaky, caplog):
    with clock.frozen(T0):
        state = jobs_run_due(worker="worker-a", jobs=[flaky])[flaky.name]
    assert "RuntimeError: 源数据库连接超时" in state.last_error
    assert state.failures == 1 and state.last_succeeded_at is None
    assert "test.flaky failed" in caplog.text

    with clock.frozen(T0 + EVERY):
        state = jobs_run_due(worker="worker-a", jobs=[flaky])[flaky.name]
    assert len(CALLS) == 2
    assert (state.last_error, state.failures, state.last_result) == ("", 0, "3")
    assert state.last_succeeded_at == T0 + EVERY


@pytest.mark.django_db
def test_job_statuses_show_the_last_error_and_when_the_job_runs_next(flaky, job):
    with clock.frozen(T0):
        jobs_run_due(worker="worker-a", jobs=[flaky])
        statuses = {s.name: s for s in job_statuses()}
    assert statuses[flaky.name].failing and "源数据库连接超时" in statuses[flaky.name].last_error
    assert statuses[flaky.name].next_due_at == T0 + EVERY
    # Registered but never run: due now, no state yet.
    assert statuses[job.name].last_started_at is None and statuses[job.name].next_due_at == T0


def test_a_different_job_under_a_taken_name_is_refused(job):
    registry.register(name=job.name, label=job.label, every=job.every, func=job.func)  # the same again: fine
    with pytest.raises(ValueError, match="已注册"):
        registry.register(name=job.name, label=job.label, every=job.every, func=f"{__name__}.flaky_job")


def test_the_apps_register_escalation_deliveries_digests_and_due_syncs():
    names = {job.name: job for job in registry.jobs()}
    assert names["alerts.escalate_overdue"].func == "zhengai.alerts.services.alerts_escalate_overdue"
    for name in ("alerts.deliveries_send_due", "alerts.digests_send", "datacenter.sources_sync_due"):
        assert callable(names[name].load())


@pytest.mark.django_db(transaction=True)
def test_worker_batch_runs_one_round_of_the_due_jobs_then_the_queue(job):
    with clock.frozen(T0):
        call_command("worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    assert CALLS == [T0]
    ran = {s.name: s for s in JobState.objects.all()}
    assert set(ran) >= {"alerts.escalate_overdue", "alerts.deliveries_send_due", "datacenter.sources_sync_due"}
    assert all(s.last_succeeded_at == T0 and not s.last_error for s in ran.values())


@pytest.mark.django_db
def test_the_admin_lists_job_states_with_their_next_round(admin_client, flaky):
    with clock.frozen(T0):
        jobs_run_due(worker="worker-a", jobs=[flaky])
    page = admin_client.get("/admin/scheduler/jobstate/")
    assert page.status_code == 200
    assert "会出错的任务" in page.content.decode()
